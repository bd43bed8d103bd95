"""The synthetic market's implied volatility surface: SSVI, free of static arbitrage.

Surface SVI (Gatheral and Jacquier, "Arbitrage-free SVI volatility surfaces", 2014) gives the
total implied variance ``w = sigma**2 * T`` at log-forward-moneyness ``k = log(K / F)`` as

    w(k, theta) = theta / 2 * (1 + rho * phi * k + sqrt((phi * k + rho)**2 + 1 - rho**2))

with ``theta(T)`` the at-the-money total variance and the power-law curvature
``phi(theta) = eta / (theta**gamma * (1 + theta)**(1 - gamma))``. The surface has no static
arbitrage when

- ``theta(T)`` is non-decreasing in ``T`` (no calendar spread arbitrage; the power-law ``phi``
  with ``0 < gamma < 1`` meets the paper's other calendar condition), and
- ``eta * (1 + |rho|) <= 2`` with ``0 < gamma <= 1/2`` (no butterfly arbitrage).

The ATM term structure interpolates between a short-end and a long-end volatility with a
decay rate ``kappa`` (per year): ``theta(T) = vl**2 * T + (vs**2 - vl**2) * (1 - exp(-kappa T))
/ kappa``, whose slope ``vl**2 + (vs**2 - vl**2) * exp(-kappa T)`` is a convex combination of
two squares, hence positive: the calendar condition holds for any positive volatilities.

Arrays broadcast; ``k, T`` and the parameters follow the conventional names of the paper.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from deltastream.errors import InvalidArgumentError

FloatArray = npt.NDArray[np.float64]
ArrayLike = FloatArray | float


def check_ssvi_parameters(rho: float, eta: float, gamma: float) -> None:
    """Raise ``InvalidArgumentError`` unless the parameters give an arbitrage-free SSVI."""
    if not -1.0 < rho < 1.0:
        raise InvalidArgumentError("skew", f"rho must lie in (-1, 1), got {rho}")
    if not 0.0 < gamma <= 0.5:
        raise InvalidArgumentError("smile_decay", f"gamma must lie in (0, 1/2], got {gamma}")
    if not 0.0 < eta * (1.0 + abs(rho)) <= 2.0:
        raise InvalidArgumentError(
            "smile", f"need 0 < eta * (1 + |rho|) <= 2, got eta={eta}, rho={rho}"
        )


def check_term_structure(short_vol: float, long_vol: float, decay: float) -> None:
    """Raise ``InvalidArgumentError`` unless the ATM term structure parameters are usable."""
    if not (short_vol > 0.0 and long_vol > 0.0):
        raise InvalidArgumentError("atm_vol", "volatilities must be positive")
    if not decay > 0.0:
        raise InvalidArgumentError("term_decay", f"must be positive, got {decay}")


def atm_total_variance(
    T: ArrayLike, short_vol: ArrayLike, long_vol: ArrayLike, decay: ArrayLike
) -> FloatArray:
    """ATM total variance ``theta(T)``, increasing in ``T`` for positive volatilities."""
    short_variance = np.square(short_vol)
    long_variance = np.square(long_vol)
    blend = -np.expm1(-np.multiply(decay, T)) / decay
    return np.asarray(long_variance * T + (short_variance - long_variance) * blend)


def ssvi_total_variance(
    k: ArrayLike, theta: ArrayLike, rho: ArrayLike, eta: ArrayLike, gamma: ArrayLike
) -> FloatArray:
    """SSVI total implied variance at log-forward-moneyness ``k``."""
    phi = eta / (np.power(theta, gamma) * np.power(1.0 + np.asarray(theta), 1.0 - gamma))
    phi_k = phi * k
    root = np.sqrt(np.square(phi_k + rho) + 1.0 - np.square(rho))
    return np.asarray(0.5 * theta * (1.0 + rho * phi_k + root))
