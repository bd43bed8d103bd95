"""The enricher's chain writer against real Valkey and SecantusDB: stores prepared batches in
order on its own thread, acknowledges each batch once its chains are stored, and never stores a
write made from a copy that already lost a race to another replica."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pymongo
import pytest
import redis
from prometheus_client import REGISTRY

from deltastream import bus, store
from deltastream import store as store_module
from deltastream.embedded import free_port
from deltastream.enricher.processing import PreparedBatch
from deltastream.enricher.writer import ChainWriter, Store
from deltastream.feed.publisher import TickPublisher
from deltastream.market.chain import chain_key
from tests.integration.pipeline.chains import expiry_in, priced_chain, spot_tick
from tests.integration.pipeline.conftest import Consumer, MakeConsumer

Database = pymongo.database.Database[dict[str, Any]]


def _pending(client: redis.Redis, underlying: str) -> int:
    return int(client.xpending(bus.ticks_stream(underlying), bus.ENRICHER_GROUP)["pending"])


def _writer(consumer: Consumer, interval_seconds: float = 0.0) -> ChainWriter:
    return ChainWriter(
        consumer.enricher.save, consumer.reader.ack, interval_seconds=interval_seconds
    )


def _counting_store(consumer: Consumer, writes: list[int]) -> Store:
    """The consumer's store, noting the number of ticks of each write in ``writes``."""

    def store(batch: PreparedBatch, skip: frozenset[str]) -> list[str]:
        writes.append(sum(batch.ticks.values()))
        return consumer.enricher.save(batch, skip)

    return store


def _wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _flushed_within(writer: ChainWriter, seconds: float) -> bool:
    """Flush on another thread; whether it returned within ``seconds``."""
    flushing = threading.Thread(target=writer.flush)
    flushing.start()
    flushing.join(seconds)
    return not flushing.is_alive()


def test_batches_are_stored_in_order_and_acknowledged_once_stored(
    redis_client: redis.Redis, mongo_db: Database, make_consumer: MakeConsumer, underlying: str
) -> None:
    expiry = expiry_in(6)
    publisher = TickPublisher(redis_client, 10_000)
    consumer = make_consumer([underlying], "writer-a")
    writer = _writer(consumer)
    publisher.publish([spot_tick(underlying), *priced_chain(underlying, expiry, sigma=0.2)])
    first = consumer.enricher.prepare(consumer.reader.read(500, 50))
    publisher.publish(priced_chain(underlying, expiry, sigma=0.3, strikes=3))
    second = consumer.enricher.prepare(consumer.reader.read(500, 50))
    assert _pending(redis_client, underlying) == 2  # both releases read, nothing stored yet

    writer.submit(first)
    writer.submit(second)
    writer.flush()

    assert writer.settle() == frozenset()
    assert _pending(redis_client, underlying) == 0
    document = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert document is not None
    assert (document["version"], document["applied_quotes"]) == (2, 22 + 6)
    writer.close()


def test_batches_within_the_interval_are_stored_in_one_write_and_acknowledged_together(
    redis_client: redis.Redis, mongo_db: Database, make_consumer: MakeConsumer, underlying: str
) -> None:
    """After a write, the batches of the next interval wait for it (their entries pending),
    then go in one write: each chain's newest version, replacing the one stored before
    them. A flush writes at once, without waiting for the interval."""
    expiry, other = expiry_in(6), expiry_in(13)
    publisher = TickPublisher(redis_client, 10_000)
    consumer = make_consumer([underlying], "writer-interval")
    writes: list[int] = []
    store = _counting_store(consumer, writes)

    writer = ChainWriter(store, consumer.reader.ack, interval_seconds=600.0)
    publisher.publish([spot_tick(underlying), *priced_chain(underlying, expiry, sigma=0.2)])
    writer.submit(consumer.enricher.prepare(consumer.reader.read(500, 50)))  # written at once
    _wait_until(lambda: writes == [23])
    for sigma, strikes in ((0.25, 5), (0.3, 3)):
        publisher.publish(priced_chain(underlying, expiry, sigma=sigma, strikes=strikes))
        writer.submit(consumer.enricher.prepare(consumer.reader.read(500, 50)))
    publisher.publish(priced_chain(underlying, other, sigma=0.4, strikes=2))
    writer.submit(consumer.enricher.prepare(consumer.reader.read(500, 50)))

    threading.Event().wait(0.5)
    assert writes == [23]
    assert _pending(redis_client, underlying) == 3  # waiting for the interval
    assert writer.waiting() == 3
    assert REGISTRY.get_sample_value("deltastream_enricher_store_waiting_batches") == 3
    assert _flushed_within(writer, 30.0), "a flush does not wait for the interval"

    assert writes == [23, 10 + 6 + 4]
    assert writer.waiting() == 0
    assert writer.settle() == frozenset()
    assert _pending(redis_client, underlying) == 0
    chains = {d["_id"]: d for d in mongo_db[store_module.LATEST].find({"underlying": underlying})}
    stored = chains[chain_key(underlying, expiry)]
    assert (stored["version"], stored["applied_quotes"]) == (3, 22 + 10 + 6)
    ivs = dict(zip(stored["strikes"], stored["calls"]["iv"], strict=True))
    assert ivs[24_000.0] == pytest.approx(0.30, abs=1e-6)
    assert ivs[24_200.0] == pytest.approx(0.25, abs=1e-6)
    assert ivs[24_500.0] == pytest.approx(0.20, abs=1e-6)
    assert chains[chain_key(underlying, other)]["version"] == 1
    writer.close()


