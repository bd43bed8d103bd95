"""Fan-out of enriched chain updates to live subscribers, with conflation.

One task reads the ``md.enriched.*`` streams and hands each update to every interested
subscriber's ``ConflatingBuffer``. A buffer holds at most one update per chain (the newest), so
a slow subscriber gets the latest state of each chain instead of a growing backlog, its memory is
bounded by the number of chains, and it never delays the reader or the other subscribers.

Tracing: every enriched entry carries the traceparent of the enricher's publish; reading it
makes a CONSUMER span in that trace, and each subscriber's copy remembers that span so the
servicer's delivery span (``delivery_span``) joins the same trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import redis.asyncio
import redis.exceptions
from opentelemetry import trace

from deltastream import bus
from deltastream.marketdata import metrics
from deltastream.telemetry import parent_context, span_context_of, untraced
from deltastream.v1 import market_data_pb2 as pb

log = logging.getLogger(__name__)
tracer = trace.get_tracer("deltastream.marketdata")

_RETRY_SECONDS = 1.0
_IDLE_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class Interest:
    """What a subscriber wants: some underlyings, optionally only some expiries."""

    underlyings: frozenset[str]
    expiries: frozenset[str]

    def matches(self, update: pb.ChainUpdate) -> bool:
        chain = update.chain
        return chain.underlying in self.underlyings and (
            not self.expiries or chain.expiry in self.expiries
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    """An update to send, and the span it was read in (None for a stored chain)."""

    update: pb.ChainUpdate
    origin: trace.SpanContext | None = None
    resume_from: str = ""
    """Where this subscriber would resume to miss nothing (see ``ConflatingBuffer``)."""
    chain_bytes: bytes = b""
    """The update's chain serialized as it was read (empty: serialize ``update.chain``)."""

    def serialized_chain(self) -> bytes:
        return self.chain_bytes or self.update.chain.SerializeToString()


class ConflatingBuffer:
    """The pending updates of one subscriber: the newest per chain, oldest chain first.

    A chain's version never goes backwards for a subscriber: an update at or below the version
    pending or already delivered (replicas publishing out of order, a republication after a
    crash) is dropped. Memory is bounded by the number of chains.

    Each delivery says where the subscriber would resume to miss nothing: before every update
    still waiting (an older chain's may wait behind the one delivered) and not after the
    reader's position in any of its streams (``read_floor``: the lowest of them, None while
    one is unknown). Empty while a stored chain is still to come."""

    def __init__(
        self, interest: Interest, read_floor: Callable[[], str | None] = lambda: None
    ) -> None:
        self.interest = interest
        self._read_floor = read_floor
        self._deliveries: OrderedDict[tuple[str, str], Delivery] = OrderedDict()
        self._delivered: dict[tuple[str, str], int] = {}
        self._ready = asyncio.Event()
        self.conflated = 0

    def __len__(self) -> int:
        return len(self._deliveries)

    def offer(
        self,
        update: pb.ChainUpdate,
        origin: trace.SpanContext | None = None,
        chain_bytes: bytes = b"",
    ) -> None:
        """Hold ``update`` (read in span ``origin``; ``chain_bytes``: its chain as read, sent as
        it is) unless this subscriber has it, or a newer version of its chain, already."""
        key = (update.chain.underlying, update.chain.expiry)
        if update.chain.version <= self._delivered.get(key, -1):
            return
        current = self._deliveries.get(key)
        if current is not None:
            if current.update.chain.version >= update.chain.version:
                return
            self.conflated += 1
            metrics.UPDATES_CONFLATED.inc()
        self._deliveries[key] = Delivery(update, origin, chain_bytes=chain_bytes)
        self._ready.set()

    async def take(self) -> pb.ChainUpdate:
        """The oldest pending chain's newest update; waits while there is none."""
        return (await self.take_delivery()).update

    async def take_delivery(self) -> Delivery:
        """``take``, with the span the update was read in."""
        while not self._deliveries:
            self._ready.clear()
            await self._ready.wait()
        key, delivery = self._deliveries.popitem(last=False)
        self._delivered[key] = delivery.update.chain.version
        return replace(delivery, resume_from=self.resume_position())

    def resume_position(self) -> str:
        """Where to resume to miss nothing not yet taken from this buffer ("" if unknown)."""
        return bus.earliest_resume_position(
            self._read_floor() or "", (d.update.stream_id for d in self._deliveries.values())
        )


