"""Microstructure of the synthetic market: bid/ask around a model price, trades, open interest.

Pure, vectorized functions over arrays of options. The spread widens away from the money and
is rounded outwards to the exchange tick, so ``0 <= bid <= model price <= ask`` and
``bid < ask`` always hold. A trade can change open interest by at most its own size (each
contract either opens or closes a position), and open interest never goes negative.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_PRICE_DECIMALS = 8
"""Rounding that removes binary noise from multiples of the tick (0.05 -> 0.05, not 0.0500..1)."""


def quote_sides(
    price: FloatArray,
    moneyness: FloatArray,
    tick_size: float,
    relative_spread: float,
    spread_widening: float,
) -> tuple[FloatArray, FloatArray]:
    """Bid and ask around ``price``; ``moneyness`` is log(K/F) in standard deviations."""
    half_spread = tick_size * (1.0 + spread_widening * np.abs(moneyness)) + relative_spread * price
    bid_ticks = np.maximum(np.floor((price - half_spread) / tick_size), 0.0)
    ask_ticks = np.maximum(np.ceil((price + half_spread) / tick_size), bid_ticks + 1.0)
    return _on_tick(bid_ticks, tick_size), _on_tick(ask_ticks, tick_size)


def trade_sizes(rng: np.random.Generator, activity: FloatArray, mean_size: float) -> IntArray:
    """Contracts traded alongside each quote (often zero for illiquid options)."""
    sizes: IntArray = rng.poisson(mean_size * activity).astype(np.int64)
    return sizes


def trade_prices(
    rng: np.random.Generator, bid: FloatArray, ask: FloatArray, tick_size: float
) -> FloatArray:
    """A traded price on the tick grid between bid and ask, never zero."""
    low = np.maximum(bid, tick_size)
    ticks = np.rint((low + rng.random(bid.size) * (ask - low)) / tick_size)
    return np.minimum(_on_tick(ticks, tick_size), ask)


def evolve_open_interest(
    rng: np.random.Generator, open_interest: IntArray, traded: IntArray
) -> IntArray:
    """Open interest after ``traded`` contracts, each opening or closing a position at random."""
    change = np.rint(traded * rng.uniform(-1.0, 1.0, traded.size)).astype(np.int64)
    evolved: IntArray = np.maximum(open_interest + change, 0)
    return evolved


def round_to_tick(price: FloatArray, tick_size: float) -> FloatArray:
    """Nearest positive multiple of the tick."""
    return _on_tick(np.maximum(np.rint(price / tick_size), 1.0), tick_size)


def _on_tick(ticks: FloatArray, tick_size: float) -> FloatArray:
    return np.round(ticks * tick_size, _PRICE_DECIMALS)
