"""The enricher's chain writer: stores prepared batches on a thread of its own, in order, and
acknowledges each batch's entries once every chain it changed is stored.

The loop reads, applies, enriches and publishes the next batch while the database writes the
previous one, so the write is off the tick-to-client path while an entry is still
acknowledged only once its chain is stored. A bounded queue holds the loop back when the
database falls behind.

A chain whose write lost a race (another replica stored it first) is *lost*: its later
writes, made from the same stale copy, are skipped rather than stored over the other replica's
quotes, and every later batch with a quote of it is left unacknowledged, even one that changed
nothing (its quotes already applied to the stale copy, e.g. entries claimed again). The loop,
at its next step, waits for the queue to empty, forgets the lost chains and reads its pending
entries again, which applies them to what the other replica stored. A failure (the database
or Redis down) drops the queue the same way and is raised in the loop.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

from opentelemetry import context

from deltastream import bus
from deltastream.enricher import metrics
from deltastream.enricher.processing import PreparedBatch

log = logging.getLogger(__name__)

Store = Callable[[PreparedBatch, frozenset[str]], list[str]]
Acknowledge = Callable[[Sequence[bus.StreamEntry]], object]


class ChainWriter:
    """Stores and acknowledges prepared batches in submission order."""

    def __init__(self, store: Store, acknowledge: Acknowledge, max_pending: int = 4) -> None:
        self._store = store
        self._acknowledge = acknowledge
        self._pending: queue.Queue[PreparedBatch | None] = queue.Queue(maxsize=max_pending)
        self._lock = threading.Lock()
        self._lost: set[str] = set()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="chain-writer", daemon=True)
        self._thread.start()

    def submit(self, batch: PreparedBatch) -> None:
        """Queue a batch; waits while ``max_pending`` batches are queued."""
        self._pending.put(batch)

    def flush(self) -> None:
        """Wait until every batch submitted so far is stored, skipped or dropped."""
        self._pending.join()

    def settle(self) -> frozenset[str]:
        """The chains lost since the last call (cleared), or the failure the writer met
        (raised). Either waits for the queue to empty first, so that nothing made from a
        stale copy is still queued: the caller must then forget the lost chains and read its
        pending entries again before it submits more. Returns at once when neither is known
        (call ``flush`` first to learn the outcome of everything submitted)."""
        with self._lock:
            if not self._lost and self._failure is None:
                return frozenset()
        self.flush()
        with self._lock:
            failure, self._failure = self._failure, None
            lost, self._lost = frozenset(self._lost), set()
        if failure is not None:
            raise failure
        return lost

    def close(self) -> None:
        """Store what is queued, then stop."""
        self._pending.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            batch = self._pending.get()
            try:
                if batch is None:
                    return
                self._write(batch)
            finally:
                self._pending.task_done()

    def _write(self, batch: PreparedBatch) -> None:
        token = None if batch.trace_context is None else context.attach(batch.trace_context)
        try:
            self._store_and_acknowledge(batch)
        finally:
            if token is not None:
                context.detach(token)

    def _store_and_acknowledge(self, batch: PreparedBatch) -> None:
        with self._lock:
            if self._failure is not None:
                return  # dropped: its entries stay pending and are read again
            skip = frozenset(self._lost)
        try:
            lost = self._store(batch, skip)
            stored_all = not lost and not skip.intersection(batch.chains)
            if stored_all:
                self._acknowledge(batch.entries)
        except Exception as exc:  # raised again in the loop's thread by settle
            log.warning("storing a batch failed; its entries will be read again")
            with self._lock:
                self._failure = exc
            return
        with self._lock:
            self._lost.update(lost)
        not_stored = skip.union(lost)
        metrics.QUOTES_APPLIED.inc(
            sum(count for key, count in batch.quotes.items() if key not in not_stored)
        )
        if stored_all:
            metrics.BATCH_SECONDS.observe(time.perf_counter() - batch.started)
