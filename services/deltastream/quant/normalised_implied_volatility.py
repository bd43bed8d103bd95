"""Inverse of the normalised Black function, s = sigma·√T from b (Jäckel's "Let's Be Rational").

Given an out-of-the-money normalised price β in (0, e^{x/2}) at x = ln(F/K) <= 0, find s with
b(x, s) = β. The (x, β) plane is cut into four branches around the inflection point
s_c = √(2|x|) and two more points where b is evaluated exactly: s_l below it (where the
tangent at s_c meets zero) for β < b(s_c), s_h above it (where the tangent meets e^{x/2}) for
the others. On each branch a rational cubic interpolation of a transformed inverse gives a
first guess (``initial_guess``), and third-order Householder steps on a branch-specific
objective (1/ln b at the bottom, b itself in the middle, ln(b_max - b) at the top) converge
cubically.

Jäckel shows that two steps from this guess reach the attainable accuracy everywhere, so
every element takes two steps on the whole arrays (no bookkeeping of who is done); elements
whose second step was not yet small enough for the next to be negligible, or that fell back
to bisection, continue alone. Every step keeps a bracket and bisects if a step would leave
it, so the result is the root even where the guess is poor.

All arrays here are 1-D float64 of one length; ``x <= 0`` and ``0 < beta < exp(x/2)`` hold for
every element (the caller, ``implied_volatility``, screens the rest out with a reason code).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deltastream.quant.arrays import BoolArray, FloatArray, IndexArray, gather, indices
from deltastream.quant.normalised_black import normalised_black_otm, normalised_vega
from deltastream.quant.normalised_guess import LOWER, UPPER, ObjectiveArray, initial_guess

_TINY = float(np.finfo(np.float64).tiny)
_EPSILON = float(np.finfo(np.float64).eps)
_FIXED_STEPS = 2
# After a Householder(3) step of relative size δ the next one is at most about 0.0025·δ³
# (measured over 600,000 random options, docs/quant.md): below 1e-5, it could not move s.
_CONVERGED_STEP = 1e-5
_MAXIMUM_STEPS = 100


@dataclass
class _Problem:
    """What the steps solve for, per element: b(x, s) = β, and the objective of its branch."""

    beta: FloatArray
    x: FloatArray
    b_max: FloatArray
    objective: ObjectiveArray

    def subset(self, index: IndexArray) -> _Problem:
        beta, x, b_max = gather(index, self.beta, self.x, self.b_max)
        return _Problem(beta, x, b_max, self.objective[index])


@dataclass
class _State:
    """The current s of each element and a bracket [left, right] known to hold the root."""

    s: FloatArray
    left: FloatArray
    right: FloatArray

    def subset(self, index: IndexArray) -> _State:
        s, left, right = gather(index, self.s, self.left, self.right)
        return _State(s, left, right)

    def update(self, index: IndexArray, part: _State) -> None:
        self.s[index], self.left[index], self.right[index] = part.s, part.left, part.right


def _householder(newton: FloatArray, halley: FloatArray, hh3: FloatArray) -> FloatArray:
    """Third-order step s += newton·(1 + halley·newton/2)/(1 + newton·(halley + hh3·newton/6))."""
    return newton * (1 + 0.5 * halley * newton) / (1 + newton * (halley + hh3 * newton / 6))


def _lower_step(
    beta: FloatArray, b: FloatArray, bp: FloatArray, b_halley: FloatArray, b_hh3: FloatArray
) -> FloatArray:
    """Objective 1/ln(b) - 1/ln(β): nearly linear in s where b is tiny."""
    ln_b, ln_beta = np.log(b), np.log(beta)
    bpob = bp / b
    factor = 1 + 2 / ln_b
    step = _householder(
        (ln_beta - ln_b) * ln_b / ln_beta / bpob,
        b_halley - bpob * factor,
        b_hh3 + 2 * bpob**2 * (1 + 3 / ln_b * (1 + 1 / ln_b)) - 3 * b_halley * bpob * factor,
    )
    return np.where((b > 0) & (bp > 0), step, np.nan)


def _upper_step(
    beta: FloatArray, b: FloatArray, bp: FloatArray, b_max: FloatArray,
    b_halley: FloatArray, b_hh3: FloatArray,
) -> FloatArray:  # fmt: skip
    """Objective ln(b_max - b) - ln(b_max - β): nearly linear in s where b nears b_max."""
    gap = b_max - b
    gp = bp / gap
    step = _householder(
        -np.log((b_max - beta) / gap) / gp, b_halley + gp, b_hh3 + gp * (2 * gp + 3 * b_halley)
    )
    return np.where((b < b_max) & (bp > _TINY), step, np.nan)


def _step(problem: _Problem, s: FloatArray, b: FloatArray, bp: FloatArray) -> FloatArray:
    """The Householder(3) step of each element's objective (NaN where it is undefined).

    The middle objective, b itself, is cheap: it is computed everywhere, then replaced on the
    elements of the other two.
    """
    beta, x = problem.beta, problem.x
    h_over_s = x / (s * s)
    b_halley = h_over_s * h_over_s * s - 0.25 * s  # b''/b' = h²/s - s/4
    b_hh3 = b_halley * b_halley - 3 * h_over_s * h_over_s - 0.25  # b'''/b'
    step = np.where(bp > 0, _householder((beta - b) / bp, b_halley, b_hh3), np.nan)
    lower = indices(problem.objective == LOWER)
    if lower.size:
        step[lower] = _lower_step(*gather(lower, beta, b, bp, b_halley, b_hh3))
    upper = indices(problem.objective == UPPER)
    if upper.size:
        step[upper] = _upper_step(*gather(upper, beta, b, bp, problem.b_max, b_halley, b_hh3))
    return step


def _iterate(problem: _Problem, state: _State) -> BoolArray:
    """One bracketed Householder step of every element of ``state``; True where not done."""
    s = state.s
    b = normalised_black_otm(problem.x, s)
    bp = normalised_vega(problem.x, s)
    left = np.where((b < problem.beta) & (s > state.left), s, state.left)
    right = np.where((b > problem.beta) & (s < state.right), s, state.right)
    proposal = s + np.maximum(_step(problem, s, b, bp), -0.5 * s)
    outside = ~((proposal >= left) & (proposal <= right))  # also catches NaN steps
    proposal = np.where(outside, 0.5 * (left + right), proposal)
    state.s, state.left, state.right = proposal, left, right
    moving = (np.abs(proposal - s) > _CONVERGED_STEP * proposal) | outside
    unfinished: BoolArray = moving & (right - left > 4 * _EPSILON * proposal)
    return unfinished


def normalised_implied_volatility(beta: FloatArray, x: FloatArray) -> FloatArray:
    """s with b(x, s) = β for an out-of-the-money call (x <= 0, 0 < β < e^{x/2})."""
    with np.errstate(all="ignore"):  # steps may be undefined: NaN falls back to bisection
        guess = initial_guess(beta, x)
        problem = _Problem(beta, x, np.exp(0.5 * x), guess.objective)
        state = _State(guess.s, guess.left, guess.right)
        for _ in range(_FIXED_STEPS):
            unfinished = _iterate(problem, state)
        active = indices(unfinished)
        for _ in range(_MAXIMUM_STEPS - _FIXED_STEPS):
            if active.size == 0:
                break
            part = state.subset(active)
            unfinished = _iterate(problem.subset(active), part)
            state.update(active, part)
            active = active[unfinished]
    return state.s
