"""Publishes ticks to the ``md.ticks.<UNDERLYING>`` streams, one transaction per batch (a
batch appears at once), inside a PRODUCER span whose traceparent travels in every entry. Each
underlying's ticks of a batch are one entry in the codec's batch form.

``encode`` and ``send`` are the two halves of ``publish``: the synthetic feed encodes a release
while it waits for the instant the release is due, so that only the send is left at that
instant (the encoding took 1.3 ms of a 250-tick release's 3.5 ms on one core here).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import redis
import redis.exceptions
from opentelemetry import trace

from deltastream import bus
from deltastream.feed import metrics
from deltastream.market.codec import batch_fields, with_traceparent
from deltastream.market.quotes import Tick
from deltastream.telemetry import traceparent_of

tracer = trace.get_tracer("deltastream.feed")


@dataclass(frozen=True, slots=True)
class EncodedTicks:
    """A batch of ticks as their streams and entry fields, without the traceparent, which is
    the send span's, and the ticks of each entry."""

    entries: list[tuple[str, tuple[bytes | str, ...]]]
    ticks: list[int]


class TickPublisher:
    def __init__(self, client: redis.Redis, max_length: int) -> None:
        self._client = client
        self._max_length = max_length

    def publish(self, ticks: Sequence[Tick]) -> int:
        """Publish a batch; returns how many ticks were sent."""
        return self.send(self.encode(ticks))

    @staticmethod
    def encode(ticks: Sequence[Tick]) -> EncodedTicks:
        """The batch's entries, ready to send: one per underlying, its ticks in order."""
        by_underlying: dict[str, list[Tick]] = {}
        for tick in ticks:
            by_underlying.setdefault(tick.underlying, []).append(tick)
        return EncodedTicks(
            [(bus.ticks_stream(u), batch_fields(same)) for u, same in by_underlying.items()],
            [len(same) for same in by_underlying.values()],
        )

    def send(self, batch: EncodedTicks) -> int:
        """Publish an encoded batch; returns how many ticks were sent."""
        if not batch.entries:
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
                    "messaging.batch.message_count": sum(batch.ticks),
                },
            ) as span,
        ):
            traceparent = traceparent_of(span.get_span_context())
            entries = [
                (stream, with_traceparent(fields, traceparent)) for stream, fields in batch.entries
            ]
            bus.append_atomically(self._client, entries, max_length=self._max_length)
        metrics.PUBLISH_SECONDS.observe(time.perf_counter() - started)
        for (stream, _), count in zip(entries, batch.ticks, strict=True):
            metrics.TICKS_PUBLISHED.labels(stream).inc(count)
        return sum(batch.ticks)


@contextlib.contextmanager
def _counting_errors() -> Iterator[None]:
    try:
        yield
    except redis.exceptions.RedisError:
        metrics.PUBLISH_ERRORS.inc()
        raise
