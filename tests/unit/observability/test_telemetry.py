"""Which span exporters the OTEL_* settings choose, the traceparent helpers, and the
JSON-lines exporter's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter as HttpSpanExporter,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from deltastream.errors import DeltaStreamError
from deltastream.telemetry import (
    TRACE_FILE_VARIABLE,
    TelemetryConfigurationError,
    span_context_of,
    span_exporters,
    traceparent_of,
)


def test_nothing_is_exported_without_an_exporter_or_an_endpoint() -> None:
    assert span_exporters({}) == []
    assert span_exporters({"OTEL_TRACES_EXPORTER": "none"}) == []


def test_an_otlp_endpoint_alone_exports_over_otlp_http() -> None:
    (exporter,) = span_exporters({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert isinstance(exporter, HttpSpanExporter)
    exporter.shutdown()  # type: ignore[no-untyped-call]


def test_the_grpc_protocol_picks_the_grpc_exporter() -> None:
    (exporter,) = span_exporters(
        {
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
        }
    )
    assert isinstance(exporter, GrpcSpanExporter)
    exporter.shutdown()


@pytest.mark.parametrize(
    "environment",
    [
        {"OTEL_TRACES_EXPORTER": "zipkin"},
        {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
    ],
)
def test_an_unsupported_setting_is_a_typed_error(environment: dict[str, str]) -> None:
    with pytest.raises(TelemetryConfigurationError) as raised:
        span_exporters(environment)
    assert isinstance(raised.value, DeltaStreamError)
    assert raised.value.value in environment.values()


def test_the_console_exporter_writes_one_json_span_per_line_to_the_trace_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "spans.jsonl"
    (exporter,) = span_exporters(
        {"OTEL_TRACES_EXPORTER": "console", TRACE_FILE_VARIABLE: str(path)}
    )
    assert isinstance(exporter, ConsoleSpanExporter)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with (
        tracer.start_as_current_span("outer", kind=trace.SpanKind.PRODUCER),
        tracer.start_as_current_span("inner"),
    ):
        pass
    provider.shutdown()
    exporter.out.close()
    inner, outer = (json.loads(line) for line in path.read_text().splitlines())
    assert (inner["name"], outer["name"]) == ("inner", "outer")
    assert inner["parent_id"] == outer["context"]["span_id"]
    assert outer["kind"] == "SpanKind.PRODUCER"


def test_a_traceparent_round_trips_to_the_same_span_context() -> None:
    context = trace.SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=False,
        trace_flags=trace.TraceFlags(1),
    )
    traceparent = traceparent_of(context)
    assert traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    remote = span_context_of(traceparent)
    assert remote is not None
    assert (remote.trace_id, remote.span_id, remote.is_remote) == (
        context.trace_id,
        context.span_id,
        True,
    )


@pytest.mark.parametrize("text", [None, "", "not-a-traceparent", "00-" + "0" * 32 + "-1-01"])
def test_no_span_context_comes_of_a_missing_or_invalid_traceparent(text: str | None) -> None:
    assert span_context_of(text) is None
    assert traceparent_of(trace.INVALID_SPAN_CONTEXT) is None
