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

from deltastream.quant.arrays import BoolArray, FloatArray, Formula, indices, piecewise
from deltastream.quant.special import erfcx, norm_cdf

_ONE_OVER_SQRT_TWO = 0.7071067811865475244008443621048490392848359376887
_ONE_OVER_SQRT_TWO_PI = 0.3989422804014326779399460599343818684758586311649
_SQRT_TWO_PI = 2.506628274631000502415765284811045253006986740610
_ETA = -10.0  # the asymptotic expansion is accurate for h below this
_TAU = 2.0 * np.finfo(np.float64).eps ** (1.0 / 16.0)  # the small-t expansion is accurate below


def _asymptotic_table() -> FloatArray:
    """Row k: the coefficients of Pₖ(e) = (-1)^k·(2k-1)!!·2·Σⱼ C(2k+1,2j+1)·e^j, j = 0..k.

    A(h,t) = Σₖ q^k·Pₖ(e), to 17th order; entries above the diagonal are zero.
    """
    table = np.zeros((_ASYMPTOTIC_ORDER + 1, _ASYMPTOTIC_ORDER + 1))
    double_factorial = 1.0
    for k in range(_ASYMPTOTIC_ORDER + 1):
        if k > 0:
            double_factorial *= 2 * k - 1
        for j in range(k + 1):
            table[k, j] = (-1) ** k * double_factorial * 2 * math.comb(2 * k + 1, 2 * j + 1)
    return table


_ASYMPTOTIC_ORDER = 17
_ASYMPTOTIC = _asymptotic_table()


def _asymptotic_series(q: FloatArray, e: FloatArray) -> FloatArray:
    """Σₖ q^k·Pₖ(e): every Pₖ at once by Horner's rule in e (one row of a 2-D array per k,
    each row joining when its leading coefficient comes up), then Horner's rule in q."""
    rows = np.empty((_ASYMPTOTIC_ORDER + 1, e.size))
    for j in range(_ASYMPTOTIC_ORDER, -1, -1):
        started = rows[j + 1 :]
        started *= e
        started += _ASYMPTOTIC[j + 1 :, j, None]
        rows[j] = _ASYMPTOTIC[j, j]
    total: FloatArray = rows[-1].copy()
    for k in range(_ASYMPTOTIC_ORDER - 1, -1, -1):
        total *= q
        total += rows[k]
    return total


def _asymptotic_expansion(x: FloatArray, s: FloatArray) -> FloatArray:
    """Region 1: 17th order in q = (h/r)², r = (h+t)(h-t), e = (t/h)² (A&S 26.2.12)."""
    h, t = x / s, 0.5 * s
    e = (t / h) * (t / h)
    r = (h + t) * (h - t)
    q = (h / r) * (h / r)
    total = _asymptotic_series(q, e)
    return _ONE_OVER_SQRT_TWO_PI * np.exp(-0.5 * (h * h + t * t)) * (t / r) * total


def _small_t_expansion(h: FloatArray, t: FloatArray, erfcx_h: FloatArray) -> FloatArray:
    """Region 2: Y(h+t) - Y(h-t) expanded in t, with a = 1 + h·Y(h), Y = Φ/φ.

    ``erfcx_h`` is erfcx(-h/√2), so that Y(h) = √(π/2)·erfcx_h.
    """
    a = 1.0 + h * (0.5 * _SQRT_TWO_PI) * erfcx_h
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
    h, t = x / s, 0.5 * s
    b_max = np.exp(0.5 * x)
    upper, lower = np.split(norm_cdf(np.concatenate((h + t, h - t))), 2)
    return upper * b_max - lower / b_max


def _erfcx_difference(
    h: FloatArray, t: FloatArray, left: FloatArray, right: FloatArray
) -> FloatArray:
    """Region 4: ½·exp(-(h²+t²)/2)·[erfcx(-(h+t)/√2) - erfcx(-(h-t)/√2)], given both erfcx."""
    return 0.5 * np.exp(-0.5 * (h * h + t * t)) * (left - right)


def _using_erfcx(x: FloatArray, s: FloatArray) -> FloatArray:
    """Regions 2 and 4, the common ones, with their erfcx values from one call.

    Region 2 needs erfcx at -h/√2, region 4 at -(h+t)/√2 and -(h-t)/√2; one call on all these
    arguments makes one numpy pass per rational branch of erfcx instead of one per region.
    """
    h, t = x / s, 0.5 * s
    expanded, direct = indices(t < _TAU), indices(t >= _TAU)
    h_e, t_e, h_d, t_d = h[expanded], t[expanded], h[direct], t[direct]
    arguments = -_ONE_OVER_SQRT_TWO * np.concatenate((h_e, h_d + t_d, h_d - t_d))
    erfcx_h, left, right = np.split(erfcx(arguments), (h_e.size, h_e.size + h_d.size))
    result = np.empty_like(h)
    result[expanded] = _small_t_expansion(h_e, t_e, erfcx_h)
    result[direct] = _erfcx_difference(h_d, t_d, left, right)
    return result


def _regions(x: FloatArray, s: FloatArray) -> list[tuple[BoolArray, Formula]]:
    """Each region's elements and formula (none for s <= 0, where b is 0)."""
    positive = s > 0
    asymptotic = positive & (x < s * _ETA) & (0.5 * s * s + x < s * (_TAU + _ETA))
    plain = positive & ~asymptotic & (0.5 * s >= _TAU) & (x + 0.5 * s * s > s * 0.85)
    return [
        (asymptotic, _asymptotic_expansion),
        (plain, _using_norm_cdf),
        (positive & ~(asymptotic | plain), _using_erfcx),  # regions 2 (t < τ) and 4
    ]


def normalised_black_otm(x: FloatArray, s: FloatArray) -> FloatArray:
    """b(x, s) of a call with x <= 0 (out of the money); 0 where s <= 0."""
    with np.errstate(under="ignore", over="ignore"):
        result = piecewise(np.zeros_like(x), _regions(x, s), x, s)
    return np.maximum(result, 0.0, out=result)


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
