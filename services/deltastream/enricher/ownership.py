"""Which enricher replica consumes which tick stream.

Replicas share one consumer group, so without more any of them may read any entry of any
stream, and every chain would be written by every replica: their copies go stale, their
conditional writes lose races, and each lost race costs a reload and a replay. So each
replica consumes only the streams it owns. Ownership needs no coordination beyond a list of
live replicas: each replica renews its heartbeat in a Redis sorted set, reads the live ones
(those heard from within ``ttl``), and deals the sorted streams round-robin to the sorted
replicas, which gives every replica the same answer.

While replicas come or go their views may differ for a heartbeat or two, and a stream may
have two readers (the optimistic concurrency of the stored chains keeps that correct) or
none (its entries wait, and those a departed replica left pending are claimed after
``claim_idle_ms``). A replica stores and acknowledges what it read of a stream before it lets
the stream go.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis

MEMBERS_KEY = "enricher:members"


def owned_streams(streams: Iterable[str], replicas: Iterable[str], me: str) -> list[str]:
    """The streams ``me`` consumes: the sorted streams dealt round-robin to the sorted
    replicas (``me`` counts as one even if not listed)."""
    dealt = sorted(set(replicas) | {me})
    position, count = dealt.index(me), len(dealt)
    return [
        stream for index, stream in enumerate(sorted(set(streams))) if index % count == position
    ]


class Membership:
    """This replica's heartbeat, and the replicas alive, in one Redis sorted set."""

    def __init__(
        self, client: redis.Redis, me: str, ttl_seconds: float, key: str = MEMBERS_KEY
    ) -> None:
        self._client = client
        self.me = me
        self._ttl_ms = int(ttl_seconds * 1000)
        self._key = key

    def beat(self, now_ms: int) -> list[str]:
        """Renew this replica's heartbeat; returns the replicas alive (``me`` among them)."""
        pipe = self._client.pipeline(transaction=False)
        pipe.zadd(self._key, {self.me: now_ms})
        pipe.zremrangebyscore(self._key, "-inf", now_ms - 10 * self._ttl_ms)  # long gone
        pipe.zrangebyscore(self._key, now_ms - self._ttl_ms, "+inf")
        alive = pipe.execute()[-1]
        return [m.decode() if isinstance(m, bytes) else str(m) for m in alive]

    def leave(self) -> None:
        """Take this replica off the list at once, so that the others take its streams."""
        self._client.zrem(self._key, self.me)
