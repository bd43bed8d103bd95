"""The enricher's loop: read a batch from the consumer group, prepare it (apply, enrich,
publish), and hand it to the chain writer, which stores it and acknowledges its entries.

With ``write_behind`` the loop goes on to the next batch while the writer stores this one;
without it, each step waits for its batch to be stored (tests and tools that step by hand).
Besides new entries it periodically claims entries left pending by dead consumers, and
exports the group's lag and pending counts (the HPA scales on the lag).

Each batch is one CONSUMER span with a link to every distinct producer span of its entries (the
OpenTelemetry messaging conventions for a batch); when all its entries come from one producer
span, which is the common case of one feed publish per read, the span is also that producer's
child, so a tick's publish, processing, store and delivery read as one trace.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

import redis.exceptions
from opentelemetry import context, trace
from pymongo.errors import PyMongoError

from deltastream import bus
from deltastream.enricher import metrics
from deltastream.enricher.ownership import Membership, owned_streams
from deltastream.enricher.processing import Enricher, entry_traceparents
from deltastream.enricher.writer import ChainWriter
from deltastream.errors import DeltaStreamError
from deltastream.telemetry import parent_context, span_context_of, untraced

log = logging.getLogger(__name__)
tracer = trace.get_tracer("deltastream.enricher")

_RETRY_DELAY_SECONDS = 1.0
_LAG_EXPORT_INTERVAL_SECONDS = 1.0


class EnricherLoop:
    """Runs an ``Enricher`` over a ``ConsumerGroupReader`` until stopped."""

    def __init__(
        self,
        reader: bus.ConsumerGroupReader,
        enricher: Enricher,
        *,
        batch_size: int,
        block_ms: int,
        claim_idle_ms: int,
        claim_interval_seconds: float,
        discover_interval_seconds: float | None = None,
        write_behind: bool = False,
        store_interval_seconds: float = 0.0,
        membership: Membership | None = None,
        rebalance_interval_seconds: float = 1.0,
    ) -> None:
        """``batch_size``: about how many ticks to read per stream per call (an entry holds
        one tick, or a whole release of one underlying: each read takes as many entries as the
        last batch's ticks per entry make this many). ``discover_interval_seconds``: also
        consume every ``md.ticks.*`` stream that appears, looking this often (None: only the
        reader's streams). ``write_behind``: store
        a batch while the next one is prepared (see the module docstring), and store at most once
        per ``store_interval_seconds`` (``writer.ChainWriter``). ``membership``:
        consume only the streams this replica owns among the live ones (``ownership``),
        looking again every ``rebalance_interval_seconds``; None: every stream."""
        self._reader = reader
        self._enricher = enricher
        self._writer = ChainWriter(
            enricher.save,
            functools.partial(enricher.acknowledge, reader),
            interval_seconds=store_interval_seconds,
        )
        self._write_behind = write_behind
        if write_behind:
            enricher.pace_history(self._writer.after_next_submission)
        self._batch_size = batch_size
        self._entries_per_read = 1
        """How many entries hold about ``batch_size`` ticks, by the last batch's (1 until a
        batch is read: a stream's entries may hold one tick each or whole releases)."""
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms
        self._claim_interval = claim_interval_seconds
        self._next_claim = 0.0
        self._discover_interval = discover_interval_seconds
        self._next_discovery = 0.0
        self._next_lag_export = 0.0
        self._membership = membership
        self._rebalance_interval = rebalance_interval_seconds
        self._next_rebalance = 0.0
        self._streams = list(reader.streams)  # every stream; the reader's: those owned

    def run(self, stop: threading.Event) -> None:
        """Process batches until ``stop`` is set; transient faults are retried, not fatal."""
        self._reader.ensure_group()
        while not stop.is_set():
            try:
                self.step()
            except (redis.exceptions.RedisError, PyMongoError, DeltaStreamError):
                metrics.BATCH_FAILURES.inc()
                log.exception("batch failed; retrying from the pending entries")
                self._recover()
                stop.wait(_RETRY_DELAY_SECONDS)
        self.close()

    def close(self) -> None:
        """Store and acknowledge what was prepared, then stop the writer and hand this
        replica's streams to the others."""
        self._writer.close()
        if self._membership is not None:
            self._membership.leave()

    @property
    def consuming(self) -> tuple[str, ...]:
        """The streams this loop reads now (with ownership: those this replica owns)."""
        return self._reader.streams

    def flush(self) -> None:
        """Wait until every batch prepared so far is stored (or left pending to read again)."""
        self._writer.flush()

    def step(self) -> int:
        """One read-prepare-submit cycle; returns the number of entries read."""
        self._settle()
        with untraced():  # polls and housekeeping; the batch they return is traced below
            self._export_lag()
            self._discover_due()
            self._rebalance_due()
            entries = self._claim_due() or self._reader.read(self._entries_per_read, self._block_ms)
        if not entries:
            return 0
        started = time.perf_counter()
        origins = [c for t in entry_traceparents(entries) if (c := span_context_of(t))]
        streams = sorted({entry.stream for entry in entries})
        with tracer.start_as_current_span(
            f"process {streams[0] if len(streams) == 1 else bus.TICKS_STREAM_PREFIX + '*'}",
            context=parent_context(origins[0] if len(origins) == 1 else None),
            kind=trace.SpanKind.CONSUMER,
            links=[trace.Link(origin) for origin in origins],
            attributes={
                "messaging.system": "redis",
                "messaging.operation.type": "process",
                "messaging.consumer.group.name": bus.ENRICHER_GROUP,
                "messaging.batch.message_count": len(entries),
                "messaging.destination.name": streams,
            },
        ):
            clock, cpu = time.perf_counter(), time.thread_time()
            prepared = self._enricher.prepare(entries)
            metrics.PREPARE_CPU_SECONDS.observe(time.thread_time() - cpu)
            metrics.PREPARE_SECONDS.observe(time.perf_counter() - clock)
            prepared.started = started
            prepared.trace_context = context.get_current()
            rejected = prepared.rejected
            self._enricher.acknowledge(self._reader, [r.entry for r in rejected], rejected)
            self._writer.submit(prepared)
        self._observe(entries, prepared.ticks, prepared.quote_timestamps_ns)
        ticks_per_entry = max(sum(prepared.ticks.values()) / len(entries), 1.0)
        self._entries_per_read = max(int(self._batch_size / ticks_per_entry), 1)
        if not self._write_behind:
            self._settle(wait=True)
        return len(entries)

    def _settle(self, *, wait: bool = False) -> None:
        """Raise what the writer failed with; forget the chains whose write lost a race and
        read the pending entries again, so that they are applied to what the other replica
        stored (the writer has skipped every later write of those chains)."""
        if wait:
            self._writer.flush()
        lost = self._writer.settle()
        if lost:
            metrics.CONFLICTS.inc(len(lost))
            log.info("chains stored by another replica first", extra={"chains": sorted(lost)})
            self._enricher.forget(lost)
            self._reader.replay_pending()

    def _recover(self) -> None:
        """After a failure: drop what is queued, forget every chain, read the pending again."""
        try:
            self._writer.settle()
        except (redis.exceptions.RedisError, PyMongoError, DeltaStreamError):
            log.debug("the writer's failure was the batch's own")
        self._enricher.forget()
        self._reader.replay_pending()

    def _discover_due(self) -> None:
        now = time.monotonic()
        if self._discover_interval is None or now < self._next_discovery:
            return
        self._next_discovery = now + self._discover_interval
        found = bus.discover_streams(self._reader.client, bus.TICKS_STREAM_PREFIX)
        new = [stream for stream in found if stream not in self._streams]
        if not new:
            return
        log.info("new streams", extra={"streams": new})
        self._streams.extend(new)
        if self._membership is None:
            self._reader.add_streams(new)
        else:
            self._next_rebalance = 0.0  # deal them out now

    def _rebalance_due(self) -> None:
        """Renew this replica's heartbeat, report the chains of its streams, and consume the
        streams it owns now; a stream it lets go is stored and acknowledged first, and its
        chains are forgotten, so that they are loaded anew from what the other replicas stored
        if it comes back. Entries of it still pending (their chain lost a race to another
        replica, so they must be applied again to what that one stored) are handed over: the
        next owner claims them at its next look for stale entries."""
        now = time.monotonic()
        if self._membership is None or now < self._next_rebalance:
            return
        self._next_rebalance = now + self._rebalance_interval
        heartbeat = self._membership.beat(
            time.time_ns() // 1_000_000, self._enricher.chains_per_stream(self._reader.streams)
        )
        owned = owned_streams(self._streams, heartbeat.alive, self._membership.me, heartbeat.chains)
        current = set(self._reader.streams)
        if set(owned) == current:
            return
        released = current - set(owned)
        if released:
            self._settle(wait=True)
            self._enricher.forget_streams(released)
            handed = self._reader.hand_over_pending(released)  # what lost a race, if anything
            if handed:
                log.info(
                    "entries handed over", extra={"count": handed, "streams": sorted(released)}
                )
        self._reader.set_streams(owned)
        log.info("streams owned", extra={"streams": owned, "replicas": sorted(heartbeat.alive)})

    def _claim_due(self) -> list[bus.StreamEntry]:
        now = time.monotonic()
        if now < self._next_claim:
            return []
        self._next_claim = now + self._claim_interval
        claimed = self._reader.claim_stale(self._claim_idle_ms, self._entries_per_read)
        if claimed:
            log.info("claimed stale entries", extra={"count": len(claimed)})
        return claimed

    def _observe(
        self, entries: list[bus.StreamEntry], ticks: dict[str, int], timestamps_ns: list[int]
    ) -> None:
        """Entries and ticks read, and the latency from each applied quote's tick to its
        publication."""
        metrics.BATCH_ENTRIES.observe(len(entries))
        for stream, count in ticks.items():
            metrics.TICKS_CONSUMED.labels(stream).inc(count)
        now_ns = time.time_ns()
        for timestamp_ns in timestamps_ns:
            metrics.TICK_TO_ENRICHED.observe(max(now_ns - timestamp_ns, 0) / 1e9)

    def _export_lag(self) -> None:
        """The group's lag (in entries and in seconds) and pending entries of every stream,
        owned by this replica or not (they are the group's, the same seen from any replica; the
        HPA takes the maximum per stream), so that no replica keeps exporting a stale figure for
        a stream it let go."""
        now = time.monotonic()
        if now < self._next_lag_export:
            return
        self._next_lag_export = now + _LAG_EXPORT_INTERVAL_SECONDS
        for stream, lag in self._reader.lag(self._streams).items():
            metrics.STREAM_LAG.labels(stream, bus.ENRICHER_GROUP).set(lag.entries)
            metrics.STREAM_LAG_SECONDS.labels(stream, bus.ENRICHER_GROUP).set(lag.seconds)
        for stream, pending in self._reader.pending(self._streams).items():
            metrics.STREAM_PENDING.labels(stream, bus.ENRICHER_GROUP).set(pending)
