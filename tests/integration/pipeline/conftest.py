"""An enricher wired to the real servers, in this process, for step-by-step tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import pymongo
import pytest
import redis

from deltastream import bus, store
from deltastream.enricher.processing import Enricher, EnrichmentParameters
from deltastream.enricher.service import EnricherLoop
from deltastream.market.enrichment import ExpiryConvention
from deltastream.marketdata.server import create_server
from deltastream.marketdata.settings import MarketDataSettings
from tests.integration.analytics.serving import ServerThread
from tests.integration.pipeline.chains import RATE


@dataclass(frozen=True)
class Consumer:
    """One enricher consumer: its reader and enricher, and the loop that drives both."""

    reader: bus.ConsumerGroupReader
    enricher: Enricher
    loop: EnricherLoop

    def drain(self, max_steps: int = 50) -> int:
        """Step until a read returns nothing once every batch is stored (a chain lost to
        another replica is read again then); returns the entries handled."""
        handled = 0
        for _ in range(max_steps):
            count = self.loop.step()
            if count == 0:
                self.loop.flush()
                count = self.loop.step()
            if count == 0:
                self.enricher.flush_history()
                return handled
            handled += count
        raise AssertionError("the stream did not drain")


class MakeConsumer(Protocol):
    def __call__(
        self,
        underlyings: list[str],
        consumer: str,
        *,
        write_behind: bool = False,
        batch_size: int = 500,
    ) -> Consumer: ...


@pytest.fixture
def mongo_db(
    mongo_client: pymongo.MongoClient[dict[str, Any]], mongo_db_name: str
) -> pymongo.database.Database[dict[str, Any]]:
    db = mongo_client[mongo_db_name]
    store.ensure_indexes(
        db, snapshot_retention=dt.timedelta(days=1), analytics_retention=dt.timedelta(days=1)
    )
    return db


@pytest.fixture
def make_consumer(
    redis_client: redis.Redis, mongo_db: pymongo.database.Database[dict[str, Any]]
) -> Iterator[MakeConsumer]:
    """An enricher loop as a consumer named ``consumer`` over the tick streams of
    ``underlyings``; claims entries idle for any time, so a test can play a dead consumer."""
    made: list[Consumer] = []

    def make(
        underlyings: list[str],
        consumer: str,
        *,
        write_behind: bool = False,
        batch_size: int = 500,
    ) -> Consumer:
        parameters = EnrichmentParameters(
            risk_free_rate=RATE,
            convention=ExpiryConvention(),
            snapshot_interval_seconds=0.0,
            enriched_max_length=1000,
            dead_letter_max_length=1000,
        )
        enricher = Enricher(redis_client, store.ChainStore(mongo_db), parameters)
        reader = bus.ConsumerGroupReader(
            redis_client, [bus.ticks_stream(u) for u in underlyings], bus.ENRICHER_GROUP, consumer
        )
        reader.ensure_group()
        loop = EnricherLoop(
            reader,
            enricher,
            batch_size=batch_size,
            block_ms=50,
            claim_idle_ms=1,
            claim_interval_seconds=0.0,
            write_behind=write_behind,
        )
        made.append(Consumer(reader, enricher, loop))
        return made[-1]

    yield make
    for consumer in made:
        consumer.loop.close()
        consumer.enricher.close()


@pytest.fixture
def marketdata_server(server_settings: dict[str, Any]) -> Iterator[ServerThread]:
    """A MarketData server on a free port, verifying tokens of ``token_authority``."""
    server = ServerThread(create_server(MarketDataSettings(**server_settings)))
    yield server
    server.stop()
