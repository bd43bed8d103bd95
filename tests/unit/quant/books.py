"""Seeded random option books shared by the quant tests."""

from __future__ import annotations

import math

import numpy as np

from deltastream.quant import greeks

EPSILON = float(np.finfo(np.float64).eps)
Book = dict[str, np.ndarray]
ARGUMENTS = ("S", "K", "T", "r", "q", "is_call")


def random_book(n: int, seed: int) -> Book:
    """Moneyness 0.5-2, expiry one hour to two years, vols 1%-300%, calls and puts."""
    rng = np.random.default_rng(seed)
    return {
        "S": np.full(n, 100.0),
        "K": 100.0 * np.exp(rng.uniform(math.log(0.5), math.log(2.0), n)),
        "T": np.exp(rng.uniform(math.log(1 / 8760), math.log(2.0), n)),
        "r": rng.uniform(-0.01, 0.1, n),
        "q": rng.uniform(0.0, 0.05, n),
        "sigma": np.exp(rng.uniform(math.log(0.01), math.log(3.0), n)),
        "is_call": rng.random(n) < 0.5,
    }


def attainable_error(book: Book, price: np.ndarray) -> np.ndarray:
    """The volatility error that one rounding of the price alone causes: 4ε·price/vega.

    Where it is large the price has (nearly) lost the volatility: vega is negligible. A price
    below the smallest normal double (times the strike) counts as zero.
    """
    vega = greeks(**book)["vega"] / 0.01
    with np.errstate(divide="ignore", invalid="ignore"):
        attainable: np.ndarray = 4 * EPSILON * price / vega
    return np.where(price > 1e-290, attainable, np.inf)
