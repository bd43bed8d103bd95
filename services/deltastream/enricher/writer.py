"""The enricher's chain writer: stores prepared batches on a thread of its own, in order, and
acknowledges each batch's entries once every chain it changed is stored.

The loop reads, applies, enriches and publishes the next batch while the database writes the
previous one, so the write is off the tick-to-client path while an entry is still
acknowledged only once its chain is stored. A bounded queue holds the loop back when the
database falls behind.

A batch queued right behind another is merged into it as it is submitted: the two are written
together anyway, and the chain documents the later one supersedes are let go at once. A
database that stalls then costs the enricher one document per chain, and the queued batches'
entries and history, however many batches wait (a queue of separate batches held every
version of every chain until the write: its peak, and the process's memory with it, grew
with the longest stall).

The writer stores at most once per ``interval_seconds``: the batches prepared in between (and
whatever is queued when it falls behind) go in one write, each chain's newest document in
place of the version stored before them, and their entries are acknowledged together after
it. A chain's latest document in the database is then at most about an interval behind what
subscribers were sent, for a database that does a fraction of the work (one replace per chain
per interval instead of one per batch); ``flush`` and ``close`` write at once.

With an interval, a write starts as a batch is submitted, and its acknowledgement waits for the
next submission: the loop submits a batch right after publishing it, and then waits for the
next read, so the part of the write done holding the interpreter's lock (encoding the
documents, packing the entry ids) runs while the loop waits, not while it prepares
a batch (the write's database round trip releases the lock, and may take longer than a batch).
When no batch comes, the write and the acknowledgement go ahead ``idle_seconds`` later.

A chain whose write lost a race (another replica stored it first) is *lost*: its later
writes, made from the same stale copy, are skipped rather than stored over the other replica's
quotes, and every later batch with a quote of it is left unacknowledged, even one that changed
nothing (its quotes already applied to the stale copy, e.g. entries claimed again), as is every
batch written together with one that lost. The loop, at its next step, waits for the queue to
empty, forgets the lost chains and reads its pending entries again, which applies them to what
the other replica stored (and changes nothing where they were stored). A failure (the database
or Redis down) drops the queue the same way and is raised in the loop.
"""

from __future__ import annotations

import collections
import enum
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from opentelemetry import context

from deltastream import bus
from deltastream.enricher import metrics
from deltastream.enricher.processing import PreparedBatch, merge_batches

log = logging.getLogger(__name__)

Store = Callable[[PreparedBatch, frozenset[str]], list[str]]
Acknowledge = Callable[[Sequence[bus.StreamEntry], Sequence[bus.DeadLetter]], object]
"""Acknowledges entries, with the dead letters of their malformed ticks in one transaction."""


class _Signal(enum.Enum):
    FLUSH = "flush"
    CLOSE = "close"


@dataclass(eq=False)
class _Marker:
    """A flush or a close in the queue: done once everything queued before it is."""

    signal: _Signal
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(eq=False)
class _Group:
    """Batches queued one after another, written as one: ``batch`` is their merge, so a
    chain's document replaces the one an earlier batch of them made, which is let go."""

    batch: PreparedBatch
    started: list[float]
    """When each batch's read returned, for its time to acknowledgement."""

    def add(self, batch: PreparedBatch) -> None:
        self.batch = merge_batches([self.batch, batch])
        self.started.append(batch.started)


