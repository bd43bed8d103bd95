"""Underlying dynamics: the forward is a martingale, volatility mean-reverts, leverage effect."""

from __future__ import annotations

import numpy as np
import pytest

from deltastream.feed.dynamics import UnderlyingState, diffuse
from deltastream.feed.specs import default_market_config

PATHS = 40_000


def state(spot: float = 24_000.0, vol: float = 0.15) -> UnderlyingState:
    return UnderlyingState(
        spot=np.full(PATHS, spot),
        log_vol_deviation=np.zeros(PATHS),
        base_vol=np.full(PATHS, vol),
        dividend_yield=np.full(PATHS, 0.012),
    )


def test_the_discounted_forward_is_a_martingale_with_jumps() -> None:
    config = default_market_config()
    rng = np.random.default_rng(11)
    paths = state()
    for _ in range(25):
        diffuse(rng, paths, config, 0.01)
    growth = paths.spot / 24_000.0
    expected = np.exp((config.risk_free_rate - 0.012) * 0.25)
    standard_error = growth.std() / np.sqrt(PATHS)
    assert abs(growth.mean() - expected) < 4 * standard_error


def test_volatility_reverts_to_its_base_and_moves_against_spot() -> None:
    config = default_market_config()
    rng = np.random.default_rng(12)
    paths = state()
    diffuse(rng, paths, config, 1 / 365)
    returns = np.log(paths.spot / 24_000.0)
    assert np.corrcoef(returns, paths.log_vol_deviation)[0, 1] < -0.5
    for _ in range(50):
        diffuse(rng, paths, config, 0.05)
    stationary = config.vol_of_vol / np.sqrt(2 * config.vol_mean_reversion)
    assert abs(paths.log_vol_deviation.mean()) < 0.02
    assert paths.log_vol_deviation.std() == pytest.approx(stationary, rel=0.05)
