"""Implied volatility on arrays, with a reason code wherever no volatility exists.

``implied_vol`` inverts ``bsm_price`` (and ``implied_vol_black76`` inverts ``black76_price``)
to the last digits the price carries: the price is mapped to the normalised Black
coordinates, in-the-money options to their out-of-the-money twin (the time value is the same),
and ``normalised_implied_volatility`` solves there. Elements with no volatility get NaN and
one ``IvReason``; nothing raises for a bad element. The checks, first match wins:

``INVALID_INPUT``       NaN or infinite argument, non-positive ``S``/``F`` or ``K``;
``EXPIRED``             ``T <= 0``;
``NON_POSITIVE_PRICE``  ``price <= 0`` (or an out-of-the-money price so small it is subnormal
                        once normalised: nothing to invert);
``ABOVE_UPPER_BOUND``   ``price >=`` the discounted forward (call) or discounted strike (put);
``BELOW_INTRINSIC``     ``price <=`` the discounted intrinsic value of the forward, or a time
                        value within a few rounding units of the price (nothing left to invert).
"""

from __future__ import annotations

import enum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deltastream.quant.arrays import FloatArray, flat_floats, gather, scatter, selection, shaped
from deltastream.quant.normalised_black import normalised_intrinsic_call
from deltastream.quant.normalised_implied_volatility import normalised_implied_volatility

_TINY = float(np.finfo(np.float64).tiny)
_RESOLUTION = 4 * float(np.finfo(np.float64).eps)


class IvReason(enum.IntEnum):
    """Why an implied volatility is NaN (``OK`` when it is not)."""

    OK = 0
    BELOW_INTRINSIC = 1
    ABOVE_UPPER_BOUND = 2
    EXPIRED = 3
    NON_POSITIVE_PRICE = 4
    INVALID_INPUT = 5


ReasonArray = NDArray[np.int8]


def _screen(
    price: FloatArray, F: FloatArray, K: FloatArray, T: FloatArray, r: FloatArray
) -> ReasonArray:
    """The reasons decidable before normalising: invalid input, expiry, non-positive price."""
    finite = np.isfinite(price) & np.isfinite(F) & np.isfinite(K) & np.isfinite(T) & np.isfinite(r)
    reason = np.full(price.shape, IvReason.OK, dtype=np.int8)
    reason[(price <= 0) & ~np.isnan(price)] = IvReason.NON_POSITIVE_PRICE
    reason[T <= 0] = IvReason.EXPIRED
    reason[~finite | ~(F > 0) | ~(K > 0)] = IvReason.INVALID_INPUT
    return reason


def _bounds(
    p: FloatArray, f: FloatArray, k: FloatArray, t: FloatArray, rate: FloatArray, th: FloatArray
) -> tuple[FloatArray, FloatArray, ReasonArray]:
    """The out-of-the-money normalised price and x of screened options, and their reasons."""
    discount = np.exp(-rate * t)
    x = np.log(f / k)
    beta = p / (discount * np.sqrt(f) * np.sqrt(k))
    upper = np.where(th > 0, f, k) * discount
    x_call = th * x
    beta_otm = beta - normalised_intrinsic_call(x_call)
    x_otm = -np.abs(x)
    in_the_money = x_call > 0
    intrinsic = discount * np.maximum(th * (f - k), 0.0)
    # In the money, a time value within a few rounding units of the price is no time value.
    lost = in_the_money & ((beta_otm <= _RESOLUTION * beta) | (p <= intrinsic))
    code = np.full(p.shape, IvReason.OK, dtype=np.int8)
    code[(beta_otm < _TINY) & ~in_the_money] = IvReason.NON_POSITIVE_PRICE
    code[(beta_otm <= 0) | lost | ((beta_otm < _TINY) & in_the_money)] = IvReason.BELOW_INTRINSIC
    code[(p >= upper) | (beta_otm >= np.exp(0.5 * x_otm))] = IvReason.ABOVE_UPPER_BOUND
    return beta_otm, x_otm, code


def _solve_screened(
    p: FloatArray, f: FloatArray, k: FloatArray, t: FloatArray, rate: FloatArray, th: FloatArray
) -> tuple[FloatArray, ReasonArray]:
    """Implied volatility and reasons of options that passed ``_screen``."""
    with np.errstate(over="ignore"):
        beta_otm, x_otm, code = _bounds(p, f, k, t, rate, th)
    sigma = np.full(p.shape, np.nan)
    solvable = selection(code == IvReason.OK)
    if solvable is None or solvable.size:
        beta, x, time = gather(solvable, beta_otm, x_otm, t)
        scatter(sigma, solvable, normalised_implied_volatility(beta, x) / np.sqrt(time))
    return sigma, code


def _solve(
    price: FloatArray, F: FloatArray, K: FloatArray, T: FloatArray, r: FloatArray, theta: FloatArray
) -> tuple[FloatArray, ReasonArray]:
    """Flat-array Black-76 implied volatility and reasons."""
    reason = _screen(price, F, K, T, r)
    vol = np.full(price.shape, np.nan)
    ok = selection(reason == IvReason.OK)
    if ok is None or ok.size:
        sigma, code = _solve_screened(*gather(ok, price, F, K, T, r, theta))
        scatter(vol, ok, sigma)
        scatter(reason, ok, code)
    return vol, reason


def implied_vol_with_reason(
    price: ArrayLike,
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    is_call: ArrayLike,
) -> tuple[FloatArray, ReasonArray]:
    """Black-Scholes-Merton implied volatility and an ``IvReason`` code per element."""
    shape, (p, spot, k, t, rate, dividend), theta = flat_floats(
        price, S, K, T, r, q, is_call=is_call
    )
    with np.errstate(over="ignore", invalid="ignore"):
        forward = spot * np.exp((rate - dividend) * t)
    forward = np.where(np.isfinite(spot) & (spot > 0) & np.isfinite(dividend), forward, np.nan)
    vol, reason = _solve(p, forward, k, t, rate, theta)
    return shaped(vol, shape), reason.reshape(shape)


def implied_vol(
    price: ArrayLike,
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    is_call: ArrayLike,
) -> FloatArray:
    """Black-Scholes-Merton implied volatility; NaN where none exists (see the module doc)."""
    return implied_vol_with_reason(price, S, K, T, r, q, is_call)[0]


def implied_vol_black76_with_reason(
    price: ArrayLike, F: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, is_call: ArrayLike
) -> tuple[FloatArray, ReasonArray]:
    """Black-76 implied volatility (forward ``F``) and an ``IvReason`` code per element."""
    shape, (p, f, k, t, rate), theta = flat_floats(price, F, K, T, r, is_call=is_call)
    vol, reason = _solve(p, f, k, t, rate, theta)
    return shaped(vol, shape), reason.reshape(shape)


def implied_vol_black76(
    price: ArrayLike, F: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, is_call: ArrayLike
) -> FloatArray:
    """Black-76 implied volatility; NaN where none exists."""
    return implied_vol_black76_with_reason(price, F, K, T, r, is_call)[0]
