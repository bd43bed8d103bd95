"""Prometheus metrics of the enricher."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

TICKS_CONSUMED = Counter(
    "deltastream_ticks_consumed_total", "Stream entries read by the enricher.", ["stream"]
)
QUOTES_APPLIED = Counter(
    "deltastream_quotes_applied_total", "Quotes that changed a chain (redeliveries excluded)."
)
DEAD_LETTERS = Counter(
    "deltastream_dead_letters_total", "Entries sent to the dead-letter stream.", ["stream"]
)
CONFLICTS = Counter(
    "deltastream_enricher_conflicts_total", "Chain writes retried after a concurrent update."
)
BATCH_SIZE = Histogram(
    "deltastream_enricher_batch_size",
    "Entries per processed batch.",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000),
)
BATCH_SECONDS = Histogram(
    "deltastream_enricher_batch_seconds",
    "Time to process one batch, from read to acknowledgement.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
TICK_TO_ENRICHED = Histogram(
    "deltastream_tick_to_enriched_seconds",
    "From a quote's feed timestamp to its enriched chain being stored and published.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
STREAM_LAG = Gauge(
    "deltastream_stream_lag_entries",
    "Entries in a stream not yet delivered to the consumer group.",
    ["stream", "group"],
)
STREAM_PENDING = Gauge(
    "deltastream_stream_pending_entries",
    "Entries delivered to the consumer group and not yet acknowledged.",
    ["stream", "group"],
)
