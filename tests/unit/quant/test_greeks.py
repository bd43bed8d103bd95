"""Greeks: textbook values, finite differences of the price, units, invalid input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.quant import Greeks, bsm_price, greeks
from deltastream.quant.greeks import GreekName


def test_hull_textbook_greeks() -> None:
    # Hull, example 19.1 and following: S=49, K=50, r=5%, sigma=20%, T=20 weeks.
    g = greeks(49.0, 50.0, 0.3846, 0.05, 0.0, 0.2, True)
    assert math.isclose(g["delta"], 0.522, abs_tol=5e-4)
    assert math.isclose(g["gamma"], 0.066, abs_tol=5e-4)
    assert math.isclose(g["vega"], 0.121, abs_tol=5e-4)  # 12.1 per unit of volatility
    assert math.isclose(g["theta"] * 365, -4.31, abs_tol=5e-3)
    assert math.isclose(g["rho"], 0.0891, abs_tol=5e-4)  # 8.91 per unit of rate


def _price(S: float, K: float, T: float, r: float, q: float, sigma: float, is_call: bool) -> float:
    return float(bsm_price(S, K, T, r, q, sigma, is_call))


def _central(f: object, x: float, h: float) -> float:
    assert callable(f)
    return float((f(x + h) - f(x - h)) / (2 * h))


@settings(max_examples=150, deadline=None)
@given(
    st.floats(0.7, 1.4),
    st.floats(0.05, 2.0),
    st.floats(0.0, 0.1),
    st.floats(0.0, 0.05),
    st.floats(0.1, 1.0),
    st.booleans(),
)
def test_each_greek_is_a_finite_difference_of_the_price(
    m: float, T: float, r: float, q: float, sigma: float, is_call: bool
) -> None:
    S, K = 100.0, 100.0 * m
    g = greeks(S, K, T, r, q, sigma, is_call)

    def delta_at(spot: float, time: float = T) -> float:
        return _central(lambda x: _price(x, K, time, r, q, sigma, is_call), spot, 1e-3)

    def second(f: object, x: float, h: float) -> float:
        assert callable(f)
        return float((f(x + h) - 2 * f(x) + f(x - h)) / (h * h))

    def vega_at(vol: float) -> float:
        return _central(lambda x: _price(S, K, T, r, q, x, is_call), vol, 1e-5)

    expected: dict[GreekName, float] = {
        "delta": delta_at(S),
        "gamma": second(lambda x: _price(x, K, T, r, q, sigma, is_call), S, 0.05),
        "vega": 0.01 * vega_at(sigma),
        "theta": -_central(lambda t: _price(S, K, t, r, q, sigma, is_call), T, 1e-5) / 365,
        "rho": 0.01 * _central(lambda x: _price(S, K, T, x, q, sigma, is_call), r, 1e-5),
        "vanna": 0.01 * _central(lambda x: _central(
            lambda s: _price(s, K, T, r, q, x, is_call), S, 1e-2), sigma, 1e-4),
        "volga": 1e-4 * second(lambda x: _price(S, K, T, r, q, x, is_call), sigma, 1e-4),
        "charm": -_central(lambda t: delta_at(S, t), T, 1e-4) / 365,
    }  # fmt: skip
    scale = {"delta": 1, "gamma": 1 / S, "vega": 0.01 * S, "theta": S / 365, "rho": 0.01 * S,
             "vanna": 0.01, "volga": 1e-4 * S, "charm": 1 / 365}  # fmt: skip
    for name, value in expected.items():
        assert abs(g[name] - value) <= 5e-4 * abs(value) + 1e-6 * scale[name], name


def test_mapping_and_names() -> None:
    g = greeks([100.0, 100.0], 100.0, 1.0, 0.05, 0.0, 0.2, [True, False])
    assert isinstance(g, Greeks)
    assert set(g.as_dict()) == {"delta", "gamma", "vega", "theta", "rho", "vanna", "volga", "charm"}
    assert g["delta"][0] - g["delta"][1] == pytest.approx(1.0)  # call delta - put delta = e^{-qT}
    assert g["gamma"][0] == g["gamma"][1]
    with pytest.raises(KeyError):
        g["omega"]  # type: ignore[index]  # deliberately not a GreekName


def test_undefined_greeks_are_nan() -> None:
    g = greeks(100.0, 100.0, [1.0, 0.0, 1.0, 1.0], 0.05, 0.0, [0.2, 0.2, 0.0, np.nan], True)
    for name in Greeks.names():
        assert np.isfinite(g[name][0])
        assert np.all(np.isnan(g[name][1:])), name
