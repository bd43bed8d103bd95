"""Prometheus metrics of the enricher (its dead letters are counted in ``deltastream.metrics``,
which the feed shares)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from deltastream.metrics import DEAD_LETTERS, LATENCY_BUCKETS_SECONDS

__all__ = [
    "BATCH_ENTRIES",
    "BATCH_FAILURES",
    "BATCH_SECONDS",
    "CONFLICTS",
    "DEAD_LETTERS",
    "HISTORY_DROPPED",
    "HISTORY_WAITING",
    "PREPARE_CPU_SECONDS",
    "PREPARE_SECONDS",
    "QUOTES_APPLIED",
    "STORE_WAITING",
    "STREAM_LAG",
    "STREAM_LAG_SECONDS",
    "STREAM_PENDING",
    "TICKS_CONSUMED",
    "TICK_TO_ENRICHED",
]

TICKS_CONSUMED = Counter(
    "deltastream_ticks_consumed_total",
    "Ticks read by the enricher (malformed ones included; a batch entry holds many).",
    ["stream"],
)
QUOTES_APPLIED = Counter(
    "deltastream_quotes_applied_total", "Quotes that changed a chain (redeliveries excluded)."
)
BATCH_FAILURES = Counter(
    "deltastream_enricher_batch_failures_total",
    "Batches that failed (Redis, MongoDB or data errors) and were retried from pending entries.",
)
HISTORY_DROPPED = Counter(
    "deltastream_enricher_history_dropped_total",
    "History snapshots not written: the database fell behind or failed.",
)
HISTORY_WAITING = Gauge(
    "deltastream_enricher_history_waiting",
    "History snapshot writes queued for the database (the oldest are dropped past a bound).",
)
STORE_WAITING = Gauge(
    "deltastream_enricher_store_waiting_batches",
    "Prepared batches not yet stored and acknowledged (the loop waits past a bound).",
)
CONFLICTS = Counter(
    "deltastream_enricher_conflicts_total", "Chain writes retried after a concurrent update."
)
BATCH_ENTRIES = Histogram(
    "deltastream_enricher_batch_entries",
    "Stream entries per processed batch (a batch entry is one underlying's release).",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000),
)
BATCH_SECONDS = Histogram(
    "deltastream_enricher_batch_seconds",
    "Time to process one batch, from read to acknowledgement.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
_PREPARE_BUCKETS = (0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 1.0)
PREPARE_SECONDS = Histogram(
    "deltastream_enricher_prepare_seconds",
    "Time to prepare one batch (decode, apply, enrich, publish), by the clock.",
    buckets=_PREPARE_BUCKETS,
)
PREPARE_CPU_SECONDS = Histogram(
    "deltastream_enricher_prepare_cpu_seconds",
    "CPU time of the loop's thread preparing one batch: well below the clock's, the enricher "
    "waits for a core (a CPU limit, busy neighbours) or for its writer threads.",
    buckets=_PREPARE_BUCKETS,
)
TICK_TO_ENRICHED = Histogram(
    "deltastream_tick_to_enriched_seconds",
    "From a quote's feed timestamp to its enriched chain being published.",
    buckets=LATENCY_BUCKETS_SECONDS,
)
STREAM_LAG = Gauge(
    "deltastream_stream_lag_entries",
    "Entries in a stream not yet delivered to the consumer group.",
    ["stream", "group"],
)
STREAM_LAG_SECONDS = Gauge(
    "deltastream_stream_lag_seconds",
    "How far the consumer group's delivery is behind a stream's newest entry, in stream time.",
    ["stream", "group"],
)
STREAM_PENDING = Gauge(
    "deltastream_stream_pending_entries",
    "Entries delivered to the consumer group and not yet acknowledged.",
    ["stream", "group"],
)
