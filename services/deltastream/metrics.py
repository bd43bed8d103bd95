"""Prometheus metrics and buckets shared by more than one service.

Each metric is declared once per process (``prometheus_client`` refuses a second declaration of
the same name), so a metric that several services export lives here rather than in each
service's own ``metrics`` module.
"""

from __future__ import annotations

from prometheus_client import Counter

LATENCY_BUCKETS_SECONDS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
"""Buckets of the end-to-end tick latencies: milliseconds on one machine, seconds when a
consumer falls behind."""

DEAD_LETTERS = Counter(
    "deltastream_dead_letters_total",
    "Entries sent to the dead-letter stream, by the stream (or replay file) they came from.",
    ["stream"],
)
