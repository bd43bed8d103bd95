"""Volatility surface: a raw-SVI smile per expiry, arbitrage checks, and sampling on a grid.

Raw SVI (Gatheral 2004) gives the total implied variance ``w = sigma²·T`` of one expiry at
log-moneyness ``k = ln(K/F)``:

    w(k) = a + b·(rho·(k - m) + √((k - m)² + s²))

``fit_svi`` fits it by weighted least squares with the quasi-explicit method of De Marco and
Martini (Zeliade 2009): for fixed ``(m, s)`` the model is linear in ``(a, b·rho·s, b·s)``,
so a grid of ``(m, s)`` is solved at once as a batch of 3×3 normal equations, the best
admissible point is kept (``b >= 0``, ``|rho| <= 1``, ``w >= 0`` everywhere, Roger Lee's
wing bound ``b·(1 + |rho|) <= 2``) and the grid is refined around it. No iterative optimiser.

Arbitrage checks: ``butterfly_arbitrage`` evaluates Durrleman's density condition
``g(k) >= 0`` on a grid (a negative g is a negative risk-neutral density); ``VolSurface``
checks calendar arbitrage, total variance falling with expiry at some k. ``VolSurface.sample``
interpolates total variance linearly in time between fitted expiries (which keeps a
calendar-arbitrage-free set of slices free of it) and returns implied volatilities on a
log-moneyness × expiry grid; ``k = ln(K/F)`` turns a strike grid into that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from deltastream.quant.arrays import BoolArray, FloatArray

_GRID = 21
_REFINEMENTS = 8
_LEE_BOUND = 2.0
MINIMUM_QUOTES = 5


class SmileFitError(ValueError):
    """A smile cannot be fitted: fewer than ``MINIMUM_QUOTES`` usable quotes."""

    def __init__(self, usable_quotes: int) -> None:
        super().__init__(f"{usable_quotes} usable quotes, at least {MINIMUM_QUOTES} needed")
        self.usable_quotes = usable_quotes


@dataclass(frozen=True, slots=True)
class SviSlice:
    """Raw SVI parameters of one expiry; ``rmse`` is the fit's error in total variance."""

    a: float
    b: float
    rho: float
    m: float
    s: float
    rmse: float = 0.0

    def total_variance(self, log_moneyness: ArrayLike) -> FloatArray:
        """w(k) at each log-moneyness."""
        k = np.asarray(log_moneyness, dtype=np.float64) - self.m
        w: FloatArray = self.a + self.b * (self.rho * k + np.sqrt(k * k + self.s * self.s))
        return w

    def implied_vol(self, log_moneyness: ArrayLike, time_to_expiry: float) -> FloatArray:
        """√(w(k)/T)."""
        w = np.maximum(self.total_variance(log_moneyness), 0.0)
        vol: FloatArray = np.sqrt(w / time_to_expiry)
        return vol

    def durrleman(self, log_moneyness: ArrayLike) -> FloatArray:
        """Durrleman's g(k); the implied density is non-negative exactly where g >= 0."""
        k = np.asarray(log_moneyness, dtype=np.float64)
        x = k - self.m
        root = np.sqrt(x * x + self.s * self.s)
        w = self.total_variance(k)
        w1 = self.b * (self.rho + x / root)
        w2 = self.b * self.s * self.s / root**3
        with np.errstate(divide="ignore", invalid="ignore"):
            g: FloatArray = (1 - k * w1 / (2 * w)) ** 2 - w1 * w1 / 4 * (1 / w + 0.25) + w2 / 2
        return np.where(w > 0, g, -np.inf)


def butterfly_arbitrage(smile: SviSlice, log_moneyness: ArrayLike) -> BoolArray:
    """True where the smile implies a negative density (butterfly arbitrage)."""
    arbitrage: BoolArray = smile.durrleman(log_moneyness) < 0
    return arbitrage


