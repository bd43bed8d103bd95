"""One trace across processes: the feed's publish, the enricher's processing and MongoDB write,
the enriched publish and MarketData's delivery to a gRPC subscriber."""

from __future__ import annotations

import pytest

from tests.integration.observability.conftest import PlatformRun
from tests.integration.observability.spans import Span, ancestors

pytestmark = pytest.mark.integration


def _one(spans: list[Span], description: str) -> Span:
    assert len(spans) == 1, f"expected one {description}, found {spans}"
    return spans[0]


def test_a_tick_is_one_trace_from_the_feed_to_a_grpc_subscriber(platform_run: PlatformRun) -> None:
    spans = platform_run.spans
    assert platform_run.first_update.stream_id, "a live update, not a stored chain"
    publish = _one(
        [s for s in spans if s.service == "feed" and s.kind == "PRODUCER"], "feed publish"
    )
    trace = [span for span in spans if span.trace_id == publish.trace_id]
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
    delivery = _one(
        [s for s in trace if s.service == "marketdata" and s.kind == "SERVER"], "delivery"
    )
    assert delivery.parent_id in {span.span_id for span in received}
    assert (
        delivery.attributes["deltastream.chain.version"] == platform_run.first_update.chain.version
    )

    (linked,) = delivery.links
    subscription = _one(
        [s for s in spans if (s.trace_id, s.span_id) == linked], "linked subscription span"
    )
    assert subscription.kind == "SERVER"
    assert subscription.name.endswith("MarketData/Subscribe")
    assert {span.kind for span in trace} >= {"PRODUCER", "CONSUMER", "CLIENT", "SERVER"}
    assert {span.service for span in trace} == {"feed", "enricher", "marketdata"}


def test_a_batch_from_no_single_producer_starts_its_own_trace(platform_run: PlatformRun) -> None:
    """The malformed entry added by hand carries no traceparent: its batch is a new trace."""
    batches = [s for s in platform_run.spans if s.service == "enricher" and s.kind == "CONSUMER"]
    orphans = [span for span in batches if span.parent_id is None]
    assert len(batches) == 2
    assert len(orphans) == 1
    assert orphans[0].links == ()
