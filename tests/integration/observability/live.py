"""The gateway and the Alerts service of the platform run, as a client sees them: a WebSocket
feed of the gateway (``websockets``), REST calls, and an alert rule that fires on the run's
first chain."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import httpx
from websockets.sync.client import ClientConnection, connect

from deltastream.v1 import alerts_pb2, alerts_pb2_grpc
from tests.conftest import Metadata

WAIT_SECONDS = 30.0
Message = dict[str, Any]


class LiveFeed:
    """One WebSocket connection to the gateway's ``/api/v1/ws``, reading JSON messages."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection

    def send(self, **message: Any) -> None:
        self._connection.send(json.dumps(message))

    def expect(self, kind: str) -> Message:
        """The next message of type ``kind`` (others are skipped); an ``error`` fails."""
        deadline = time.monotonic() + WAIT_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            message: Message = json.loads(self._connection.recv(timeout=left))
            assert message["type"] != "error" or kind == "error", message
            if message["type"] == kind:
                return message
        raise AssertionError(f"no {kind} message within {WAIT_SECONDS} s")


@contextmanager
def live_feed(http_port: int, token: str, underlying: str) -> Iterator[LiveFeed]:
    """A feed authenticated with ``token`` and subscribed to every expiry of ``underlying``."""
    url = f"ws://127.0.0.1:{http_port}/api/v1/ws"
    with connect(url, open_timeout=WAIT_SECONDS, max_queue=64) as connection:
        feed = LiveFeed(connection)
        feed.send(type="auth", token=token)
        feed.expect("ready")
        feed.send(type="subscribe", underlyings=[underlying])
        feed.expect("subscribed")
        yield feed


def http_status(http_port: int, path: str, token: str | None = None) -> int:
    """The status of ``GET path`` on the gateway."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(f"http://127.0.0.1:{http_port}{path}", headers=headers, timeout=10).status_code


def answers(http_port: int) -> bool:
    """Whether the gateway answers its liveness route yet."""
    try:
        return http_status(http_port, "/healthz") == 200
    except httpx.TransportError:
        return False


def create_price_rule(alerts_target: str, metadata: Metadata, underlying: str) -> None:
    """A rule that fires on the first chain of ``underlying`` (any positive price is above)."""
    rule = alerts_pb2.RuleSpec(
        kind=alerts_pb2.RULE_KIND_PRICE,
        underlying=underlying,
        threshold=1.0,
        direction=alerts_pb2.ALERT_DIRECTION_ABOVE,
    )
    with grpc.insecure_channel(alerts_target) as channel:
        stub = alerts_pb2_grpc.AlertsStub(channel)  # type: ignore[no-untyped-call]
        stub.CreateRule(alerts_pb2.CreateRuleRequest(rule=rule), metadata=metadata, timeout=10)
