"""The normalised Black function b(x, s) and its derivatives, accurate in every region.

Every European price in this package is ``discount · √(F·K) · b(x, s, θ)`` with
``x = ln(F/K)``, ``s = sigma·√T`` and ``θ = ±1`` for a call or a put. Working in these
coordinates (Jäckel, "Let's Be Rational", Wilmott 2015) lets one function serve Black-76,
Black-Scholes-Merton and the implied-volatility solver, and lets it be evaluated without the
catastrophic cancellation of ``F·Φ(d1) - K·Φ(d2)`` far out of the money, which is what makes
implied volatility recoverable there at all. Four regions, as in the paper:

1. ``h = x/s`` very negative, ``t = s/2`` small: asymptotic expansion of Φ's ratio to φ;
2. ``t`` small: a Taylor expansion in ``t`` to twelfth order;
3. ``h + t`` large: the plain formula with Φ (no cancellation there);
4. otherwise: ``½·exp(-(h²+t²)/2)·[erfcx(-(h+t)/√2) - erfcx(-(h-t)/√2)]``.

Arguments: ``x`` and ``s`` are float arrays of one shape; ``x <= 0`` means out of the money for
a call (the functions named ``*_otm`` require it).
"""

from __future__ import annotations

import math

import numpy as np

from deltastream.quant.arrays import FloatArray
from deltastream.quant.special import erfcx, norm_cdf

_ONE_OVER_SQRT_TWO = 0.7071067811865475244008443621048490392848359376887
_ONE_OVER_SQRT_TWO_PI = 0.3989422804014326779399460599343818684758586311649
_SQRT_TWO_PI = 2.506628274631000502415765284811045253006986740610
_ETA = -10.0  # the asymptotic expansion is accurate for h below this
_TAU = 2.0 * np.finfo(np.float64).eps ** (1.0 / 16.0)  # the small-t expansion is accurate below


def _asymptotic_coefficients() -> list[list[float]]:
    """Coefficients of A(h,t) = Σₖ q^k·Pₖ(e), Pₖ(e) = (-1)^k·(2k-1)!!·2·Σⱼ C(2k+1,2j+1)·e^j."""
    table = []
    double_factorial = 1.0
    for k in range(18):
        if k > 0:
            double_factorial *= 2 * k - 1
        row = [
            (-1) ** k * double_factorial * 2 * math.comb(2 * k + 1, 2 * j + 1) for j in range(k + 1)
        ]
        table.append([float(c) for c in row])
    return table


_ASYMPTOTIC = _asymptotic_coefficients()


