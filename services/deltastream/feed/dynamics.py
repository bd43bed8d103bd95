"""How the synthetic underlyings move: a random walk with jumps and a mean-reverting volatility.

Each underlying follows a jump diffusion under the risk-neutral drift ``r - q`` (Merton: a
Poisson number of normal log-jumps, compensated so the forward stays a martingale), with the
diffusion volatility equal to its current short-end ATM volatility. That volatility is
``base_vol * exp(x)`` with ``x`` an Ornstein-Uhlenbeck process, negatively correlated with
returns (the leverage effect), so selloffs lift and invert the implied volatility term
structure. The volatility step is exact for any elapsed time ``dt`` (in years) and the spot
step is exact given the volatility at the start of the step, so the feed can be called at any
rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deltastream.feed.specs import MarketConfig

FloatArray = npt.NDArray[np.float64]


@dataclass(slots=True)
class UnderlyingState:
    """Spot and log volatility deviation of every underlying (arrays, one entry each)."""

    spot: FloatArray
    log_vol_deviation: FloatArray
    base_vol: FloatArray
    dividend_yield: FloatArray

    @property
    def short_vol(self) -> FloatArray:
        """Current short-end ATM volatility."""
        return self.base_vol * np.exp(self.log_vol_deviation)


def initial_state(config: MarketConfig) -> UnderlyingState:
    """Every underlying at its spec's spot and base volatility."""
    specs = config.underlyings
    return UnderlyingState(
        spot=np.array([spec.spot for spec in specs]),
        log_vol_deviation=np.zeros(len(specs)),
        base_vol=np.array([spec.atm_vol for spec in specs]),
        dividend_yield=np.array([spec.dividend_yield for spec in specs]),
    )


def diffuse(
    rng: np.random.Generator, state: UnderlyingState, config: MarketConfig, dt: float
) -> None:
    """Move every underlying forward by ``dt`` years (in place)."""
    size = state.spot.size
    shocks = rng.standard_normal((2, size))
    vol_shock = (
        config.spot_vol_correlation * shocks[0]
        + np.sqrt(1.0 - config.spot_vol_correlation**2) * shocks[1]
    )
    state.spot = state.spot * np.exp(_log_return(rng, state, config, dt, shocks[0]))
    state.log_vol_deviation = _mean_revert(state.log_vol_deviation, config, dt, vol_shock)


def _log_return(
    rng: np.random.Generator,
    state: UnderlyingState,
    config: MarketConfig,
    dt: float,
    shock: FloatArray,
) -> FloatArray:
    sigma = state.short_vol
    jump_count = rng.poisson(config.jump_intensity * dt, sigma.size)
    jumps = jump_count * config.jump_mean + np.sqrt(jump_count) * config.jump_volatility * (
        rng.standard_normal(sigma.size)
    )
    compensator = config.jump_intensity * np.expm1(
        config.jump_mean + 0.5 * config.jump_volatility**2
    )
    drift = config.risk_free_rate - state.dividend_yield - compensator - 0.5 * sigma**2
    return np.asarray(drift * dt + sigma * np.sqrt(dt) * shock + jumps)


def _mean_revert(x: FloatArray, config: MarketConfig, dt: float, shock: FloatArray) -> FloatArray:
    """Exact Ornstein-Uhlenbeck step towards zero."""
    decay = np.exp(-config.vol_mean_reversion * dt)
    spread = config.vol_of_vol * np.sqrt(-np.expm1(-2.0 * config.vol_mean_reversion * dt))
    return np.asarray(x * decay + spread / np.sqrt(2.0 * config.vol_mean_reversion) * shock)