class ChainWriter:
    """Stores and acknowledges prepared batches in submission order."""

    def __init__(
        self,
        store: Store,
        acknowledge: Acknowledge,
        *,
        interval_seconds: float = 0.0,
        max_batches: int = 64,
        idle_seconds: float | None = None,
    ) -> None:
        """``interval_seconds``: the least time between two writes (0: write as soon as a
        batch comes); ``max_batches``: the most batches queued, and so written together;
        ``idle_seconds``: how long a write that is due, or an acknowledgement, waits for a
        batch to be submitted before it goes ahead (by default the interval)."""
        self._store = store
        self._acknowledge = acknowledge
        self._interval = interval_seconds
        self._max_batches = max_batches
        self._idle = interval_seconds if idle_seconds is None else idle_seconds
        self._last_write = -math.inf
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        """Notified on a submission, a marker queued, a group taken, and a hurry."""
        self._queue: collections.deque[_Group | _Marker] = collections.deque()
        self._queued = 0
        """Batches in the queue's groups: ``submit`` waits while there are ``max_batches``."""
        self._waiting = 0
        self._submissions = 0
        self._last_submission = -math.inf
        self._hurried = 0
        """Callers waiting in ``flush`` or ``close``: nothing waits for a batch then."""
        self._lost: set[str] = set()
        self._failure: BaseException | None = None
        metrics.STORE_WAITING.set_function(self.waiting)
        self._thread = threading.Thread(target=self._run, name="chain-writer", daemon=True)
        self._thread.start()

    def submit(self, batch: PreparedBatch) -> None:
        """Queue a batch, merged into the group at the end of the queue if there is one;
        waits while ``max_batches`` are queued."""
        with self._changed:
            self._changed.wait_for(lambda: self._queued < self._max_batches)
            tail = self._queue[-1] if self._queue else None
            if isinstance(tail, _Group):
                tail.add(batch)
            else:
                self._queue.append(_Group(batch, [batch.started]))
            self._queued += 1
            self._waiting += 1
            self._submissions += 1
            self._last_submission = time.monotonic()
            self._changed.notify_all()

    def waiting(self) -> int:
        """Batches submitted and not yet stored, skipped or dropped (queued, or held for the
        next write until the interval is up)."""
        with self._lock:
            return self._waiting

    def flush(self) -> None:
        """Write what is queued now, and wait until every batch submitted so far is stored,
        skipped or dropped."""
        self._hurry(1)
        try:
            self._mark(_Signal.FLUSH).wait()
        finally:
            self._hurry(-1)

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
        self._hurry(1)
        self._mark(_Signal.CLOSE)
        self._thread.join()

    def _mark(self, signal: _Signal) -> threading.Event:
        marker = _Marker(signal)
        with self._changed:
            self._queue.append(marker)
            self._changed.notify_all()
        return marker.done

    def _hurry(self, change: int) -> None:
        with self._changed:
            self._hurried += change
            self._changed.notify_all()

    def after_next_submission(self) -> None:
        """Return once the next batch is submitted, or a caller waits in ``flush`` or
        ``close``, or the queue is full (the loop waits for room, not for a batch), or after
        ``idle_seconds`` without any; at once without an interval. Other work on the loop's
        process paces itself on it too (the history writer)."""
        if self._interval <= 0:
            return
        with self._changed:
            seen = self._submissions
            self._changed.wait_for(
                lambda: (
                    self._submissions > seen
                    or self._hurried > 0
                    or self._queued >= self._max_batches
                ),
                self._idle,
            )

    def _run(self) -> None:
        while True:
            item = self._next_write()
            if isinstance(item, _Marker):
                item.done.set()
                if item.signal is _Signal.CLOSE:
                    return
                continue
            try:
                self._last_write = time.monotonic()
                self._write(item)
            finally:
                with self._lock:
                    self._waiting -= len(item.started)

    def _next_write(self) -> _Group | _Marker:
        """The queue's first item; a group once the interval since the last write is up and
        a batch is submitted (or ``idle_seconds`` more without one, or a marker is queued
        behind it, or ``max_batches`` are queued). The batches submitted meanwhile join it."""
        with self._changed:
            self._changed.wait_for(lambda: self._queue)
            due = self._last_write + self._interval
            self._changed.wait_for(
                lambda: (
                    not isinstance(self._queue[0], _Group)
                    or self._last_submission >= due
                    or len(self._queue) > 1
                    or self._queued >= self._max_batches
                ),
                max(due + self._idle - time.monotonic(), 0.0),
            )
            item = self._queue.popleft()
            if isinstance(item, _Group):
                self._queued -= len(item.started)
                self._changed.notify_all()
            return item

    def _write(self, group: _Group) -> None:
        merged = group.batch
        token = None if merged.trace_context is None else context.attach(merged.trace_context)
        try:
            self._store_and_acknowledge(merged, group.started)
        finally:
            if token is not None:
                context.detach(token)

    def _store_and_acknowledge(self, merged: PreparedBatch, started: list[float]) -> None:
        with self._lock:
            if self._failure is not None:
                return  # dropped: its entries stay pending and are read again
            skip = frozenset(self._lost)
        try:
            lost = self._store(merged, skip)
            stored_all = not lost and not skip.intersection(merged.chains)
            if stored_all:
                self.after_next_submission()
                self._acknowledge(merged.entries, merged.dead_ticks)
        except Exception as exc:  # raised again in the loop's thread by settle
            log.warning("storing a batch failed; its entries will be read again")
            with self._lock:
                self._failure = exc
            return
        with self._lock:
            self._lost.update(lost)
        not_stored = skip.union(lost)
        metrics.QUOTES_APPLIED.inc(
            sum(count for key, count in merged.quotes.items() if key not in not_stored)
        )
        if stored_all:
            now = time.perf_counter()
            for began in started:
                metrics.BATCH_SECONDS.observe(now - began)
