"""OpenTelemetry plumbing: the tracer provider of a process, its exporters, the library
instrumentations, and the W3C ``traceparent`` that carries a trace across the Redis stream hop.

Exporters follow the standard ``OTEL_*`` variables (see ``docs/observability.md``):
``OTEL_TRACES_EXPORTER`` is a comma-separated list of ``otlp``, ``console`` and ``none``;
``otlp`` speaks ``OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`` (``http/protobuf`` or ``grpc``) to
``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT``. Unlike the SDK's default, an unset
``OTEL_TRACES_EXPORTER`` exports over OTLP only when an endpoint is given, so a laptop without
a collector is not flooded with connection errors. ``console`` writes one JSON span per line
to stderr (stdout carries the JSON logs), or to ``DELTASTREAM_TRACE_FILE`` when set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO

from opentelemetry import context, propagate, trace
from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient, GrpcInstrumentorClient
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from deltastream.errors import DeltaStreamError

TRACE_FILE_VARIABLE = "DELTASTREAM_TRACE_FILE"
_OTLP_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_PROTOCOL_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")


class TelemetryConfigurationError(DeltaStreamError):
    """An ``OTEL_*`` setting names an exporter or protocol this build does not have."""

    def __init__(self, variable: str, value: str) -> None:
        super().__init__(f"{variable}={value!r} is not supported")
        self.variable = variable
        self.value = value


def configure_tracing(service: str, environ: Mapping[str, str] = os.environ) -> TracerProvider:
    """Install the process's tracer provider with the exporters ``environ`` asks for, and
    instrument gRPC clients, redis and pymongo. ``OTEL_SERVICE_NAME`` and
    ``OTEL_RESOURCE_ATTRIBUTES`` win over ``service``; with no exporter, spans are still made
    and propagated. The sampler follows ``OTEL_TRACES_SAMPLER`` (default: parent-based, all)."""
    attributes = {} if environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service}
    provider = TracerProvider(resource=Resource.create(attributes))
    for exporter in span_exporters(environ):
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    instrument_libraries()
    return provider


def span_exporters(environ: Mapping[str, str]) -> list[SpanExporter]:
    """The exporters named by ``OTEL_TRACES_EXPORTER`` (see the module docstring)."""
    names = environ.get("OTEL_TRACES_EXPORTER")
    if names is None:
        names = "otlp" if any(environ.get(v) for v in _OTLP_ENDPOINT_VARIABLES) else "none"
    exporters: list[SpanExporter] = []
    for name in (part.strip() for part in names.split(",")):
        if name == "otlp":
            exporters.append(_otlp_exporter(environ))
        elif name == "console":
            exporters.append(_json_lines_exporter(environ.get(TRACE_FILE_VARIABLE)))
        elif name not in {"none", ""}:
            raise TelemetryConfigurationError("OTEL_TRACES_EXPORTER", name)
    return exporters


def _otlp_exporter(environ: Mapping[str, str]) -> SpanExporter:
    """OTLP over HTTP (the standard's default) or gRPC; both read their endpoint, headers,
    timeout and compression from the ``OTEL_EXPORTER_OTLP_*`` variables themselves."""
    protocol = next((environ[v] for v in _PROTOCOL_VARIABLES if environ.get(v)), "http/protobuf")
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as HttpSpanExporter,
        )

        return HttpSpanExporter()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter as GrpcSpanExporter,
        )

        return GrpcSpanExporter()
    raise TelemetryConfigurationError("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)


def _json_lines_exporter(path: str | None) -> SpanExporter:
    """Spans as JSON lines; a file is opened for appending, line-buffered, so that several
    processes (``make run``) can share one."""
    out: IO[str] = sys.stderr
    if path:
        out = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - the exporter's
    return ConsoleSpanExporter(out=out, formatter=_span_line)


def _span_line(span: ReadableSpan) -> str:
    line: str = span.to_json(indent=None)
    return line + "\n"


def instrument_libraries() -> None:
    """The OpenTelemetry instrumentations of the clients every service uses (idempotent).
    gRPC servers get theirs as an interceptor (``grpcutil.server_interceptors``)."""
    for instrumentor in (
        RedisInstrumentor(),
        PymongoInstrumentor(),
        GrpcInstrumentorClient(),  # type: ignore[no-untyped-call]
        GrpcAioInstrumentorClient(),  # type: ignore[no-untyped-call]
    ):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


@contextmanager
def untraced() -> Iterator[None]:
    """No instrumentation spans inside: for polling (a blocking stream read every few hundred
    milliseconds, lag queries) that would otherwise make a trace of its own each time."""
    with suppress_instrumentation():
        yield


def traceparent_of(span_context: trace.SpanContext) -> str | None:
    """The W3C traceparent of a span context, or None if it is not valid."""
    if not span_context.is_valid:
        return None
    flags = int(span_context.trace_flags)
    return f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-{flags:02x}"


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, if one is recording."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> context.Context | None:
    """The remote span context carried by a traceparent, or None."""
    if not traceparent:
        return None
    return propagate.extract({"traceparent": traceparent})


def span_context_of(traceparent: str | None) -> trace.SpanContext | None:
    """The remote span context of a traceparent, for span links."""
    remote = context_from_traceparent(traceparent)
    if remote is None:
        return None
    span_context = trace.get_current_span(remote).get_span_context()
    return span_context if span_context.is_valid else None


def parent_context(span_context: trace.SpanContext | None) -> context.Context | None:
    """A context whose current span is ``span_context`` (None: a new trace), to start a child
    of a span made in another process."""
    if span_context is None:
        return None
    return trace.set_span_in_context(trace.NonRecordingSpan(span_context))
