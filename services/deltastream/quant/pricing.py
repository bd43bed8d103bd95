"""European option prices: Black-Scholes-Merton on spot and Black-76 on a forward.

Both are ``discount · √(F·K) · b(x, sigma√T, θ)`` with the normalised Black function, so a price
far out of the money keeps its relative accuracy (the textbook ``F·Φ(d1) - K·Φ(d2)`` loses it
to cancellation) and the implied-volatility solver inverts exactly what is priced here.

Conventions: ``T`` in years, ``r`` and ``q`` continuously compounded, ``sigma`` annualised,
``is_call`` a bool (array). At ``T == 0`` or ``sigma == 0`` the price is the discounted
intrinsic value of the forward; a negative ``T`` or ``sigma``, a non-positive ``S``/``F`` or
``K``, or a non-finite argument gives NaN.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from deltastream.quant.arrays import BoolArray, FloatArray, flat_floats, shaped
from deltastream.quant.normalised_black import normalised_black


def _valid(
    F: FloatArray, K: FloatArray, T: FloatArray, r: FloatArray, sigma: FloatArray
) -> BoolArray:
    finite = np.isfinite(F) & np.isfinite(K) & np.isfinite(T) & np.isfinite(r) & np.isfinite(sigma)
    valid: BoolArray = finite & (F > 0) & (K > 0) & (T >= 0) & (sigma >= 0)
    return valid


def _black(
    F: FloatArray, K: FloatArray, T: FloatArray, r: FloatArray, sigma: FloatArray, theta: FloatArray
) -> FloatArray:
    """Flat-array Black-76 price; NaN for invalid elements."""
    valid = _valid(F, K, T, r, sigma)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = np.log(F / K)
        s = sigma * np.sqrt(T)
        x, s = np.where(valid, x, 0.0), np.where(valid, s, 1.0)
        discount = np.exp(-r * T)
        value = discount * np.sqrt(F) * np.sqrt(K) * normalised_black(x, s, theta)
        intrinsic = discount * np.maximum(theta * (F - K), 0.0)
    return np.where(valid, np.where(s > 0, value, intrinsic), np.nan)


def black76_price(
    F: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, sigma: ArrayLike, is_call: ArrayLike
) -> FloatArray:
    """Black-76 price of a European option on a forward or future ``F``."""
    shape, (f, k, t, rate, vol), theta = flat_floats(F, K, T, r, sigma, is_call=is_call)
    return shaped(_black(f, k, t, rate, vol, theta), shape)


def bsm_price(
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
    is_call: ArrayLike,
) -> FloatArray:
    """Black-Scholes-Merton price of a European option on spot ``S`` with dividend yield ``q``."""
    shape, (spot, k, t, rate, dividend, vol), theta = flat_floats(
        S, K, T, r, q, sigma, is_call=is_call
    )
    with np.errstate(over="ignore", invalid="ignore"):
        forward = spot * np.exp((rate - dividend) * t)
    forward = np.where(np.isfinite(dividend), forward, np.nan)
    return shaped(_black(forward, k, t, rate, vol, theta), shape)
