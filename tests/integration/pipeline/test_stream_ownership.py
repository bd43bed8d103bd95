"""Enricher replicas sharing the tick streams by ownership, against a real Valkey and
SecantusDB: each consumes only its own streams, every chain is stored by one replica, and a
replica that leaves hands its streams to the others."""

from __future__ import annotations

import uuid
from typing import Any

import pymongo
import redis

from deltastream import bus, store
from deltastream.enricher.ownership import Membership
from deltastream.enricher.processing import Enricher, EnrichmentParameters
from deltastream.enricher.service import EnricherLoop
from deltastream.feed.publisher import TickPublisher
from deltastream.market.chain import chain_key
from deltastream.market.enrichment import ExpiryConvention
from tests.integration.pipeline.chains import RATE, expiry_in, priced_chain

Database = pymongo.database.Database[dict[str, Any]]


def _enricher(client: redis.Redis, db: Database) -> Enricher:
    parameters = EnrichmentParameters(RATE, ExpiryConvention(), 0.0, 1000, 1000)
    return Enricher(client, store.ChainStore(db), parameters)


def _replica(
    client: redis.Redis,
    db: Database,
    streams: list[str],
    name: str,
    key: str,
    enricher: Enricher | None = None,
) -> EnricherLoop:
    reader = bus.ConsumerGroupReader(client, streams, bus.ENRICHER_GROUP, name)
    reader.ensure_group()
    return EnricherLoop(
        reader,
        enricher or _enricher(client, db),
        batch_size=500,
        block_ms=20,
        claim_idle_ms=60_000,
        claim_interval_seconds=60.0,
        write_behind=True,
        membership=Membership(client, name, ttl_seconds=30.0, key=key),
        rebalance_interval_seconds=0.0,  # look at every step
    )


def test_replicas_share_the_streams_and_hand_them_over(
    redis_client: redis.Redis, mongo_db: Database
) -> None:
    run = uuid.uuid4().hex[:8].upper()
    underlyings = [f"W{run}{letter}" for letter in "ABC"]
    streams = [bus.ticks_stream(u) for u in underlyings]
    key = f"test:members:{run}"
    first = _replica(redis_client, mongo_db, streams, "first", key)
    first.step()  # alone: owns every stream
    second = _replica(redis_client, mongo_db, streams, "second", key)
    second.step()
    first.step()  # now sees the second replica too

    owned = [set(first.consuming), set(second.consuming)]
    assert owned[0] and owned[1], "both replicas have work"
    assert owned[0].isdisjoint(owned[1])
    assert owned[0] | owned[1] == set(streams)

    expiry = expiry_in(6)
    publisher = TickPublisher(redis_client, 10_000)
    for underlying in underlyings:
        publisher.publish(priced_chain(underlying, expiry, strikes=3))
    for _ in range(3):
        for replica in (first, second):
            replica.step()
            replica.flush()
    for underlying in underlyings:
        document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
        assert document is not None and document["version"] == 1
        assert document["applied_quotes"] == 6
    for stream in streams:
        owner = "first" if stream in owned[0] else "second"
        assert _delivered_to(redis_client, stream) == {owner}

    second.close()  # leaves: its streams go to the first at its next look
    first.step()
    assert set(first.consuming) == set(streams)
    first.close()


def test_replicas_share_the_streams_by_the_chains_they_carry(
    redis_client: redis.Redis, mongo_db: Database
) -> None:
    """Dealt by count, the stream with three expiries and one with one go to the first
    replica; once the replicas have reported their chains, the heavy stream is the first's
    alone and the other has moved to the second, every chain stored once, nothing pending. The
    first no longer holds the chain of the stream it let go."""
    run = uuid.uuid4().hex[:8].upper()
    heavy, seconds, moved = (f"V{run}{letter}" for letter in "ABC")
    streams = [bus.ticks_stream(u) for u in (heavy, seconds, moved)]
    key = f"test:members:{run}"
    first_enricher = _enricher(redis_client, mongo_db)
    first = _replica(redis_client, mongo_db, streams, "first", key, first_enricher)
    second = _replica(redis_client, mongo_db, streams, "second", key)
    first.step()
    second.step()
    first.step()
    assert set(first.consuming) == {bus.ticks_stream(heavy), bus.ticks_stream(moved)}

    publisher = TickPublisher(redis_client, 10_000)
    expiries = [expiry_in(days) for days in (6, 13, 27)]
    for expiry in expiries:
        publisher.publish(priced_chain(heavy, expiry, strikes=2))
    for underlying in (seconds, moved):
        publisher.publish(priced_chain(underlying, expiries[0], strikes=2))
    for _ in range(3):
        for replica in (first, second):
            replica.step()
            replica.flush()

    assert set(first.consuming) == {bus.ticks_stream(heavy)}
    assert set(second.consuming) == {bus.ticks_stream(seconds), bus.ticks_stream(moved)}
    assert first_enricher.chains_per_stream(streams) == {bus.ticks_stream(heavy): 3}
    chains = {(d["underlying"], d["expiry"]): d for d in mongo_db[store.LATEST].find(
        {"underlying": {"$in": [heavy, seconds, moved]}}
    )}  # fmt: skip
    assert sorted(chains) == sorted(
        [(heavy, e.isoformat()) for e in expiries]
        + [(u, expiries[0].isoformat()) for u in (seconds, moved)]
    )
    assert {(d["version"], d["applied_quotes"]) for d in chains.values()} == {(1, 4)}
    for stream in streams:
        assert int(redis_client.xpending(stream, bus.ENRICHER_GROUP)["pending"]) == 0
    first.close()
    second.close()


def _delivered_to(client: redis.Redis, stream: str) -> set[str]:
    """The consumers that were ever handed entries of ``stream`` (``inactive`` is -1 for a
    consumer whose reads never returned any)."""
    return {
        consumer["name"].decode()
        for consumer in client.xinfo_consumers(stream, bus.ENRICHER_GROUP)
        if int(consumer["inactive"]) >= 0
    }
