"""Publishes ticks to the ``md.ticks.<UNDERLYING>`` streams, one round trip per batch, inside
a PRODUCER span whose traceparent travels in every entry."""

from __future__ import annotations

from collections.abc import Sequence

import redis
from opentelemetry import trace
from prometheus_client import Counter

from deltastream import bus
from deltastream.market.codec import encode_tick
from deltastream.market.quotes import Tick

tracer = trace.get_tracer("deltastream.feed")

TICKS_PUBLISHED = Counter(
    "deltastream_ticks_published_total", "Ticks published by the feed.", ["stream"]
)


class TickPublisher:
    def __init__(self, client: redis.Redis, max_length: int) -> None:
        self._client = client
        self._max_length = max_length

    def publish(self, ticks: Sequence[Tick]) -> int:
        """Publish a batch; returns how many entries were added."""
        if not ticks:
            return 0
        with tracer.start_as_current_span("md.ticks publish", kind=trace.SpanKind.PRODUCER) as span:
            span.set_attribute("messaging.system", "redis")
            span.set_attribute("messaging.batch.message_count", len(ticks))
            traceparent = _traceparent(span)
            pipe = self._client.pipeline(transaction=False)
            counts: dict[str, int] = {}
            for tick in ticks:
                stream = bus.ticks_stream(tick.underlying)
                counts[stream] = counts.get(stream, 0) + 1
                pipe.xadd(
                    stream,
                    encode_tick(tick, traceparent),  # type: ignore[arg-type]
                    maxlen=self._max_length,
                    approximate=True,
                )
            pipe.execute()
        for stream, count in counts.items():
            TICKS_PUBLISHED.labels(stream).inc(count)
        return len(ticks)


def _traceparent(span: trace.Span) -> str | None:
    context = span.get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
