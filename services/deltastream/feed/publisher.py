"""Publishes ticks to the ``md.ticks.<UNDERLYING>`` streams, one transaction per batch (a
batch appears at once), inside a PRODUCER span whose traceparent travels in every entry."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator, Sequence

import redis
import redis.exceptions
from opentelemetry import trace

from deltastream import bus
from deltastream.feed import metrics
from deltastream.market.codec import tick_fields
from deltastream.market.quotes import Tick
from deltastream.telemetry import traceparent_of

tracer = trace.get_tracer("deltastream.feed")


class TickPublisher:
    def __init__(self, client: redis.Redis, max_length: int) -> None:
        self._client = client
        self._max_length = max_length

    def publish(self, ticks: Sequence[Tick]) -> int:
        """Publish a batch; returns how many entries were added."""
        if not ticks:
            return 0
        started = time.perf_counter()
        with (
            _counting_errors(),
            tracer.start_as_current_span(
                f"send {bus.TICKS_STREAM_PREFIX}*",
                kind=trace.SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "redis",
                    "messaging.operation.type": "send",
                    "messaging.batch.message_count": len(ticks),
                },
            ) as span,
        ):
            traceparent = traceparent_of(span.get_span_context())
            entries = [
                (bus.ticks_stream(tick.underlying), tick_fields(tick, traceparent))
                for tick in ticks
            ]
            bus.append_atomically(self._client, entries, max_length=self._max_length)
        metrics.PUBLISH_SECONDS.observe(time.perf_counter() - started)
        for stream, count in Counter(stream for stream, _ in entries).items():
            metrics.TICKS_PUBLISHED.labels(stream).inc(count)
        return len(ticks)


@contextlib.contextmanager
def _counting_errors() -> Iterator[None]:
    try:
        yield
    except redis.exceptions.RedisError:
        metrics.PUBLISH_ERRORS.inc()
        raise
