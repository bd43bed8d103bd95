"""Open-interest statistics of one option chain: the put-call ratio and max pain.

``pcr`` is the ratio of put to call totals; pass open interest for PCR-OI and traded volume
for PCR-volume. ``max_pain`` is the settlement price, among the listed strikes, at which
option holders would collect the least at expiry (writers pay the least):

    payout(P) = Σᵢ call_oiᵢ · max(P - Kᵢ, 0) + Σᵢ put_oiᵢ · max(Kᵢ - P, 0)

evaluated at every strike in O(n log n) with cumulative sums over the sorted strikes.
``max_pain_by_chain`` does it for several chains in one pass of array calls, with the same
numbers as ``max_pain`` chain by chain.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

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


def max_pain_by_chain(
    strikes: ArrayLike, call_oi: ArrayLike, put_oi: ArrayLike, sizes: ArrayLike
) -> FloatArray:
    """``max_pain`` of several chains at once, bit for bit: the arrays hold the chains one after
    another, ``sizes[i]`` strikes for chain ``i`` (in any order within it); NaN for a chain of
    none. Each chain is a row of a zero-padded table, so its sums run in the same order as on
    its own, for the cost of one call per step for all the chains instead of one per chain."""
    counts = np.asarray(sizes, dtype=np.int64).ravel()
    k = np.asarray(strikes, dtype=np.float64).ravel()
    calls = np.nan_to_num(np.asarray(call_oi, dtype=np.float64).ravel())
    puts = np.nan_to_num(np.asarray(put_oi, dtype=np.float64).ravel())
    width = int(counts.max()) if counts.size else 0
    filled = np.arange(width) < counts[:, np.newaxis]
    order = np.lexsort((k, np.repeat(np.arange(counts.size), counts)))
    ks, cs, ps = (_rows(values[order], filled) for values in (k, calls, puts))
    call_count, call_weighted = np.cumsum(cs, axis=1), np.cumsum(cs * ks, axis=1)
    put_count = np.cumsum(ps[:, ::-1], axis=1)[:, ::-1]
    put_weighted = np.cumsum((ps * ks)[:, ::-1], axis=1)[:, ::-1]
    payout = (ks * call_count - call_weighted) + (put_weighted - ks * put_count)
    payout[~filled] = np.inf
    least = payout.min(axis=1, initial=np.inf)[:, np.newaxis]
    near = filled & (payout <= least + _TIE_TOLERANCE * np.maximum(np.abs(least), 1.0))
    pain: FloatArray = np.where(near, ks, np.inf).min(axis=1, initial=np.inf)
    pain[counts == 0] = np.nan
    return pain


def _rows(values: FloatArray, filled: NDArray[np.bool_]) -> FloatArray:
    """Consecutive chains' values as the rows of a zero-padded table."""
    table: FloatArray = np.zeros(filled.shape)
    table[filled] = values
    return table
