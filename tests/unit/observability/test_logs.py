"""JSON log lines: level, service, event and message, the ids of the current span, extras."""

from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from deltastream.logs import JsonFormatter


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "deltastream.test", logging.WARNING, __file__, 1, message, args, None
    )
    record.__dict__.update(extra)
    return record


def test_a_line_carries_level_service_event_message_and_extras() -> None:
    line = json.loads(JsonFormatter("enricher").format(_record("claimed %d entries", 3, count=3)))
    assert line["level"] == "warning"
    assert line["service"] == "enricher"
    assert line["event"] == "claimed %d entries"
    assert line["message"] == "claimed 3 entries"
    assert line["count"] == 3
    assert "trace_id" not in line


def test_a_line_written_inside_a_span_carries_its_trace_and_span_ids() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        line = json.loads(JsonFormatter("feed").format(_record("published")))
    context = span.get_span_context()
    assert line["trace_id"] == f"{context.trace_id:032x}"
    assert line["span_id"] == f"{context.span_id:016x}"
