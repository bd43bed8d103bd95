"""Quotes of a chain priced at a known volatility, so a test knows the IV to expect."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

from deltastream.market.enrichment import ExpiryConvention
from deltastream.market.quotes import OptionQuote, OptionType, UnderlyingTick
from deltastream.quant import bsm_price

RATE = 0.065


def expiry_in(days: int) -> dt.date:
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)


def priced_chain(
    underlying: str,
    expiry: dt.date,
    *,
    spot: float = 24_000.0,
    sigma: float = 0.18,
    strikes: int = 11,
    step: float = 100.0,
    timestamp_ns: int | None = None,
) -> list[OptionQuote]:
    """Calls and puts around ``spot`` with bid/ask symmetric around the BSM price at ``sigma``
    (q = 0), so the mid is the model price and the implied volatility is ``sigma``."""
    now_ns = time.time_ns() if timestamp_ns is None else timestamp_ns
    time_to_expiry = ExpiryConvention().time_to_expiry(expiry, now_ns)
    grid = spot + step * (np.arange(strikes) - strikes // 2)
    quotes = []
    for option_type in (OptionType.CALL, OptionType.PUT):
        prices = bsm_price(
            spot, grid, time_to_expiry, RATE, 0.0, sigma, option_type is OptionType.CALL
        )
        for index, (strike, price) in enumerate(zip(grid, prices, strict=True)):
            quotes.append(
                OptionQuote(
                    underlying=underlying,
                    expiry=expiry,
                    strike=float(strike),
                    option_type=option_type,
                    bid=float(price) - 0.5,
                    ask=float(price) + 0.5,
                    last=float(price),
                    volume=100 + index,
                    open_interest=1000 * (index + 1),
                    timestamp_ns=now_ns,
                )
            )
    return quotes


def spot_tick(underlying: str, spot: float = 24_000.0) -> UnderlyingTick:
    return UnderlyingTick(underlying=underlying, price=spot, timestamp_ns=time.time_ns())
