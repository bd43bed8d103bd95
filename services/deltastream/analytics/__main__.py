"""Run the Analytics gRPC service: ``python -m deltastream.analytics``."""

from __future__ import annotations

import asyncio

from deltastream.analytics.server import create_server
from deltastream.analytics.settings import AnalyticsSettings
from deltastream.runtime import serve_grpc


def main() -> None:
    settings = AnalyticsSettings()
    asyncio.run(serve_grpc("analytics", settings, create_server, settings.shutdown_grace_seconds))


if __name__ == "__main__":
    main()
