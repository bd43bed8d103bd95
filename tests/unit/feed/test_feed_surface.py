"""The SSVI surface: parameter checks, and no butterfly or calendar arbitrage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.errors import InvalidArgumentError
from deltastream.feed.surface import (
    atm_total_variance,
    check_ssvi_parameters,
    check_term_structure,
    ssvi_total_variance,
)

LOG_MONEYNESS = np.linspace(-1.5, 1.5, 6001)

rhos = st.floats(-0.95, 0.95)
gammas = st.floats(0.05, 0.5)
thetas = st.floats(1e-5, 0.5)


def durrleman(k: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Durrleman's g(k); a smile has no butterfly arbitrage where g >= 0 (numeric derivatives)."""
    dw = np.gradient(w, k)
    d2w = np.gradient(dw, k)
    g: np.ndarray = (1 - k * dw / (2 * w)) ** 2 - dw**2 / 4 * (1 / w + 0.25) + d2w / 2
    return g


@pytest.mark.parametrize(
    ("rho", "eta", "gamma"),
    [(-1.0, 0.5, 0.4), (0.3, 0.0, 0.4), (-0.5, 1.5, 0.4), (-0.2, 1.0, 0.0), (-0.2, 1.0, 0.6)],
)
def test_arbitrageable_parameters_are_refused(rho: float, eta: float, gamma: float) -> None:
    with pytest.raises(InvalidArgumentError):
        check_ssvi_parameters(rho, eta, gamma)


@pytest.mark.parametrize(
    ("short", "long", "decay"), [(0.0, 0.2, 1.0), (0.2, -0.1, 1.0), (0.2, 0.2, 0)]
)
def test_bad_term_structures_are_refused(short: float, long: float, decay: float) -> None:
    with pytest.raises(InvalidArgumentError):
        check_term_structure(short, long, decay)


def test_atm_variance_runs_from_short_to_long_volatility() -> None:
    short, long, decay = 0.20, 0.12, 6.0
    assert atm_total_variance(1e-6, short, long, decay) / 1e-6 == pytest.approx(short**2, rel=1e-4)
    assert atm_total_variance(100.0, short, long, decay) / 100.0 == pytest.approx(long**2, rel=1e-2)


@settings(max_examples=50, deadline=None)
@given(short=st.floats(0.03, 1.0), long=st.floats(0.03, 1.0), decay=st.floats(0.1, 50.0))
def test_atm_total_variance_increases_with_time(short: float, long: float, decay: float) -> None:
    T = np.linspace(1e-4, 3.0, 400)
    theta = atm_total_variance(T, short, long, decay)
    assert np.all(np.diff(theta) > 0)


@settings(max_examples=50, deadline=None)
@given(theta=thetas, rho=rhos, gamma=gammas)
def test_at_the_money_total_variance_is_theta(theta: float, rho: float, gamma: float) -> None:
    eta = 2.0 / (1.0 + abs(rho))
    assert float(ssvi_total_variance(0.0, theta, rho, eta, gamma)) == pytest.approx(theta)


@settings(max_examples=60, deadline=None)
@given(theta=thetas, rho=rhos, gamma=gammas, tightness=st.floats(0.2, 1.0))
def test_smiles_have_no_butterfly_arbitrage(
    theta: float, rho: float, gamma: float, tightness: float
) -> None:
    eta = tightness * 2.0 / (1.0 + abs(rho))  # up to the Gatheral-Jacquier bound
    w = ssvi_total_variance(LOG_MONEYNESS, theta, rho, eta, gamma)
    assert np.all(w > 0)
    assert durrleman(LOG_MONEYNESS, w)[2:-2].min() > -1e-6


@settings(max_examples=60, deadline=None)
@given(thetas=st.lists(thetas, min_size=2, max_size=6, unique=True), rho=rhos, gamma=gammas)
def test_total_variance_grows_with_theta_at_every_moneyness(
    thetas: list[float], rho: float, gamma: float
) -> None:
    eta = 2.0 / (1.0 + abs(rho))
    ordered = sorted(thetas)
    w = np.array([ssvi_total_variance(LOG_MONEYNESS, t, rho, eta, gamma) for t in ordered])
    assert np.all(np.diff(w, axis=0) >= -1e-15)
