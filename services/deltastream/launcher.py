"""``make run``: the whole platform on one machine, each service its own process.

Starts an embedded Valkey and SecantusDB (unless ``DELTASTREAM_REDIS_URL`` and
``DELTASTREAM_MONGO_URI`` are set), then every service, prints where each listens, and on
Ctrl-C (or SIGTERM) stops the services first — each finishes and acknowledges its current
batch — and the servers last.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from deltastream.embedded import EmbeddedServerError, EmbeddedUrls, free_port
from deltastream.logs import configure_logging

_STOP_TIMEOUT_SECONDS = 15.0
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class ServiceProcess:
    """How to start one service: its module and its own environment."""

    name: str
    module: str
    environment: dict[str, str] = field(default_factory=dict)
    endpoints: tuple[str, ...] = ()


def platform_services(metrics_ports: Iterator[int], grpc_port: int) -> list[ServiceProcess]:
    """The services of the platform, each with a metrics port of its own."""

    def metrics(name: str, module: str, **extra: str) -> ServiceProcess:
        port = next(metrics_ports)
        endpoints = tuple(f"{key}={value}" for key, value in extra.items() if key.endswith("port"))
        environment = {"DELTASTREAM_METRICS_PORT": str(port)}
        environment.update({f"DELTASTREAM_{key.upper()}": value for key, value in extra.items()})
        return ServiceProcess(name, module, environment, (f"metrics=:{port}", *endpoints))

    return [
        metrics("marketdata", "deltastream.marketdata", grpc_port=str(grpc_port)),
        metrics("alerts", "deltastream.alerts", grpc_port=str(grpc_port + 2)),
        metrics("analytics", "deltastream.analytics", grpc_port=str(grpc_port + 3)),
        metrics("enricher", "deltastream.enricher"),
        metrics("feed", "deltastream.feed"),
        metrics(
            "gateway",
            "deltastream.gateway",
            http_port=os.environ.get("DELTASTREAM_HTTP_PORT", "8000"),
            marketdata_target=f"127.0.0.1:{grpc_port}",
            auth_target=f"127.0.0.1:{grpc_port + 1}",
            alerts_target=f"127.0.0.1:{grpc_port + 2}",
            analytics_target=f"127.0.0.1:{grpc_port + 3}",
        ),
    ]


@contextlib.contextmanager
def connection_urls(data_dir: Path) -> Iterator[EmbeddedUrls]:
    """The URLs from the environment, or embedded servers when none are given."""
    redis_url = os.environ.get("DELTASTREAM_REDIS_URL")
    mongo_uri = os.environ.get("DELTASTREAM_MONGO_URI")
    if redis_url and mongo_uri:
        yield EmbeddedUrls(redis_url=redis_url, mongo_uri=mongo_uri)
        return
    command = [sys.executable, "-m", "deltastream.embedded", str(data_dir), "--durable"]
    servers = _spawn(command, stdout=subprocess.PIPE)
    try:
        assert servers.stdout is not None  # noqa: S101 - requested above
        line = servers.stdout.readline()
        if not line:
            raise EmbeddedServerError("the embedded servers did not start; see the log above")
        urls = json.loads(line)
        yield EmbeddedUrls(
            redis_url=redis_url or urls["redis_url"], mongo_uri=mongo_uri or urls["mongo_uri"]
        )
    finally:
        stop_all([servers])


def start(service: ServiceProcess, urls: EmbeddedUrls) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DELTASTREAM_REDIS_URL": urls.redis_url,
        "DELTASTREAM_MONGO_URI": urls.mongo_uri,
        **service.environment,
    }
    return _spawn([sys.executable, "-m", service.module], env=environment)


def _spawn(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """A child in a session of its own (a terminal's Ctrl-C reaches only the launcher, which
    stops the children in order) that gets SIGTERM if the launcher dies."""
    return subprocess.Popen(  # noqa: S603
        command,
        start_new_session=True,
        preexec_fn=_terminate_with_parent,  # noqa: PLW1509 - the launcher runs no other thread
        **options,
    )


def _terminate_with_parent() -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM in reverse start order, then wait; SIGKILL what does not stop in time."""
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in reversed(processes):
        try:
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    configure_logging("launcher")
    data_dir = Path(os.environ.get("DELTASTREAM_DATA_DIR", "var/run")).resolve()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    with connection_urls(data_dir) as urls:
        grpc_port = int(os.environ.get("DELTASTREAM_GRPC_PORT", "50051"))
        services = platform_services(iter(free_port() for _ in range(100)), grpc_port)
        processes = [start(service, urls) for service in services]
        print_endpoints(services, urls)
        while not stop.is_set() and all(p.poll() is None for p in processes):
            stop.wait(0.5)
        stop_all(processes)


def print_endpoints(services: list[ServiceProcess], urls: EmbeddedUrls) -> None:
    lines = [f"  redis      {urls.redis_url}", f"  mongodb    {urls.mongo_uri}"]
    lines += [f"  {s.name:<10} {' '.join(s.endpoints)}" for s in services]
    print("DeltaStream is running (Ctrl-C stops it):", *lines, sep="\n", flush=True)


if __name__ == "__main__":
    main()
