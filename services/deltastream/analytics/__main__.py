"""Run the Analytics gRPC service: ``python -m deltastream.analytics``."""

from __future__ import annotations

import asyncio
import logging

from deltastream.analytics.server import create_server
from deltastream.analytics.settings import AnalyticsSettings
from deltastream.runtime import start_service

log = logging.getLogger("deltastream.analytics")


async def serve(settings: AnalyticsSettings) -> None:
    stop = start_service("analytics", settings)
    running = await create_server(settings)
    log.info("analytics listening", extra={"port": running.port})
    await asyncio.to_thread(stop.wait)
    await running.stop(settings.shutdown_grace_seconds)
    log.info("analytics stopped")


def main() -> None:
    asyncio.run(serve(AnalyticsSettings()))


if __name__ == "__main__":
    main()
