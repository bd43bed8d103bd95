"""Fan-out of enriched chain updates to live subscribers, with conflation.

One task reads the ``md.enriched.*`` streams and hands each update to every interested
subscriber's ``ConflatingBuffer``. A buffer holds at most one update per chain (the newest), so
a slow subscriber gets the latest state of each chain instead of a growing backlog, its memory is
bounded by the number of chains, and it never delays the reader or the other subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import redis.asyncio
import redis.exceptions

from deltastream import bus
from deltastream.v1 import market_data_pb2 as pb

log = logging.getLogger(__name__)

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


class ConflatingBuffer:
    """The pending updates of one subscriber: the newest per chain, oldest chain first."""

    def __init__(self, interest: Interest) -> None:
        self.interest = interest
        self._updates: OrderedDict[tuple[str, str], pb.ChainUpdate] = OrderedDict()
        self._ready = asyncio.Event()
        self.conflated = 0

    def __len__(self) -> int:
        return len(self._updates)

    def offer(self, update: pb.ChainUpdate) -> None:
        key = (update.chain.underlying, update.chain.expiry)
        current = self._updates.get(key)
        if current is not None:
            if current.chain.version >= update.chain.version:
                return
            self.conflated += 1
        self._updates[key] = update
        self._ready.set()

    async def take(self) -> pb.ChainUpdate:
        """The oldest pending chain's newest update; waits while there is none."""
        while not self._updates:
            self._ready.clear()
            await self._ready.wait()
        _, update = self._updates.popitem(last=False)
        return update


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
        buffer = ConflatingBuffer(interest)
        for underlying in interest.underlyings:
            self._positions.setdefault(bus.enriched_stream(underlying), "$")
        self._buffers.add(buffer)
        try:
            yield buffer
        finally:
            self._buffers.discard(buffer)

    async def run(self) -> None:
        """Read until cancelled; a lost connection is retried, never fatal."""
        while True:
            try:
                await self._read_once()
            except redis.exceptions.RedisError:
                log.exception("reading the enriched streams failed; retrying")
                await asyncio.sleep(_RETRY_SECONDS)

    async def _read_once(self) -> None:
        if not self._positions:
            await asyncio.sleep(_IDLE_SECONDS)
            return
        reply: Any = await self._client.xread(
            self._positions,  # type: ignore[arg-type]
            count=500,
            block=1000,
        )
        for stream, messages in reply or []:
            name = stream.decode() if isinstance(stream, bytes) else stream
            for entry_id, fields in messages:
                position = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                self._positions[name] = position
                self._dispatch(position, fields)

    def _dispatch(self, position: str, fields: dict[bytes, bytes]) -> None:
        payload = fields.get(b"chain")
        if payload is None:
            return
        update = pb.ChainUpdate(stream_id=position)
        update.chain.ParseFromString(payload)
        for buffer in self._buffers:
            if buffer.interest.matches(update):
                buffer.offer(update)
