"""Run the MarketData gRPC service: ``python -m deltastream.marketdata``."""

from __future__ import annotations

import asyncio

from deltastream.marketdata.server import create_server
from deltastream.marketdata.settings import MarketDataSettings
from deltastream.runtime import serve_grpc


def main() -> None:
    settings = MarketDataSettings()
    asyncio.run(serve_grpc("marketdata", settings, create_server, settings.shutdown_grace_seconds))


if __name__ == "__main__":
    main()
