"""Bid/ask construction, trades and open interest."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deltastream.feed.quoting import (
    evolve_open_interest,
    quote_sides,
    round_to_tick,
    trade_prices,
    trade_sizes,
)

TICK = 0.05
prices = hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(0.0, 5000.0))


def on_tick(values: np.ndarray) -> bool:
    return bool(np.allclose(values / TICK, np.rint(values / TICK), atol=1e-6))


@settings(max_examples=80, deadline=None)
@given(price=prices, moneyness=st.floats(-6.0, 6.0), relative=st.floats(0.0001, 0.05))
def test_bid_and_ask_bracket_the_price_on_the_tick(
    price: np.ndarray, moneyness: float, relative: float
) -> None:
    bid, ask = quote_sides(price, np.full(price.size, moneyness), TICK, relative, 0.6)
    assert np.all(bid >= 0)
    assert np.all(bid < ask)
    assert np.all(bid <= price)
    assert np.all(price <= ask)
    assert on_tick(bid)
    assert on_tick(ask)


def test_the_spread_widens_away_from_the_money() -> None:
    price = np.full(5, 100.0)
    moneyness = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    bid, ask = quote_sides(price, moneyness, TICK, 0.002, 1.0)
    spread = ask - bid
    assert np.all(np.diff(spread) >= 0)
    assert spread[-1] > spread[0]


def test_trades_move_open_interest_by_at_most_their_size_and_never_below_zero() -> None:
    rng = np.random.default_rng(1)
    open_interest = rng.integers(0, 50, 5000).astype(np.int64)
    traded = trade_sizes(rng, rng.random(5000), 30.0)
    evolved = evolve_open_interest(rng, open_interest, traded)
    assert np.all(evolved >= 0)
    assert np.all(np.abs(evolved - open_interest) <= traded)
    assert np.any(evolved > open_interest)
    assert np.any(evolved < open_interest)


def test_trade_prices_lie_between_bid_and_ask_and_are_positive() -> None:
    rng = np.random.default_rng(2)
    bid = np.array([0.0, 0.0, 10.0, 250.35])
    ask = np.array([0.05, 0.5, 10.05, 260.0])
    for _ in range(50):
        fills = trade_prices(rng, bid, ask, TICK)
        assert np.all(fills >= np.maximum(bid, TICK))
        assert np.all(fills <= ask)
        assert on_tick(fills)


def test_round_to_tick_gives_a_positive_multiple() -> None:
    rounded = round_to_tick(np.array([0.0, 0.01, 0.07, 123.456]), TICK)
    assert rounded.tolist() == [0.05, 0.05, 0.05, 123.45]
