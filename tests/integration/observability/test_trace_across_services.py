"""One trace across processes: the feed's publish, the enricher's processing and MongoDB write,
the enriched publish and MarketData's delivery to a gRPC subscriber.

Each service runs as a process exporting its spans as JSON lines to a file of its own
(``OTEL_TRACES_EXPORTER=console`` with ``DELTASTREAM_TRACE_FILE``); the test reads them all
once the processes have stopped and flushed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from deltastream.embedded import EmbeddedUrls, free_port
from deltastream.feed.recording import write_ticks
from deltastream.v1 import market_data_pb2, market_data_pb2_grpc

from tests.e2e.platform import ServiceProcesses, wait_for, wait_serving
from tests.integration.observability.scraping import scrape, value
from tests.integration.observability.spans import Span, ancestors, read_spans
from tests.integration.pipeline.chains import expiry_in, priced_chain, spot_tick

pytestmark = pytest.mark.integration


@pytest.fixture
def services(
    server_urls: EmbeddedUrls, mongo_db_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServiceProcesses]:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    processes = ServiceProcesses(server_urls, mongo_db_name, tmp_path)
    yield processes
    processes.stop_all()


def _one(spans: list[Span], description: str) -> Span:
    assert len(spans) == 1, f"expected one {description}, found {spans}"
    return spans[0]


def test_a_tick_is_one_trace_from_the_feed_to_a_grpc_subscriber(
    services: ServiceProcesses, underlying: str, tmp_path: Path
) -> None:
    replay = tmp_path / "session.jsonl"
    write_ticks([spot_tick(underlying), *priced_chain(underlying, expiry_in(8), strikes=5)], replay)
    files = {name: tmp_path / f"{name}.spans.jsonl" for name in ("feed", "enricher", "marketdata")}
    interest = json.dumps([underlying])
    grpc_port, metrics_port = free_port(), free_port()
    services.start(
        "deltastream.marketdata",
        grpc_host="127.0.0.1",
        grpc_port=str(grpc_port),
        metrics_port=str(metrics_port),
        underlyings=interest,
        trace_file=str(files["marketdata"]),
    )
    services.start(
        "deltastream.enricher",
        underlyings=interest,
        consumer_name="traced",
        trace_file=str(files["enricher"]),
    )
    wait_serving(f"127.0.0.1:{grpc_port}")

    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        stub = market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]
        updates = stub.Subscribe(
            market_data_pb2.SubscribeRequest(underlyings=[underlying]), timeout=60
        )
        wait_for(
            lambda: value(scrape(metrics_port), "deltastream_marketdata_subscribers") == 1,
            30,
            "the subscription never registered",
        )
        feed = services.start(
            "deltastream.feed", replay_path=str(replay), trace_file=str(files["feed"])
        )
        update = next(updates)
        updates.cancel()
    assert update.stream_id, "a live update, not a stored chain"
    assert feed.wait(timeout=30) == 0
    services.stop_all()  # the exporters flush as the processes exit

    spans = read_spans(files.values())
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
    assert received and all(span.parent_id == enriched.span_id for span in received)
    delivery = _one(
        [s for s in trace if s.service == "marketdata" and s.kind == "SERVER"], "delivery"
    )
    assert delivery.parent_id in {span.span_id for span in received}
    assert delivery.attributes["deltastream.chain.version"] == update.chain.version

    (linked,) = delivery.links
    subscription = _one(
        [s for s in spans if (s.trace_id, s.span_id) == linked], "linked subscription span"
    )
    assert subscription.kind == "SERVER"
    assert subscription.name.endswith("MarketData/Subscribe")
    assert {span.kind for span in trace} >= {"PRODUCER", "CONSUMER", "CLIENT", "SERVER"}
    assert {span.service for span in trace} == {"feed", "enricher", "marketdata"}
