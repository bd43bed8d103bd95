"""What every service's ``__main__`` does first: logging, tracing, metrics, and a stop signal."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from prometheus_client import start_http_server

from deltastream.logs import configure_logging
from deltastream.settings import ServiceSettings
from deltastream.telemetry import configure_tracing

log = logging.getLogger("deltastream.runtime")


def start_service(service: str, settings: ServiceSettings) -> threading.Event:
    """Configure the process and return an event that SIGINT or SIGTERM sets."""
    configure_logging(service, settings.log_level)
    configure_tracing(service)
    if settings.metrics_port:
        server, _ = start_http_server(settings.metrics_port, addr="0.0.0.0")  # noqa: S104 - scraped by Prometheus
        log.info("metrics listening", extra={"metrics_port": server.server_port})
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop
