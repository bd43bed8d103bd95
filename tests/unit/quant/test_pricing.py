"""Prices: textbook values, parity and monotonicity properties, edge cases."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.quant import black76_price, bsm_price
from deltastream.quant import reference as ref

moneyness = st.floats(0.5, 2.0)
expiry = st.floats(1 / 8760, 2.0)
volatility = st.floats(0.01, 3.0)
rate = st.floats(-0.02, 0.15)


def test_hull_textbook_call_and_put() -> None:
    # Hull, Options, Futures and Other Derivatives, example 15.6: 4.76 and 0.81.
    call, put = bsm_price(42.0, 40.0, 0.5, 0.1, 0.0, 0.2, np.array([True, False]))
    assert math.isclose(call, 4.7594, abs_tol=5e-5)
    assert math.isclose(put, 0.8086, abs_tol=5e-5)


def test_haug_textbook_dividend_put_and_black76_put() -> None:
    # Haug, The Complete Guide to Option Pricing Formulas: 2.4648 and 1.7011.
    assert math.isclose(bsm_price(100, 95, 0.5, 0.1, 0.05, 0.2, False), 2.4648, abs_tol=5e-5)
    assert math.isclose(black76_price(19, 19, 0.75, 0.1, 0.28, False), 1.7011, abs_tol=5e-5)


def test_agrees_with_the_scalar_reference_near_the_money() -> None:
    rng = np.random.default_rng(7)
    n = 300
    S, K = 100.0, rng.uniform(70, 140, n)
    T, r, q = rng.uniform(0.05, 2, n), rng.uniform(0, 0.1, n), rng.uniform(0, 0.05, n)
    sigma, is_call = rng.uniform(0.1, 0.8, n), rng.random(n) < 0.5
    fast = bsm_price(S, K, T, r, q, sigma, is_call)
    slow = [ref.bsm_price(S, *args) for args in zip(K, T, r, q, sigma, is_call, strict=True)]
    assert np.allclose(fast, slow, rtol=1e-12, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(moneyness, expiry, rate, st.floats(0.0, 0.1), volatility)
def test_put_call_parity(m: float, T: float, r: float, q: float, sigma: float) -> None:
    S, K = 100.0, 100.0 * m
    call, put = bsm_price(S, K, T, r, q, sigma, np.array([True, False]))
    forward_value = S * math.exp(-q * T) - K * math.exp(-r * T)
    assert math.isclose(call - put, forward_value, rel_tol=1e-12, abs_tol=1e-11)


@settings(max_examples=200, deadline=None)
@given(moneyness, expiry, rate, volatility, st.booleans())
def test_price_increases_with_volatility(
    m: float, T: float, r: float, sigma: float, is_call: bool
) -> None:
    prices = bsm_price(100.0, 100.0 * m, T, r, 0.0, sigma * np.array([1.0, 1.01]), is_call)
    assert prices[1] >= prices[0]
    assert prices[0] >= 0


def test_black76_is_bsm_with_the_dividend_yield_equal_to_the_rate() -> None:
    T, r = 0.7, 0.06
    forward = 100.0 * math.exp(r * T)
    on_spot = bsm_price(100.0, [90, 110], T, r, r, 0.3, True)
    on_forward = black76_price(forward * math.exp(-r * T), [90, 110], T, r, 0.3, True)
    assert np.allclose(on_spot, on_forward, rtol=1e-14)


def test_zero_time_or_volatility_is_discounted_forward_intrinsic() -> None:
    assert bsm_price(110, 100, 0.0, 0.05, 0.0, 0.2, True) == 10.0
    assert bsm_price(90, 100, 0.0, 0.05, 0.0, 0.2, True) == 0.0
    zero_vol_put = bsm_price(90, 100, 1.0, 0.05, 0.0, 0.0, False)
    assert math.isclose(zero_vol_put, 100 * math.exp(-0.05) - 90, rel_tol=1e-14)


def test_invalid_arguments_give_nan_not_an_exception() -> None:
    prices = bsm_price(
        [100, -1, 100, 100, np.nan, 100], [100, 100, 0, 100, 100, 100],
        [1, 1, 1, -1, 1, 1], 0.05, 0.0, [0.2, 0.2, 0.2, 0.2, 0.2, -0.1], True,
    )  # fmt: skip
    assert np.isfinite(prices[0])
    assert np.all(np.isnan(prices[1:]))


def test_broadcasts_and_keeps_the_shape() -> None:
    strikes = np.array([[90.0], [110.0]])
    prices = bsm_price(100.0, strikes, np.array([0.5, 1.0, 2.0]), 0.0, 0.0, 0.2, True)
    assert prices.shape == (2, 3)
    assert np.all(prices[0] > prices[1])
    assert bsm_price(100, 100, 1, 0, 0, 0.2, True).shape == ()
