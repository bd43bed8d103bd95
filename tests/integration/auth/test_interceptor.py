"""The interceptor as another service installs it (``auth.auth_interceptor``), on a small
service of raw-bytes methods, with the keys fetched from the running Auth service's GetJwks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio
import redis.asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deltastream import auth
from deltastream.auth import AuthInterceptor, Role, api_key_metadata, bearer_metadata
from deltastream.auth.interceptor import RETRY_AFTER_METADATA
from deltastream.grpcutil import add_health_and_reflection, server_interceptors
from deltastream.v1 import auth_pb2 as pb
from tests.integration.auth.conftest import AuthClient, status_of, unique

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SERVICE = "deltastream.test.Desk"
BUDGET = 5
ROLES: dict[str, Role | None] = {
    f"/{SERVICE}/Quote": Role.VIEWER,
    f"/{SERVICE}/Trade": Role.TRADER,
    f"/{SERVICE}/Configure": Role.ADMIN,
    f"/{SERVICE}/Status": None,
    f"/{SERVICE}/Watch": Role.TRADER,
}  # "Forgotten" is served but named nowhere


async def whoami(request: bytes, context: Any) -> bytes:
    principal = auth.current_principal()
    return f"{principal.subject}:{min(principal.roles).label}".encode()


async def status(request: bytes, context: Any) -> bytes:
    return b"up"


async def watch(request: bytes, context: Any) -> AsyncIterator[bytes]:
    for number in range(3):
        yield f"{auth.current_principal().subject}:{number}".encode()


def desk_handler() -> grpc.GenericRpcHandler:
    unary = grpc.unary_unary_rpc_method_handler
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Quote": unary(whoami),
            "Trade": unary(whoami),
            "Configure": unary(whoami),
            "Status": unary(status),
            "Forgotten": unary(whoami),
            "Watch": grpc.unary_stream_rpc_method_handler(watch),
        },
    )


@pytest_asyncio.fixture
async def desk(auth_client: AuthClient) -> AsyncIterator[grpc.aio.Channel]:
    """The desk service, checking tokens with keys from GetJwks, and a channel to it."""
    settings = auth.TokenCheckSettings(
        redis_url=auth_client.settings.redis_url,
        auth_target=auth_client.target,
        rate_limit_requests=BUDGET,
        rate_limit_window_seconds=60,
    )
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url)
    interceptor: AuthInterceptor = auth.auth_interceptor(
        settings, redis_client, ROLES, scope=unique("desk")
    )
    server = grpc.aio.server(interceptors=server_interceptors(interceptor))
    server.add_generic_rpc_handlers([desk_handler()])
    await add_health_and_reflection(server, [SERVICE])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield channel
    await server.stop(0)
    await interceptor.close()
    await redis_client.aclose()


async def call(channel: grpc.aio.Channel, method: str, metadata: Any = ()) -> bytes:
    reply: bytes = await channel.unary_unary(f"/{SERVICE}/{method}")(b"", metadata=metadata)
    return reply


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, {"Quote"}),
        (Role.TRADER, {"Quote", "Trade"}),
        (Role.ADMIN, {"Quote", "Trade", "Configure"}),
    ],
)
async def test_each_role_reaches_the_methods_at_or_below_it(
    desk: grpc.aio.Channel, auth_client: AuthClient, role: Role, allowed: set[str]
) -> None:
    metadata = bearer_metadata(await auth_client.token_of(role))
    for method in ("Quote", "Trade", "Configure"):
        if method in allowed:
            subject, _, least_role = (await call(desk, method, metadata)).decode().partition(":")
            assert subject.startswith("user-")
            assert least_role == role.label
        else:
            assert await status_of(call(desk, method, metadata)) == (
                grpc.StatusCode.PERMISSION_DENIED
            )


async def test_a_viewer_cannot_trade_but_an_api_key_of_a_trader_can(
    desk: grpc.aio.Channel, auth_client: AuthClient
) -> None:
    viewer = bearer_metadata(await auth_client.token_of(Role.VIEWER))
    assert await status_of(call(desk, "Trade", viewer)) == grpc.StatusCode.PERMISSION_DENIED
    name = unique("desk")
    created = await auth_client.stub.CreateApiKey(
        pb.CreateApiKeyRequest(name=name, roles=[pb.ROLE_TRADER]),
        metadata=bearer_metadata(auth_client.admin_token),
    )
    assert await call(desk, "Trade", api_key_metadata(created.key)) == f"{name}:trader".encode()


async def test_a_missing_credential_is_unauthenticated_and_an_open_method_is_open(
    desk: grpc.aio.Channel,
) -> None:
    assert await status_of(call(desk, "Quote")) == grpc.StatusCode.UNAUTHENTICATED
    assert await call(desk, "Status") == b"up"
    health = health_pb2_grpc.HealthStub(desk)
    reply = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_a_method_without_an_access_rule_is_refused_to_everyone(
    desk: grpc.aio.Channel, auth_client: AuthClient
) -> None:
    metadata = bearer_metadata(auth_client.admin_token)
    assert await status_of(call(desk, "Forgotten", metadata)) == grpc.StatusCode.PERMISSION_DENIED


async def test_a_logout_reaches_the_other_service_at_once(
    desk: grpc.aio.Channel, auth_client: AuthClient
) -> None:
    tokens = await auth_client.login(await auth_client.create_user(Role.VIEWER))
    metadata = bearer_metadata(tokens.access_token)
    assert await call(desk, "Quote", metadata)
    await auth_client.stub.Logout(pb.LogoutRequest(refresh_token=tokens.refresh_token))
    assert await status_of(call(desk, "Quote", metadata)) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_stream_is_checked_and_sees_its_caller(
    desk: grpc.aio.Channel, auth_client: AuthClient
) -> None:
    watch = desk.unary_stream(f"/{SERVICE}/Watch")
    username = await auth_client.create_user(Role.TRADER)
    metadata = bearer_metadata((await auth_client.login(username)).access_token)
    replies = [reply async for reply in watch(b"", metadata=metadata)]
    assert replies == [f"{username}:{number}".encode() for number in range(3)]
    viewer = bearer_metadata(await auth_client.token_of(Role.VIEWER))
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        _ = [reply async for reply in watch(b"", metadata=viewer)]
    assert failure.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_caller_over_its_budget_is_told_when_to_retry(
    desk: grpc.aio.Channel, auth_client: AuthClient
) -> None:
    greedy = bearer_metadata(await auth_client.token_of(Role.VIEWER))
    for _ in range(BUDGET):
        await call(desk, "Quote", greedy)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call(desk, "Quote", greedy)
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    retry_ms = int(dict(failure.value.trailing_metadata() or ())[RETRY_AFTER_METADATA])
    assert 0 < retry_ms <= 60_000
    patient = bearer_metadata(await auth_client.token_of(Role.VIEWER))
    assert await call(desk, "Quote", patient)
