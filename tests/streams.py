"""Reading streams in tests: XRANGE and XREVRANGE as typed lists of ``(id, fields)``.

redis-py types a range reply as optional entries of optional ids and fields of bytes or text;
the tests' clients return bytes (``bus.connect``), and every entry a range returns has both.
"""

from __future__ import annotations

from typing import Any

import redis

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