def _solve_grid(
    k: FloatArray, w: FloatArray, weights: FloatArray, m: FloatArray, s: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Admissible (a, d, c) for every (m, s) and its weighted squared error."""
    y = (k[None, :] - m[:, None]) / s[:, None]
    design = np.stack([np.ones_like(y), y, np.sqrt(y * y + 1)], axis=-1)
    weighted = design * weights[None, :, None]
    normal = np.einsum("gni,gnj->gij", weighted, design)
    rhs = np.einsum("gni,n->gi", weighted, w)
    solution = np.einsum("gij,gj->gi", np.linalg.pinv(normal, rcond=1e-13), rhs)
    a, d, c = np.moveaxis(solution, -1, 0)
    c = np.clip(c, 0.0, _LEE_BOUND * s)
    d = np.clip(d, -c, c)
    d = np.clip(d, -(_LEE_BOUND * s - c), _LEE_BOUND * s - c)
    a = np.maximum(a, -np.sqrt(c * c - d * d))
    parameters = np.stack([a, d, c], axis=-1)
    residual = np.einsum("gni,gi->gn", design, parameters) - w[None, :]
    return parameters, np.einsum("gn,n->g", residual * residual, weights)


def _usable(k: FloatArray, w: FloatArray, weights: FloatArray) -> BoolArray:
    usable: BoolArray = np.isfinite(k) & np.isfinite(w) & (w > 0) & np.isfinite(weights)
    return usable & (weights > 0)


def fit_svi(
    log_moneyness: ArrayLike, total_variance: ArrayLike, weights: ArrayLike | None = None
) -> SviSlice:
    """Least-squares raw-SVI fit of one expiry (``w = iv²·T`` at ``k = ln(K/F)``)."""
    k = np.asarray(log_moneyness, dtype=np.float64).ravel()
    w = np.asarray(total_variance, dtype=np.float64).ravel()
    weight = np.ones_like(k) if weights is None else np.asarray(weights, np.float64).ravel()
    usable = _usable(k, w, weight)
    if np.count_nonzero(usable) < MINIMUM_QUOTES:
        raise SmileFitError(int(np.count_nonzero(usable)))
    k, w, weight = k[usable], w[usable], weight[usable] / weight[usable].sum()
    span = max(float(k.max() - k.min()), 1e-4)
    m_range = (float(k.min()) - 0.5 * span, float(k.max()) + 0.5 * span)
    log_s_range = (np.log(1e-4 * span), np.log(2.0 * span))
    best = np.zeros(3)
    best_m = best_s = error = 0.0
    for _ in range(_REFINEMENTS + 1):
        m_axis = np.linspace(*m_range, _GRID)
        log_s_axis = np.linspace(*log_s_range, _GRID)
        m, log_s = (g.ravel() for g in np.meshgrid(m_axis, log_s_axis))
        parameters, errors = _solve_grid(k, w, weight, m, np.exp(log_s))
        i = int(np.argmin(errors))
        best, best_m, best_s, error = parameters[i], m[i], float(np.exp(log_s[i])), errors[i]
        m_step, s_step = m_axis[1] - m_axis[0], log_s_axis[1] - log_s_axis[0]
        m_range = (best_m - 2 * m_step, best_m + 2 * m_step)
        log_s_range = (np.log(best_s) - 2 * s_step, np.log(best_s) + 2 * s_step)
    a, d, c = (float(v) for v in best)
    b = c / best_s
    rho = d / c if c > 0 else 0.0
    return SviSlice(a=a, b=b, rho=rho, m=float(best_m), s=best_s, rmse=float(np.sqrt(error)))


@dataclass(frozen=True, slots=True)
class VolSurface:
    """SVI slices by ascending expiry (years)."""

    expiries: tuple[float, ...]
    slices: tuple[SviSlice, ...]

    @classmethod
    def fit(
        cls,
        expiries: ArrayLike,
        log_moneyness: Sequence[ArrayLike],
        implied_vols: Sequence[ArrayLike],
    ) -> VolSurface:
        """Fit one SVI slice per expiry from that expiry's log-moneyness and implied vols."""
        times = np.asarray(expiries, dtype=np.float64).ravel()
        order = np.argsort(times, kind="stable")
        slices = []
        for i in order:
            vols = np.asarray(implied_vols[i], dtype=np.float64)
            slices.append(fit_svi(log_moneyness[i], vols * vols * times[i]))
        return cls(tuple(float(t) for t in times[order]), tuple(slices))

    def total_variance(self, log_moneyness: ArrayLike) -> FloatArray:
        """w(k) of every slice: an array of shape (expiries, k)."""
        k = np.asarray(log_moneyness, dtype=np.float64).ravel()
        return np.stack([smile.total_variance(k) for smile in self.slices])

    def calendar_arbitrage(self, log_moneyness: ArrayLike) -> BoolArray:
        """For each pair of consecutive expiries, True where total variance falls at some k."""
        w = self.total_variance(log_moneyness)
        falling: BoolArray = np.any(np.diff(w, axis=0) < 0, axis=1)
        return falling

    def butterfly_arbitrage(self, log_moneyness: ArrayLike) -> BoolArray:
        """For each expiry, True where its smile implies a negative density at some k."""
        return np.array([np.any(butterfly_arbitrage(s, log_moneyness)) for s in self.slices])

    def sample(self, log_moneyness: ArrayLike, times_to_expiry: ArrayLike) -> FloatArray:
        """Implied volatilities on the grid: shape (len(times_to_expiry), len(log_moneyness)).

        Total variance is linear in time between slices, proportional to time before the first
        and beyond the last (constant implied volatility there).
        """
        w = self.total_variance(log_moneyness)
        t_nodes = np.asarray(self.expiries)
        times = np.asarray(times_to_expiry, dtype=np.float64).ravel()
        inside = np.clip(times, t_nodes[0], t_nodes[-1])
        per_k = np.array([np.interp(inside, t_nodes, column) for column in w.T]).T
        scale = np.where(times < t_nodes[0], times / t_nodes[0], 1.0)
        scale = np.where(times > t_nodes[-1], times / t_nodes[-1], scale)
        with np.errstate(divide="ignore", invalid="ignore"):
            vols: FloatArray = np.sqrt(np.maximum(per_k * scale[:, None], 0.0) / times[:, None])
        return np.where(times[:, None] > 0, vols, np.nan)
