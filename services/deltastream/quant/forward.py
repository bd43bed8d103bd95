"""The forward implied by a chain's put-call parity, for underlyings quoted without a future.

Parity ``C - P = e^{-rT}·(F - K)`` gives one forward per strike; quotes are most reliable
(tightest, most traded) near the money, where ``|C - P|`` is smallest. The estimate is the
median of the forwards of the few strikes nearest the money, so one or two bad quotes among
them cannot move it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

NEAREST_STRIKES = 5


def implied_forward(
    strikes: ArrayLike,
    call_prices: ArrayLike,
    put_prices: ArrayLike,
    T: float,
    r: float,
    nearest: int = NEAREST_STRIKES,
) -> float:
    """The forward from put-call parity around the money; NaN when no strike has both quotes.

    ``strikes``, ``call_prices`` and ``put_prices`` are aligned 1-D arrays (any order);
    a strike with a missing (NaN) or non-positive quote on either side is ignored.
    """
    k = np.asarray(strikes, dtype=np.float64).ravel()
    c = np.asarray(call_prices, dtype=np.float64).ravel()
    p = np.asarray(put_prices, dtype=np.float64).ravel()
    usable = np.isfinite(k) & np.isfinite(c) & np.isfinite(p) & (k > 0) & (c > 0) & (p > 0)
    if not np.any(usable) or not np.isfinite(T) or not np.isfinite(r):
        return float("nan")
    difference = c[usable] - p[usable]
    forwards = k[usable] + np.exp(r * T) * difference
    closest = np.sort(forwards[np.argsort(np.abs(difference), kind="stable")[: max(nearest, 1)]])
    middle = (closest.size - 1) // 2
    return float((closest[middle] + closest[closest.size // 2]) / 2)  # the median
