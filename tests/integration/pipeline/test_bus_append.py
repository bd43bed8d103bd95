"""``bus.append_atomically``, the feed's packed MULTI/EXEC of XADDs, on a real Valkey."""

from __future__ import annotations

import pytest
import redis
import redis.exceptions

from deltastream import bus
from tests.streams import stream_entries


def test_entries_land_in_order_on_their_streams_with_the_returned_ids(
    redis_client: redis.Redis, underlying: str
) -> None:
    first, second = bus.ticks_stream(underlying), bus.ticks_stream(underlying + "X")
    entries: list[tuple[str, bus.FlatFields]] = [
        (first, ["kind", "u", "px", "1.5"]),
        (second, [b"kind", b"q", b"raw", b"\x00\xff"]),
        (first, ["kind", "u", "px", "2.5"]),
    ]

    ids = bus.append_atomically(redis_client, entries, max_length=1000)

    assert len(ids) == 3
    assert [bus.stream_id(i) for i in ids] == sorted(bus.stream_id(i) for i in ids)
    on_first = stream_entries(redis_client, first)
    assert [entry_id for entry_id, _ in on_first] == [ids[0], ids[2]]
    assert [fields[b"px"] for _, fields in on_first] == [b"1.5", b"2.5"]
    assert stream_entries(redis_client, second) == [(ids[1], {b"kind": b"q", b"raw": b"\x00\xff"})]


def test_streams_stay_capped(redis_client: redis.Redis, underlying: str) -> None:
    stream = bus.ticks_stream(underlying)
    entries: list[tuple[str, bus.FlatFields]] = [(stream, ["n", str(n)]) for n in range(2000)]

    bus.append_atomically(redis_client, entries, max_length=100)

    assert redis_client.xlen(stream) < 500  # approximate MAXLEN trims whole nodes


def test_a_failed_transaction_raises_and_leaves_the_client_usable(
    redis_client: redis.Redis, underlying: str
) -> None:
    not_a_stream = f"plain-key-{underlying}"
    redis_client.set(not_a_stream, "x")
    stream = bus.ticks_stream(underlying)

    with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
        bus.append_atomically(
            redis_client, [(stream, ["n", "1"]), (not_a_stream, ["n", "2"])], max_length=100
        )
    with pytest.raises(redis.exceptions.ResponseError):
        bus.append_atomically(redis_client, [(stream, ["odd"])], max_length=100)  # no value

    assert redis_client.get(not_a_stream) == b"x"  # no reply left unread on a pooled connection
    assert bus.append_atomically(redis_client, [(stream, ["n", "3"])], max_length=100)
    assert [fields for _, fields in stream_entries(redis_client, stream)][-1] == {b"n": b"3"}
    assert bus.append_atomically(redis_client, [], max_length=100) == []
