"""A MarketData server on port 0 against the real servers, with chains stored by a real
enricher, for running the command-line client against.

The server runs on its own event loop in a background thread, so a test calls the client's
blocking ``main([...])`` directly, as a user's shell would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import redis
from pydantic import SecretStr

from deltastream.embedded import EmbeddedUrls
from deltastream.feed.publisher import TickPublisher
from deltastream.marketdata.server import RunningServer, create_server
from deltastream.marketdata.settings import MarketDataSettings
from tests.integration.pipeline import conftest as pipeline
from tests.integration.pipeline.chains import priced_chain, spot_tick
from tests.integration.pipeline.conftest import Consumer, MakeConsumer

START_SECONDS = 30.0
T = TypeVar("T")

# The pipeline tests' fixtures: a database with the store's indexes, and enricher consumers.
mongo_db = pipeline.mongo_db
make_consumer = pipeline.make_consumer


@dataclass
class Market:
    """Publishes priced chains of one underlying and has the enricher store them."""

    underlying: str
    publisher: TickPublisher
    consumer: Consumer

    def publish(self, expiry: dt.date, *, spot: float = 24_000.0, sigma: float = 0.18) -> None:
        quotes = priced_chain(self.underlying, expiry, spot=spot, sigma=sigma)
        self.publisher.publish([spot_tick(self.underlying, spot), *quotes])
        self.consumer.drain()


@pytest.fixture
def market(redis_client: redis.Redis, make_consumer: MakeConsumer, underlying: str) -> Market:
    return Market(underlying, TickPublisher(redis_client, 10_000), make_consumer([underlying], "e"))


class MarketDataServer:
    """A MarketData server on its own event loop in a background thread."""

    def __init__(self, settings: MarketDataSettings) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="marketdata")
        self._thread.start()
        self._running: RunningServer | None = self._call(create_server(settings))
        self.target = f"127.0.0.1:{self._running.port}"

    def stop(self) -> None:
        """Stop the server (ending every call) and its loop; later calls do nothing."""
        if self._running is None:
            return
        running, self._running = self._running, None
        self._call(running.stop(0))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_SECONDS)
        self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(START_SECONDS)


@pytest.fixture
def marketdata(
    server_urls: EmbeddedUrls, mongo_db_name: str, underlying: str, market: Market
) -> Iterator[MarketDataServer]:
    """A MarketData server serving this test's database and underlying."""
    settings = MarketDataSettings(
        redis_url=server_urls.redis_url,
        mongo_uri=SecretStr(server_urls.mongo_uri),
        mongo_db=mongo_db_name,
        grpc_port=0,
        grpc_host="127.0.0.1",
        metrics_port=0,
        underlyings=[underlying],
    )
    server = MarketDataServer(settings)
    yield server
    server.stop()


@pytest.fixture
def marketdata_target(marketdata: MarketDataServer) -> str:
    """host:port of the MarketData server."""
    return marketdata.target
