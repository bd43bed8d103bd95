"""The admin methods (users and API keys) and who may call them, over real gRPC."""

from __future__ import annotations

import grpc
import pytest
import redis

from deltastream.auth import Role, api_key_metadata, bearer_metadata
from deltastream.auth.registry import API_KEYS
from deltastream.auth.server import create_server
from deltastream.auth.settings import AuthSettings
from deltastream.v1 import auth_pb2 as pb
from tests.integration.auth.conftest import ADMIN_PASSWORD, PASSWORD, AuthClient, status_of, unique

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


def admin(client: AuthClient) -> tuple[tuple[str, str], ...]:
    return bearer_metadata(client.admin_token)


async def create_key(client: AuthClient, name: str, *roles: Role) -> pb.CreateApiKeyResponse:
    request = pb.CreateApiKeyRequest(name=name, roles=[f"ROLE_{role.name}" for role in roles])
    reply: pb.CreateApiKeyResponse = await client.stub.CreateApiKey(request, metadata=admin(client))
    return reply


async def test_an_admin_creates_a_user_who_can_log_in(auth_client: AuthClient) -> None:
    username = unique("analyst")
    request = pb.CreateUserRequest(
        username=username, password=PASSWORD, roles=[pb.ROLE_VIEWER, pb.ROLE_TRADER]
    )
    user = await auth_client.stub.CreateUser(request, metadata=admin(auth_client))
    assert user.username == username
    assert list(user.roles) == [pb.ROLE_VIEWER, pb.ROLE_TRADER]
    assert user.created_at_seconds > 0
    assert list((await auth_client.login(username)).roles) == [pb.ROLE_VIEWER, pb.ROLE_TRADER]


async def test_a_taken_user_name_already_exists(auth_client: AuthClient) -> None:
    username = await auth_client.create_user(Role.VIEWER)
    request = pb.CreateUserRequest(username=username, password=PASSWORD, roles=[pb.ROLE_ADMIN])
    call = auth_client.stub.CreateUser(request, metadata=admin(auth_client))
    assert await status_of(call) == grpc.StatusCode.ALREADY_EXISTS
    assert list((await auth_client.login(username)).roles) == [pb.ROLE_VIEWER]


@pytest.mark.parametrize(
    ("username", "password", "roles"),
    [
        ("Upper-Case", PASSWORD, [pb.ROLE_VIEWER]),
        ("ab", PASSWORD, [pb.ROLE_VIEWER]),
        ("valid-name", "too-short", [pb.ROLE_VIEWER]),
        ("valid-name", PASSWORD, []),
        ("valid-name", PASSWORD, [pb.ROLE_UNSPECIFIED]),
        ("valid-name", PASSWORD, [7]),
    ],
)
async def test_create_user_refuses_bad_fields(
    auth_client: AuthClient, username: str, password: str, roles: list[int]
) -> None:
    request = pb.CreateUserRequest(username=username, password=password, roles=roles)  # type: ignore[arg-type]
    call = auth_client.stub.CreateUser(request, metadata=admin(auth_client))
    assert await status_of(call) == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("role", [Role.VIEWER, Role.TRADER])
async def test_only_an_admin_may_call_admin_methods(auth_client: AuthClient, role: Role) -> None:
    metadata = bearer_metadata(await auth_client.token_of(role))
    calls = [
        auth_client.stub.CreateUser(
            pb.CreateUserRequest(username=unique("x"), password=PASSWORD, roles=[pb.ROLE_ADMIN]),
            metadata=metadata,
        ),
        auth_client.stub.CreateApiKey(
            pb.CreateApiKeyRequest(name="desk", roles=[pb.ROLE_ADMIN]), metadata=metadata
        ),
        auth_client.stub.ListApiKeys(pb.ListApiKeysRequest(), metadata=metadata),
        auth_client.stub.RevokeApiKey(
            pb.RevokeApiKeyRequest(key_id="0123456789abcdef"), metadata=metadata
        ),
    ]
    for call in calls:
        assert await status_of(call) == grpc.StatusCode.PERMISSION_DENIED


async def test_admin_methods_without_a_credential_are_unauthenticated(
    auth_client: AuthClient,
) -> None:
    call = auth_client.stub.ListApiKeys(pb.ListApiKeysRequest())
    assert await status_of(call) == grpc.StatusCode.UNAUTHENTICATED


async def test_an_api_key_authenticates_its_service_account(auth_client: AuthClient) -> None:
    name = unique("desk")
    created = await create_key(auth_client, name, Role.TRADER)
    assert created.key.startswith("dsk_")
    assert created.api_key.name == name
    assert created.api_key.revoked_at_seconds == 0
    assert created.api_key.created_by == auth_client.settings.auth_bootstrap_admin
    reply = await auth_client.stub.WhoAmI(
        pb.WhoAmIRequest(), metadata=api_key_metadata(created.key)
    )
    assert reply.subject == name
    assert list(reply.roles) == [pb.ROLE_TRADER]
    assert reply.credential == pb.CREDENTIAL_KIND_API_KEY


