"""Run the Auth gRPC service: ``python -m deltastream.auth``."""

from __future__ import annotations

import asyncio
import logging

from deltastream.auth.server import create_server
from deltastream.auth.settings import AuthSettings
from deltastream.runtime import start_service

log = logging.getLogger("deltastream.auth")


async def serve(settings: AuthSettings) -> None:
    stop = start_service("auth", settings)
    running = await create_server(settings)
    log.info("auth listening", extra={"port": running.port})
    await asyncio.to_thread(stop.wait)
    await running.stop(settings.shutdown_grace_seconds)
    log.info("auth stopped")


def main() -> None:
    asyncio.run(serve(AuthSettings()))


if __name__ == "__main__":
    main()
