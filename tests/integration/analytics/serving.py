"""A gRPC service's ``create_server`` run on its own event loop in a background thread, so a
test talks to it through blocking stubs over a real socket, as a desk's client would."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

START_SECONDS = 30.0
T = TypeVar("T")


class Running(Protocol):
    @property
    def port(self) -> int: ...

    async def stop(self, grace: float) -> None: ...


class ServerThread:
    """A started server on its own loop; ``stop`` ends every call and the loop."""

    def __init__(self, start: Coroutine[Any, Any, Running]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="grpc-server")
        self._thread.start()
        self._running: Running | None = self.call(start)
        self.target = f"127.0.0.1:{self._running.port}"

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(START_SECONDS)

    def stop(self) -> None:
        if self._running is None:
            return
        running, self._running = self._running, None
        self.call(running.stop(0))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_SECONDS)
        self._loop.close()
