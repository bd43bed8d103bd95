"""Run the gateway: ``python -m deltastream.gateway`` (HTTP on ``DELTASTREAM_HTTP_PORT``)."""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from prometheus_client import start_http_server

from deltastream.gateway.app import create_app
from deltastream.gateway.settings import GatewaySettings
from deltastream.logs import configure_logging
from deltastream.telemetry import configure_tracing

log = logging.getLogger("deltastream.gateway")


async def serve(settings: GatewaySettings) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn's handlers), then close the connections."""
    configure_logging("gateway", settings.log_level)
    configure_tracing("gateway")
    if settings.metrics_port:  # also on the HTTP port at /metrics, as the chart scrapes it
        start_http_server(settings.metrics_port, addr="0.0.0.0")  # noqa: S104 - scraped
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
