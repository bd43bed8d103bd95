"""``python -m deltastream.auth`` as a process: it refuses to start without a signing key, and
with one it serves health checks and logins until SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deltastream.auth import generate_development_key
from deltastream.embedded import EmbeddedUrls, free_port
from deltastream.v1 import auth_pb2 as pb
from deltastream.v1 import auth_pb2_grpc as pb_grpc
from tests.integration.auth.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.integration


def environment(urls: EmbeddedUrls, database: str, port: int) -> dict[str, str]:
    keep = {
        name: value for name, value in os.environ.items() if not name.startswith("DELTASTREAM_")
    }
    return {
        **keep,
        "DELTASTREAM_REDIS_URL": urls.redis_url,
        "DELTASTREAM_MONGO_URI": urls.mongo_uri,
        "DELTASTREAM_MONGO_DB": database,
        "DELTASTREAM_GRPC_HOST": "127.0.0.1",
        "DELTASTREAM_GRPC_PORT": str(port),
        "DELTASTREAM_METRICS_PORT": "0",
        "DELTASTREAM_PASSWORD_TIME_COST": "1",
        "DELTASTREAM_PASSWORD_MEMORY_KIB": "64",
        "DELTASTREAM_PASSWORD_PARALLELISM": "1",
    }


@pytest.fixture
def process_env(server_urls: EmbeddedUrls, mongo_db_name: str) -> Iterator[dict[str, str]]:
    yield environment(server_urls, mongo_db_name, free_port())


def test_without_a_signing_key_it_does_not_start(process_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deltastream.auth"],
        env=process_env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert b"DELTASTREAM_AUTH_PRIVATE_KEY is not set" in result.stderr


def test_with_a_key_it_serves_until_sigterm(process_env: dict[str, str]) -> None:
    env = {
        **process_env,
        "DELTASTREAM_AUTH_PRIVATE_KEY": generate_development_key().get_secret_value(),
        "DELTASTREAM_AUTH_BOOTSTRAP_ADMIN": "root-admin",
        "DELTASTREAM_AUTH_BOOTSTRAP_PASSWORD": ADMIN_PASSWORD,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "deltastream.auth"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    target = f"127.0.0.1:{env['DELTASTREAM_GRPC_PORT']}"
    try:
        with grpc.insecure_channel(target) as channel:
            grpc.channel_ready_future(channel).result(timeout=60)
            health = health_pb2_grpc.HealthStub(channel)
            reply = health.Check(health_pb2.HealthCheckRequest(service="deltastream.v1.Auth"))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            stub = pb_grpc.AuthStub(channel)  # type: ignore[no-untyped-call]
            tokens = stub.Login(pb.LoginRequest(username="root-admin", password=ADMIN_PASSWORD))
            assert list(tokens.roles) == [pb.ROLE_ADMIN]
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert ADMIN_PASSWORD.encode() not in output
    assert b"PRIVATE KEY" not in output
