"""Prometheus metrics of MarketData's live fan-out (its RPCs are measured by ``grpcmetrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from deltastream.metrics import LATENCY_BUCKETS_SECONDS

SUBSCRIBERS = Gauge(
    "deltastream_marketdata_subscribers", "Live Subscribe streams of this MarketData server."
)
UPDATES_RECEIVED = Counter(
    "deltastream_marketdata_updates_received_total",
    "Enriched chain updates read from the md.enriched streams.",
    ["stream"],
)
UPDATES_CONFLATED = Counter(
    "deltastream_marketdata_updates_conflated_total",
    "Updates replaced by a newer one of the same chain before a slow subscriber took them.",
)
FANOUT_ERRORS = Counter(
    "deltastream_marketdata_fanout_errors_total",
    "Failed reads of the enriched streams (each is retried).",
)
TICK_TO_CLIENT = Histogram(
    "deltastream_tick_to_client_seconds",
    "From the newest quote's feed timestamp in a chain to that chain's update being sent to a "
    "gRPC subscriber.",
    buckets=LATENCY_BUCKETS_SECONDS,
)
