"""SVI fit, butterfly and calendar arbitrage checks, and sampling the surface."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deltastream.quant.surface import (
    SmileFitError,
    SviSlice,
    VolSurface,
    butterfly_arbitrage,
    fit_svi,
)

K_GRID = np.linspace(-1.5, 1.5, 301)
SMILE = SviSlice(a=0.02, b=0.1, rho=-0.4, m=0.05, s=0.15)


def test_fit_recovers_the_parameters_of_an_exact_svi_smile() -> None:
    k = np.linspace(-0.6, 0.5, 40)
    fit = fit_svi(k, SMILE.total_variance(k))
    for name in ("a", "b", "rho", "m", "s"):
        assert math.isclose(getattr(fit, name), getattr(SMILE, name), abs_tol=1e-5), name
    assert np.max(np.abs(fit.total_variance(k) - SMILE.total_variance(k))) < 1e-7


def test_fit_of_noisy_quotes_is_close_and_admissible() -> None:
    rng = np.random.default_rng(4)
    k = np.linspace(-0.5, 0.4, 30)
    noisy = SMILE.total_variance(k) * (1 + 0.005 * rng.standard_normal(k.size))
    fit = fit_svi(k, noisy)
    assert fit.b >= 0
    assert abs(fit.rho) <= 1
    assert fit.b * (1 + abs(fit.rho)) <= 2 + 1e-12
    assert np.min(fit.total_variance(K_GRID)) >= 0
    assert np.max(np.abs(fit.total_variance(k) / SMILE.total_variance(k) - 1)) < 0.02


def test_too_few_quotes_is_a_typed_error() -> None:
    with pytest.raises(SmileFitError) as caught:
        fit_svi([0.0, 0.1, np.nan], [0.04, 0.05, 0.06])
    assert caught.value.usable_quotes == 2


def test_butterfly_arbitrage_of_a_known_counterexample() -> None:
    # Axel Vogt's smile (Gatheral and Jacquier, "Arbitrage-free SVI volatility surfaces"):
    # it has a negative density near k = 0.3 although w > 0 everywhere.
    vogt = SviSlice(a=-0.0410, b=0.1331, rho=0.3060, m=0.3586, s=0.4153)
    assert np.min(vogt.total_variance(K_GRID)) > 0
    assert butterfly_arbitrage(vogt, K_GRID).any()
    assert not butterfly_arbitrage(SMILE, K_GRID).any()


def _surface_from(slices: list[SviSlice], expiries: list[float]) -> VolSurface:
    k = np.linspace(-0.6, 0.5, 30)
    vols = [np.sqrt(s.total_variance(k) / t) for s, t in zip(slices, expiries, strict=True)]
    return VolSurface.fit(expiries, [k] * len(expiries), vols)


def test_calendar_arbitrage_is_flagged_between_crossing_slices() -> None:
    later_but_lower = SviSlice(a=0.015, b=0.1, rho=-0.4, m=0.05, s=0.15)
    ok = _surface_from([SMILE, SviSlice(0.04, 0.12, -0.4, 0.05, 0.2)], [0.25, 0.5])
    bad = _surface_from([SMILE, later_but_lower], [0.25, 0.5])
    assert list(ok.calendar_arbitrage(K_GRID)) == [False]
    assert list(bad.calendar_arbitrage(K_GRID)) == [True]
    assert list(ok.butterfly_arbitrage(K_GRID)) == [False, False]


def test_sampling_reproduces_slices_and_interpolates_total_variance_in_time() -> None:
    later = SviSlice(a=0.04, b=0.12, rho=-0.4, m=0.05, s=0.2)
    surface = _surface_from([later, SMILE], [0.5, 0.25])  # given out of order
    assert surface.expiries == (0.25, 0.5)
    k = np.array([-0.3, 0.0, 0.3])
    grid = surface.sample(k, [0.125, 0.25, 0.375, 0.5, 1.0])
    assert grid.shape == (5, 3)
    assert np.allclose(grid[1], np.sqrt(SMILE.total_variance(k) / 0.25), atol=1e-6)
    middle = 0.5 * (SMILE.total_variance(k) + later.total_variance(k))
    assert np.allclose(grid[2], np.sqrt(middle / 0.375), atol=1e-6)
    assert np.allclose(grid[0], grid[1], atol=1e-12)  # constant vol before the first expiry
    assert np.allclose(grid[4], grid[3], atol=1e-12)  # and after the last
