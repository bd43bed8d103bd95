"""One trace across processes: the feed's publish, the enricher's processing and MongoDB write,
the enriched publish, MarketData's delivery to each subscriber (a gRPC client, and the gateway
for a WebSocket client), and the gateway's push on the WebSocket."""

from __future__ import annotations

import pytest

from tests.integration.observability.conftest import PlatformRun
from tests.integration.observability.spans import Span, ancestors

pytestmark = pytest.mark.integration


def _one(spans: list[Span], description: str) -> Span:
    assert len(spans) == 1, f"expected one {description}, found {spans}"
    return spans[0]


def _the_tick(spans: list[Span]) -> tuple[Span, list[Span]]:
    """The feed's publish, and every span of its trace."""
    publish = _one(
        [s for s in spans if s.service == "feed" and s.kind == "PRODUCER"], "feed publish"
    )
    return publish, [span for span in spans if span.trace_id == publish.trace_id]


def _subscription(delivery: Span, spans: list[Span]) -> Span:
    """The RPC span of the subscription a delivery span is linked to."""
    (linked,) = delivery.links
    return _one([s for s in spans if (s.trace_id, s.span_id) == linked], "subscription span")


def test_a_tick_is_one_trace_from_the_feed_to_a_grpc_subscriber(platform_run: PlatformRun) -> None:
    spans = platform_run.spans
    assert platform_run.first_update.stream_id, "a live update, not a stored chain"
    publish, trace = _the_tick(spans)
    processing = _one(
        [s for s in trace if s.service == "enricher" and s.kind == "CONSUMER"], "batch span"
    )
    assert processing.parent_id == publish.span_id
    assert (publish.trace_id, publish.span_id) in processing.links

    writes = [
        span
        for span in trace
        if span.service == "enricher"
        and span.kind == "CLIENT"
        and span.attributes.get("db.system", span.attributes.get("db.system.name")) == "mongodb"
        and processing in ancestors(span, trace)
    ]
    assert writes, "no MongoDB write in the tick's trace"

    enriched = _one(
        [s for s in trace if s.service == "enricher" and s.kind == "PRODUCER"], "enriched send"
    )
    assert processing in ancestors(enriched, trace)
    received = [s for s in trace if s.service == "marketdata" and s.kind == "CONSUMER"]
    assert received
    assert all(span.parent_id == enriched.span_id for span in received)
    deliveries = [s for s in trace if s.service == "marketdata" and s.kind == "SERVER"]
    assert len(deliveries) == 2, "one delivery per subscriber: the test's and the gateway's"
    assert all(span.parent_id in {r.span_id for r in received} for span in deliveries)
    delivery = deliveries[0]
    assert (
        delivery.attributes["deltastream.chain.version"] == platform_run.first_update.chain.version
    )

    subscription = _subscription(delivery, spans)
    assert subscription.kind == "SERVER"
    assert subscription.name.endswith("MarketData/Subscribe")
    assert {span.kind for span in trace} >= {"PRODUCER", "CONSUMER", "CLIENT", "SERVER"}
    assert {span.service for span in trace} == {"feed", "enricher", "marketdata", "gateway"}


def test_the_websocket_push_of_a_tick_is_in_its_trace(platform_run: PlatformRun) -> None:
    """The gateway's push continues MarketData's delivery to it: the tick's trace ends at the
    browser's socket, and the delivery links to the subscription the gateway opened for it."""
    spans = platform_run.spans
    _, trace = _the_tick(spans)
    push = _one(
        [s for s in trace if s.service == "gateway" and s.name == "WebSocket /api/v1/ws push"],
        "WebSocket push",
    )
    assert push.kind == "SERVER"
    delivery = _one([s for s in trace if s.span_id == push.parent_id], "delivery to the gateway")
    assert (delivery.service, delivery.kind) == ("marketdata", "SERVER")
    version = platform_run.first_push["chain"]["version"]
    assert push.attributes["deltastream.chain.version"] == version
    assert delivery.attributes["deltastream.chain.version"] == version
    assert push.attributes["messaging.message.id"] == platform_run.first_push["stream_id"]

    subscription = _subscription(delivery, spans)
    opened_by = _one([s for s in spans if s.span_id == subscription.parent_id], "gateway call")
    assert (opened_by.service, opened_by.kind) == ("gateway", "CLIENT")
    assert opened_by.name.endswith("MarketData/Subscribe")


def test_a_batch_from_no_single_producer_starts_its_own_trace(platform_run: PlatformRun) -> None:
    """The malformed entry added by hand carries no traceparent: its batch is a new trace."""
    batches = [s for s in platform_run.spans if s.service == "enricher" and s.kind == "CONSUMER"]
    orphans = [span for span in batches if span.parent_id is None]
    assert len(batches) == 2
    assert len(orphans) == 1
    assert orphans[0].links == ()
