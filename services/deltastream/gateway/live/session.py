"""One WebSocket client from its authentication to its close.

The client authenticates with its first message (or the ``bearer.<token>`` subprotocol), as a
viewer. Each subscription change restarts the two upstream calls that feed the connection,
MarketData ``Subscribe`` and Alerts ``StreamEvents``, with the caller's credential; alert
events resume after the last one delivered, so a restart neither loses nor repeats one. A
subscribe may carry the positions a reconnecting client last received (``resume_from`` for
alerts, ``chains_resume_from`` for chains); the calls then resume from there. The
upstream calls, the client's messages and the sending run as separate tasks that meet only at
the ``Outbox``: a client that does not read holds up nobody but itself, and what waits for it
is bounded. The connection closes when the access token expires unless the client sends a
fresh one (``{"type": "auth", ...}`` again).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Callable, Iterable

import grpc
from fastapi import WebSocket, WebSocketDisconnect
from opentelemetry import trace

from deltastream.auth import Admission
from deltastream.errors import InvalidArgumentError
from deltastream.gateway import metrics
from deltastream.gateway.errors import split_field
from deltastream.gateway.live import protocol
from deltastream.gateway.live.credentials import Closing, Credentials
from deltastream.gateway.live.interest import Interest
from deltastream.gateway.live.outbox import Outbox, Outgoing
from deltastream.gateway.schemas.alerts import alert_event
from deltastream.gateway.schemas.auth import RoleLabel
from deltastream.gateway.schemas.market import chain_snapshot
from deltastream.gateway.settings import GatewaySettings
from deltastream.gateway.upstreams import Upstreams
from deltastream.telemetry import context_from_traceparent
from deltastream.v1 import alerts_pb2, market_data_pb2

tracer = trace.get_tracer("deltastream.gateway")
LIVE_PATH = "/api/v1/ws"

RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
_GIVE_UP = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNAUTHENTICATED,
    }
)


class LiveSession:
    def __init__(
        self,
        websocket: WebSocket,
        admission: Admission,
        upstreams: Upstreams,
        settings: GatewaySettings,
    ) -> None:
        self._websocket = websocket
        self._upstreams = upstreams
        self._settings = settings
        self.credentials = Credentials(admission)
        self.outbox = Outbox(settings.websocket_max_chains, settings.websocket_max_alerts)
        self.interest = Interest()
        self._alerts_position = ""
        self._chains_position = ""
        self._feeds: list[asyncio.Task[None]] = []

    async def run(self) -> None:
        """Serve the client until it leaves, its token expires or the gateway stops."""
        try:
            await self._start()
            await self._serve()
        except Closing as closing:
            await self._close(closing.code, closing.reason)
        except WebSocketDisconnect:
            pass
        finally:
            await _cancel(self._feeds)

    async def _start(self) -> None:
        offered = list(self._websocket.scope.get("subprotocols", []))
        await self._websocket.accept(
            protocol.SUBPROTOCOL if protocol.SUBPROTOCOL in offered else None
        )
        token = next(
            (
                p.removeprefix(protocol.BEARER_SUBPROTOCOL_PREFIX)
                for p in offered
                if p.startswith(protocol.BEARER_SUBPROTOCOL_PREFIX)
            ),
            None,
        )
        first = protocol.Auth(type="auth", token=token) if token else await self._first_message()
        principal = await self.credentials.admit(first)
        roles = [RoleLabel(role.label) for role in sorted(principal.roles)]
        self.outbox.reply(protocol.Ready(subject=principal.subject, roles=roles))

    async def _first_message(self) -> protocol.Auth:
        try:
            text = await asyncio.wait_for(
                self._websocket.receive_text(), self._settings.websocket_auth_timeout_seconds
            )
        except TimeoutError:
            raise Closing(protocol.CLOSE_AUTH_TIMEOUT, "authenticate first") from None
        message = protocol.parse(text)
        if not isinstance(message, protocol.Auth):
            raise Closing(protocol.CLOSE_UNAUTHENTICATED, "the first message must be auth")
        return message

    async def _serve(self) -> None:
        tasks = [
            asyncio.create_task(self._send(), name="ws-send"),
            asyncio.create_task(self._receive(), name="ws-receive"),
            asyncio.create_task(self._watch_expiry(), name="ws-expiry"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            await _cancel(tasks)

    async def _send(self) -> None:
        while True:
            item = await self.outbox.take()
            kind, text = encode(item)
            with _push_span(item, kind):
                await self._websocket.send_text(text)
            metrics.WEBSOCKET_MESSAGES.labels(kind).inc()

    async def _receive(self) -> None:
        while True:
            message = protocol.parse(await self._websocket.receive_text())
            if isinstance(message, protocol.ErrorMessage):
                self.outbox.reply(message)
            elif isinstance(message, protocol.Auth):
                await self.credentials.admit(message)
            elif isinstance(message, protocol.Ping):
                self.outbox.reply(protocol.Pong())
            else:
                self._change(message)

    def _change(self, message: protocol.Subscribe | protocol.Unsubscribe) -> None:
        chains_position = ""
        try:
            if isinstance(message, protocol.Subscribe):
                interest = self.interest.adding(
                    message.underlyings, message.expiries, self._settings.websocket_max_chains
                )
                self._alerts_position = message.resume_from or self._alerts_position
                chains_position = message.chains_resume_from or ""
            else:
                interest = self.interest.removing(message.underlyings, message.expiries)
        except InvalidArgumentError as exc:
            self.outbox.reply(
                protocol.ErrorMessage(code="INVALID_ARGUMENT", message=exc.message, field=exc.field)
            )
            return
        self._follow(interest, chains_position)

    def _follow(self, interest: Interest, chains_position: str) -> None:
        """Restart the upstream calls for ``interest``: the chains from ``chains_position`` (a
        client's last position after a reconnect), or from the stored chains when it is empty;
        a restart after a failure resumes from the last position received."""
        for task in self._feeds:
            task.cancel()
        self.interest = interest
        self._chains_position = chains_position
        self.outbox.upstream_resume_from = ""  # until the new call's first update
        self.outbox.retain(lambda key: interest.wants(*key))
        pairs = sorted(interest.pairs)
        self.outbox.reply(protocol.Subscribed(subscriptions=pairs))
        if not pairs:
            self._feeds = []
            return
        self._feeds = [
            asyncio.create_task(self._feed("chains", self._chains), name="ws-chains"),
            asyncio.create_task(self._feed("alerts", self._alerts), name="ws-alerts"),
        ]

    async def _chains(self) -> AsyncGenerator[None, None]:
        interest = self.interest
        request = interest.chains_request()
        request.resume_from = self._chains_position  # nothing missed across a restart
        updates = self._upstreams.marketdata.subscribe(request, self.credentials.metadata)
        async with contextlib.aclosing(updates):
            async for update in updates:
                self._chains_position = update.resume_from  # "": restart from stored chains
                self.outbox.upstream_resume_from = update.resume_from
                if interest.wants(update.chain.underlying, update.chain.expiry):
                    self.outbox.offer_chain(update)
                yield None

    async def _alerts(self) -> AsyncGenerator[None, None]:
        request = self.interest.alerts_request(self._alerts_position)
        events = self._upstreams.alerts.stream_events(request, self.credentials.metadata)
        async with contextlib.aclosing(events):
            async for event in events:
                self._alerts_position = event.stream_id or self._alerts_position
                self.outbox.offer_alert(event)
                yield None

    async def _feed(self, name: str, stream: Callable[[], AsyncGenerator[None, None]]) -> None:
        """Run an upstream call, again after a failure it may recover from (with back-off);
        a refusal is reported to the client and ends this feed."""
        attempt = 0
        while True:
            try:
                async with contextlib.aclosing(stream()) as items:
                    async for _ in items:
                        attempt = 0
            except grpc.aio.AioRpcError as error:
                code = error.code()
                field, text = split_field(code, error.details() or code.name)
                self.outbox.reply(
                    protocol.ErrorMessage(code=code.name, message=f"{name}: {text}", field=field)
                )
                if code in _GIVE_UP:
                    return
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1

    async def _watch_expiry(self) -> None:
        while (left := self.credentials.expires_at - time.time()) > 0:
            await asyncio.sleep(min(left, 60.0))
        raise Closing(protocol.CLOSE_UNAUTHENTICATED, "access token expired")

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await self._websocket.send_text(
                protocol.ErrorMessage(
                    code=_CLOSE_STATUS.get(code, "INTERNAL"), message=reason
                ).model_dump_json()
            )
            await self._websocket.close(code, reason[:120])


_CLOSE_STATUS = {
    protocol.CLOSE_UNAUTHENTICATED: "UNAUTHENTICATED",
    protocol.CLOSE_FORBIDDEN: "PERMISSION_DENIED",
    protocol.CLOSE_AUTH_TIMEOUT: "UNAUTHENTICATED",
    protocol.CLOSE_RATE_LIMITED: "RESOURCE_EXHAUSTED",
    protocol.CLOSE_TRY_AGAIN: "UNAVAILABLE",
}


def _push_span(item: Outgoing, kind: str) -> contextlib.AbstractContextManager[object]:
    """A SERVER span for pushing a chain update, in the trace of the tick that made it (the
    update's traceparent, from MarketData's delivery); other messages are not traced."""
    if not isinstance(item, market_data_pb2.ChainUpdate) or not item.traceparent:
        return contextlib.nullcontext()
    return tracer.start_as_current_span(
        f"WebSocket {LIVE_PATH} push",
        context=context_from_traceparent(item.traceparent),
        kind=trace.SpanKind.SERVER,
        attributes={
            "deltastream.message.type": kind,
            "deltastream.chain.version": item.chain.version,
            "messaging.message.id": item.stream_id,
        },
    )


def encode(item: Outgoing) -> tuple[str, str]:
    """The message type and the JSON text of something to send."""
    if isinstance(item, market_data_pb2.ChainUpdate):
        message: protocol.ServerMessage = protocol.ChainMessage(
            stream_id=item.stream_id, resume_from=item.resume_from, chain=chain_snapshot(item.chain)
        )
    elif isinstance(item, alerts_pb2.AlertEvent):
        message = protocol.AlertMessage(event=alert_event(item))
    else:
        message = item
    return message.type, message.model_dump_json()


async def _cancel(tasks: Iterable[asyncio.Task[None]]) -> None:
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
