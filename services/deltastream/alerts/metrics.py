"""Prometheus metrics of the alerts evaluator and its webhook deliveries."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

UPDATES_EVALUATED = Counter(
    "deltastream_alerts_updates_evaluated_total",
    "Enriched chain updates the rules were evaluated on.",
)
EVENTS_FIRED = Counter(
    "deltastream_alerts_events_total", "Alert events stored, by rule kind.", ["kind"]
)
EVENTS_PUBLISHED = Counter(
    "deltastream_alerts_events_published_total", "Alert events written to alerts.events."
)
WEBHOOK_DELIVERIES = Counter(
    "deltastream_alerts_webhook_deliveries_total",
    "Webhook attempts by outcome (delivered, retry, failed).",
    ["outcome"],
)
RULES_LOADED = Gauge("deltastream_alerts_rules", "Rules the evaluator holds.")
