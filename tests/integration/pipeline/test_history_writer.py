"""The enricher's history writer against a real MongoDB-wire server, and one that is down."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pymongo
from prometheus_client import REGISTRY

from deltastream import store
from deltastream.embedded import free_port
from deltastream.enricher.history import HistoryWriter

Database = pymongo.database.Database[dict[str, Any]]


def _dropped() -> float:
    return REGISTRY.get_sample_value("deltastream_enricher_history_dropped_total") or 0.0


def _snapshot(underlying: str, index: int) -> dict[str, Any]:
    return {
        "underlying": underlying,
        "expiry": "2026-12-01",
        "timestamp_ns": index,
        "at": dt.datetime.now(dt.UTC),
    }


def test_snapshots_are_written_in_order_off_the_calling_thread(
    mongo_db: Database, underlying: str
) -> None:
    writer = HistoryWriter(store.ChainStore(mongo_db))
    for index in range(20):
        writer.submit([_snapshot(underlying, index)], [_snapshot(underlying, index)])
    writer.flush()
    writer.close()

    written = mongo_db[store.SNAPSHOTS].find({"underlying": underlying}).sort("_id", 1)
    assert [document["timestamp_ns"] for document in written] == list(range(20))
    assert mongo_db[store.ANALYTICS].count_documents({"underlying": underlying}) == 20


def test_each_write_waits_for_its_pace(mongo_db: Database, underlying: str) -> None:
    """The enricher paces its history writes on the loop's submissions (``ChainWriter``)."""
    allowed = threading.Semaphore(0)

    def pace() -> None:
        assert allowed.acquire(timeout=60)

    writer = HistoryWriter(store.ChainStore(mongo_db), pace=pace)
    writer.submit([_snapshot(underlying, 0)], [])
    writer.submit([_snapshot(underlying, 1)], [])
    threading.Event().wait(0.3)
    assert mongo_db[store.SNAPSHOTS].count_documents({"underlying": underlying}) == 0

    allowed.release()
    deadline = time.monotonic() + 30
    while mongo_db[store.SNAPSHOTS].count_documents({"underlying": underlying}) == 0:
        assert time.monotonic() < deadline, "the paced write never came"
        threading.Event().wait(0.01)
    threading.Event().wait(0.3)
    assert mongo_db[store.SNAPSHOTS].count_documents({"underlying": underlying}) == 1
    allowed.release()
    writer.flush()
    assert mongo_db[store.SNAPSHOTS].count_documents({"underlying": underlying}) == 2
    writer.close()


def test_a_database_that_is_down_costs_snapshots_not_the_writer(underlying: str) -> None:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        f"mongodb://127.0.0.1:{free_port()}/", serverSelectionTimeoutMS=100
    )
    writer = HistoryWriter(store.ChainStore(client["down"]))
    dropped_before = _dropped()

    for index in range(3):
        writer.submit([_snapshot(underlying, index)], [])
    writer.flush()

    assert _dropped() - dropped_before == 3
    writer.submit([_snapshot(underlying, 3)], [])  # the thread is still there to take it
    writer.flush()
    writer.close()
    client.close()
    assert _dropped() - dropped_before == 4
