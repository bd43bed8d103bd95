"""The gRPC services and the gateway, each as its real ``create_server``/``create_app`` on one
event loop in a background thread, so tests reach them over real sockets with blocking
clients (HTTP, WebSocket, gRPC) as a browser or a desk's script would."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import uvicorn
from fastapi import FastAPI

START_SECONDS = 30.0
T = TypeVar("T")


class Running(Protocol):
    @property
    def port(self) -> int: ...

    async def stop(self, grace: float) -> None: ...


@dataclass
class RunningApp:
    """An application served by uvicorn on a free port."""

    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    async def stop(self, grace: float) -> None:
        self.server.should_exit = True
        await self.task


async def serve_app(app: FastAPI, send_buffer: int | None = None) -> RunningApp:
    """Serve ``app`` on a free port; with ``send_buffer``, every connection's kernel send
    buffer is that small (a client that stops reading is felt after kilobytes, not megabytes)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    listener.bind(("127.0.0.1", 0))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port: int = server.servers[0].sockets[0].getsockname()[1]
    return RunningApp(server, task, port)


class LoopThread:
    """An event loop in a thread; ``start`` runs a server's start there and keeps it for
    ``stop``, which stops the servers in reverse order and then the loop."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="servers")
        self._thread.start()
        self._running: list[Running] = []

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(START_SECONDS)

    def start(self, coroutine: Coroutine[Any, Any, Running]) -> int:
        """Start a server; returns its port."""
        running = self.call(coroutine)
        self._running.append(running)
        return running.port

    def stop(self) -> None:
        for running in reversed(self._running):
            self.call(running.stop(0))
        self._running.clear()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_SECONDS)
        self._loop.close()