def _horner(coefficients: list[float], x: FloatArray) -> FloatArray:
    result = np.full_like(x, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = result * x + c
    return result


def _asymptotic_expansion(h: FloatArray, t: FloatArray) -> FloatArray:
    """Region 1: 17th order in q = (h/r)², r = (h+t)(h-t), e = (t/h)² (A&S 26.2.12)."""
    e = (t / h) * (t / h)
    r = (h + t) * (h - t)
    q = (h / r) * (h / r)
    total = np.zeros_like(h)
    for row in reversed(_ASYMPTOTIC):
        total = total * q + _horner(row, e)
    return _ONE_OVER_SQRT_TWO_PI * np.exp(-0.5 * (h * h + t * t)) * (t / r) * total


def _small_t_expansion(h: FloatArray, t: FloatArray) -> FloatArray:
    """Region 2: Y(h+t) - Y(h-t) expanded in t, with a = 1 + h·Y(h), Y = Φ/φ."""
    a = 1.0 + h * (0.5 * _SQRT_TWO_PI) * erfcx(-_ONE_OVER_SQRT_TWO * h)
    w = t * t
    h2 = h * h
    c6 = (
        -89055.0
        + 135135.0 * a
        + h2 * (-82845.0 + 270270.0 * a + h2 * (-20370.0 + 135135.0 * a + h2 * (
            -1926.0 + 25740.0 * a + h2 * (-75.0 + 2145.0 * a + h2 * (-1.0 + 78.0 * a + a * h2))
        )))
    ) / 6227020800.0  # fmt: skip
    c5 = (
        -6555.0
        + 10395.0 * a
        + h2 * (-4680.0 + 17325.0 * a + h2 * (
            -840.0 + 6930.0 * a + h2 * (-52.0 + 990.0 * a + h2 * (-1.0 + 55.0 * a + a * h2))
        ))
    ) / 39916800.0  # fmt: skip
    c4 = (
        -561.0 + 945.0 * a
        + h2 * (-285.0 + 1260.0 * a + h2 * (-33.0 + 378.0 * a + h2 * (-1.0 + 36.0 * a + a * h2)))
    ) / 362880.0  # fmt: skip
    c3 = (-57.0 + 105.0 * a + h2 * (-18.0 + 105.0 * a + h2 * (-1.0 + 21.0 * a + a * h2))) / 5040.0
    c2 = (-7.0 + 15.0 * a + h2 * (-1.0 + 10.0 * a + a * h2)) / 120.0
    c1 = (-1.0 + 3.0 * a + a * h2) / 6.0
    expansion = 2.0 * t * (a + w * (c1 + w * (c2 + w * (c3 + w * (c4 + w * (c5 + w * c6))))))
    return _ONE_OVER_SQRT_TWO_PI * np.exp(-0.5 * (h * h + t * t)) * expansion


def _using_norm_cdf(x: FloatArray, s: FloatArray) -> FloatArray:
    """Region 3: Φ(h+t)·e^{x/2} - Φ(h-t)·e^{-x/2}, fine when the first term dominates."""
    h = x / s
    t = 0.5 * s
    b_max = np.exp(0.5 * x)
    return norm_cdf(h + t) * b_max - norm_cdf(h - t) / b_max


def _using_erfcx(x: FloatArray, s: FloatArray) -> FloatArray:
    """Region 4: one exponential and the difference of two rational functions."""
    h = x / s
    t = 0.5 * s
    with np.errstate(under="ignore"):
        scale = 0.5 * np.exp(-0.5 * (h * h + t * t))
    left = erfcx(-_ONE_OVER_SQRT_TWO * (h + t))
    right = erfcx(-_ONE_OVER_SQRT_TWO * (h - t))
    return scale * (left - right)


def normalised_black_otm(x: FloatArray, s: FloatArray) -> FloatArray:
    """b(x, s) of a call with x <= 0 (out of the money); 0 where s <= 0."""
    result = np.zeros_like(x)
    positive = s > 0
    asymptotic = positive & (x < s * _ETA) & (0.5 * s * s + x < s * (_TAU + _ETA))
    small_t = positive & ~asymptotic & (0.5 * s < _TAU)
    rest = positive & ~(asymptotic | small_t)
    plain = rest & (x + 0.5 * s * s > s * 0.85)
    scaled = rest & ~plain
    with np.errstate(under="ignore", over="ignore"):
        result[asymptotic] = _asymptotic_expansion(
            x[asymptotic] / s[asymptotic], 0.5 * s[asymptotic]
        )
        result[small_t] = _small_t_expansion(x[small_t] / s[small_t], 0.5 * s[small_t])
        result[plain] = _using_norm_cdf(x[plain], s[plain])
        result[scaled] = _using_erfcx(x[scaled], s[scaled])
    return np.maximum(result, 0.0)


def normalised_intrinsic_call(x: FloatArray) -> FloatArray:
    """max(e^{x/2} - e^{-x/2}, 0) with a series near x = 0 so that tiny x keeps its digits."""
    x2 = x * x
    series = x * (1 + x2 * (1 / 24 + x2 * (1 / 1920 + x2 * (1 / 322560 + x2 / 92897280))))
    with np.errstate(over="ignore"):
        direct = 2.0 * np.sinh(0.5 * x)
    value = np.where(x2 < 98.0 * np.finfo(np.float64).eps ** 0.25, series, direct)
    return np.maximum(value, 0.0)


def normalised_black(x: FloatArray, s: FloatArray, theta: FloatArray) -> FloatArray:
    """b(x, s, θ) for any x; θ = +1 call, -1 put (put-call symmetry b(x,s,-1) = b(-x,s,+1))."""
    x_call = theta * x
    otm = normalised_black_otm(-np.abs(x_call), s)
    return otm + normalised_intrinsic_call(x_call)


def normalised_vega(x: FloatArray, s: FloatArray) -> FloatArray:
    """∂b/∂s = φ(x/s)·e^{-s²/8}, the same for calls and puts."""
    with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
        h = np.where(x == 0, 0.0, x / s)
        value = _ONE_OVER_SQRT_TWO_PI * np.exp(-0.5 * (h * h + 0.25 * s * s))
    return np.where((s > 0) | (x == 0), value, 0.0)
