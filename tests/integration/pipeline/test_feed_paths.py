"""The feed's replay path and the enricher's discovery of new underlyings, on real servers."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pymongo
import redis

from deltastream import bus, store
from deltastream.enricher.processing import Enricher, EnrichmentParameters
from deltastream.enricher.service import EnricherLoop
from deltastream.feed.publisher import TickPublisher
from deltastream.feed.runner import run_replay
from deltastream.feed.settings import FeedSettings
from deltastream.market.chain import chain_key
from deltastream.market.codec import decode_entry
from deltastream.market.enrichment import ExpiryConvention
from tests.integration.pipeline.chains import RATE, expiry_in, priced_chain
from tests.streams import stream_entries

Database = pymongo.database.Database[dict[str, Any]]


def test_replay_publishes_good_lines_and_dead_letters_bad_ones(
    redis_client: redis.Redis, server_urls: Any, underlying: str, tmp_path: Path
) -> None:
    expiry = expiry_in(9).isoformat()
    now = time.time_ns()
    path = tmp_path / "session.csv"
    path.write_text(
        "kind,underlying,expiry,strike,type,bid,ask,last,volume,open_interest,timestamp,price\n"
        f"underlying,{underlying},,,,,,,,,{now},24010.5\n"
        f"quote,{underlying},{expiry},24000,C,101.5,102.5,102,10,500,{now},\n"
        f"quote,{underlying},{expiry},24000,P,not-a-price,80,79,10,700,{now},\n"
        f"quote,{underlying},{expiry},24000,P,78.5,79.5,79,12,700,{now},\n"
    )
    settings = FeedSettings(redis_url=server_urls.redis_url, replay_path=path, metrics_port=0)
    started = f"{time.time_ns() // 1_000_000 - 1}-0"

    published = run_replay(
        settings, TickPublisher(redis_client, 10_000), redis_client, threading.Event()
    )

    assert published == 3
    ((_, fields),) = stream_entries(redis_client, bus.ticks_stream(underlying))
    assert fields[b"kind"] == b"b"  # the good lines' ticks as one batch entry
    ticks = decode_entry(fields)
    assert [(tick.price, tick.timestamp_ns) for _, tick in ticks.underlying_ticks] == [
        (24010.5, now)
    ]
    assert [(q.option_type.value, q.bid) for _, q in ticks.quotes] == [("C", 101.5), ("P", 78.5)]
    letters = [
        fields
        for _, fields in stream_entries(redis_client, bus.DEAD_LETTER_STREAM, started)
        if fields.get(b"source") == f"{path}:4".encode()
    ]
    assert len(letters) == 1
    assert b"bid" in letters[0][b"reason"]
    assert b"not-a-price" in letters[0][b"raw"]


def test_the_enricher_picks_up_a_new_underlying_by_itself(
    redis_client: redis.Redis, mongo_db: Database, underlying: str
) -> None:
    parameters = EnrichmentParameters(RATE, ExpiryConvention(), 0.0, 1000, 1000)
    reader = bus.ConsumerGroupReader(redis_client, [], bus.ENRICHER_GROUP, "discoverer")
    enricher = Enricher(redis_client, store.ChainStore(mongo_db), parameters)
    loop = EnricherLoop(
        reader,
        enricher,
        batch_size=500,
        block_ms=20,
        claim_idle_ms=60_000,
        claim_interval_seconds=60.0,
        discover_interval_seconds=0.0,
    )
    loop.step()  # may find other tests' streams: discovery takes every md.ticks.* stream
    expiry = expiry_in(5)
    quotes = priced_chain(underlying, expiry, strikes=5)
    TickPublisher(redis_client, 10_000).publish(quotes)

    for _ in range(10):
        loop.step()
    enricher.close()

    assert bus.ticks_stream(underlying) in reader.streams
    document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert document is not None
    assert document["applied_quotes"] == len(quotes)
