"""OpenTelemetry plumbing: the tracer provider of a process and the W3C ``traceparent`` that
carries a trace across the Redis stream hop."""

from __future__ import annotations

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider


def configure_tracing(service: str) -> TracerProvider:
    """Install the process's tracer provider. Exporters are added by ``OTEL_*`` configuration
    (see ``docs/observability.md``); with none, spans are still made and propagated."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    trace.set_tracer_provider(provider)
    return provider


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
