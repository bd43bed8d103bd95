"""Inverse of the normalised Black function, s = sigma·√T from b (Jäckel's "Let's Be Rational").

Given an out-of-the-money normalised price β in (0, e^{x/2}) at x = ln(F/K) <= 0, find s with
b(x, s) = β. The (x, β) plane is cut into four branches around the inflection point
s_c = √(2|x|); on each, a rational cubic interpolation of a transformed inverse gives a first
guess, and third-order Householder steps on a branch-specific objective (1/ln b at the bottom,
b itself in the middle, ln(b_max - b) at the top) converge cubically. Every step keeps a
bracket and falls back to bisection if a step would leave it, so the result is the root even
where the guess is poor. Elements leave the loop as soon as a step is small enough that the
next one could not move s by a rounding unit; the rest are compacted, so cost follows the
number of hard cases, not the array size.

All arrays here are 1-D float64 of one length; ``x <= 0`` and ``0 < beta < exp(x/2)`` hold for
every element (the caller, ``implied_volatility``, screens the rest out with a reason code).
"""

from __future__ import annotations

import numpy as np

from deltastream.quant import rational_cubic as rc
from deltastream.quant.arrays import FloatArray
from deltastream.quant.normalised_black import normalised_black_otm, normalised_vega
from deltastream.quant.special import inverse_norm_cdf, norm_cdf, norm_pdf

_TINY = float(np.finfo(np.float64).tiny)
_HUGE = float(np.finfo(np.float64).max)
_SQRT_HUGE = float(np.sqrt(_HUGE))
_SQRT_THREE = 1.732050807568877293527446341505872366942805253810
_TWO_PI = 6.283185307179586476925286766559005768394338798750
_TWO_PI_OVER_SQRT_27 = 1.209199576156145233729385505094770488189377498728
_PI_OVER_SIX = 0.523598775598298873077107230546583814032861566563
_SQRT_PI_OVER_TWO = 1.253314137315500251207882642405522626503493370305
_LOWER, _MIDDLE, _UPPER = 0, 1, 2
_CONVERGED_STEP = 1e-7  # a Householder(3) step this small (relative) leaves an error ~ step³
_MAXIMUM_ITERATIONS = 100


