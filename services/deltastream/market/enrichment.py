"""Implied volatility, Greeks and chain analytics of a whole chain at once (pure computation).

The forward comes from put-call parity around the money when both sides are quoted, else from
the spot; implied volatilities are Black-76 on that forward (BSM with ``q = r`` and ``S = F``),
so dividends and carry need not be known. Mapped from ``deltastream.quant.IvReason`` to the
``IvStatus`` numbers of the contract (``proto/deltastream/v1/market.proto``).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from deltastream.market.chain import ChainColumns, ChainState, SideColumns
from deltastream.quant import greeks, implied_forward, implied_vol_with_reason, pcr
from deltastream.quant.chain import max_pain_by_chain

IV_STATUS_NO_QUOTE = 7
_IV_STATUS_OFFSET = 1  # IvStatus = IvReason + 1 (IV_STATUS_UNSPECIFIED is 0)
_SECONDS_PER_YEAR = 365.0 * 24 * 3600
GreekName = Literal["delta", "gamma", "vega", "theta", "rho"]
GREEK_NAMES: tuple[GreekName, ...] = ("delta", "gamma", "vega", "theta", "rho")


_NS_PER_MINUTE = 60_000_000_000


@functools.lru_cache(maxsize=64)
def _local_day(minute: int, timezone: str) -> int:
    """Days start on a whole minute in every time zone, so a minute has one local date."""
    return dt.datetime.fromtimestamp(minute * 60, ZoneInfo(timezone)).date().toordinal()


@dataclass(frozen=True, slots=True)
class ExpiryConvention:
    """When an expiry date ends: the exchange's closing time in its time zone."""

    close: dt.time = dt.time(15, 30)
    timezone: str = "Asia/Kolkata"

    def trading_day(self, at_ns: int) -> int:
        """The exchange's local date at ``at_ns``, as an ordinal."""
        return _local_day(at_ns // _NS_PER_MINUTE, self.timezone)

    def time_to_expiry(self, expiry: dt.date, at_ns: int) -> float:
        """Year fraction (ACT/365) from ``at_ns`` to the expiry's close; negative once expired."""
        close = dt.datetime.combine(expiry, self.close, tzinfo=ZoneInfo(self.timezone))
        return (close.timestamp() - at_ns / 1e9) / _SECONDS_PER_YEAR


@dataclass(frozen=True, slots=True)
class SideEnrichment:
    """Per-strike results of one side: mid, IV, IvStatus and the Greeks (NaN where no IV)."""

    mid: NDArray[np.float64]
    iv: NDArray[np.float64]
    iv_status: NDArray[np.int8]
    greeks: dict[str, NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class ChainAnalytics:
    pcr_open_interest: float
    pcr_volume: float
    max_pain: float
    atm_iv: float
    atm_strike: float
    total_call_open_interest: int
    total_put_open_interest: int
    total_call_volume: int
    total_put_volume: int


@dataclass(frozen=True, slots=True)
class EnrichedChain:
    """A chain with everything derived from it, ready to store and publish."""

    underlying: str
    expiry: dt.date
    version: int
    applied_quotes: int
    spot: float
    forward: float
    time_to_expiry: float
    timestamp_ns: int
    columns: ChainColumns
    calls: SideEnrichment
    puts: SideEnrichment
    analytics: ChainAnalytics


@dataclass(frozen=True, slots=True)
class ChainInput:
    """A chain to enrich, with the underlying's last price (NaN when none was seen)."""

    chain: ChainState
    spot: float


def enrich_chain(
    chain: ChainState, spot: float, rate: float, convention: ExpiryConvention
) -> EnrichedChain:
    """IV, Greeks and analytics of one chain valued at its newest quote."""
    return enrich_chains([ChainInput(chain, spot)], rate, convention)[0]


def enrich_chains(
    inputs: Sequence[ChainInput], rate: float, convention: ExpiryConvention
) -> list[EnrichedChain]:
    """IV, Greeks and analytics of several chains, each valued at its newest quote.

    All options of all chains go through one implied-volatility and one Greeks call, so the
    per-call cost of the solver is paid once per batch, not once per chain and side.
    """
    prepared = [_prepare(item, rate, convention) for item in inputs]
    sides = [side for chain in prepared for side in (chain.calls, chain.puts)]
    results = _enrich_sides(sides, rate)
    analytics = _analytics(prepared, results)
    enriched = []
    for index, chain in enumerate(prepared):
        calls, puts = results[2 * index], results[2 * index + 1]
        enriched.append(
            EnrichedChain(
                underlying=chain.state.underlying,
                expiry=chain.state.expiry,
                version=chain.state.version,
                applied_quotes=chain.state.applied_quotes,
                spot=chain.spot,
                forward=chain.forward,
                time_to_expiry=chain.time_to_expiry,
                timestamp_ns=chain.timestamp_ns,
                columns=chain.columns,
                calls=calls,
                puts=puts,
                analytics=analytics[index],
            )
        )
    return enriched


@dataclass(frozen=True, slots=True)
class _SideInput:
    columns: SideColumns
    strikes: NDArray[np.float64]
    forward: float
    time_to_expiry: float
    is_call: bool


@dataclass(frozen=True, slots=True)
class _PreparedChain:
    state: ChainState
    spot: float
    columns: ChainColumns
    forward: float
    time_to_expiry: float
    timestamp_ns: int
    calls: _SideInput
    puts: _SideInput


def _prepare(item: ChainInput, rate: float, convention: ExpiryConvention) -> _PreparedChain:
    columns = item.chain.columns()
    timestamp_ns = item.chain.newest_timestamp_ns
    time_to_expiry = convention.time_to_expiry(item.chain.expiry, timestamp_ns)
    forward = _forward(columns, item.spot, time_to_expiry, rate)
    return _PreparedChain(
        state=item.chain,
        spot=item.spot,
        columns=columns,
        forward=forward,
        time_to_expiry=time_to_expiry,
        timestamp_ns=timestamp_ns,
        calls=_SideInput(columns.calls, columns.strikes, forward, time_to_expiry, True),
        puts=_SideInput(columns.puts, columns.strikes, forward, time_to_expiry, False),
    )


def _forward(columns: ChainColumns, spot: float, time_to_expiry: float, rate: float) -> float:
    call_mid, put_mid = columns.calls.mid, columns.puts.mid
    both = np.isfinite(call_mid) & np.isfinite(put_mid)
    if time_to_expiry > 0 and both.any():
        strikes = columns.strikes[both]
        forward = implied_forward(strikes, call_mid[both], put_mid[both], time_to_expiry, rate)
        if math.isfinite(forward) and forward > 0:
            return float(forward)
    return spot * math.exp(rate * max(time_to_expiry, 0.0))


def _enrich_sides(sides: Sequence[_SideInput], rate: float) -> list[SideEnrichment]:
    """One solver call over the concatenation of every side, split back per side."""
    sizes = [side.strikes.size for side in sides]
    mids = [side.columns.mid for side in sides]
    price = np.concatenate(mids) if sides else np.empty(0)
    strikes = np.concatenate([side.strikes for side in sides]) if sides else np.empty(0)
    forward = np.repeat([side.forward for side in sides], sizes)
    time_to_expiry = np.repeat([side.time_to_expiry for side in sides], sizes)
    is_call = np.repeat([side.is_call for side in sides], sizes)
    iv, reason = implied_vol_with_reason(
        price, forward, strikes, time_to_expiry, rate, rate, is_call
    )
    values = greeks(forward, strikes, time_to_expiry, rate, rate, iv, is_call)
    bounds = np.cumsum([0, *sizes])
    results = []
    for index, side in enumerate(sides):
        part = slice(int(bounds[index]), int(bounds[index + 1]))
        status = np.where(
            side.columns.present,
            reason[part].astype(np.int8) + _IV_STATUS_OFFSET,
            IV_STATUS_NO_QUOTE,
        )
        results.append(
            SideEnrichment(
                mid=mids[index],
                iv=iv[part],
                iv_status=status.astype(np.int8),
                greeks={
                    name: np.asarray(values[name][part], dtype=np.float64) for name in GREEK_NAMES
                },
            )
        )
    return results


def _analytics(
    chains: Sequence[_PreparedChain], sides: Sequence[SideEnrichment]
) -> list[ChainAnalytics]:
    """The analytics of every chain in one pass of array calls over all of them (``sides``:
    each chain's calls, then its puts); the same numbers as chain by chain."""
    if not chains:
        return []
    columns = [chain.columns for chain in chains]
    sizes = np.array([column.strikes.size for column in columns])
    strikes = np.concatenate([column.strikes for column in columns])
    call_oi = np.concatenate([column.calls.open_interest for column in columns])
    put_oi = np.concatenate([column.puts.open_interest for column in columns])
    call_volume = np.concatenate([column.calls.volume for column in columns])
    put_volume = np.concatenate([column.puts.volume for column in columns])
    pain = max_pain_by_chain(strikes, call_oi, put_oi, sizes)
    starts = np.cumsum(sizes) - sizes
    quoted = sizes > 0
    totals = np.zeros((4, sizes.size), dtype=np.int64)
    if quoted.any():
        totals[:, quoted] = np.add.reduceat(
            np.stack([call_oi, put_oi, call_volume, put_volume]), starts[quoted], axis=1
        )
    analytics = []
    for index, chain in enumerate(chains):
        calls, puts = sides[2 * index], sides[2 * index + 1]
        call_oi_total, put_oi_total, call_volume_total, put_volume_total = (
            int(value) for value in totals[:, index]
        )
        strikes_here = chain.columns.strikes
        atm_index = int(np.argmin(np.abs(strikes_here - chain.forward))) if sizes[index] else -1
        analytics.append(
            ChainAnalytics(
                pcr_open_interest=float(pcr(put_oi_total, call_oi_total)),
                pcr_volume=float(pcr(put_volume_total, call_volume_total)),
                max_pain=float(pain[index]),
                atm_iv=_atm_iv(calls, puts, atm_index),
                atm_strike=float(strikes_here[atm_index]) if atm_index >= 0 else math.nan,
                total_call_open_interest=call_oi_total,
                total_put_open_interest=put_oi_total,
                total_call_volume=call_volume_total,
                total_put_volume=put_volume_total,
            )
        )
    return analytics


def _atm_iv(calls: SideEnrichment, puts: SideEnrichment, atm_index: int) -> float:
    if atm_index < 0:
        return math.nan
    values = [float(side.iv[atm_index]) for side in (calls, puts)]
    finite = [value for value in values if math.isfinite(value)]
    return sum(finite) / len(finite) if finite else math.nan
