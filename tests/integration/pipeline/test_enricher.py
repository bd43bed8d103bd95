"""The enricher against real Valkey and SecantusDB: enrichment, storage, publication,
redelivery after a crash, and dead letters."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Any

import pymongo
import pytest
import redis
from prometheus_client import REGISTRY

from deltastream import bus, store
from deltastream.feed.publisher import TickPublisher
from deltastream.market.chain import chain_key
from deltastream.market.codec import encode_tick, quote_message
from deltastream.market.quotes import Tick
from deltastream.v1 import market_pb2
from tests.integration.pipeline.chains import expiry_in, priced_chain, spot_tick
from tests.integration.pipeline.conftest import MakeConsumer
from tests.streams import stream_entries

Database = pymongo.database.Database[dict[str, Any]]


def test_quotes_are_enriched_stored_and_published(
    redis_client: redis.Redis, mongo_db: Database, make_consumer: MakeConsumer, underlying: str
) -> None:
    expiry = expiry_in(10)
    quotes = priced_chain(underlying, expiry, sigma=0.21)
    TickPublisher(redis_client, 10_000).publish([spot_tick(underlying), *quotes])

    consumer = make_consumer([underlying], "enricher-a")
    assert consumer.drain() == 1  # the release is one entry

    document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert document is not None
    assert document["applied_quotes"] == len(quotes)
    assert len(document["strikes"]) == 11
    for side in ("calls", "puts"):
        assert all(abs(iv - 0.21) < 1e-6 for iv in document[side]["iv"])
        assert set(document[side]["iv_status"]) == {market_pb2.IV_STATUS_OK}
    assert all(0 < delta < 1 for delta in document["calls"]["delta"])
    assert all(-1 < delta < 0 for delta in document["puts"]["delta"])
    assert math.isclose(document["spot"], 24_000.0)
    assert mongo_db[store.SNAPSHOTS].count_documents({"underlying": underlying}) == 1
    assert mongo_db[store.ANALYTICS].count_documents({"underlying": underlying}) == 1

    published = stream_entries(redis_client, bus.enriched_stream(underlying))
    assert len(published) == 1
    snapshot = market_pb2.ChainSnapshot.FromString(published[0][1][b"chain"])
    assert snapshot.version == document["version"] == 1
    assert len(snapshot.rows) == 11
    assert abs(snapshot.rows[5].call.iv - 0.21) < 1e-6
    assert snapshot.analytics.total_call_open_interest == sum(q.open_interest for q in quotes) // 2


def _histogram(name: str) -> tuple[float, float]:
    """(observations, sum) of a histogram of the default registry."""
    count = REGISTRY.get_sample_value(f"{name}_count") or 0.0
    return count, REGISTRY.get_sample_value(f"{name}_sum") or 0.0


def test_each_batch_reports_its_preparation_by_the_clock_and_in_cpu_time(
    redis_client: redis.Redis, make_consumer: MakeConsumer, underlying: str
) -> None:
    """The loop's own CPU time per batch beside the clock's: an SRE tells an enricher that is
    short of CPU (throttled, crowded) from one that has too much to compute."""
    consumer = make_consumer([underlying], "enricher-timed")
    clock, cpu = (
        _histogram(f"deltastream_enricher_prepare{part}_seconds") for part in ("", "_cpu")
    )
    TickPublisher(redis_client, 10_000).publish(priced_chain(underlying, expiry_in(5)))
    assert consumer.loop.step() == 1

    clock_count, clock_sum = _histogram("deltastream_enricher_prepare_seconds")
    cpu_count, cpu_sum = _histogram("deltastream_enricher_prepare_cpu_seconds")
    assert (clock_count - clock[0], cpu_count - cpu[0]) == (1, 1)
    assert 0 < cpu_sum - cpu[1] <= clock_sum - clock[1] + 1e-3


def test_a_read_takes_as_many_entries_as_hold_about_the_batch_size_in_ticks(
    redis_client: redis.Redis, make_consumer: MakeConsumer, underlying: str
) -> None:
    """Entries of whole releases and entries of one tick each, in one stream: each read
    takes the count of entries that the last batch's ticks per entry make the batch size."""
    expiry = expiry_in(6)
    publisher = TickPublisher(redis_client, 10_000)
    for sigma in (0.20, 0.21, 0.22, 0.23):
        publisher.publish(priced_chain(underlying, expiry, sigma=sigma, strikes=5))  # 10 ticks
    for quote in priced_chain(underlying, expiry, sigma=0.24, strikes=15):  # 30 ticks
        redis_client.xadd(bus.ticks_stream(underlying), encode_tick(quote))  # type: ignore[arg-type]
    consumer = make_consumer([underlying], "enricher-sized", batch_size=20)

    steps = [consumer.loop.step() for _ in range(6)]

    # 1 entry (10 ticks): 2 next; 2 of 10: 2; 10 + 1 ticks: 3; 1 + 1 + 1: 20; the 6 left
    assert steps == [1, 2, 2, 3, 20, 6]
    assert consumer.reader.pending() == {bus.ticks_stream(underlying): 0}


