"""``make run``: the whole platform on one machine, each service its own process.

Starts an embedded Valkey and SecantusDB (unless ``DELTASTREAM_REDIS_URL`` and
``DELTASTREAM_MONGO_URI`` are set), then the Auth service, and once it serves, every other
service (each finds Auth's key set at ``DELTASTREAM_AUTH_TARGET``). It prints where each
listens and how to log in, and on Ctrl-C (or SIGTERM) stops the services first — each finishes
and acknowledges its current batch — and the servers last.

Auth's development signing key and the bootstrap admin's password are made at the first start
and kept in the data directory (``auth/``, readable by its owner only), so tokens and the
password survive a restart; deleting that directory (with the data) starts afresh.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import SecretStr

from deltastream.auth import generate_development_key
from deltastream.embedded import EmbeddedServerError, EmbeddedUrls, free_port
from deltastream.errors import DeltaStreamError
from deltastream.logs import configure_logging

_STOP_TIMEOUT_SECONDS = 15.0
_AUTH_START_SECONDS = 60.0
_PR_SET_PDEATHSIG = 1
ADMIN = "admin"
GRPC_PORTS = 4
"""gRPC ports from ``DELTASTREAM_GRPC_PORT`` on: MarketData, Auth, Alerts, Analytics."""
SECRET_FILE_MODE = 0o600
SECRET_DIRECTORY_MODE = 0o700


class ServiceStartError(DeltaStreamError):
    """A service the others depend on did not come up."""


@dataclass(frozen=True, slots=True)
class DevelopmentSecrets:
    """Auth's signing key and the bootstrap admin's password on this machine, made at the
    first start and kept in ``directory`` (0700; each file 0600) for the next ones."""

    directory: Path
    signing_key: SecretStr
    admin_password: SecretStr

    @classmethod
    def kept_in(cls, directory: Path) -> DevelopmentSecrets:
        directory.mkdir(mode=SECRET_DIRECTORY_MODE, parents=True, exist_ok=True)
        os.chmod(directory, SECRET_DIRECTORY_MODE)
        key = kept_secret(
            directory / "signing-key.pem", lambda: generate_development_key().get_secret_value()
        )
        password = kept_secret(directory / "admin-password", lambda: secrets.token_urlsafe(18))
        return cls(directory, SecretStr(key), SecretStr(password.strip()))

    @property
    def password_file(self) -> Path:
        return self.directory / "admin-password"


def kept_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret in ``path``; made with ``make`` and written there (0600) if there is none."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE)
    except FileExistsError:
        os.chmod(path, SECRET_FILE_MODE)
        return path.read_text()
    with os.fdopen(descriptor, "w") as file:
        file.write(make())
    return path.read_text()


@dataclass(frozen=True, slots=True)
class ServiceProcess:
    """How to start one service: its module and its own environment."""

    name: str
    module: str
    environment: dict[str, str] = field(default_factory=dict, repr=False)  # may hold secrets
    endpoints: tuple[str, ...] = ()


def http_port() -> int:
    """The gateway's HTTP port (``DELTASTREAM_HTTP_PORT``, 8000 by default)."""
    return int(os.environ.get("DELTASTREAM_HTTP_PORT", "8000"))


def bind_host() -> str:
    """The interface every service listens on: this machine only, unless
    ``DELTASTREAM_BIND_HOST`` says otherwise (e.g. ``0.0.0.0`` to serve other machines)."""
    return os.environ.get("DELTASTREAM_BIND_HOST", "127.0.0.1")


def _service(metrics_ports: Iterator[int], name: str, module: str, **extra: str) -> ServiceProcess:
    """A service with a metrics port of its own and ``extra`` settings (those named ``*port``
    are shown as its endpoints, and make it listen on ``bind_host``)."""
    port = next(metrics_ports)
    host = bind_host()
    endpoints = tuple(f"{key}={value}" for key, value in extra.items() if key.endswith("port"))
    hosts = {key.replace("port", "host"): host for key in extra if key.endswith("_port")}
    environment = {"DELTASTREAM_METRICS_PORT": str(port), "DELTASTREAM_METRICS_HOST": host}
    settings = {**extra, **hosts}
    environment.update({f"DELTASTREAM_{key.upper()}": value for key, value in settings.items()})
    return ServiceProcess(name, module, environment, (f"metrics=:{port}", *endpoints))


def auth_service(
    metrics_ports: Iterator[int], grpc_port: int, secrets_: DevelopmentSecrets
) -> ServiceProcess:
    """The Auth service on ``grpc_port``, signing with the kept key, with the admin ``admin``
    (created at its first start)."""
    return _service(
        metrics_ports,
        "auth",
        "deltastream.auth",
        grpc_port=str(grpc_port),
        auth_private_key=secrets_.signing_key.get_secret_value(),
        auth_bootstrap_admin=ADMIN,
        auth_bootstrap_password=secrets_.admin_password.get_secret_value(),
    )


