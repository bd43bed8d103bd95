"""The platform's services as child processes, as ``make run`` starts them; the APIs verify
tokens with the public key they are given (``DELTASTREAM_AUTH_PUBLIC_KEY``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deltastream.embedded import EmbeddedUrls, free_port


class ServiceProcesses:
    """Starts and stops services with the connection settings of one test."""

    def __init__(
        self, urls: EmbeddedUrls, mongo_db: str, log_dir: Path, auth_public_key: str
    ) -> None:
        self._environment = {
            **os.environ,
            "DELTASTREAM_REDIS_URL": urls.redis_url,
            "DELTASTREAM_MONGO_URI": urls.mongo_uri,
            "DELTASTREAM_MONGO_DB": mongo_db,
            "DELTASTREAM_METRICS_PORT": "0",
            "DELTASTREAM_AUTH_PUBLIC_KEY": auth_public_key,
        }
        self._log_dir = log_dir
        self._processes: list[subprocess.Popen[bytes]] = []

    def start(self, module: str, **settings: str) -> subprocess.Popen[bytes]:
        environment = dict(self._environment)
        environment.update({f"DELTASTREAM_{key.upper()}": value for key, value in settings.items()})
        log_path = self._log_dir / f"{module.rsplit('.', 1)[-1]}-{len(self._processes)}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", module],
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self._processes.append(process)
        return process

    def start_marketdata(self) -> str:
        """Start MarketData and wait until its health service answers SERVING."""
        port = free_port()
        self.start("deltastream.marketdata", grpc_port=str(port), grpc_host="127.0.0.1")
        target = f"127.0.0.1:{port}"
        wait_serving(target)
        return target

    def stop_all(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self._processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_serving(target: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                time.sleep(0.2)
    raise AssertionError(f"{target} did not become SERVING within {timeout} s")


def wait_for(condition: object, timeout: float, message: str) -> None:
    """Poll ``condition()`` until it is truthy."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(message)
