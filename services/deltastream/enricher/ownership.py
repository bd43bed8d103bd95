"""Which enricher replica consumes which tick stream.

Replicas share one consumer group, so without more any of them may read any entry of any
stream, and every chain would be written by every replica: their copies go stale, their
conditional writes lose races, and each lost race costs a reload and a replay. So each
replica consumes only the streams it owns. Ownership needs no coordination beyond two shared
facts in Redis: the live replicas (each renews its heartbeat in a sorted set and reads those
heard from within ``ttl``) and the number of chains each stream carries (its owner reports
it), which is what a stream costs the enricher, batch after batch. Every replica deals the
streams the same way (heaviest first, each to the replica with the least chains so far), so
they all reach the same answer: NIFTY's five weekly and monthly expiries on one replica,
BANKNIFTY's and FINNIFTY's two each on the other, where dealing by count would give one
replica seven chains and the other two.

While replicas come or go, or a count changes, their views may differ for a heartbeat or two,
and a stream may have two readers (the optimistic concurrency of the stored chains keeps that
correct) or none (its entries wait, and those a departed replica left pending are claimed
after ``claim_idle_ms``). A replica stores and acknowledges what it read of a stream before it
lets the stream go, and hands over what it must read again (entries whose chain lost a race to
another replica): the next owner claims those at its next look for stale entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import redis

MEMBERS_KEY = "enricher:members"
"""The live replicas; ``<key>:chains`` holds the chains of each stream."""


def owned_streams(
    streams: Iterable[str],
    replicas: Iterable[str],
    me: str,
    weights: Mapping[str, int] | None = None,
) -> list[str]:
    """The streams ``me`` consumes, sorted: every stream dealt, heaviest first, to the replica
    with the least weight so far (the first in name order on a tie); ``weights`` are the
    chains each stream carries, 1 where not known. With equal weights this deals the sorted
    streams round-robin to the sorted replicas. ``me`` counts as a replica even if not
    listed."""
    dealt = sorted(set(replicas) | {me})
    weights = weights or {}
    loads = dict.fromkeys(dealt, 0)
    mine = []
    for stream in sorted(set(streams), key=lambda name: (-_weight(weights, name), name)):
        owner = min(dealt, key=lambda replica: loads[replica])  # the first of the least loaded
        loads[owner] += _weight(weights, stream)
        if owner == me:
            mine.append(stream)
    return sorted(mine)


def _weight(weights: Mapping[str, int], stream: str) -> int:
    return max(weights.get(stream, 1), 1)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    alive: list[str]
    """The replicas heard from within the TTL."""
    chains: dict[str, int]
    """The chains of each stream, as its owner last reported them."""


class Membership:
    """This replica's heartbeat, and the replicas alive, in one Redis sorted set."""

    def __init__(
        self, client: redis.Redis, me: str, ttl_seconds: float, key: str = MEMBERS_KEY
    ) -> None:
        self._client = client
        self.me = me
        self._ttl_ms = int(ttl_seconds * 1000)
        self._key = key
        self._weights_key = f"{key}:chains"

    def beat(self, now_ms: int, chains: Mapping[str, int]) -> Heartbeat:
        """Renew this replica's heartbeat and report the chains of the streams it consumes,
        in one round trip; returns the replicas alive (``me`` among them) and every stream's
        last reported count."""
        pipe = self._client.pipeline(transaction=False)
        pipe.zadd(self._key, {self.me: now_ms})
        pipe.zremrangebyscore(self._key, "-inf", now_ms - 10 * self._ttl_ms)  # long gone
        if chains:
            pipe.hset(self._weights_key, mapping=dict(chains))  # type: ignore[arg-type]
        pipe.zrangebyscore(self._key, now_ms - self._ttl_ms, "+inf")
        pipe.hgetall(self._weights_key)
        *_, alive, counts = pipe.execute()
        return Heartbeat(
            alive=[_text(member) for member in alive],
            chains={_text(stream): int(count) for stream, count in counts.items()},
        )

    def leave(self) -> None:
        """Take this replica off the list at once, so that the others take its streams."""
        self._client.zrem(self._key, self.me)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