def test_a_crash_between_store_and_ack_loses_nothing_and_counts_nothing_twice(
    redis_client: redis.Redis, mongo_db: Database, make_consumer: MakeConsumer, underlying: str
) -> None:
    first_expiry, second_expiry = expiry_in(7), expiry_in(14)
    stored_then_crashed = priced_chain(underlying, first_expiry)
    read_then_crashed = priced_chain(underlying, second_expiry)
    publisher = TickPublisher(redis_client, 10_000)
    publisher.publish(stored_then_crashed)

    doomed = make_consumer([underlying], "enricher-doomed")
    batch = doomed.reader.read(500, 50)
    doomed.enricher.save(doomed.enricher.prepare(batch))  # stored, then dies before XACK
    publisher.publish(read_then_crashed)
    assert len(doomed.reader.read(500, 50)) == 1  # read, never processed
    assert doomed.reader.pending() == {bus.ticks_stream(underlying): 2}

    survivor = make_consumer([underlying], "enricher-survivor")
    survivor.drain()

    assert survivor.reader.pending() == {bus.ticks_stream(underlying): 0}
    for expiry, quotes in ((first_expiry, stored_then_crashed), (second_expiry, read_then_crashed)):
        document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
        assert document is not None
        assert document["applied_quotes"] == len(quotes)
        assert document["version"] == 1


def test_a_restarted_consumer_replays_its_own_pending_entries(
    redis_client: redis.Redis, mongo_db: Database, make_consumer: MakeConsumer, underlying: str
) -> None:
    expiry = expiry_in(7)
    quotes = priced_chain(underlying, expiry)
    TickPublisher(redis_client, 10_000).publish(quotes)
    before = make_consumer([underlying], "enricher-0")
    assert len(before.reader.read(500, 50)) == 1

    after = make_consumer([underlying], "enricher-0")  # same name: a restarted pod
    replayed = after.reader.read(500, 50)
    assert [entry.entry_id for entry in replayed] == [
        entry_id for entry_id, _ in stream_entries(redis_client, bus.ticks_stream(underlying))
    ]
    assert after.enricher.save(after.enricher.prepare(replayed)) == []
    after.reader.ack(replayed)

    document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert document is not None
    assert document["applied_quotes"] == len(quotes)
    assert after.reader.pending() == {bus.ticks_stream(underlying): 0}


def test_malformed_entries_go_to_the_dead_letter_stream_and_good_ones_behind_them_pass(
    redis_client: redis.Redis, mongo_db: Database, make_consumer: MakeConsumer, underlying: str
) -> None:
    expiry = expiry_in(7)
    good = priced_chain(underlying, expiry, strikes=3)
    stream = bus.ticks_stream(underlying)
    bad_entries: list[tuple[dict[str, str], str]] = [
        ({"kind": "x"}, "kind"),
        ({**encode_tick(good[0]), "k": "abc"}, "k: not a number"),
        ({**encode_tick(good[0]), "bid": "-1"}, "bid"),
        ({**encode_tick(good[0]), "exp": "2026-13-40"}, "exp: not an ISO date"),
        ({**encode_tick(good[0]), "cp": "X"}, "cp"),
        ({**encode_tick(good[0]), "und": "OTHER"}, "does not belong on stream"),
        ({k: v for k, v in encode_tick(good[0]).items() if k != "oi"}, "oi: missing"),
    ]
    ids = []
    for index, quote in enumerate(good):
        ids.append(redis_client.xadd(stream, bad_entries[index][0]))  # type: ignore[arg-type]
        redis_client.xadd(stream, encode_tick(quote))  # type: ignore[arg-type]
    for fields, _ in bad_entries[len(good) :]:
        ids.append(redis_client.xadd(stream, fields))  # type: ignore[arg-type]
    started = time.time_ns() // 1_000_000 - 1

    consumer = make_consumer([underlying], "enricher-dl")
    consumer.drain()

    letters = [
        fields
        for _, fields in stream_entries(redis_client, bus.DEAD_LETTER_STREAM, f"{started}-0")
        if fields[b"source_stream"] == stream.encode()
    ]
    assert [letter[b"source_id"] for letter in letters] == ids
    for letter, (fields, reason) in zip(letters, bad_entries, strict=True):
        assert reason in letter[b"reason"].decode()
        assert letter[b"f.kind"] == fields["kind"].encode()
    document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert document is not None
    assert document["applied_quotes"] == len(good)
    assert consumer.reader.pending() == {stream: 0}


