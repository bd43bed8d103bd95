"""Run the gateway: ``python -m deltastream.gateway`` (HTTP on ``DELTASTREAM_HTTP_PORT``)."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from deltastream.gateway.app import create_app
from deltastream.gateway.settings import GatewaySettings
from deltastream.runtime import start_service

log = logging.getLogger("deltastream.gateway")


async def serve(settings: GatewaySettings) -> None:
    """Serve until SIGINT or SIGTERM, then close the connections and return.

    uvicorn catches the signal itself and, once it has shut down, raises it again for the
    handler it found installed: that is ``start_service``'s, which only records it. So the
    process ends normally and its spans are flushed; with the default handler, SIGTERM would
    kill it before the exporter had written the last batch.
    """
    start_service("gateway", settings)  # also /metrics on the HTTP port, as the chart scrapes
    config = uvicorn.Config(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,  # the root logger's JSON lines
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) or None,
        server_header=False,
    )
    await uvicorn.Server(config).serve()
    log.info("gateway stopped")


def main() -> None:
    asyncio.run(serve(GatewaySettings()))


if __name__ == "__main__":
    main()