async def test_an_api_key_with_a_wrong_secret_is_unauthenticated(auth_client: AuthClient) -> None:
    created = await create_key(auth_client, unique("desk"), Role.VIEWER)
    wrong = created.key[:-1] + ("A" if created.key[-1] != "A" else "B")
    for key in (wrong, "dsk_nonsense", created.key + "x"):
        call = auth_client.stub.WhoAmI(pb.WhoAmIRequest(), metadata=api_key_metadata(key))
        assert await status_of(call) == grpc.StatusCode.UNAUTHENTICATED


async def test_list_shows_keys_without_their_secrets(auth_client: AuthClient) -> None:
    name, other = unique("desk"), unique("desk")
    first = await create_key(auth_client, name, Role.VIEWER)
    second = await create_key(auth_client, name, Role.TRADER)
    await create_key(auth_client, other, Role.VIEWER)
    listed = await auth_client.stub.ListApiKeys(
        pb.ListApiKeysRequest(name=name), metadata=admin(auth_client)
    )
    assert [key.key_id for key in listed.api_keys] == [
        first.api_key.key_id,
        second.api_key.key_id,
    ]
    every = await auth_client.stub.ListApiKeys(pb.ListApiKeysRequest(), metadata=admin(auth_client))
    assert len(every.api_keys) == 3
    assert first.key.split("_")[-1] not in str(every)


async def test_a_revoked_api_key_stops_working_at_once(auth_client: AuthClient) -> None:
    name = unique("desk")
    created = await create_key(auth_client, name, Role.TRADER)
    revoked = await auth_client.stub.RevokeApiKey(
        pb.RevokeApiKeyRequest(key_id=created.api_key.key_id), metadata=admin(auth_client)
    )
    assert revoked.api_key.revoked_at_seconds > 0
    call = auth_client.stub.WhoAmI(pb.WhoAmIRequest(), metadata=api_key_metadata(created.key))
    assert await status_of(call) == grpc.StatusCode.UNAUTHENTICATED
    active = await auth_client.stub.ListApiKeys(
        pb.ListApiKeysRequest(name=name), metadata=admin(auth_client)
    )
    assert list(active.api_keys) == []
    with_revoked = await auth_client.stub.ListApiKeys(
        pb.ListApiKeysRequest(name=name, include_revoked=True), metadata=admin(auth_client)
    )
    assert [key.key_id for key in with_revoked.api_keys] == [created.api_key.key_id]


async def test_revoking_an_unknown_key_is_not_found(auth_client: AuthClient) -> None:
    call = auth_client.stub.RevokeApiKey(
        pb.RevokeApiKeyRequest(key_id="0123456789abcdef"), metadata=admin(auth_client)
    )
    assert await status_of(call) == grpc.StatusCode.NOT_FOUND


async def test_a_restart_rebuilds_the_keys_the_services_see(
    auth_client: AuthClient, settings: AuthSettings, redis_client: redis.Redis
) -> None:
    """MongoDB is the record: keys lost from Redis come back when the service starts."""
    kept = await create_key(auth_client, unique("desk"), Role.VIEWER)
    gone = await create_key(auth_client, unique("desk"), Role.VIEWER)
    await auth_client.stub.RevokeApiKey(
        pb.RevokeApiKeyRequest(key_id=gone.api_key.key_id), metadata=admin(auth_client)
    )
    redis_client.hdel(API_KEYS, kept.api_key.key_id)
    redis_client.hset(API_KEYS, gone.api_key.key_id, b'{"stale": true}')
    second = await create_server(settings)
    try:
        assert redis_client.hget(API_KEYS, kept.api_key.key_id) is not None
        assert redis_client.hget(API_KEYS, gone.api_key.key_id) is None
    finally:
        await second.stop(0)
    reply = await auth_client.stub.WhoAmI(pb.WhoAmIRequest(), metadata=api_key_metadata(kept.key))
    assert reply.credential == pb.CREDENTIAL_KIND_API_KEY


async def test_the_bootstrap_admin_is_created_once(
    auth_client: AuthClient, settings: AuthSettings
) -> None:
    """A second start with another bootstrap name finds an admin and creates nobody."""
    second = await create_server(settings.model_copy(update={"auth_bootstrap_admin": "late-admin"}))
    await second.stop(0)
    call = auth_client.login("late-admin", ADMIN_PASSWORD)
    assert await status_of(call) == grpc.StatusCode.UNAUTHENTICATED


async def test_an_unreadable_registry_entry_is_refused_not_an_error(
    auth_client: AuthClient, redis_client: redis.Redis
) -> None:
    created = await create_key(auth_client, unique("desk"), Role.VIEWER)
    redis_client.hset(API_KEYS, created.api_key.key_id, b'{"digest": 1}')
    call = auth_client.stub.WhoAmI(pb.WhoAmIRequest(), metadata=api_key_metadata(created.key))
    assert await status_of(call) == grpc.StatusCode.UNAUTHENTICATED
