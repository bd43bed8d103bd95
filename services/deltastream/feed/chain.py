"""The listed options of the synthetic market, laid out as flat arrays for vectorized work.

Every option of every underlying is one position in a set of parallel numpy arrays (which
underlying, which expiry, strike, call or put, and the trading state: cumulative day volume,
open interest, last price). Listing is rebuilt when an expiry rolls off or the underlying has
moved far from the centre of its strike grid; options that stay listed keep their state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deltastream.feed.specs import UnderlyingSpec

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_ITM_ACTIVITY = 0.35
"""In-the-money options trade less than out-of-the-money ones."""
_MIN_ACTIVITY = 0.02


@dataclass(slots=True)
class Chain:
    """Parallel arrays, one position per listed option (the layout never changes in place)."""

    expiry_dates: tuple[dt.date, ...]
    """Distinct expiry dates of all underlyings; ``expiry_slot`` indexes into it."""
    centres: FloatArray
    """Centre strike of each underlying's grid."""
    underlying: IntArray
    expiry_slot: IntArray
    strike: FloatArray
    is_call: BoolArray
    activity: FloatArray
    """Relative trading interest in (0, 1]: how often quoted, how much traded."""
    volume: IntArray
    open_interest: IntArray
    last: FloatArray
    is_new: BoolArray
    """Listed by the latest rebuild (state to be initialised by the caller)."""

    @property
    def size(self) -> int:
        """Number of listed options."""
        return int(self.strike.size)


def atm_strike(spot: float, step: float) -> float:
    """The listed strike nearest to ``spot``."""
    return float(round(spot / step) * step)


def build_chain(
    specs: Sequence[UnderlyingSpec],
    spots: Sequence[float],
    expiries: Sequence[tuple[dt.date, ...]],
    previous: Chain | None = None,
) -> Chain:
    """List each underlying's expiries x strikes around spot x {call, put}.

    Options also listed in ``previous`` carry their volume, open interest and last price over.
    """
    expiry_dates = tuple(sorted({day for dates in expiries for day in dates}))
    columns = [
        _underlying_columns(index, spec, spot, dates, expiry_dates)
        for index, (spec, spot, dates) in enumerate(zip(specs, spots, expiries, strict=True))
    ]
    underlying, slot, strike, is_call, activity = (
        np.concatenate(c) for c in zip(*columns, strict=True)
    )
    chain = Chain(
        expiry_dates=expiry_dates,
        centres=np.array(
            [atm_strike(s, spec.strike_step) for spec, s in zip(specs, spots, strict=True)]
        ),
        underlying=underlying.astype(np.int64),
        expiry_slot=slot.astype(np.int64),
        strike=strike,
        is_call=is_call.astype(np.bool_),
        activity=activity,
        volume=np.zeros(strike.size, dtype=np.int64),
        open_interest=np.zeros(strike.size, dtype=np.int64),
        last=np.zeros(strike.size),
        is_new=np.ones(strike.size, dtype=np.bool_),
    )
    if previous is not None:
        _carry_state(previous, chain)
    return chain


def _underlying_columns(
    index: int,
    spec: UnderlyingSpec,
    spot: float,
    dates: tuple[dt.date, ...],
    expiry_dates: tuple[dt.date, ...],
) -> tuple[FloatArray, ...]:
    """Columns of one underlying: index, expiry slot, strike, is-call flag, activity."""
    offsets = np.arange(-spec.strikes_each_side, spec.strikes_each_side + 1, dtype=np.float64)
    strikes = atm_strike(spot, spec.strike_step) + spec.strike_step * offsets
    per_expiry = 2 * strikes.size
    rank = np.repeat(np.arange(len(dates), dtype=np.float64), per_expiry)
    strike: FloatArray = np.tile(np.repeat(strikes, 2), len(dates))
    is_call = np.tile(np.array([1.0, 0.0]), strike.size // 2)
    slots = np.repeat(
        np.array([expiry_dates.index(day) for day in dates], dtype=np.float64), per_expiry
    )
    distance = (strike - spot) / (spec.strike_step * max(spec.strikes_each_side / 2.5, 1.0))
    in_the_money = np.where(is_call == 1.0, strike < spot, strike > spot)
    activity = np.exp(-0.5 * distance**2) / (1.0 + rank) ** 1.2
    activity = np.maximum(np.where(in_the_money, _ITM_ACTIVITY, 1.0) * activity, _MIN_ACTIVITY)
    return np.full(strike.size, float(index)), slots, strike, is_call, activity


def _carry_state(previous: Chain, chain: Chain) -> None:
    """Copy volume, open interest and last price of options listed in both chains."""
    old = {key: i for i, key in enumerate(_keys(previous))}
    for i, key in enumerate(_keys(chain)):
        j = old.get(key)
        if j is not None:
            chain.volume[i] = previous.volume[j]
            chain.open_interest[i] = previous.open_interest[j]
            chain.last[i] = previous.last[j]
            chain.is_new[i] = False


def _keys(chain: Chain) -> list[tuple[int, dt.date, float, bool]]:
    dates = [chain.expiry_dates[s] for s in chain.expiry_slot.tolist()]
    return list(
        zip(
            chain.underlying.tolist(),
            dates,
            chain.strike.tolist(),
            chain.is_call.tolist(),
            strict=True,
        )
    )
