"""Open-interest statistics of one option chain: the put-call ratio and max pain.

``pcr`` is the ratio of put to call totals; pass open interest for PCR-OI and traded volume
for PCR-volume. ``max_pain`` is the settlement price, among the listed strikes, at which
option holders would collect the least at expiry (writers pay the least):

    payout(P) = Σᵢ call_oiᵢ · max(P - Kᵢ, 0) + Σᵢ put_oiᵢ · max(Kᵢ - P, 0)

evaluated at every strike in O(n log n) with cumulative sums over the sorted strikes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from deltastream.quant.arrays import FloatArray

_TIE_TOLERANCE = 1e-12


def pcr(put_totals: ArrayLike, call_totals: ArrayLike) -> float:
    """Σ puts / Σ calls (open interest or volume); NaN when the call side sums to 0."""
    puts, calls = _nan_sum(put_totals), _nan_sum(call_totals)
    return puts / calls if calls > 0 else float("nan")


def _nan_sum(values: ArrayLike) -> float:
    """The sum with NaN counted as 0 (``np.nansum`` without its copy)."""
    array = np.asarray(values, dtype=np.float64)
    return float(np.add.reduce(array, axis=None, where=~np.isnan(array)))


def expiry_payout(strikes: ArrayLike, call_oi: ArrayLike, put_oi: ArrayLike) -> FloatArray:
    """Total payout to holders if the underlying settles at each strike (same order as input)."""
    k = np.asarray(strikes, dtype=np.float64).ravel()
    calls = np.nan_to_num(np.asarray(call_oi, dtype=np.float64).ravel())
    puts = np.nan_to_num(np.asarray(put_oi, dtype=np.float64).ravel())
    order = np.argsort(k, kind="stable")
    ks, cs, ps = k[order], calls[order], puts[order]
    call_count, call_weighted = np.cumsum(cs), np.cumsum(cs * ks)
    put_count = np.cumsum(ps[::-1])[::-1]
    put_weighted = np.cumsum((ps * ks)[::-1])[::-1]
    sorted_payout = (ks * call_count - call_weighted) + (put_weighted - ks * put_count)
    payout = np.empty_like(sorted_payout)
    payout[order] = sorted_payout
    return payout


def max_pain(strikes: ArrayLike, call_oi: ArrayLike, put_oi: ArrayLike) -> float:
    """The strike minimising the total payout to option holders (lowest such strike on ties).

    NaN for an empty chain. Missing (NaN) open interest counts as 0.
    """
    k = np.asarray(strikes, dtype=np.float64).ravel()
    if k.size == 0:
        return float("nan")
    payout = expiry_payout(k, call_oi, put_oi)
    least = payout.min()
    near = payout <= least + _TIE_TOLERANCE * max(abs(least), 1.0)
    return float(k[near].min())
