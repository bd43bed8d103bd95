"""An Auth server on port 0 in the test's event loop, against the real Valkey and SecantusDB,
and a client that logs in and calls it over a real gRPC channel.

Each test gets its own database and its own user names, so budgets and sessions in the shared
Redis never meet another test's. Argon2 is made cheap here through the settings.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import pytest_asyncio
from pydantic import SecretStr

from deltastream.auth import AuthSettings, Role, bearer_metadata, generate_development_key
from deltastream.auth.server import create_server
from deltastream.grpcutil import RunningServer
from deltastream.v1 import auth_pb2 as pb
from deltastream.v1 import auth_pb2_grpc as pb_grpc

ADMIN_PASSWORD = "bootstrap-admin-password"  # noqa: S105 - a test user's password
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test user's password
MakeSettings = Callable[..., AuthSettings]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def status_of(call: Awaitable[Any]) -> grpc.StatusCode:
    """The status code a call fails with (the test fails if it succeeds)."""
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    code: grpc.StatusCode = failure.value.code()
    return code


@pytest.fixture(scope="session")
def signing_key() -> SecretStr:
    return generate_development_key()


@pytest.fixture
def make_settings(server_settings: dict[str, Any], signing_key: SecretStr) -> MakeSettings:
    """Settings of a test server (signing with its own key); keyword arguments override any
    field."""

    def make(**overrides: Any) -> AuthSettings:
        values: dict[str, Any] = {
            **server_settings,
            "auth_public_key": None,  # its own key's, not the test session's
            "auth_private_key": signing_key,
            "auth_bootstrap_admin": unique("admin"),
            "auth_bootstrap_password": SecretStr(ADMIN_PASSWORD),
            "password_time_cost": 1,
            "password_memory_kib": 64,
            "password_parallelism": 1,
        }
        return AuthSettings(**{**values, **overrides})

    return make


@dataclass
class AuthClient:
    """A channel to a running Auth server, with the bootstrap admin's access token."""

    stub: pb_grpc.AuthStub
    settings: AuthSettings
    target: str
    admin_token: str = ""

    async def login(self, username: str, password: str = PASSWORD) -> pb.TokenPair:
        reply: pb.TokenPair = await self.stub.Login(
            pb.LoginRequest(username=username, password=password)
        )
        return reply

    async def create_user(self, *roles: Role) -> str:
        """A new user with ``roles`` (password ``PASSWORD``); returns its name."""
        username = unique("user")
        request = pb.CreateUserRequest(
            username=username, password=PASSWORD, roles=[f"ROLE_{role.name}" for role in roles]
        )
        await self.stub.CreateUser(request, metadata=bearer_metadata(self.admin_token))
        return username

    async def token_of(self, *roles: Role) -> str:
        """The access token of a new user with ``roles``."""
        return (await self.login(await self.create_user(*roles))).access_token


@pytest.fixture
def settings(make_settings: MakeSettings) -> AuthSettings:
    return make_settings()


@pytest_asyncio.fixture
async def auth_server(settings: AuthSettings) -> AsyncIterator[RunningServer]:
    running = await create_server(settings)
    yield running
    await running.stop(0)


@pytest_asyncio.fixture
async def auth_client(
    auth_server: RunningServer, settings: AuthSettings
) -> AsyncIterator[AuthClient]:
    """A client of ``auth_server``, logged in as its bootstrap admin."""
    target = f"127.0.0.1:{auth_server.port}"
    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.AuthStub(channel)  # type: ignore[no-untyped-call]
        client = AuthClient(stub, settings, target)
        assert settings.auth_bootstrap_admin is not None
        client.admin_token = (
            await client.login(settings.auth_bootstrap_admin, ADMIN_PASSWORD)
        ).access_token
        yield client