def test_a_malformed_tick_of_a_batch_is_dead_lettered_once_with_the_entrys_acknowledgement(
    redis_client: redis.Redis,
    mongo_db: Database,
    make_consumer: MakeConsumer,
    underlying: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bad tick in a release costs only itself: the others are applied, and the tick goes to
    the dead-letter stream, by its place in the batch, in the transaction that acknowledges
    the entry; a crash before that leaves neither, and the redelivery adds it once (and logs
    it once)."""
    caplog.set_level(logging.WARNING, logger="deltastream.enricher.processing")
    expiry = expiry_in(7)
    good = priced_chain(underlying, expiry, strikes=3)
    crossed = dataclasses.replace(good[1], bid=good[1].ask + 1.0)
    release: list[Tick] = [spot_tick(underlying), good[0], crossed, *good[2:]]
    TickPublisher(redis_client, 10_000).publish(release)
    stream = bus.ticks_stream(underlying)
    started = f"{time.time_ns() // 1_000_000 - 1_000}-0"

    def letters() -> list[dict[bytes, bytes]]:
        return [
            fields
            for _, fields in stream_entries(redis_client, bus.DEAD_LETTER_STREAM, started)
            if fields[b"source_stream"] == stream.encode()
        ]

    doomed = make_consumer([underlying], "enricher-tick-dl-doomed")
    prepared = doomed.enricher.prepare(doomed.reader.read(500, 50))
    assert doomed.enricher.save(prepared) == []  # stored, then dies before the acknowledgement
    assert [letter.reason for letter in prepared.dead_ticks] == [
        f"bid {crossed.bid} above ask {crossed.ask}"
    ]
    assert letters() == []
    assert _dead_letter_logs(caplog) == []

    survivor = make_consumer([underlying], "enricher-tick-dl-survivor")
    survivor.drain()  # claims the entry the doomed consumer left pending

    ((entry_id, _),) = stream_entries(redis_client, stream)
    (letter,) = letters()
    assert (letter[b"source_id"], letter[b"source_index"]) == (entry_id.encode(), b"1")
    assert letter[b"reason"] == f"bid {crossed.bid} above ask {crossed.ask}".encode()
    assert (letter[b"f.kind"], letter[b"f.pb"]) == (b"q", quote_message(crossed))
    document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert document is not None
    assert (document["applied_quotes"], document["version"]) == (len(good) - 1, 1)
    assert survivor.reader.pending() == {stream: 0}
    assert _dead_letter_logs(caplog) == [("dead-lettered a tick of an entry", entry_id, 1)]


@pytest.mark.parametrize("write_behind", [False, True], ids=["step-by-step", "write-behind"])
def test_two_enrichers_writing_one_chain_lose_no_quote(
    redis_client: redis.Redis,
    mongo_db: Database,
    make_consumer: MakeConsumer,
    underlying: str,
    write_behind: bool,
) -> None:
    """Replicas share the group, so one chain is written by several: the one whose copy is
    stale loses the race, reloads what the other stored, applies its quotes again, and wins."""
    expiry = expiry_in(9)
    publisher = TickPublisher(redis_client, 10_000)
    first = make_consumer([underlying], "enricher-a", write_behind=write_behind)
    second = make_consumer([underlying], "b")
    conflicts_before = REGISTRY.get_sample_value("deltastream_enricher_conflicts_total") or 0.0

    publisher.publish([spot_tick(underlying), *priced_chain(underlying, expiry, sigma=0.20)])
    first.drain()  # version 1, and "enricher-a" keeps the chain in memory
    publisher.publish(priced_chain(underlying, expiry, sigma=0.22, strikes=5, step=100.0))
    second.drain()  # loads version 1, stores version 2
    late = priced_chain(underlying, expiry, sigma=0.24, strikes=3, step=100.0)
    publisher.publish(late)
    first.drain()  # its copy is at version 1: lost race, reload version 2, store version 3

    document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert document is not None
    assert document["version"] == 3
    assert document["applied_quotes"] == 22 + 10 + 6
    by_strike = dict(zip(document["strikes"], document["calls"]["iv"], strict=True))
    assert abs(by_strike[24_000.0] - 0.24) < 1e-6  # the late batch, on top of
    assert abs(by_strike[24_200.0] - 0.22) < 1e-6  # the other replica's, on top of
    assert abs(by_strike[24_500.0] - 0.20) < 1e-6  # the first
    conflicts = REGISTRY.get_sample_value("deltastream_enricher_conflicts_total")
    assert conflicts == conflicts_before + 1
    assert _pending(redis_client, underlying) == 0
    versions = [
        market_pb2.ChainSnapshot.FromString(fields[b"chain"]).version
        for _, fields in stream_entries(redis_client, bus.enriched_stream(underlying))
    ]
    assert versions[-1] == 3  # the stale copy's version 2 went out before the race was lost


def _pending(client: redis.Redis, underlying: str) -> int:
    summary = client.xpending(bus.ticks_stream(underlying), bus.ENRICHER_GROUP)
    return int(summary["pending"])


def _dead_letter_logs(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, int]]:
    return [
        (record.getMessage(), record.__dict__["entry_id"], record.__dict__["tick"])
        for record in caplog.records
        if record.getMessage().startswith("dead-lettered")
    ]
