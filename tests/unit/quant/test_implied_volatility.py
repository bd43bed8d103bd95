"""Implied volatility: round trips across the whole domain, textbook cases, every reason code."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.quant import (
    IvReason,
    black76_price,
    bsm_price,
    greeks,
    implied_vol,
    implied_vol_black76,
    implied_vol_with_reason,
)
from deltastream.quant import reference as ref

from .books import EPSILON, attainable_error, random_book


def test_round_trip_recovers_sigma_to_the_attainable_precision() -> None:
    book = random_book(50_000, seed=11)
    price = bsm_price(**book)
    arguments = (book[k] for k in ["S", "K", "T", "r", "q", "is_call"])
    vol, reason = implied_vol_with_reason(price, *arguments)
    solved = reason == IvReason.OK
    error = np.abs(vol - book["sigma"])[solved]
    attainable = attainable_error(book, price)[solved]
    assert np.all(error <= np.maximum(1e-13, 8 * attainable))
    where_vega_matters = attainable < 1e-12
    assert where_vega_matters.sum() > 20_000
    assert np.max(error[where_vega_matters]) < 1e-10
    # What is not solved carries no information: a price that underflowed, or a deep
    # in-the-money price whose time value is below its rounding.
    unsolved = ~solved
    assert set(np.unique(reason[unsolved])) <= {
        IvReason.BELOW_INTRINSIC,
        IvReason.NON_POSITIVE_PRICE,
    }
    assert np.all(attainable_error(book, price)[unsolved] > 1e-6)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0.5, 2.0),
    st.floats(1 / 8760, 2.0),
    st.floats(-0.01, 0.1),
    st.floats(0.01, 3.0),
    st.booleans(),
)
def test_implied_vol_of_the_price_is_sigma(
    m: float, T: float, r: float, sigma: float, is_call: bool
) -> None:
    price = float(bsm_price(100.0, 100.0 * m, T, r, 0.01, sigma, is_call))
    vega = float(greeks(100.0, 100.0 * m, T, r, 0.01, sigma, is_call)["vega"]) / 0.01
    vol = float(implied_vol(price, 100.0, 100.0 * m, T, r, 0.01, is_call))
    attainable = 4 * EPSILON * price / vega if vega > 0 and price > 1e-290 else math.inf
    if math.isnan(vol):
        assert attainable > 1e-6  # only where the price has lost the volatility
    else:
        assert abs(vol - sigma) <= max(1e-13, 8 * attainable)


def test_agrees_with_the_bisection_reference_where_vega_is_not_negligible() -> None:
    book = random_book(400, seed=3)
    price = bsm_price(**book)
    vol = implied_vol(price, *(book[k] for k in ["S", "K", "T", "r", "q", "is_call"]))
    informative = np.flatnonzero(attainable_error(book, price) < 1e-12)
    assert informative.size > 150
    for i in informative[:100]:
        args = (book[k][i] for k in ["S", "K", "T", "r", "q", "is_call"])
        assert math.isclose(vol[i], ref.implied_vol(price[i], *args), abs_tol=1e-9)


def test_textbook_implied_vol() -> None:
    # Hull example: a 6-month call at 4.7594 on S=42, K=40, r=10% is priced at 20% volatility.
    assert math.isclose(
        implied_vol(4.759422392871532, 42, 40, 0.5, 0.1, 0, True), 0.2, abs_tol=1e-12
    )


def test_black76_round_trip() -> None:
    sigma = np.array([0.05, 0.3, 1.2])
    price = black76_price(25_000.0, [20_000, 25_000, 30_000], 7 / 365, 0.065, sigma, False)
    vol = implied_vol_black76(price, 25_000.0, [20_000, 25_000, 30_000], 7 / 365, 0.065, False)
    assert np.allclose(vol, sigma, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    ("price", "S", "K", "T", "is_call", "reason"),
    [
        (5.0, 100.0, 100.0, 0.5, True, IvReason.OK),
        (19.0, 120.0, 100.0, 0.5, True, IvReason.BELOW_INTRINSIC),  # intrinsic is 20
        (20.0, 100.0, 120.0, 0.5, False, IvReason.BELOW_INTRINSIC),
        (100.0, 100.0, 80.0, 0.5, True, IvReason.ABOVE_UPPER_BOUND),  # call <= S
        (150.0, 100.0, 150.0, 0.5, False, IvReason.ABOVE_UPPER_BOUND),  # put <= K
        (5.0, 100.0, 100.0, 0.0, True, IvReason.EXPIRED),
        (5.0, 100.0, 100.0, -0.1, True, IvReason.EXPIRED),
        (0.0, 100.0, 100.0, 0.5, True, IvReason.NON_POSITIVE_PRICE),
        (-1.0, 100.0, 100.0, 0.5, False, IvReason.NON_POSITIVE_PRICE),
        (math.nan, 100.0, 100.0, 0.5, True, IvReason.INVALID_INPUT),
        (5.0, math.inf, 100.0, 0.5, True, IvReason.INVALID_INPUT),
        (5.0, 100.0, math.nan, 0.5, True, IvReason.INVALID_INPUT),
        (5.0, 0.0, 100.0, 0.5, True, IvReason.INVALID_INPUT),
        (5.0, 100.0, -100.0, 0.5, False, IvReason.INVALID_INPUT),
        (5.0, 100.0, 100.0, math.nan, True, IvReason.INVALID_INPUT),
    ],
)
def test_reason_codes(
    price: float, S: float, K: float, T: float, is_call: bool, reason: IvReason
) -> None:
    vol, code = implied_vol_with_reason(price, S, K, T, 0.0, 0.0, is_call)
    assert code == reason
    assert math.isnan(vol) == (reason != IvReason.OK)


def test_bad_elements_do_not_disturb_good_ones_in_the_same_array() -> None:
    price = np.array([np.nan, 10.450583572185565, -3.0, 1e9])
    vol, code = implied_vol_with_reason(price, 100.0, 100.0, 1.0, 0.05, 0.0, True)
    assert list(code) == [IvReason.INVALID_INPUT, IvReason.OK, IvReason.NON_POSITIVE_PRICE,
                          IvReason.ABOVE_UPPER_BOUND]  # fmt: skip
    assert math.isclose(vol[1], 0.2, abs_tol=1e-12)
    assert code.dtype == np.int8
    assert vol.dtype == np.float64


def test_shapes_follow_broadcasting() -> None:
    price = bsm_price(
        100.0, np.array([[90.0, 100.0, 110.0]]), np.array([[0.1], [1.0]]), 0, 0, 0.3, True
    )
    vol = implied_vol(
        price, 100.0, np.array([[90.0, 100.0, 110.0]]), np.array([[0.1], [1.0]]), 0, 0, True
    )
    assert vol.shape == (2, 3)
    assert np.allclose(vol, 0.3, atol=1e-12)
