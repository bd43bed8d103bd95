"""A consumer that lets a stream go hands its unacknowledged entries of it over: the next
consumer takes them at its next look for stale entries, not after the whole idle time."""

from __future__ import annotations

import redis

from deltastream import bus


def _reader(client: redis.Redis, stream: str, name: str) -> bus.ConsumerGroupReader:
    reader = bus.ConsumerGroupReader(client, [stream], bus.ENRICHER_GROUP, name)
    reader.ensure_group()
    return reader


def test_handed_over_entries_are_claimed_at_once_and_only_those(
    redis_client: redis.Redis, underlying: str
) -> None:
    stream, other = bus.ticks_stream(underlying), bus.ticks_stream(underlying + "X")
    for entry_id in ("1000-0", "2000-0", "3000-0"):
        redis_client.xadd(stream, {"kind": "x"}, id=entry_id)
    redis_client.xadd(other, {"kind": "x"}, id="1000-0")
    leaving = _reader(redis_client, stream, "leaving")
    _reader(redis_client, other, "leaving").read(10, 10)  # pending on a stream kept
    read = leaving.read(10, 10)
    leaving.ack(read[:1])
    next_owner = _reader(redis_client, stream, "next-owner")
    assert next_owner.claim_stale(60_000, 10) == [], "fresh entries are not claimed"

    assert leaving.hand_over_pending([stream]) == 2

    claimed = next_owner.claim_stale(60_000, 10)
    assert [(entry.stream, entry.entry_id) for entry in claimed] == [
        (stream, "2000-0"),
        (stream, "3000-0"),
    ]
    assert claimed[0].fields == {b"kind": b"x"}
    assert leaving.hand_over_pending([stream]) == 0  # nothing of it is the leaving one's now
    pending_other = redis_client.xpending(other, bus.ENRICHER_GROUP)
    assert (pending_other["pending"], pending_other["consumers"][0]["name"]) == (1, b"leaving")
