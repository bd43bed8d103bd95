"""A market for the gateway's tests: priced chains of one underlying published to its tick
stream and turned into stored, published enriched chains by the real enricher, step by step."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from deltastream.alerts.evaluation import AlertEvaluator
from deltastream.enricher.service import EnricherLoop
from deltastream.feed.publisher import TickPublisher
from deltastream.market.enrichment import ExpiryConvention
from deltastream.market.quotes import OptionQuote, OptionType, UnderlyingTick
from deltastream.quant import bsm_price
from tests.integration.pipeline.chains import RATE, priced_chain

STRIKES = 11
CENTRE = 24_000.0


def priced_quotes(
    underlying: str, expiry: dt.date, spot: float, sigma: float, timestamp_ns: int
) -> list[OptionQuote]:
    """Quotes 0.5 either side of the BSM price at ``sigma`` on a fixed strike grid around
    ``CENTRE``, so that a chain keeps its strikes while the spot moves."""
    grid = priced_chain(underlying, expiry, spot=CENTRE, strikes=STRIKES, timestamp_ns=timestamp_ns)
    time_to_expiry = ExpiryConvention().time_to_expiry(expiry, timestamp_ns)
    is_call = np.array([quote.option_type is OptionType.CALL for quote in grid])
    strike = np.array([quote.strike for quote in grid])
    prices = bsm_price(spot, strike, time_to_expiry, RATE, 0.0, sigma, is_call)
    return [
        replace(quote, bid=float(price) - 0.5, ask=float(price) + 0.5, last=float(price))
        for quote, price in zip(grid, prices, strict=True)
    ]


@dataclass
class Market:
    underlying: str
    expiries: list[dt.date]
    publisher: TickPublisher
    loop: EnricherLoop
    evaluator: AlertEvaluator | None = None

    def publish(self, *, spot: float = CENTRE, sigma: float = 0.18) -> None:
        """A new chain of every expiry at ``spot``, enriched, stored and published, and the
        alert rules evaluated on it when there is an evaluator."""
        now_ns = time.time_ns()
        for expiry in self.expiries:
            quotes = priced_quotes(self.underlying, expiry, spot, sigma, now_ns)
            self.publisher.publish([UnderlyingTick(self.underlying, spot, now_ns), *quotes])
        _drain(self.loop.step, len(self.expiries))  # a publish is one entry: one underlying
        if self.evaluator is not None:
            _drain(self.evaluator.step, len(self.expiries))  # one enriched update per chain


def _drain(step: Callable[[], int], entries: int) -> None:
    """Step until ``entries`` have been handled (a step reads what is there, and blocks only
    when there is nothing)."""
    while entries > 0:
        entries -= step()