def test_a_write_and_its_acknowledgement_wait_for_a_batch_to_be_submitted(
    redis_client: redis.Redis, mongo_db: Database, make_consumer: MakeConsumer, underlying: str
) -> None:
    """With an interval, a write that is due waits for the next batch submitted, and the
    acknowledgement of a write for the one after it: the loop submits a batch as it finishes
    preparing it, so the writer's own work is done while the loop waits for the next read. A
    flush waits for neither."""
    expiry = expiry_in(6)
    publisher = TickPublisher(redis_client, 10_000)
    consumer = make_consumer([underlying], "writer-after-submission")
    writes: list[int] = []
    store = _counting_store(consumer, writes)

    def prepared(strikes: int) -> PreparedBatch:
        publisher.publish(
            priced_chain(underlying, expiry, sigma=0.2 + strikes / 100, strikes=strikes)
        )
        return consumer.enricher.prepare(consumer.reader.read(500, 50))

    writer = ChainWriter(store, consumer.reader.ack, interval_seconds=2.0, idle_seconds=600.0)
    writer.submit(prepared(5))  # the first write: at once
    _wait_until(lambda: writes == [10])
    written_at = time.monotonic()
    threading.Event().wait(0.3)
    assert _pending(redis_client, underlying) == 1, "acknowledged before the next batch came"

    writer.submit(prepared(3))  # acknowledges the first write's entries
    _wait_until(lambda: _pending(redis_client, underlying) == 1)
    threading.Event().wait(written_at + 3.0 - time.monotonic())  # due, no batch since
    assert writes == [10], "written while the loop may be preparing a batch"

    writer.submit(prepared(2))  # due: written with the batch held since
    _wait_until(lambda: writes == [10, 6 + 4])
    threading.Event().wait(0.3)
    assert _pending(redis_client, underlying) == 2
    assert _flushed_within(writer, 10.0), "a flush waited for a batch"
    assert _pending(redis_client, underlying) == 0
    stored = mongo_db[store_module.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert stored is not None and stored["version"] == 3
    writer.close()


def test_a_loop_waiting_for_room_in_the_queue_is_not_waited_for(
    redis_client: redis.Redis, make_consumer: MakeConsumer, underlying: str
) -> None:
    """An acknowledgement waits for the loop's next batch, but not when the loop is waiting
    for room in a full queue: that batch cannot come before the writer takes the next."""
    expiry = expiry_in(6)
    publisher = TickPublisher(redis_client, 10_000)
    consumer = make_consumer([underlying], "writer-full-queue")
    storing, release = threading.Event(), threading.Event()

    def store(batch: PreparedBatch, skip: frozenset[str]) -> list[str]:
        storing.set()
        assert release.wait(60)
        return consumer.enricher.save(batch, skip)

    batches = []
    for strikes in (5, 4, 3):
        publisher.publish(priced_chain(underlying, expiry, strikes=strikes))
        batches.append(consumer.enricher.prepare(consumer.reader.read(500, 50)))
    writer = ChainWriter(
        store, consumer.reader.ack, interval_seconds=0.01, idle_seconds=600.0, max_batches=1
    )
    writer.submit(batches[0])  # written at once: the store holds it
    assert storing.wait(30)
    writer.submit(batches[1])  # the queue is full
    third = threading.Thread(target=writer.submit, args=(batches[2],))
    third.start()  # waits for room
    release.set()
    third.join(30)
    assert not third.is_alive(), "the writer waited for a batch the loop could not submit"
    assert _flushed_within(writer, 30.0)
    assert _pending(redis_client, underlying) == 0
    writer.close()


@pytest.mark.parametrize("interval_seconds", [0.0, 600.0])
def test_a_copy_that_lost_a_race_never_overwrites_the_winner(
    redis_client: redis.Redis,
    mongo_db: Database,
    make_consumer: MakeConsumer,
    underlying: str,
    interval_seconds: float,
) -> None:
    """The stale copy's second write would find the winner's version where it expects its own
    previous one: without the skip it would replace the winner's quotes with its own. With an
    interval, both go in one write, which expects the version before the first of them."""
    expiry = expiry_in(8)
    publisher = TickPublisher(redis_client, 10_000)
    stale, winner = make_consumer([underlying], "stale"), make_consumer([underlying], "winner")
    publisher.publish([spot_tick(underlying), *priced_chain(underlying, expiry, sigma=0.2)])
    stale.drain()  # version 1, kept in memory
    publisher.publish(priced_chain(underlying, expiry, sigma=0.25, strikes=5))
    winner.drain()  # version 2 from the stored version 1
    winners = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert winners is not None and winners["version"] == 2

    writer = _writer(stale, interval_seconds)
    publisher.publish(priced_chain(underlying, expiry, sigma=0.3, strikes=3))
    behind = stale.enricher.prepare(stale.reader.read(500, 50))  # version 2 from version 1
    publisher.publish(priced_chain(underlying, expiry, sigma=0.35, strikes=1))
    further = stale.enricher.prepare(stale.reader.read(500, 50))  # version 3, expects 2
    writer.submit(behind)
    writer.submit(further)
    assert _flushed_within(writer, 30.0)

    assert writer.settle() == {chain_key(underlying, expiry)}
    stored = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert stored is not None
    for field in ("version", "applied_quotes", "calls", "puts"):  # neither write went in
        assert stored[field] == winners[field], field
    assert _pending(redis_client, underlying) == 2  # both batches wait to be read again
    writer.close()

    stale.enricher.forget({chain_key(underlying, expiry)})
    stale.reader.replay_pending()
    stale.drain()
    final = mongo_db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
    assert final is not None
    assert (final["version"], final["applied_quotes"]) == (3, 22 + 10 + 6 + 2)
    ivs = dict(zip(final["strikes"], final["calls"]["iv"], strict=True))
    assert ivs[24_000.0] == pytest.approx(0.35, abs=1e-6)
    assert ivs[24_100.0] == pytest.approx(0.30, abs=1e-6)
    assert ivs[24_200.0] == pytest.approx(0.25, abs=1e-6)
    assert ivs[24_500.0] == pytest.approx(0.20, abs=1e-6)
    assert _pending(redis_client, underlying) == 0


def test_a_failed_store_drops_the_queue_and_is_raised_in_the_loop(
    redis_client: redis.Redis,
    mongo_client: pymongo.MongoClient[dict[str, Any]],
    make_consumer: MakeConsumer,
    underlying: str,
) -> None:
    """A store that fails (here: a database that does not answer) leaves every queued batch
    unacknowledged, to be read again once the loop recovers; the failure is raised once."""
    expiry = expiry_in(4)
    consumer = make_consumer([underlying], "writer-failing")
    unreachable: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        f"mongodb://127.0.0.1:{free_port()}/", serverSelectionTimeoutMS=200
    )
    down = store.ChainStore(unreachable["deltastream"])
    writer = ChainWriter(lambda batch, skip: down.save_latest(batch.documents), consumer.reader.ack)
    publisher = TickPublisher(redis_client, 10_000)
    publisher.publish(priced_chain(underlying, expiry, strikes=3))
    writer.submit(consumer.enricher.prepare(consumer.reader.read(500, 50)))
    publisher.publish(priced_chain(underlying, expiry, strikes=1, sigma=0.3))
    writer.submit(consumer.enricher.prepare(consumer.reader.read(500, 50)))
    writer.flush()

    with pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
        writer.settle()
    assert writer.settle() == frozenset()  # raised once
    assert _pending(redis_client, underlying) == 2
    writer.close()
    unreachable.close()