class Fanout:
    """Reads the enriched streams and offers every update to the matching buffers."""

    def __init__(self, client: redis.asyncio.Redis, underlyings: list[str]) -> None:
        self._client = client
        self._positions = {bus.enriched_stream(u): "$" for u in underlyings}
        self._buffers: set[ConflatingBuffer] = set()

    @property
    def subscribers(self) -> int:
        return len(self._buffers)

    @contextlib.asynccontextmanager
    async def subscribe(self, interest: Interest) -> AsyncIterator[ConflatingBuffer]:
        streams = [bus.enriched_stream(underlying) for underlying in interest.underlyings]
        buffer = ConflatingBuffer(interest, lambda: self._read_floor(streams))
        for stream in streams:
            if self._positions.get(stream, "$") == "$":  # a position resuming can start from
                self._positions[stream] = await self._last_id(stream)
        self._buffers.add(buffer)
        metrics.SUBSCRIBERS.inc()
        try:
            yield buffer
        finally:
            self._buffers.discard(buffer)
            metrics.SUBSCRIBERS.dec()

    def _read_floor(self, streams: list[str]) -> str | None:
        """The lowest position the reader has reached in ``streams`` (None if one is unknown):
        any entry of theirs not read yet comes after it."""
        positions = [self._positions.get(stream, "$") for stream in streams]
        if not positions or "$" in positions:
            return None
        return min(positions, key=bus.stream_id)

    async def _last_id(self, stream: str) -> str:
        """The id of the newest entry of a stream ("0-0" for none): reading from there misses
        nothing published after this call, unlike "$", which means "after the next read"."""
        newest: Any = await self._client.xrevrange(stream, count=1)
        if not newest:
            return "0-0"
        entry_id = newest[0][0]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def replay(self, buffer: ConflatingBuffer, after: str) -> bool:
        """Offer ``buffer`` the updates of its streams after position ``after``; False when a
        stream no longer reaches back that far (entries may have been trimmed)."""
        complete = True
        for underlying in sorted(buffer.interest.underlyings):
            stream = bus.enriched_stream(underlying)
            complete = await self._reaches_back(stream, after) and complete
            entries: Any = await self._client.xrange(stream, min=f"({after}", max="+")
            for entry_id, fields in entries:
                update = _update(_id_text(entry_id), fields)
                if update is not None and buffer.interest.matches(update):
                    buffer.offer(update, chain_bytes=fields[b"chain"])
        return complete

    async def _reaches_back(self, stream: str, after: str) -> bool:
        """Whether ``stream`` still holds every entry after ``after``: nothing was added since,
        or its oldest entry is not newer (a capped stream drops its oldest entries)."""
        try:
            info: Any = await self._client.xinfo_stream(stream)
        except redis.exceptions.ResponseError:  # no such stream
            return False
        if bus.stream_id(info["last-generated-id"]) <= bus.stream_id(after):
            return True
        first = info.get("first-entry")
        return first is not None and bus.stream_id(first[0]) <= bus.stream_id(after)

    async def run(self) -> None:
        """Read until cancelled; a lost connection is retried, never fatal."""
        while not bus.cancel_requested():
            try:
                await self._read_once()
            except redis.exceptions.RedisError:
                if bus.cancel_requested():
                    break
                metrics.FANOUT_ERRORS.inc()
                log.exception("reading the enriched streams failed; retrying")
                await asyncio.sleep(_RETRY_SECONDS)
        raise asyncio.CancelledError  # requested, but swallowed on its way through a read

    async def _read_once(self) -> None:
        if not self._positions:
            await asyncio.sleep(_IDLE_SECONDS)
            return
        with untraced():  # a blocking poll: the entries it returns are traced, not the poll
            reply: Any = await self._client.xread(
                self._positions,  # type: ignore[arg-type]
                count=500,
                block=1000,
            )
        for stream, messages in reply or []:
            name = stream.decode() if isinstance(stream, bytes) else stream
            metrics.UPDATES_RECEIVED.labels(name).inc(len(messages))
            for entry_id, fields in messages:
                position = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                self._positions[name] = position
                self._dispatch(name, position, fields)

    def _dispatch(self, stream: str, position: str, fields: dict[bytes, bytes]) -> None:
        update = _update(position, fields)
        if update is None:
            return
        origin = span_context_of(_text(fields.get(b"tp")))
        with tracer.start_as_current_span(
            f"process {stream}",
            context=parent_context(origin),
            kind=trace.SpanKind.CONSUMER,
            links=[trace.Link(origin)] if origin else None,
            attributes={
                "messaging.system": "redis",
                "messaging.operation.type": "process",
                "messaging.destination.name": stream,
                "messaging.message.id": position,
            },
        ) as span:
            receivers = [buffer for buffer in self._buffers if buffer.interest.matches(update)]
            span.set_attribute("deltastream.subscribers", len(receivers))
            origin_here, chain_bytes = span.get_span_context(), fields[b"chain"]
            for buffer in receivers:
                buffer.offer(update, origin_here, chain_bytes)


@contextlib.contextmanager
def delivery_span(delivery: Delivery, rpc_method: str) -> Iterator[trace.Span]:
    """A SERVER span of ``rpc_method`` (``package.Service/Method``) for sending one update on a
    subscriber's stream: a child of the span the update was read in (the tick's trace), linked
    to the long-lived RPC span of the subscription. A live update's tick-to-client latency is
    observed once it has been sent.

    The span is never made current: the servicer yields inside it, and a context attached
    across a ``yield`` could be detached in another context."""
    rpc_span = trace.get_current_span().get_span_context()
    live = delivery.origin is not None and rpc_span.is_valid
    span = tracer.start_span(
        f"{rpc_method} deliver",
        context=parent_context(delivery.origin),  # None: a child of the RPC span itself
        kind=trace.SpanKind.SERVER,
        links=[trace.Link(rpc_span)] if live else None,
        attributes={
            "rpc.system": "grpc",
            "rpc.service": rpc_method.rpartition("/")[0],
            "rpc.method": rpc_method.rpartition("/")[2],
            "rpc.message.type": "SENT",
            "deltastream.chain.version": delivery.update.chain.version,
        },
    )
    try:
        yield span
        if delivery.update.stream_id:  # a live update, not a stored chain sent on subscribe
            age_ns = time.time_ns() - delivery.update.chain.timestamp_ns
            metrics.TICK_TO_CLIENT.observe(max(age_ns, 0) / 1e9)
    finally:
        span.end()


def _update(position: str, fields: dict[bytes, bytes]) -> pb.ChainUpdate | None:
    payload = fields.get(b"chain")
    if payload is None:
        return None
    update = pb.ChainUpdate(stream_id=position)
    update.chain.ParseFromString(payload)
    return update


def _id_text(entry_id: bytes | str) -> str:
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id


def _text(value: bytes | None) -> str | None:
    return value.decode("ascii", "replace") if value is not None else None