def platform_services(
    metrics_ports: Iterator[int], grpc_port: int, auth_target: str
) -> list[ServiceProcess]:
    """The services of the platform after Auth, each told where Auth is."""

    def metrics(name: str, module: str, **extra: str) -> ServiceProcess:
        return _service(metrics_ports, name, module, auth_target=auth_target, **extra)

    return [
        metrics("marketdata", "deltastream.marketdata", grpc_port=str(grpc_port)),
        metrics("alerts", "deltastream.alerts", grpc_port=str(grpc_port + 2)),
        metrics("analytics", "deltastream.analytics", grpc_port=str(grpc_port + 3)),
        metrics("enricher", "deltastream.enricher"),
        metrics("feed", "deltastream.feed"),
        metrics(
            "gateway",
            "deltastream.gateway",
            http_port=str(http_port()),
            marketdata_target=f"127.0.0.1:{grpc_port}",
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


def wait_listening(port: int, process: subprocess.Popen[bytes], stop: threading.Event) -> bool:
    """Wait until a service accepts connections on ``port`` (True), or ``stop`` is set (False);
    ``ServiceStartError`` if its process ends or it does not listen in time.

    A plain connection, not a gRPC health check: gRPC's threads in this process would make the
    next children's ``preexec_fn`` unsafe. Auth listens once its admin and keys are in place.
    """
    deadline = time.monotonic() + _AUTH_START_SECONDS
    while not stop.is_set():
        if process.poll() is not None:
            raise ServiceStartError(f"the service on port {port} exited; see the log above")
        if time.monotonic() > deadline:
            raise ServiceStartError(f"nothing listens on port {port} in time")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
        except OSError:
            stop.wait(0.2)
            continue
        return True
    return False


def main() -> None:
    configure_logging("launcher")
    data_dir = Path(os.environ.get("DELTASTREAM_DATA_DIR", "var/run")).resolve()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    secrets_ = DevelopmentSecrets.kept_in(data_dir / "auth")
    with connection_urls(data_dir) as urls:
        processes: list[subprocess.Popen[bytes]] = []
        try:
            run_platform(urls, secrets_, stop, processes)
        finally:
            stop_all(processes)


def metrics_ports(grpc_port: int) -> Iterator[int]:
    """Free ports for the services' metrics, each once, none of them a port the platform's
    gRPC services (from ``grpc_port`` on) or its gateway will listen on."""
    listening = {*range(grpc_port, grpc_port + GRPC_PORTS), http_port()}
    return (port for port in iter(free_port, None) if port not in listening)


def run_platform(
    urls: EmbeddedUrls,
    secrets_: DevelopmentSecrets,
    stop: threading.Event,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    """Auth first, the other services once it serves; then run until ``stop`` or until a
    service ends. Every process started is appended to ``processes``."""
    grpc_port = int(os.environ.get("DELTASTREAM_GRPC_PORT", "50051"))
    auth_port = grpc_port + 1
    auth_target = f"127.0.0.1:{auth_port}"
    ports = metrics_ports(grpc_port)
    auth = auth_service(ports, auth_port, secrets_)
    processes.append(start(auth, urls))
    if not wait_listening(auth_port, processes[0], stop):
        return
    services = platform_services(ports, grpc_port, auth_target)
    processes.extend(start(service, urls) for service in services)
    print_endpoints([auth, *services], urls)
    print_login(auth_target, secrets_)
    while not stop.is_set() and all(p.poll() is None for p in processes):
        stop.wait(0.5)


def print_endpoints(services: list[ServiceProcess], urls: EmbeddedUrls) -> None:
    lines = [f"  redis      {urls.redis_url}", f"  mongodb    {urls.mongo_uri}"]
    lines += [f"  {s.name:<10} {' '.join(s.endpoints)}" for s in services]
    print("DeltaStream is running (Ctrl-C stops it):", *lines, sep="\n", flush=True)


def print_login(auth_target: str, secrets_: DevelopmentSecrets) -> None:
    """The admin's password (on a developer's own machine) and how to log in with it."""
    password = secrets_.admin_password.get_secret_value()
    lines = [
        f"Admin user: {ADMIN}  password: {password}  (kept in {secrets_.password_file})",
        f"Log in:     deltastream login --auth-target {auth_target}  (asks for the password)",
    ]
    print(*lines, sep="\n", flush=True)


if __name__ == "__main__":
    main()
