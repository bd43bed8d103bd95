"""A WebSocket client of the gateway's feed for tests: a real connection (``websockets``),
JSON messages, and waiting for the next message of a kind."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.integration.gateway.conftest import Platform

WAIT_SECONDS = 15.0
Message = dict[str, Any]


def feed_url(platform: Platform) -> str:
    return platform.url.replace("http://", "ws://") + "/api/v1/ws"


class FeedClient:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    def send(self, **message: Any) -> None:
        self.connection.send(json.dumps(message))

    def receive(self, timeout: float = WAIT_SECONDS) -> Message:
        message: Message = json.loads(self.connection.recv(timeout=timeout))
        return message

    def expect(self, kind: str, matches: Callable[[Message], bool] = lambda _: True) -> Message:
        """The next message of type ``kind`` that ``matches`` (others are skipped)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            if message["type"] == kind and matches(message):
                return message
        raise AssertionError(f"no {kind} message within {WAIT_SECONDS} s")

    def subscribe(self, underlying: str, *expiries: str, **extra: Any) -> Message:
        self.send(type="subscribe", underlyings=[underlying], expiries=list(expiries), **extra)
        return self.expect("subscribed")


@contextmanager
def feed(
    platform: Platform,
    token: str | None = None,
    *,
    subprotocols: list[str] | None = None,
    receive_buffer: int | None = None,
    max_queue: int = 16,
) -> Iterator[FeedClient]:
    """A connection that sends ``token`` as its first message (when given); with
    ``receive_buffer``, its socket's receive buffer is that small, so a client that stops
    reading pushes back on the server after a few kilobytes."""
    sock = None
    if receive_buffer is not None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        host, port = platform.url.removeprefix("http://").split(":")
        sock.connect((host, int(port)))
    with connect(
        feed_url(platform),
        sock=sock,
        subprotocols=subprotocols,  # type: ignore[arg-type]
        max_queue=max_queue,
        open_timeout=WAIT_SECONDS,
    ) as connection:
        client = FeedClient(connection)
        if token is not None:
            client.send(type="auth", token=token)
        yield client
