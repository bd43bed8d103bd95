"""Run the MarketData gRPC service: ``python -m deltastream.marketdata``."""

from __future__ import annotations

import asyncio
import logging

from deltastream.marketdata.server import create_server
from deltastream.marketdata.settings import MarketDataSettings
from deltastream.runtime import start_service

log = logging.getLogger("deltastream.marketdata")


async def serve(settings: MarketDataSettings) -> None:
    stop = start_service("marketdata", settings)
    running = await create_server(settings)
    log.info("marketdata listening", extra={"port": running.port})
    await asyncio.to_thread(stop.wait)
    await running.stop(settings.shutdown_grace_seconds)
    log.info("marketdata stopped")


def main() -> None:
    asyncio.run(serve(MarketDataSettings()))


if __name__ == "__main__":
    main()
