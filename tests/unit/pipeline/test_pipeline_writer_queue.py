"""The chain writer's queue (pure: a store and an acknowledgement given as functions): batches
queued behind one another are merged as they come, so a stalled store holds one document per
chain, whatever the number of batches waiting."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Sequence

from prometheus_client import REGISTRY

from deltastream import bus
from deltastream.enricher.processing import PreparedBatch
from deltastream.enricher.writer import ChainWriter


class _Columns:
    """Stands for a document's columns: an object a weak reference can follow."""


def _batch(entry_id: str, version: int, *, chain: str = "A") -> PreparedBatch:
    return PreparedBatch(
        entries=[bus.StreamEntry("s", entry_id, {b"kind": b"b"})],
        rejected=[],
        dead_ticks=[],
        ticks={"s": 1},
        documents=[{"_id": chain, "version": version, "columns": _Columns()}],
        chains=frozenset({chain}),
        quotes={chain: 1},
        quote_timestamps_ns=[version],
        history=[],
    )


class _HeldStore:
    """Stores nothing until released, and notes what each write had."""

    def __init__(self) -> None:
        self.storing = threading.Event()
        self.release = threading.Event()
        self.writes: list[tuple[list[tuple[str, int]], dict[str, int]]] = []

    def __call__(self, batch: PreparedBatch, skip: frozenset[str]) -> list[str]:
        self.storing.set()
        assert self.release.wait(30)
        documents = [(document["_id"], document["version"]) for document in batch.documents]
        self.writes.append((documents, dict(batch.replaces)))
        return []


def _batch_count() -> float:
    return REGISTRY.get_sample_value("deltastream_enricher_batch_seconds_count") or 0.0


def test_a_stalled_store_holds_only_the_newest_document_of_each_chain() -> None:
    store = _HeldStore()
    acknowledged: list[list[str]] = []

    def acknowledge(entries: Sequence[bus.StreamEntry], letters: Sequence[bus.DeadLetter]) -> None:
        acknowledged.append([entry.entry_id for entry in entries])

    counted = _batch_count()
    writer = ChainWriter(store, acknowledge)
    writer.submit(_batch("1-0", 1))
    assert store.storing.wait(30)  # the first write holds the store
    queued = [_batch(f"{n}-0", n) for n in (2, 3, 4)]
    queued.append(_batch("5-0", 1, chain="B"))
    columns = [weakref.ref(batch.documents[0]["columns"]) for batch in queued]
    for batch in queued:
        writer.submit(batch)
    assert writer.waiting() == 5
    del queued, batch
    gc.collect()

    assert [column() is not None for column in columns] == [False, False, True, True]

    store.release.set()
    writer.flush()
    assert store.writes[1] == ([("A", 4), ("B", 1)], {"A": 1, "B": 0})
    assert acknowledged == [["1-0"], ["2-0", "3-0", "4-0", "5-0"]]
    assert _batch_count() == counted + 5, "each batch's time to acknowledgement is observed"
    assert writer.waiting() == 0
    writer.close()


def test_the_queue_holds_the_loop_back_at_max_batches() -> None:
    store = _HeldStore()
    writer = ChainWriter(store, lambda entries, letters: None, max_batches=2)
    writer.submit(_batch("1-0", 1))
    assert store.storing.wait(30)
    writer.submit(_batch("2-0", 2))
    writer.submit(_batch("3-0", 3))
    third = threading.Thread(target=writer.submit, args=(_batch("4-0", 4),))
    third.start()
    third.join(0.3)
    assert third.is_alive(), "a third queued batch did not wait for room"

    store.release.set()
    third.join(30)
    assert not third.is_alive()
    writer.flush()
    written = [documents for documents, _ in store.writes]
    assert written[0] == [("A", 1)]
    assert written[-1] == [("A", 4)]
    assert len(written) in (3, 4), "at most two batches were merged into one write"
    writer.close()
