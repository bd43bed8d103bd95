"""A slow, obviously correct scalar reference for the fast array code (tests compare them).

One option at a time with the standard library's ``math.erfc``: the textbook
Black-Scholes-Merton formula and an implied volatility found by plain bisection on a
volatility bracket. Nothing here is clever, so nothing here is likely to share a bug with
the vectorised kernels.
"""

from __future__ import annotations

import math


def normal_cdf(z: float) -> float:
    """Φ(z) through the standard library's complementary error function."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def bsm_price(
    S: float, K: float, T: float, r: float, q: float, sigma: float, is_call: bool
) -> float:
    """Textbook Black-Scholes-Merton price (``T > 0``, ``sigma > 0``)."""
    s = sigma * math.sqrt(T)
    d1 = (math.log(S / K) + (r - q) * T) / s + 0.5 * s
    d2 = d1 - s
    spot, strike = S * math.exp(-q * T), K * math.exp(-r * T)
    if is_call:
        return spot * normal_cdf(d1) - strike * normal_cdf(d2)
    return strike * normal_cdf(-d2) - spot * normal_cdf(-d1)


def implied_vol(
    price: float, S: float, K: float, T: float, r: float, q: float, is_call: bool
) -> float:
    """Bisection on sigma in [1e-6, 20] to the last representable digit; NaN if not bracketed."""
    low, high = 1e-6, 20.0
    if (
        not bsm_price(S, K, T, r, q, low, is_call)
        <= price
        <= bsm_price(S, K, T, r, q, high, is_call)
    ):
        return math.nan
    while high - low > 4 * math.ulp(high):
        middle = 0.5 * (low + high)
        if bsm_price(S, K, T, r, q, middle, is_call) < price:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)
