"""What is waiting to be sent to one WebSocket client, bounded whatever its speed.

Chains conflate: a chain holds one pending update, the newest, and chains are sent oldest
first, so a slow client gets the latest state of each chain rather than a backlog, and a chain
never goes backwards for it (an update at or below a version pending or sent is dropped). At
most ``max_chains`` chains wait. Alert events do not conflate (each one matters): at most
``max_alerts`` wait, and the oldest is dropped beyond that. Replies to the client's own
messages go first.

A chain update taken out carries in ``resume_from`` where the client would resume to miss
nothing: at or before every update still waiting here, and not after MarketData's own
position for what the gateway has not received yet (``upstream_resume_from``, from the newest
update received).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable

from deltastream import bus
from deltastream.gateway import metrics
from deltastream.gateway.live.protocol import ServerMessage
from deltastream.v1 import alerts_pb2, market_data_pb2

ChainKey = tuple[str, str]
Outgoing = ServerMessage | market_data_pb2.ChainUpdate | alerts_pb2.AlertEvent


class Outbox:
    def __init__(self, max_chains: int, max_alerts: int) -> None:
        self._max_chains = max_chains
        self._max_alerts = max_alerts
        self._chains: OrderedDict[ChainKey, market_data_pb2.ChainUpdate] = OrderedDict()
        self._sent_versions: dict[ChainKey, int] = {}
        self._alerts: deque[alerts_pb2.AlertEvent] = deque()
        self._replies: deque[ServerMessage] = deque()
        self._ready = asyncio.Event()
        self.conflated = 0
        self.alerts_dropped = 0
        self.chains_refused = 0
        self.upstream_resume_from = ""

    def __len__(self) -> int:
        return len(self._chains) + len(self._alerts) + len(self._replies)

    @property
    def pending_chains(self) -> int:
        return len(self._chains)

    def reply(self, message: ServerMessage) -> None:
        self._replies.append(message)
        self._ready.set()

    def offer_chain(self, update: market_data_pb2.ChainUpdate) -> None:
        key = (update.chain.underlying, update.chain.expiry)
        version = update.chain.version
        pending = self._chains.get(key)
        if version <= self._sent_versions.get(key, -1) or (
            pending is not None and version <= pending.chain.version
        ):
            return
        if pending is not None:
            self.conflated += 1
            metrics.WEBSOCKET_CONFLATED.inc()
        elif len(self._chains) >= self._max_chains:
            self.chains_refused += 1
            return
        self._chains[key] = update
        self._ready.set()

    def offer_alert(self, event: alerts_pb2.AlertEvent) -> None:
        if len(self._alerts) >= self._max_alerts:
            self._alerts.popleft()
            self.alerts_dropped += 1
            metrics.WEBSOCKET_ALERTS_DROPPED.inc()
        self._alerts.append(event)
        self._ready.set()

    def retain(self, wanted: Callable[[ChainKey], bool]) -> None:
        """Forget the chains no longer followed: pending updates and the versions sent."""
        for key in [key for key in self._chains if not wanted(key)]:
            del self._chains[key]
        for key in [key for key in self._sent_versions if not wanted(key)]:
            del self._sent_versions[key]

    async def take(self) -> Outgoing:
        """The next thing to send: a reply, else an alert, else the oldest pending chain."""
        while not (self._replies or self._alerts or self._chains):
            self._ready.clear()
            await self._ready.wait()
        if self._replies:
            return self._replies.popleft()
        if self._alerts:
            return self._alerts.popleft()
        key, update = self._chains.popitem(last=False)
        self._sent_versions[key] = update.chain.version
        update.resume_from = self._resume_position()
        return update

    def _resume_position(self) -> str:
        return bus.earliest_resume_position(
            self.upstream_resume_from, (pending.stream_id for pending in self._chains.values())
        )
