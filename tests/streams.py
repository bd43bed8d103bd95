"""Reading streams in tests: XRANGE and XREVRANGE as typed lists of ``(id, fields)``.

redis-py types a range reply as optional entries of optional ids and fields of bytes or text;
the tests' clients return bytes (``bus.connect``), and every entry a range returns has both.
"""

from __future__ import annotations

from typing import Any

import redis

from deltastream.market.codec import decode_entry

Entry = tuple[str, dict[bytes, bytes]]


def stream_entries(client: redis.Redis, stream: str, first: str = "-") -> list[Entry]:
    """The entries of ``stream`` from position ``first`` (every one by default), oldest first."""
    reply: Any = client.xrange(stream, min=first)
    return [(entry_id.decode(), fields) for entry_id, fields in reply]


def newest_entry_id(client: redis.Redis, stream: str) -> str:
    """The id of the newest entry of ``stream``; AssertionError when it has none."""
    reply: Any = client.xrevrange(stream, count=1)
    assert reply, f"{stream} has no entry"
    entry_id: bytes = reply[0][0]
    return entry_id.decode()


def stream_ticks(client: redis.Redis, stream: str) -> int:
    """The ticks in the entries of the tick stream ``stream`` (an entry may hold many)."""
    count = 0
    for _, fields in stream_entries(client, stream):
        ticks = decode_entry(fields)
        count += len(ticks.quotes) + len(ticks.underlying_ticks) + len(ticks.malformed)
    return count


def stream_quotes(client: redis.Redis, stream: str) -> int:
    """The option quotes in the entries of the tick stream ``stream``."""
    return sum(len(decode_entry(fields).quotes) for _, fields in stream_entries(client, stream))
