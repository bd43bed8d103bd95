"""Redis Streams: the message bus between the feed, the enricher and the APIs.

Ticks go to ``md.ticks.<UNDERLYING>``, read by the consumer group ``enricher`` (at-least-once:
an entry is acknowledged only after its result is stored); enriched chain updates go to
``md.enriched.<UNDERLYING>``; entries that cannot be decoded go, with the reason, to
``md.deadletter``. Every stream is capped (approximate ``MAXLEN``) so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import hiredis
import redis
import redis.exceptions
from opentelemetry import trace

from deltastream.market.chain import StreamPosition, position_text
from deltastream.market.codec import MalformedTick

TICKS_STREAM_PREFIX = "md.ticks."
ENRICHED_STREAM_PREFIX = "md.enriched."
DEAD_LETTER_STREAM = "md.deadletter"
DEAD_LETTER_MAX_LENGTH = 100_000
"""The dead-letter stream's cap (approximate ``MAXLEN``) unless a service sets its own."""
ENRICHER_GROUP = "enricher"

tracer = trace.get_tracer("deltastream.bus")


def ticks_stream(underlying: str) -> str:
    return f"{TICKS_STREAM_PREFIX}{underlying}"


def enriched_stream(underlying: str) -> str:
    return f"{ENRICHED_STREAM_PREFIX}{underlying}"


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One entry read from a stream."""

    stream: str
    entry_id: str
    fields: dict[bytes, bytes]

    @property
    def position(self) -> tuple[int, int]:
        """The entry id as ``(milliseconds, sequence)``, ordered as the stream orders them."""
        milliseconds, _, sequence = self.entry_id.partition("-")
        return int(milliseconds), int(sequence or 0)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An entry that could not be processed, and why; with ``tick``, only that tick of the
    entry (a batch entry whose other ticks are good)."""

    entry: StreamEntry
    reason: str
    tick: MalformedTick | None = None


@dataclass(frozen=True, slots=True)
class GroupLag:
    """How far a consumer group is behind a stream: ``entries`` not yet delivered, and
    ``seconds`` of stream time (the entry ids' milliseconds) from the last one delivered to the
    newest. Seconds mean the same whether an entry holds one tick or a whole release."""

    entries: int
    seconds: float


_MAX_SEQUENCE = 2**64 - 1

HANDED_OVER_IDLE_MS = 7 * 24 * 3600 * 1000
"""The idle time given to entries a consumer hands over: older than any claim threshold."""


def stream_id(text: bytes | str) -> StreamPosition:
    """An entry id (``<milliseconds>-<sequence>``) as a pair that compares in stream order."""
    milliseconds, _, sequence = _text(text).partition("-")
    return int(milliseconds), int(sequence or 0)


def earliest_resume_position(bound: str, waiting: Iterable[str]) -> str:
    """The latest position that is at or before ``bound`` and before every id of ``waiting``:
    reading a stream after it includes each of them. Empty when ``bound`` is unknown ("") or
    something waits without an id (""), as no position then says what is still to come."""
    waiting = list(waiting)
    if not bound or "" in waiting:
        return ""
    bounds = [stream_id(bound), *(_just_before(stream_id(entry)) for entry in waiting)]
    return position_text(min(bounds))


def _just_before(position: StreamPosition) -> StreamPosition:
    milliseconds, sequence = position
    return (milliseconds, sequence - 1) if sequence else (milliseconds - 1, _MAX_SEQUENCE)


def cancel_requested() -> bool:
    """True once the running task has been asked to stop, even when its ``CancelledError``
    never arrived: redis-py (8.1) swallows a cancellation that lands while it opens a
    connection, and a loop of blocking reads would then go on for ever. Such loops test this
    before each read, and raise ``CancelledError`` themselves when it is true."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that returns bytes (stream fields are not always text)."""
    return redis.Redis.from_url(url, decode_responses=False, health_check_interval=30)


def publish(
    client: redis.Redis,
    stream: str,
    entries: Iterable[Mapping[str, str | bytes]],
    *,
    max_length: int,
) -> list[str]:
    """Append entries to a stream in one round trip; returns their ids."""
    return append_atomically(
        client,
        [(stream, flat_fields(fields)) for fields in entries],
        max_length=max_length,
    )


FlatFields = Sequence[bytes | str]
"""An entry's fields and values in turn: ``(field, value, field, value, ...)``."""


def flat_fields(fields: Mapping[str, str | bytes]) -> list[str | bytes]:
    """An entry's mapping of fields as ``append_atomically`` takes it."""
    return [item for pair in fields.items() for item in pair]


