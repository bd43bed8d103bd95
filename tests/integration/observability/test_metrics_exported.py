"""Every metric a dashboard or an alert rule reads is exported, with the labels it uses, by the
services exercised in ``platform_run`` (the operator's by its metrics object)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from deltastream_operator.metrics import OperatorMetrics
from deltastream_operator.schedule import Decision, Phase
from tests.integration.observability.conftest import PlatformRun
from tests.integration.observability.scraping import value
from tests.unit.observability.queries import (
    DASHBOARDS,
    EXTERNAL_METRICS,
    TARGET_LABELS,
    Query,
    alert_rules,
    dashboard_queries,
    rule_queries,
    selections,
)

pytestmark = pytest.mark.integration


def _operator_samples() -> list[Sample]:
    """What a running operator exports once it has applied, moved and failed a scaler."""
    registry = CollectorRegistry()
    metrics = OperatorMetrics(registry)
    decision = Decision("normal", Phase.SESSION, 2, 8, dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC))
    metrics.record_decision("markets", "enricher-hours", decision)
    metrics.record_transition("markets", "enricher-hours", "normal")
    metrics.record_error("markets", "enricher-hours", "TargetNotFound")
    text = generate_latest(registry).decode()
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


@pytest.fixture(scope="module")
def exported(platform_run: PlatformRun) -> list[Sample]:
    return [
        sample for samples in platform_run.samples.values() for sample in samples
    ] + _operator_samples()


def _queries() -> Iterator[Query]:
    for path in DASHBOARDS:
        yield from dashboard_queries(path)
    yield from rule_queries(alert_rules())


def test_every_metric_of_the_boards_and_alerts_is_exported_with_its_labels(
    exported: list[Sample],
) -> None:
    problems = []
    for query in _queries():
        selected = selections(query.expression)
        available: set[str] = set(TARGET_LABELS)
        for selection in selected:
            if selection.metric in EXTERNAL_METRICS:
                available |= selection.labels
                continue
            wanted = selection.labels - TARGET_LABELS
            samples = [sample for sample in exported if sample.name == selection.metric]
            if not samples:
                problems.append(f"{query.source}: {selection.metric} is not exported")
            elif not any(wanted <= sample.labels.keys() for sample in samples):
                problems.append(f"{query.source}: {selection.metric} has no {sorted(wanted)}")
            available |= {label for sample in samples for label in sample.labels}
        if not query.legend_labels <= available:
            problems.append(f"{query.source}: legend labels {sorted(query.legend_labels)}")
    assert problems == []


def test_the_run_is_counted_by_service(platform_run: PlatformRun) -> None:
    """The figures behind the boards move with what the run did."""
    feed, enricher, marketdata = (
        platform_run.samples[name] for name in ("feed", "enricher", "marketdata")
    )
    stream = f"md.ticks.{platform_run.underlying}"
    published = value(feed, "deltastream_ticks_published_total", stream=stream)
    assert published == 1 + 10  # the spot print and five strikes of calls and puts
    assert value(feed, "deltastream_dead_letters_total", stream="replay") == 1
    assert value(enricher, "deltastream_ticks_consumed_total", stream=stream) == published + 1
    assert value(enricher, "deltastream_dead_letters_total", stream=stream) == 1
    assert value(enricher, "deltastream_tick_to_enriched_seconds_count") == 10
    assert value(enricher, "deltastream_stream_lag_entries", stream=stream, group="enricher") == 0
    (lag_seconds,) = [
        sample.value
        for sample in enricher
        if sample.name == "deltastream_stream_lag_seconds" and sample.labels["stream"] == stream
    ]
    assert lag_seconds == 0  # exported, and nothing waits
    assert value(marketdata, "deltastream_tick_to_client_seconds_count") >= 1
    assert value(marketdata, "deltastream_marketdata_subscribers") == 0

    def handled(method: str, code: str) -> float:
        return value(
            marketdata, "deltastream_grpc_server_handled_total", grpc_method=method, grpc_code=code
        )

    # the test's calls, and the gateway's for the REST calls (the one without a token is refused
    # by the gateway itself)
    assert handled("GetChain", "OK") == 2
    assert handled("GetChain", "NOT_FOUND") == 2
    assert handled("GetChain", "INVALID_ARGUMENT") == 1
    assert handled("ListExpiries", "OK") == 1
    assert handled("Subscribe", "CANCELLED") == 2  # the test's, and the gateway's at the close
    sent = value(marketdata, "deltastream_grpc_server_msg_sent_total", grpc_method="Subscribe")
    assert sent >= 2


def test_the_gateway_counts_its_requests_and_websocket_messages(platform_run: PlatformRun) -> None:
    """By full route template (the chain routes are included under ``/api/v1``), status, and
    WebSocket message type."""
    gateway = platform_run.samples["gateway"]
    route = "/api/v1/chains/{underlying}"
    for status in ("200", "404", "401"):
        assert value(gateway, "deltastream_http_requests_total", route=route, status=status) == 1
    assert value(gateway, "deltastream_http_request_duration_seconds_count", route=route) == 3
    assert value(gateway, "deltastream_websocket_messages_sent_total", type="ready") == 1
    assert value(gateway, "deltastream_websocket_messages_sent_total", type="subscribed") == 1
    assert value(gateway, "deltastream_websocket_messages_sent_total", type="chain") >= 1
    assert value(gateway, "deltastream_websocket_connections") == 0


def test_the_alerts_service_counts_the_rule_that_fired(platform_run: PlatformRun) -> None:
    alerts = platform_run.samples["alerts"]
    assert value(alerts, "deltastream_alerts_events_total", kind="PRICE") == 1
    assert value(alerts, "deltastream_alerts_updates_evaluated_total") >= 1
    assert value(alerts, "deltastream_alerts_rules") == 1