def _lower_map(x: FloatArray, s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """f(s) = 2π|x|/√27·Φ(-|x|/(√3·s))³ with df/db and d²f/db² along b(x, s)."""
    ax = np.abs(x)
    z = ax / (_SQRT_THREE * s)
    y = z * z
    s2 = s * s
    phi_cdf = norm_cdf(-z)
    phi_pdf = norm_pdf(z)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fpp = (
            _PI_OVER_SIX * y / (s2 * s) * phi_cdf
            * (8 * _SQRT_THREE * s * ax + (3 * s2 * (s2 - 8) - 8 * x * x) * phi_cdf / phi_pdf)
            * np.exp(2 * y + 0.25 * s2)
        )  # fmt: skip
        fp = _TWO_PI * y * phi_cdf * phi_cdf * np.exp(y + 0.125 * s2)
    f = _TWO_PI_OVER_SQRT_27 * ax * phi_cdf**3
    return f, fp, fpp


def _inverse_lower_map(x: FloatArray, f: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.cbrt(f / (_TWO_PI_OVER_SQRT_27 * np.abs(x)))
        s = np.abs(x / (_SQRT_THREE * inverse_norm_cdf(u)))
    return np.where(f > 0, s, 0.0)


def _upper_map(x: FloatArray, s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """f(s) = Φ(-s/2) with df/db and d²f/db² along b(x, s)."""
    w = (x / s) ** 2
    with np.errstate(over="ignore"):
        fp = -0.5 * np.exp(0.5 * w)
        fpp = _SQRT_PI_OVER_TWO * np.exp(w + 0.125 * s * s) * w / s
    return norm_cdf(-0.5 * s), fp, fpp


class _Guess:
    """The starting point, the bracket and the objective of every element."""

    def __init__(self, n: int) -> None:
        self.s = np.empty(n)
        self.left = np.full(n, _TINY)
        self.right = np.full(n, _HUGE)
        self.objective = np.full(n, _MIDDLE, dtype=np.int8)


def _guess_lowest(beta: FloatArray, x: FloatArray, s_l: FloatArray, b_l: FloatArray) -> FloatArray:
    f_l, fp_l, fpp_l = _lower_map(x, s_l)
    zero, one = np.zeros_like(x), np.ones_like(x)
    r = rc.convex_control_right(zero, b_l, zero, f_l, one, fp_l, fpp_l, prefer_shape=True)
    f = rc.interpolate(beta, zero, b_l, zero, f_l, one, fp_l, r)
    t = beta / b_l
    f = np.where(f > 0, f, (f_l * t + b_l * (1 - t)) * t)
    return _inverse_lower_map(x, f)


def _guess_highest(
    beta: FloatArray, x: FloatArray, s_h: FloatArray, b_h: FloatArray, b_max: FloatArray
) -> FloatArray:
    f_h, fp_h, fpp_h = _upper_map(x, s_h)
    zero, half = np.zeros_like(x), np.full_like(x, -0.5)
    r = rc.convex_control_left(b_h, b_max, f_h, zero, fp_h, half, fpp_h, prefer_shape=True)
    f = rc.interpolate(beta, b_h, b_max, f_h, zero, fp_h, half, r)
    f = np.where((fpp_h > -_SQRT_HUGE) & (fpp_h < _SQRT_HUGE), f, -1.0)
    h = b_max - b_h
    t = (beta - b_h) / h
    f = np.where(f > 0, f, (f_h * (1 - t) + 0.5 * h * t) * (1 - t))
    return -2.0 * inverse_norm_cdf(f)


def _middle(
    beta: FloatArray,
    x: FloatArray,
    s_pair: tuple[FloatArray, FloatArray],
    b_pair: tuple[FloatArray, FloatArray],
    fit_right: bool,
) -> FloatArray:
    """Rational cubic in (b, s) between two points where b and its slope are known."""
    (s_a, s_b), (b_a, b_b) = s_pair, b_pair
    with np.errstate(divide="ignore", over="ignore"):
        d_a, d_b = 1.0 / normalised_vega(x, s_a), 1.0 / normalised_vega(x, s_b)
    zero = np.zeros_like(x)
    control = rc.convex_control_right if fit_right else rc.convex_control_left
    r = control(b_a, b_b, s_a, s_b, d_a, d_b, zero, prefer_shape=False)
    return rc.interpolate(beta, b_a, b_b, s_a, s_b, d_a, d_b, r)


def _lower_guess(guess: _Guess, idx: NDIndex, beta: FloatArray, x: FloatArray) -> None:
    s_c = np.sqrt(2 * np.abs(x))
    b_c = normalised_black_otm(x, s_c)
    s_l = s_c - b_c / normalised_vega(x, s_c)
    b_l = normalised_black_otm(x, s_l)
    lowest = beta < b_l
    i, j = idx[lowest], idx[~lowest]
    guess.s[i] = _guess_lowest(beta[lowest], x[lowest], s_l[lowest], b_l[lowest])
    guess.right[i] = s_l[lowest]
    guess.objective[i] = _LOWER
    m = ~lowest
    pair = (s_l[m], s_c[m]), (b_l[m], b_c[m])
    guess.s[j] = _middle(beta[m], x[m], pair[0], pair[1], fit_right=True)
    guess.left[j], guess.right[j] = s_l[m], s_c[m]


def _upper_guess(guess: _Guess, idx: NDIndex, beta: FloatArray, x: FloatArray) -> None:
    s_c = np.sqrt(2 * np.abs(x))
    b_c = normalised_black_otm(x, s_c)
    v_c = normalised_vega(x, s_c)
    b_max = np.exp(0.5 * x)
    s_h = np.where(v_c > _TINY, s_c + (b_max - b_c) / np.maximum(v_c, _TINY), s_c)
    b_h = normalised_black_otm(x, s_h)
    high = beta > b_h
    i, j = idx[high], idx[~high]
    guess.s[i] = _guess_highest(beta[high], x[high], s_h[high], b_h[high], b_max[high])
    guess.left[i] = s_h[high]
    guess.objective[i] = np.where(beta[high] > 0.5 * b_max[high], _UPPER, _MIDDLE)
    m = ~high
    pair = (s_c[m], s_h[m]), (b_c[m], b_h[m])
    guess.s[j] = _middle(beta[m], x[m], pair[0], pair[1], fit_right=False)
    guess.left[j], guess.right[j] = s_c[m], s_h[m]


NDIndex = np.ndarray[tuple[int], np.dtype[np.intp]]


def _initial_guess(beta: FloatArray, x: FloatArray) -> _Guess:
    guess = _Guess(beta.size)
    s_c = np.sqrt(2 * np.abs(x))
    lower = beta < normalised_black_otm(x, s_c)
    idx = np.arange(beta.size)
    _lower_guess(guess, idx[lower], beta[lower], x[lower])
    _upper_guess(guess, idx[~lower], beta[~lower], x[~lower])
    return guess


def _householder(newton: FloatArray, halley: FloatArray, hh3: FloatArray) -> FloatArray:
    """Third-order step s += newton·(1 + halley·newton/2)/(1 + newton·(halley + hh3·newton/6))."""
    return newton * (1 + 0.5 * halley * newton) / (1 + newton * (halley + hh3 * newton / 6))


def _step(
    objective: NDArrayInt8, beta: FloatArray, x: FloatArray, s: FloatArray, b: FloatArray
) -> FloatArray:
    """The Householder(3) step of each element's objective (NaN where it is undefined)."""
    bp = normalised_vega(x, s)
    b_max = np.exp(0.5 * x)
    b_halley = (x / s) ** 2 / s - 0.25 * s
    b_hh3 = b_halley * b_halley - 3 * (x / (s * s)) ** 2 - 0.25
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ln_b, ln_beta = np.log(b), np.log(beta)
        bpob = bp / b
        factor = 1 + 2 / ln_b
        lower = _householder(
            (ln_beta - ln_b) * ln_b / ln_beta / bpob,
            b_halley - bpob * factor,
            b_hh3 + 2 * bpob**2 * (1 + 3 / ln_b * (1 + 1 / ln_b)) - 3 * b_halley * bpob * factor,
        )
        middle = _householder((beta - b) / bp, b_halley, b_hh3)
        gap = b_max - b
        gp = bp / gap
        upper = _householder(
            -np.log((b_max - beta) / gap) / gp, b_halley + gp, b_hh3 + gp * (2 * gp + 3 * b_halley)
        )
    step = np.where(objective == _LOWER, lower, np.where(objective == _UPPER, upper, middle))
    bad = ((objective == _LOWER) & ((b <= 0) | (bp <= 0))) | (
        (objective == _UPPER) & ((b >= b_max) | (bp <= _TINY))
    )
    return np.where(bad | (bp <= 0), np.nan, step)


NDArrayInt8 = np.ndarray[tuple[int], np.dtype[np.int8]]


def normalised_implied_volatility(beta: FloatArray, x: FloatArray) -> FloatArray:
    """s with b(x, s) = β for an out-of-the-money call (x <= 0, 0 < β < e^{x/2})."""
    guess = _initial_guess(beta, x)
    s, left, right, objective = guess.s, guess.left, guess.right, guess.objective
    active = np.arange(beta.size)
    for _ in range(_MAXIMUM_ITERATIONS):
        if active.size == 0:
            break
        sa, xa, ba = s[active], x[active], beta[active]
        b = normalised_black_otm(xa, sa)
        la = np.where((b < ba) & (sa > left[active]), sa, left[active])
        ra = np.where((b > ba) & (sa < right[active]), sa, right[active])
        left[active], right[active] = la, ra
        ds = _step(objective[active], ba, xa, sa, b)
        ds = np.maximum(ds, -0.5 * sa)
        proposal = sa + ds
        outside = ~((proposal >= la) & (proposal <= ra))  # also catches NaN steps
        proposal = np.where(outside, 0.5 * (la + ra), proposal)
        s[active] = proposal
        moved = np.abs(proposal - sa)
        keep = (moved > _CONVERGED_STEP * proposal) | outside
        keep &= ra - la > 4 * np.finfo(np.float64).eps * proposal
        active = active[keep]
    return s
