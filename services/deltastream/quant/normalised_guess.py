"""The implied-volatility solver's first guess: Jäckel's four branches ("Let's Be Rational").

For an out-of-the-money normalised price β at x <= 0, b(x, ·) is evaluated exactly at three
points: the inflection point s_c = √(2|x|), then s_l = s_c - b(s_c)/b'(s_c) (the tangent at
s_c meets zero) when β < b(s_c), or s_h = s_c + (e^{x/2} - b(s_c))/b'(s_c) (it meets the
upper bound) otherwise. That is two evaluations of b over the whole array: one at s_c, one at
s_l or s_h, whichever the element needs. β then falls in one of four branches:

- lowest (β < b(s_l)): a convex rational cubic of f = 2π|x|/√27·Φ(-|x|/(√3·s))³ against b,
  inverted in closed form; f is nearly linear in b where b is tiny;
- lower middle and upper middle (one formula): a rational cubic of s against b between the
  two points that bracket β, matching b and b' = vega at both;
- highest (β > b(s_h)): a convex rational cubic of f = Φ(-s/2) against b, inverted.

Each branch's formula runs on that branch's elements only (``arrays.piecewise``). Every guess
comes with a bracket of the root and the objective its Householder steps should use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

from deltastream.quant import rational_cubic as rc
from deltastream.quant.arrays import BoolArray, FloatArray, IndexArray, indices, piecewise
from deltastream.quant.normalised_black import normalised_black_otm, normalised_vega
from deltastream.quant.special import inverse_norm_cdf, norm_cdf, norm_pdf

LOWER, MIDDLE, UPPER = 0, 1, 2  # the objective of the Householder steps, per element
ObjectiveArray: TypeAlias = NDArray[np.int8]
_TINY = float(np.finfo(np.float64).tiny)
_HUGE = float(np.finfo(np.float64).max)
_SQRT_HUGE = float(np.sqrt(_HUGE))
_SQRT_THREE = 1.732050807568877293527446341505872366942805253810
_TWO_PI = 6.283185307179586476925286766559005768394338798750
_TWO_PI_OVER_SQRT_27 = 1.209199576156145233729385505094770488189377498728
_PI_OVER_SIX = 0.523598775598298873077107230546583814032861566563
_SQRT_PI_OVER_TWO = 1.253314137315500251207882642405522626503493370305


@dataclass
class Guess:
    """The starting point, a bracket [left, right] of the root, and the objective (``LOWER``,
    ``MIDDLE`` or ``UPPER``) of every element."""

    s: FloatArray
    left: FloatArray
    right: FloatArray
    objective: ObjectiveArray


def _lower_map(x: FloatArray, s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """f(s) = 2π|x|/√27·Φ(-|x|/(√3·s))³ with df/db and d²f/db² along b(x, s)."""
    ax = np.abs(x)
    z = ax / (_SQRT_THREE * s)
    y = z * z
    s2 = s * s
    phi_cdf = norm_cdf(-z)
    phi_pdf = norm_pdf(z)
    fpp = (
        _PI_OVER_SIX * y / (s2 * s) * phi_cdf
        * (8 * _SQRT_THREE * s * ax + (3 * s2 * (s2 - 8) - 8 * x * x) * phi_cdf / phi_pdf)
        * np.exp(2 * y + 0.25 * s2)
    )  # fmt: skip
    fp = _TWO_PI * y * phi_cdf * phi_cdf * np.exp(y + 0.125 * s2)
    f = _TWO_PI_OVER_SQRT_27 * ax * phi_cdf**3
    return f, fp, fpp


def _inverse_lower_map(x: FloatArray, f: FloatArray) -> FloatArray:
    u = np.cbrt(f / (_TWO_PI_OVER_SQRT_27 * np.abs(x)))
    s = np.abs(x / (_SQRT_THREE * inverse_norm_cdf(u)))
    return np.where(f > 0, s, 0.0)


def _upper_map(x: FloatArray, s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """f(s) = Φ(-s/2) with df/db and d²f/db² along b(x, s)."""
    w = (x / s) ** 2
    fp = -0.5 * np.exp(0.5 * w)
    fpp = _SQRT_PI_OVER_TWO * np.exp(w + 0.125 * s * s) * w / s
    return norm_cdf(-0.5 * s), fp, fpp


def _lowest(
    beta: FloatArray, x: FloatArray, s_c: FloatArray, b_c: FloatArray,
    s_l: FloatArray, b_l: FloatArray, b_max: FloatArray,
) -> FloatArray:  # fmt: skip
    """β < b(s_l): interpolate f between (0, 0) and (b_l, f(s_l)), then invert f."""
    f_l, fp_l, fpp_l = _lower_map(x, s_l)
    zero, one = np.zeros_like(x), np.ones_like(x)
    r = rc.convex_control(zero, b_l, zero, f_l, one, fp_l, fpp_l, at_right=True, prefer_shape=True)
    f = rc.interpolate(beta, zero, b_l, zero, f_l, one, fp_l, r)
    t = beta / b_l
    f = np.where(f > 0, f, (f_l * t + b_l * (1 - t)) * t)
    return _inverse_lower_map(x, f)


def _highest(
    beta: FloatArray, x: FloatArray, s_c: FloatArray, b_c: FloatArray,
    s_h: FloatArray, b_h: FloatArray, b_max: FloatArray,
) -> FloatArray:  # fmt: skip
    """β > b(s_h): interpolate f between (b_h, f(s_h)) and (b_max, 0), then invert f."""
    f_h, fp_h, fpp_h = _upper_map(x, s_h)
    zero, half = np.zeros_like(x), np.full_like(x, -0.5)
    r = rc.convex_control(
        b_h, b_max, f_h, zero, fp_h, half, fpp_h, at_right=False, prefer_shape=True
    )
    f = rc.interpolate(beta, b_h, b_max, f_h, zero, fp_h, half, r)
    f = np.where((fpp_h > -_SQRT_HUGE) & (fpp_h < _SQRT_HUGE), f, -1.0)
    h = b_max - b_h
    t = (beta - b_h) / h
    f = np.where(f > 0, f, (f_h * (1 - t) + 0.5 * h * t) * (1 - t))
    return -2.0 * inverse_norm_cdf(f)


def _middle(
    beta: FloatArray, x: FloatArray, s_c: FloatArray, b_c: FloatArray,
    s_side: FloatArray, b_side: FloatArray, b_max: FloatArray,
) -> FloatArray:  # fmt: skip
    """b(s_l) <= β < b(s_c) or b(s_c) <= β <= b(s_h): a rational cubic of s against b between
    the two points, matching b and b' at both and with zero curvature at s_c (the inflection
    point: the right end below it, the left end above)."""
    below = beta < b_c
    s_a, s_b = np.where(below, s_side, s_c), np.where(below, s_c, s_side)
    b_a, b_b = np.where(below, b_side, b_c), np.where(below, b_c, b_side)
    d_a, d_b = 1.0 / normalised_vega(x, s_a), 1.0 / normalised_vega(x, s_b)
    zero = np.zeros_like(x)
    r = rc.convex_control(b_a, b_b, s_a, s_b, d_a, d_b, zero, at_right=below, prefer_shape=False)
    return rc.interpolate(beta, b_a, b_b, s_a, s_b, d_a, d_b, r)


def initial_guess(beta: FloatArray, x: FloatArray) -> Guess:
    """The first guess, bracket and objective of every element (call inside np.errstate)."""
    s_c = np.sqrt(2 * np.abs(x))
    b_c = normalised_black_otm(x, s_c)
    v_c = normalised_vega(x, s_c)
    b_max = np.exp(0.5 * x)
    lower = beta < b_c
    s_l = s_c - b_c / v_c
    s_h = np.where(v_c > _TINY, s_c + (b_max - b_c) / np.maximum(v_c, _TINY), s_c)
    s_side = np.where(lower, s_l, s_h)
    b_side = normalised_black_otm(x, s_side)
    lowest, highest = lower & (beta < b_side), ~lower & (beta > b_side)
    pieces = [(lowest, _lowest), (~(lowest | highest), _middle), (highest, _highest)]
    s = piecewise(np.empty_like(x), pieces, beta, x, s_c, b_c, s_side, b_side, b_max)
    return _bracketed(s, (s_c, s_side), indices(lowest), indices(highest), beta > 0.5 * b_max)


def _bracketed(
    s: FloatArray,
    ends: tuple[FloatArray, FloatArray],
    lowest: IndexArray,
    highest: IndexArray,
    near_maximum: BoolArray,
) -> Guess:
    """Brackets: [s_l, s_c] and [s_c, s_h] in the middle, [0, s_l] and [s_h, ∞) outside."""
    s_c, s_side = ends
    left, right = np.minimum(s_side, s_c), np.maximum(s_side, s_c)
    left[lowest], right[lowest] = _TINY, s_side[lowest]
    left[highest], right[highest] = s_side[highest], _HUGE
    objective: ObjectiveArray = np.full(s.shape, MIDDLE, dtype=np.int8)
    objective[lowest] = LOWER
    objective[highest[near_maximum[highest]]] = UPPER
    return Guess(s, left, right, objective)
