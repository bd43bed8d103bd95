"""Black-Scholes-Merton Greeks on arrays, in the units a trading desk quotes them.

=========  ==========================================================================
``delta``  ∂V/∂S
``gamma``  ∂²V/∂S²
``vega``   ∂V/∂sigma per volatility point (sigma moving by 0.01)
``theta``  ∂V/∂t per calendar day (t = calendar time passing, so -∂V/∂T / 365)
``rho``    ∂V/∂r per percentage point of rate (r moving by 0.01; S and q held)
``vanna``  ∂delta/∂sigma per volatility point
``volga``  ∂vega/∂sigma, both per volatility point (∂²V/∂sigma² · 10⁻⁴)
``charm``  ∂delta/∂t per calendar day
=========  ==========================================================================

Elements where a Greek is undefined (``T <= 0``, ``sigma <= 0``, non-positive ``S`` or ``K``,
a non-finite argument) are NaN in every field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from deltastream.quant.arrays import BoolArray, FloatArray, flat_floats, gather, selection, shaped
from deltastream.quant.special import norm_cdf, norm_pdf

GreekName = Literal["delta", "gamma", "vega", "theta", "rho", "vanna", "volga", "charm"]
DAYS_PER_YEAR = 365.0
VOLATILITY_POINT = 0.01
RATE_POINT = 0.01


@dataclass(frozen=True, slots=True)
class Greeks:
    """First- and second-order Greeks, one array each (units in the module docstring)."""

    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    rho: FloatArray
    vanna: FloatArray
    volga: FloatArray
    charm: FloatArray

    def __getitem__(self, name: GreekName) -> FloatArray:
        """``greeks["delta"]``: the mapping view the enricher and the API use."""
        if name not in _NAMES:
            raise KeyError(name)
        value: FloatArray = getattr(self, name)
        return value

    @staticmethod
    def names() -> tuple[GreekName, ...]:
        """The field names, in order."""
        return _NAMES

    def as_dict(self) -> dict[GreekName, FloatArray]:
        """Every Greek by name."""
        return {name: getattr(self, name) for name in _NAMES}


_NAMES: tuple[GreekName, ...] = tuple(f.name for f in fields(Greeks))  # type: ignore[misc]


def _valid(arrays: list[FloatArray]) -> BoolArray:
    S, K, T, r, q, sigma = arrays
    finite = np.isfinite(S) & np.isfinite(K) & np.isfinite(T) & np.isfinite(r) & np.isfinite(q)
    positive: BoolArray = finite & np.isfinite(sigma) & (S > 0) & (K > 0) & (T > 0) & (sigma > 0)
    return positive


def _kernel(
    S: FloatArray, K: FloatArray, T: FloatArray, r: FloatArray, q: FloatArray,
    sigma: FloatArray, theta: FloatArray,
) -> dict[str, FloatArray]:  # fmt: skip
    """The Greeks per unit (per year, per unit of sigma and r) on valid flat arrays."""
    root_t = np.sqrt(T)
    s = sigma * root_t
    d1 = (np.log(S / K) + (r - q) * T) / s + 0.5 * s
    d2 = d1 - s
    carry, discount = np.exp(-q * T), np.exp(-r * T)
    density = carry * norm_pdf(d1)
    n1, n2 = np.split(norm_cdf(np.concatenate((theta * d1, theta * d2))), 2)
    vega = S * density * root_t
    return {
        "delta": theta * carry * n1,
        "gamma": density / (S * s),
        "vega": vega,
        "theta": -S * density * sigma / (2 * root_t)
        - theta * r * K * discount * n2
        + theta * q * S * carry * n1,
        "rho": theta * K * T * discount * n2,
        "vanna": -density * d2 / sigma,
        "volga": vega * d1 * d2 / sigma,
        "charm": theta * q * carry * n1 - density * (2 * (r - q) * T - d2 * s) / (2 * T * s),
    }


_UNITS = {
    "delta": 1.0,
    "gamma": 1.0,
    "vega": VOLATILITY_POINT,
    "theta": 1.0 / DAYS_PER_YEAR,
    "rho": RATE_POINT,
    "vanna": VOLATILITY_POINT,
    "volga": VOLATILITY_POINT * VOLATILITY_POINT,
    "charm": 1.0 / DAYS_PER_YEAR,
}


def greeks(
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
    is_call: ArrayLike,
) -> Greeks:
    """Black-Scholes-Merton Greeks of European options (see the module docstring for units)."""
    shape, arrays, theta = flat_floats(S, K, T, r, q, sigma, is_call=is_call)
    valid = selection(_valid(arrays))
    S, K, T, r, q, sigma, theta = gather(valid, *arrays, theta)
    per_unit = _kernel(S, K, T, r, q, sigma, theta)
    result = {}
    for name, unit in _UNITS.items():
        column = per_unit[name] * unit
        if valid is not None:
            column, values = np.full(shape, np.nan).ravel(), column
            column[valid] = values
        result[name] = shaped(column, shape)
    return Greeks(**result)
