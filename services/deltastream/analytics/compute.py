"""The Analytics service's computations: stored chain documents in, statistics out (no I/O).

Documents are the column-wise chains of ``deltastream.store`` (latest or history snapshots);
the math itself is ``deltastream.quant``'s. What is decided here is which numbers of a chain
feed it: the out-of-the-money smile (puts below the forward, calls at and above it, the other
side where one is missing), the price build-up reads (the last trade, else the mid), and how a
baseline snapshot is matched strike by strike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from deltastream import quant
from deltastream.quant.arrays import BoolArray, FloatArray
from deltastream.quant.surface import SmileFitError, SviSlice, VolSurface

IV_STATUS_OK = 1
NANOSECONDS_PER_DAY = 86_400 * 10**9
DEFAULT_LOG_MONEYNESS: tuple[float, ...] = tuple(
    float(k) for k in np.round(np.linspace(-0.2, 0.2, 17), 6)
)

Document = Mapping[str, Any]


def floats(values: Sequence[Any]) -> FloatArray:
    """A stored column as float64 (a missing value, None, becomes NaN)."""
    return np.array(values, dtype=np.float64)


def side_iv(side: Document) -> FloatArray:
    """The implied volatilities of one side, NaN where there is no quote or no valid IV."""
    iv = floats(side["iv"])
    valid = np.asarray(side["present"], dtype=np.bool_) & (
        np.asarray(side["iv_status"], dtype=np.int64) == IV_STATUS_OK
    )
    return np.where(valid, iv, np.nan)


def otm_smile(document: Document) -> tuple[FloatArray, FloatArray]:
    """Strikes and the out-of-the-money side's IV at each (the other side's where missing)."""
    strikes = floats(document["strikes"])
    calls, puts = side_iv(document["calls"]), side_iv(document["puts"])
    above = strikes >= float(document["forward"])
    preferred = np.where(above, calls, puts)
    return strikes, np.where(np.isfinite(preferred), preferred, np.where(above, puts, calls))


def smile_statistics(document: Document) -> quant.SmileSummary:
    """ATM IV at the forward, and the 25-delta wings of the out-of-the-money smile."""
    strikes, ivs = otm_smile(document)
    return quant.smile_summary(
        strikes, ivs, float(document["forward"]), float(document["time_to_expiry"])
    )


@dataclass(frozen=True, slots=True)
class IvStanding:
    """Where the current ATM IV sits in its history."""

    iv_rank: float
    iv_percentile: float
    samples: int
    low: float
    high: float


def iv_standing(history: Sequence[float], current: float) -> IvStanding:
    """IV rank and percentile of ``current`` against the finite values of ``history``."""
    values = floats(history)
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if values.size else (math.nan,) * 2
    return IvStanding(
        iv_rank=quant.iv_rank(values, current),
        iv_percentile=quant.iv_percentile(values, current),
        samples=int(values.size),
        low=low,
        high=high,
    )


def start_of_day_ns(timestamp_ns: int) -> int:
    """00:00 UTC of the day of ``timestamp_ns``."""
    return timestamp_ns - timestamp_ns % NANOSECONDS_PER_DAY


@dataclass(frozen=True, slots=True)
class SideBuildUp:
    """One side of the build-up table, aligned on ``BuildUpTable.strikes``."""

    present: BoolArray
    price: FloatArray
    price_change: FloatArray
    open_interest: NDArray[np.int64]
    open_interest_change: FloatArray
    code: NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class BuildUpTable:
    strikes: FloatArray
    calls: SideBuildUp
    puts: SideBuildUp


def build_up_table(latest: Document, baseline: Document | None) -> BuildUpTable:
    """Price and open-interest changes per option since ``baseline``, with the build-up code
    (``quant.BuildUp``); without a baseline every change is NaN and every code NEUTRAL."""
    strikes = floats(latest["strikes"])
    sides = []
    for name in ("calls", "puts"):
        side = latest[name]
        price = option_price(side)
        open_interest = np.asarray(side["open_interest"], dtype=np.int64)
        before_price = before_oi = np.full(strikes.shape, np.nan)
        if baseline is not None:
            base_strikes = floats(baseline["strikes"])
            base_side = baseline[name]
            before_price = align(strikes, base_strikes, option_price(base_side))
            before_oi = align(strikes, base_strikes, present_floats(base_side, "open_interest"))
        price_change, oi_change = price - before_price, open_interest - before_oi
        present = np.asarray(side["present"], dtype=np.bool_)
        sides.append(
            SideBuildUp(
                present=present,
                price=price,
                price_change=price_change,
                open_interest=open_interest,
                open_interest_change=oi_change,
                code=quant.build_up(price_change, oi_change),
            )
        )
    return BuildUpTable(strikes=strikes, calls=sides[0], puts=sides[1])


def present_floats(side: Document, column: str) -> FloatArray:
    """A column of one side, NaN where the side has no quote."""
    return np.where(np.asarray(side["present"], dtype=np.bool_), floats(side[column]), np.nan)


def option_price(side: Document) -> FloatArray:
    """The last traded price where there is one, else the mid; NaN without a quote."""
    last, mid = present_floats(side, "last"), present_floats(side, "mid")
    return np.where(last > 0, last, mid)


def align(strikes: FloatArray, other_strikes: FloatArray, other_values: FloatArray) -> FloatArray:
    """``other_values`` (aligned on ``other_strikes``) at ``strikes``; NaN where not listed."""
    if other_strikes.size == 0:
        return np.full(strikes.shape, np.nan)
    order = np.argsort(other_strikes, kind="stable")
    sorted_strikes, sorted_values = other_strikes[order], other_values[order]
    index = np.clip(np.searchsorted(sorted_strikes, strikes), 0, sorted_strikes.size - 1)
    return np.where(sorted_strikes[index] == strikes, sorted_values[index], np.nan)


@dataclass(frozen=True, slots=True)
class TermPoint:
    expiry: str
    time_to_expiry: float
    forward: float
    atm_iv: float
    forward_vol: float
    timestamp_ns: int


def term_structure(documents: Sequence[Document]) -> list[TermPoint]:
    """ATM IV (at the forward) of each unexpired chain with one, nearest first, and the forward
    volatility from the previous such expiry."""
    usable = []
    for document in documents:
        strikes, ivs = otm_smile(document)
        atm = quant.atm_iv(strikes, ivs, float(document["forward"]))
        time_to_expiry = float(document["time_to_expiry"])
        if math.isfinite(atm) and atm > 0 and time_to_expiry > 0:
            usable.append((time_to_expiry, atm, document))
    usable.sort(key=lambda item: item[0])
    structure = quant.term_structure([t for t, _, _ in usable], [v for _, v, _ in usable])
    return [
        TermPoint(
            expiry=str(document["expiry"]),
            time_to_expiry=time_to_expiry,
            forward=float(document["forward"]),
            atm_iv=atm,
            forward_vol=float(forward_vol),
            timestamp_ns=int(document["timestamp_ns"]),
        )
        for (time_to_expiry, atm, document), forward_vol in zip(
            usable, structure.forward_vol, strict=True
        )
    ]


@dataclass(frozen=True, slots=True)
class FittedSlice:
    expiry: str
    time_to_expiry: float
    forward: float
    svi: SviSlice
    quotes: int
    butterfly_arbitrage: bool


@dataclass(frozen=True, slots=True)
class Surface:
    """Fitted slices (nearest first) and the surface sampled on the grid (rows: times)."""

    slices: tuple[FittedSlice, ...]
    skipped: tuple[tuple[str, str], ...]
    calendar_arbitrage: BoolArray
    log_moneyness: FloatArray
    times_to_expiry: FloatArray
    implied_vol: FloatArray
    total_variance: FloatArray


def surface(
    documents: Sequence[Document],
    log_moneyness: Sequence[float],
    times_to_expiry: Sequence[float] = (),
) -> Surface:
    """An SVI slice per chain with at least ``quant.surface.MINIMUM_QUOTES`` implied
    volatilities, sampled on ``log_moneyness`` × ``times_to_expiry`` (the slices' own times
    when empty); arbitrage checks on the same log-moneyness grid."""
    k = floats(log_moneyness)
    fitted, skipped = _fit_slices(documents)
    fitted.sort(key=lambda item: item.time_to_expiry)
    if not fitted:
        empty = np.empty((0, k.size))
        return Surface((), tuple(skipped), np.empty(0, np.bool_), k, np.empty(0), empty, empty)
    vol_surface = VolSurface(tuple(s.time_to_expiry for s in fitted), tuple(s.svi for s in fitted))
    butterflies = vol_surface.butterfly_arbitrage(k)
    slices = tuple(
        FittedSlice(s.expiry, s.time_to_expiry, s.forward, s.svi, s.quotes, bool(flag))
        for s, flag in zip(fitted, butterflies, strict=True)
    )
    times = floats(times_to_expiry) if len(times_to_expiry) else floats(vol_surface.expiries)
    vols = vol_surface.sample(k, times)
    return Surface(
        slices=slices,
        skipped=tuple(skipped),
        calendar_arbitrage=vol_surface.calendar_arbitrage(k),
        log_moneyness=k,
        times_to_expiry=times,
        implied_vol=vols,
        total_variance=vols * vols * times[:, None],
    )


def _fit_slices(documents: Sequence[Document]) -> tuple[list[FittedSlice], list[tuple[str, str]]]:
    fitted: list[FittedSlice] = []
    skipped: list[tuple[str, str]] = []
    for document in documents:
        expiry, time_to_expiry = str(document["expiry"]), float(document["time_to_expiry"])
        forward = float(document["forward"])
        if not (time_to_expiry > 0 and forward > 0):
            skipped.append((expiry, "expired or without a forward"))
            continue
        strikes, ivs = otm_smile(document)
        usable = np.isfinite(ivs) & (ivs > 0) & (strikes > 0)
        try:
            svi = quant.fit_svi(
                np.log(strikes[usable] / forward), ivs[usable] ** 2 * time_to_expiry
            )
        except SmileFitError as exc:
            skipped.append((expiry, str(exc)))
            continue
        count = int(np.count_nonzero(usable))
        fitted.append(FittedSlice(expiry, time_to_expiry, forward, svi, count, False))
    return fitted, skipped