def append_atomically(
    client: redis.Redis, entries: Sequence[tuple[str, FlatFields]], *, max_length: int
) -> list[str]:
    """Append ``(stream, fields)`` entries in one MULTI/EXEC written to the socket at once, so
    that readers see them together; returns their ids.

    This is the feed's hot path: a batch of hundreds of ticks goes out as one buffer packed by
    hiredis, where a redis-py pipeline would pack every argument in Python and the client's
    OpenTelemetry instrumentation would format every one again, together several times the
    cost of the round trip. The CLIENT span it records is the one that instrumentation would.
    """
    if not entries:
        return []
    maximum = str(max_length).encode()
    pack: Callable[[tuple[bytes | str, ...]], bytes] = hiredis.pack_command  # type: ignore[assignment] # its stub takes a 1-tuple
    buffer = b"".join(
        [
            pack((b"MULTI",)),
            *(pack((b"XADD", s, b"MAXLEN", b"~", maximum, b"*", *f)) for s, f in entries),
            pack((b"EXEC",)),
        ]
    )
    pool = client.connection_pool
    with tracer.start_as_current_span(
        "XADD",
        kind=trace.SpanKind.CLIENT,
        attributes={
            "db.system": "redis",
            "db.system.name": "redis",
            "db.operation.name": "XADD",
            "db.operation.batch.size": len(entries),
            **_server_attributes(pool.connection_kwargs),
        },
    ):
        connection = pool.get_connection()
        try:
            connection.send_packed_command([buffer])  # type: ignore[no-untyped-call]
            for _ in range(len(entries) + 1):  # OK to MULTI, QUEUED to each XADD
                connection.read_response()
            ids = connection.read_response()
        except BaseException:
            connection.disconnect()  # type: ignore[no-untyped-call] # replies may be left unread
            raise
        finally:
            pool.release(connection)
    for reply in ids:
        if isinstance(reply, redis.exceptions.ResponseError):
            raise reply  # e.g. WRONGTYPE: the key is not a stream
    return [_text(entry_id) for entry_id in ids]


def _server_attributes(connection_kwargs: Mapping[str, Any]) -> dict[str, str | int]:
    host, port = connection_kwargs.get("host"), connection_kwargs.get("port")
    if host is None or port is None:
        return {}
    return {"server.address": str(host), "server.port": int(port)}


