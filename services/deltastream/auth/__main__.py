"""Run the Auth gRPC service: ``python -m deltastream.auth``."""

from __future__ import annotations

import asyncio

from deltastream.auth.server import create_server
from deltastream.auth.settings import AuthSettings
from deltastream.runtime import serve_grpc


def main() -> None:
    settings = AuthSettings()
    asyncio.run(serve_grpc("auth", settings, create_server, settings.shutdown_grace_seconds))


if __name__ == "__main__":
    main()
