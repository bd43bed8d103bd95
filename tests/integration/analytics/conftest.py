"""An Analytics server on port 0 against the real servers, with chains stored by a real
enricher from priced quotes, and a channel to it that sends a viewer's token."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np
import pytest
import redis

from deltastream.analytics.server import create_server
from deltastream.analytics.settings import AnalyticsSettings
from deltastream.auth import Role
from deltastream.feed.publisher import TickPublisher
from deltastream.market.enrichment import ExpiryConvention
from deltastream.market.quotes import OptionQuote, OptionType, UnderlyingTick
from deltastream.quant import bsm_price
from deltastream.v1 import analytics_pb2_grpc
from tests.conftest import TokenAuthority, authorized
from tests.integration.analytics.serving import ServerThread
from tests.integration.pipeline import conftest as pipeline
from tests.integration.pipeline.chains import RATE, priced_chain
from tests.integration.pipeline.conftest import Consumer, MakeConsumer

# The pipeline tests' fixtures: a database with the store's indexes, and enricher consumers.
mongo_db = pipeline.mongo_db
make_consumer = pipeline.make_consumer

Adjust = Callable[[OptionQuote], OptionQuote]


@dataclass
class Market:
    """Publishes priced chains of one underlying and has the real enricher store them."""

    underlying: str
    publisher: TickPublisher
    consumer: Consumer

    def publish(
        self,
        expiry: dt.date,
        *,
        spot: float = 24_000.0,
        sigma: float = 0.18,
        strikes: int = 11,
        timestamp_ns: int | None = None,
        adjust: Adjust | None = None,
    ) -> None:
        now_ns = time.time_ns() if timestamp_ns is None else timestamp_ns
        quotes = priced_quotes(self.underlying, expiry, spot, sigma, strikes, now_ns)
        if adjust is not None:
            quotes = [adjust(quote) for quote in quotes]
        self.publisher.publish([UnderlyingTick(self.underlying, spot, now_ns), *quotes])
        self.consumer.drain()


def priced_quotes(
    underlying: str,
    expiry: dt.date,
    spot: float,
    sigma: float,
    strikes: int,
    timestamp_ns: int,
    centre: float = 24_000.0,
) -> list[OptionQuote]:
    """``priced_chain``'s quotes (bid and ask 0.5 around the price at ``sigma``) on a strike grid
    around ``centre`` whatever the spot, so a chain's strikes stay put while the spot moves."""
    grid = priced_chain(underlying, expiry, spot=centre, strikes=strikes, timestamp_ns=timestamp_ns)
    time_to_expiry = ExpiryConvention().time_to_expiry(expiry, timestamp_ns)
    is_call = np.array([quote.option_type is OptionType.CALL for quote in grid])
    strike = np.array([quote.strike for quote in grid])
    prices = bsm_price(spot, strike, time_to_expiry, RATE, 0.0, sigma, is_call)
    return [
        dataclasses.replace(q, bid=float(p) - 0.5, ask=float(p) + 0.5, last=float(p))
        for q, p in zip(grid, prices, strict=True)
    ]


def with_open_interest(change: Callable[[OptionQuote], int]) -> Adjust:
    """An ``Adjust`` that sets each quote's open interest."""
    return lambda quote: dataclasses.replace(quote, open_interest=change(quote))


@pytest.fixture
def market(redis_client: redis.Redis, make_consumer: MakeConsumer, underlying: str) -> Market:
    return Market(underlying, TickPublisher(redis_client, 10_000), make_consumer([underlying], "e"))


@pytest.fixture
def analytics_server(
    server_settings: dict[str, Any], request: pytest.FixtureRequest
) -> Iterator[ServerThread]:
    """The server; a test parametrizes it indirectly with settings of its own, such as another
    expiry convention (``expiry_timezone``, ``expiry_close``)."""
    overrides: dict[str, Any] = getattr(request, "param", {})
    server = ServerThread(create_server(AnalyticsSettings(**server_settings, **overrides)))
    yield server
    server.stop()


@pytest.fixture
def channel(
    analytics_server: ServerThread, token_authority: TokenAuthority
) -> Iterator[grpc.Channel]:
    """A channel whose calls carry a viewer's token."""
    with grpc.insecure_channel(analytics_server.target) as channel:
        yield authorized(channel, token_authority.metadata(Role.VIEWER))


@pytest.fixture
def analytics(channel: grpc.Channel) -> analytics_pb2_grpc.AnalyticsStub:
    return analytics_pb2_grpc.AnalyticsStub(channel)  # type: ignore[no-untyped-call]
