"""Prometheus metrics of the feed (its dead letters are counted in ``deltastream.metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

TICKS_PUBLISHED = Counter(
    "deltastream_ticks_published_total", "Ticks published by the feed.", ["stream"]
)
PUBLISH_SECONDS = Histogram(
    "deltastream_feed_publish_seconds",
    "Time to publish one batch of ticks (one Redis round trip).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
PUBLISH_ERRORS = Counter(
    "deltastream_feed_publish_errors_total", "Batches the feed failed to publish."
)