class ConsumerGroupReader:
    """A consumer in a consumer group over several streams.

    On start it first re-reads its own pending entries (those it read but never acknowledged
    before a crash), then new ones. ``claim_stale`` takes over the entries that another,
    presumably dead, consumer left pending for longer than ``min_idle_ms``.
    """

    def __init__(
        self, client: redis.Redis, streams: Sequence[str], group: str, consumer: str
    ) -> None:
        self._client = client
        self._streams = list(streams)
        self._group = group
        self._consumer = consumer
        self._replaying_pending = dict.fromkeys(self._streams, True)

    @property
    def consumer(self) -> str:
        return self._consumer

    @property
    def client(self) -> redis.Redis:
        return self._client

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self._streams)

    def add_streams(self, streams: Iterable[str]) -> list[str]:
        """Start consuming more streams (from their first entry); returns the new ones."""
        new = [stream for stream in streams if stream not in self._replaying_pending]
        self._streams.extend(new)
        self._replaying_pending.update(dict.fromkeys(new, True))
        self._ensure_group(new)
        return new

    def set_streams(self, streams: Iterable[str]) -> None:
        """Consume exactly ``streams`` from now on (a new one starts with this consumer's own
        pending entries, if any, then new ones)."""
        wanted = list(dict.fromkeys(streams))
        self.add_streams(wanted)
        self._streams = wanted
        self._replaying_pending = {s: self._replaying_pending[s] for s in wanted}

    def replay_pending(self) -> None:
        """Read this consumer's unacknowledged entries again before new ones (after a failure)."""
        self._replaying_pending = dict.fromkeys(self._streams, True)

    def ensure_group(self) -> None:
        """Create the group on every stream (and the stream itself) if it does not exist."""
        self._ensure_group(self._streams)

    def _ensure_group(self, streams: Iterable[str]) -> None:
        for stream in streams:
            try:
                self._client.xgroup_create(stream, self._group, id="0", mkstream=True)
            except redis.exceptions.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def read(self, count: int, block_ms: int) -> list[StreamEntry]:
        """Up to ``count`` entries per stream: own pending ones first, then new ones."""
        if not self._streams:
            time.sleep(block_ms / 1000)
            return []
        pending = [s for s in self._streams if self._replaying_pending[s]]
        if pending:
            entries = self._read_group({s: "0" for s in pending}, count, block_ms=None)
            replayed = {entry.stream for entry in entries}
            for stream in pending:
                self._replaying_pending[stream] = stream in replayed
            if entries:
                return entries
        return self._read_group({s: ">" for s in self._streams}, count, block_ms)

    def claim_stale(self, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over entries idle for at least ``min_idle_ms`` in other consumers' lists."""
        claimed: list[StreamEntry] = []
        for stream in self._streams:
            reply: Any = self._client.xautoclaim(
                stream, self._group, self._consumer, min_idle_ms, start_id="0-0", count=count
            )
            claimed.extend(
                StreamEntry(stream, _text(entry_id), fields)
                for entry_id, fields in reply[1]
                if fields is not None
            )
        return claimed

    def hand_over_pending(self, streams: Iterable[str], count: int = 10_000) -> int:
        """Mark this consumer's unacknowledged entries of ``streams`` (ones it lets go) as
        long idle, so that whoever consumes those streams next takes them over at its next
        ``claim_stale`` instead of after the whole idle time; returns how many."""
        handed = 0
        for stream in streams:
            rows: list[dict[str, Any]] = self._client.xpending_range(
                stream, self._group, min="-", max="+", count=count, consumername=self._consumer
            )
            ids = [row["message_id"] for row in rows]
            if ids:
                self._client.xclaim(
                    stream,
                    self._group,
                    self._consumer,
                    0,
                    ids,
                    idle=HANDED_OVER_IDLE_MS,
                    justid=True,
                )
                handed += len(ids)
        return handed

    def ack(
        self,
        entries: Iterable[StreamEntry],
        dead_letters: Sequence[DeadLetter] = (),
        *,
        dead_letter_max_length: int = DEAD_LETTER_MAX_LENGTH,
    ) -> int:
        """Acknowledge entries; returns how many were still pending. ``dead_letters`` (of
        these entries, or of their ticks) are appended to the dead-letter stream in the same
        transaction: an entry is in that stream once it is acknowledged, and only then, so a
        redelivery never dead-letters it twice."""
        by_stream: dict[str, list[str]] = {}
        for entry in entries:
            by_stream.setdefault(entry.stream, []).append(entry.entry_id)
        if not by_stream:
            return 0
        pipe = self._client.pipeline(transaction=bool(dead_letters))
        for letter in dead_letters:
            pipe.xadd(
                DEAD_LETTER_STREAM,
                dead_letter_fields(letter, self._consumer),  # type: ignore[arg-type]
                maxlen=dead_letter_max_length,
                approximate=True,
            )
        for stream, ids in by_stream.items():
            pipe.xack(stream, self._group, *ids)
        return sum(int(n) for n in pipe.execute()[len(dead_letters) :])

    def lag(self, streams: Iterable[str] | None = None) -> dict[str, GroupLag]:
        """The group's lag on each of this consumer's streams or of ``streams`` that has the
        group (entries 0 when Redis cannot tell)."""
        result: dict[str, GroupLag] = {}
        for stream in self._streams if streams is None else streams:
            groups: list[dict[str, Any]] = self._client.xinfo_groups(stream)
            ours = [group for group in groups if _text(group["name"]) == self._group]
            if not ours:
                continue
            lag = ours[0].get("lag")  # None when Redis cannot tell
            if lag == 0:
                result[stream] = GroupLag(0, 0.0)
                continue
            info: dict[str, Any] = self._client.xinfo_stream(stream)
            newest = stream_id(info["last-generated-id"])[0]
            behind = newest - stream_id(ours[0]["last-delivered-id"])[0]
            result[stream] = GroupLag(int(lag or 0), max(behind, 0) / 1000)
        return result

    def pending(self, streams: Iterable[str] | None = None) -> dict[str, int]:
        """Entries delivered to the group but not acknowledged, per stream, of this
        consumer's streams or of ``streams``."""
        return {
            stream: int(self._client.xpending(stream, self._group)["pending"])
            for stream in (self._streams if streams is None else streams)
        }

    def _read_group(
        self, positions: dict[str, str], count: int, block_ms: int | None
    ) -> list[StreamEntry]:
        reply: Any = self._client.xreadgroup(
            self._group,
            self._consumer,
            positions,  # type: ignore[arg-type]
            count=count,
            block=block_ms,
        )
        return [
            StreamEntry(_text(stream), _text(entry_id), fields)
            for stream, messages in reply or []
            for entry_id, fields in messages
            if fields is not None
        ]


def discover_streams(client: redis.Redis, prefix: str) -> list[str]:
    """The streams whose names start with ``prefix``, e.g. every ``md.ticks.*``."""
    names = client.scan_iter(match=f"{prefix}*", count=1000, _type="stream")
    return sorted(_text(name) for name in names)


def dead_letter_fields(letter: DeadLetter, consumer: str) -> dict[str, bytes]:
    """The dead-letter entry: where it came from, why, and the original fields under ``f.``.

    A tick of a batch entry is dead-lettered alone: ``source_index`` is its place in the batch,
    and its fields are those of an entry of that one tick in the message form (``f.kind``,
    ``f.pb`` and the batch's ``f.tp``), so that it can be fixed and appended again as it is.
    """
    fields: dict[str, bytes] = {
        "source_stream": letter.entry.stream.encode(),
        "source_id": letter.entry.entry_id.encode(),
        "reason": letter.reason.encode(),
        "consumer": consumer.encode(),
    }
    original = letter.entry.fields
    if letter.tick is not None:
        fields["source_index"] = str(letter.tick.index).encode()
        original = {b"kind": letter.tick.kind, b"pb": letter.tick.message}
        if b"tp" in letter.entry.fields:
            original[b"tp"] = letter.entry.fields[b"tp"]
    for name, value in original.items():
        fields["f." + name.decode("utf-8", "backslashreplace")] = value
    return fields


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
