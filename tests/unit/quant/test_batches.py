"""Results do not depend on the batch: each option gets the same numbers alone or among others.

The kernels evaluate each branch on its own elements and take a fixed number of steps on the
whole array before any compaction, so nothing an option gets may depend on which other
options share the call. The enricher relies on it: a chain's IVs must not change with how
the feed happened to batch its ticks.
"""

from __future__ import annotations

import numpy as np
import pytest

from deltastream.quant import Greeks, bsm_price, greeks, implied_vol_with_reason
from deltastream.quant.arrays import piecewise

from .books import ARGUMENTS, random_book

GREEK_ARGUMENTS = ("S", "K", "T", "r", "q", "sigma", "is_call")


@pytest.fixture(scope="module")
def book() -> dict[str, np.ndarray]:
    book = random_book(20_000, seed=7)
    return {**book, "price": bsm_price(**book)}


def _iv(book: dict[str, np.ndarray], index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return implied_vol_with_reason(book["price"][index], *(book[k][index] for k in ARGUMENTS))


def _greeks(book: dict[str, np.ndarray], index: np.ndarray) -> Greeks:
    return greeks(*(book[k][index] for k in GREEK_ARGUMENTS))


@pytest.mark.parametrize("size", [1, 2, 7, 33, 200, 2_000])
def test_implied_volatility_of_a_batch_is_that_of_the_whole_array(
    book: dict[str, np.ndarray], size: int
) -> None:
    everything = np.arange(book["S"].size)
    vol, reason = _iv(book, everything)
    rng = np.random.default_rng(size)
    for _ in range(10):
        index = rng.choice(everything, size, replace=False)
        batch_vol, batch_reason = _iv(book, index)
        np.testing.assert_array_equal(batch_vol, vol[index])
        np.testing.assert_array_equal(batch_reason, reason[index])


def test_greeks_of_a_batch_are_those_of_the_whole_array(book: dict[str, np.ndarray]) -> None:
    everything = np.arange(book["S"].size)
    whole = _greeks(book, everything)
    index = np.random.default_rng(1).choice(everything, 200, replace=False)
    batch = _greeks(book, index)
    for name in Greeks.names():
        np.testing.assert_array_equal(batch[name], whole[name][index])


def test_one_option_alone_gets_what_it_gets_in_the_array(book: dict[str, np.ndarray]) -> None:
    vol, reason = _iv(book, np.arange(book["S"].size))
    for i in range(0, book["S"].size, 401):
        alone, code = implied_vol_with_reason(book["price"][i], *(book[k][i] for k in ARGUMENTS))
        assert code == reason[i]
        np.testing.assert_array_equal(alone, vol[i])


def _double(x: np.ndarray) -> np.ndarray:
    return 2.0 * x


def _negate(x: np.ndarray) -> np.ndarray:
    return -x


def test_piecewise_applies_each_formula_to_its_elements_only() -> None:
    x = np.arange(6.0)
    out = np.full(6, np.nan)
    low = x < 2
    result = piecewise(out, [(low, _double), (x > 3, _negate)], x)
    assert result is out
    np.testing.assert_array_equal(out, [0.0, 2.0, np.nan, np.nan, -4.0, -5.0])


@pytest.mark.parametrize("mask", [np.ones(4, dtype=bool), np.zeros(4, dtype=bool)])
def test_piecewise_with_a_piece_holding_every_element_or_none(mask: np.ndarray) -> None:
    x = np.arange(4.0)
    out = piecewise(np.full(4, 7.0), [(mask, _double)], x)
    np.testing.assert_array_equal(out, np.where(mask, 2.0 * x, 7.0))
