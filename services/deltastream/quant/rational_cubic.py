"""Shape-preserving rational cubic interpolation (Delbourgo and Gregory, 1985), on arrays.

The implied-volatility solver's first guess interpolates the inverse of the normalised Black
function between points where it is known exactly, with the control parameter chosen to match
a second derivative while staying convex; Jäckel shows the guess is then close enough that two
third-order Householder steps reach machine precision. Every argument is a float array (or a
scalar that broadcasts) and every function is a closed form: no per-element branching.
"""

from __future__ import annotations

import numpy as np

from deltastream.quant.arrays import BoolArray, FloatArray

_EPSILON = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)
_HUGE = float(np.finfo(np.float64).max)
MINIMUM_CONTROL = -(1.0 - np.sqrt(_EPSILON))
MAXIMUM_CONTROL = 2.0 / (_EPSILON * _EPSILON)


def interpolate(
    x: FloatArray,
    x_l: FloatArray,
    x_r: FloatArray,
    y_l: FloatArray,
    y_r: FloatArray,
    d_l: FloatArray,
    d_r: FloatArray,
    r: FloatArray,
) -> FloatArray:
    """The rational cubic through (x_l, y_l), (x_r, y_r) with slopes d_l, d_r and control r."""
    h = x_r - x_l
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x - x_l) / h
    omt = 1.0 - t
    t2 = t * t
    omt2 = omt * omt
    with np.errstate(over="ignore", invalid="ignore"):
        cubic = (
            y_r * t2 * t
            + (r * y_r - h * d_r) * t2 * omt
            + (r * y_l + h * d_l) * t * omt2
            + y_l * omt2 * omt
        ) / (1.0 + (r - 3.0) * t * omt)
    linear = y_r * t + y_l * omt
    result = np.where(r >= MAXIMUM_CONTROL, linear, cubic)
    return np.where(np.abs(h) <= 0, 0.5 * (y_l + y_r), result)


def _safe_ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """numerator/denominator, with the maximum (or minimum) control where that is 0/0-like."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = numerator / denominator
    limit = np.where(numerator > 0, MAXIMUM_CONTROL, MINIMUM_CONTROL)
    ratio = np.where(np.abs(denominator) < _TINY, limit, ratio)
    return np.where(np.abs(numerator) < _TINY, 0.0, ratio)


def _minimum_control(
    d_l: FloatArray, d_r: FloatArray, slope: FloatArray, prefer_shape: bool
) -> FloatArray:
    """The smallest control parameter that keeps the interpolant monotone and convex/concave."""
    monotonic = (d_l * slope >= 0) & (d_r * slope >= 0)
    shaped = ((d_l <= slope) & (slope <= d_r)) | ((d_l >= slope) & (slope >= d_r))
    fallback = MAXIMUM_CONTROL if prefer_shape else -_HUGE
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r1 = np.where(np.abs(slope) >= _TINY, (d_r + d_l) / slope, fallback)
        spread = d_r - d_l
        r2 = np.maximum(np.abs(spread / (d_r - slope)), np.abs(spread / (slope - d_l)))
    degenerate = (np.abs(slope - d_l) < _TINY) | (np.abs(d_r - slope) < _TINY)
    r1 = np.where(monotonic, r1, -_HUGE)
    r2 = np.where(degenerate, fallback, r2)
    r2 = np.where(shaped, r2, np.where(monotonic, fallback, -_HUGE))
    result: FloatArray = np.maximum(MINIMUM_CONTROL, np.maximum(r1, r2))
    return result


def convex_control(
    x_l: FloatArray, x_r: FloatArray, y_l: FloatArray, y_r: FloatArray,
    d_l: FloatArray, d_r: FloatArray, second_derivative: FloatArray,
    at_right: BoolArray | bool, prefer_shape: bool,
) -> FloatArray:  # fmt: skip
    """Control parameter matching ``second_derivative`` at the right end where ``at_right``
    holds and at the left end elsewhere, kept shape-preserving."""
    h = x_r - x_l
    slope = (y_r - y_l) / h
    denominator = np.where(at_right, d_r - slope, slope - d_l)
    r = _safe_ratio(0.5 * h * second_derivative + (d_r - d_l), denominator)
    return np.maximum(r, _minimum_control(d_l, d_r, slope, prefer_shape))
