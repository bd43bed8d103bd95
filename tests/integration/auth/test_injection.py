"""MongoDB operator injection in every parameter that reaches a filter is refused with
INVALID_ARGUMENT, before any query; a control shows the same call passes with a clean value."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest

from deltastream.auth import bearer_metadata
from deltastream.v1 import auth_pb2 as pb
from tests.integration.auth.conftest import PASSWORD, AuthClient, status_of

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

INJECTIONS = [
    '{"$gt": ""}',
    '{"$ne": null}',
    '{"$regex": ".*"}',
    '{"$where": "sleep(1000)"}',
    "$gt",
    "admin' || '1'=='1",
    "admin\x00",
    "admin\n",
    "\uff41\uff44\uff4d\uff49\uff4e",  # "admin" in full-width letters
    "a" * 300,
]
Call = Callable[[AuthClient, str], Awaitable[Any]]


def admin(client: AuthClient) -> tuple[tuple[str, str], ...]:
    return bearer_metadata(client.admin_token)


CALLS: dict[str, Call] = {
    "Login.username": lambda c, v: c.stub.Login(pb.LoginRequest(username=v, password=PASSWORD)),
    "Refresh.refresh_token": lambda c, v: c.stub.Refresh(pb.RefreshRequest(refresh_token=v)),
    "Logout.refresh_token": lambda c, v: c.stub.Logout(pb.LogoutRequest(refresh_token=v)),
    "CreateUser.username": lambda c, v: c.stub.CreateUser(
        pb.CreateUserRequest(username=v, password=PASSWORD, roles=[pb.ROLE_VIEWER]),
        metadata=admin(c),
    ),
    "CreateApiKey.name": lambda c, v: c.stub.CreateApiKey(
        pb.CreateApiKeyRequest(name=v, roles=[pb.ROLE_VIEWER]), metadata=admin(c)
    ),
    "ListApiKeys.name": lambda c, v: c.stub.ListApiKeys(
        pb.ListApiKeysRequest(name=v), metadata=admin(c)
    ),
    "RevokeApiKey.key_id": lambda c, v: c.stub.RevokeApiKey(
        pb.RevokeApiKeyRequest(key_id=v), metadata=admin(c)
    ),
}
CLEAN = {
    "Login.username": grpc.StatusCode.UNAUTHENTICATED,  # well-formed, no such user
    "Refresh.refresh_token": grpc.StatusCode.UNAUTHENTICATED,
    "Logout.refresh_token": grpc.StatusCode.UNAUTHENTICATED,
    "RevokeApiKey.key_id": grpc.StatusCode.NOT_FOUND,
}
CLEAN_VALUES = {
    "Refresh.refresh_token": "A" * 43,
    "Logout.refresh_token": "A" * 43,
    "RevokeApiKey.key_id": "0123456789abcdef",
}


@pytest.mark.parametrize("parameter", sorted(CALLS))
async def test_injection_is_refused_in_every_filter_parameter(
    auth_client: AuthClient, parameter: str
) -> None:
    for value in INJECTIONS:
        status = await status_of(CALLS[parameter](auth_client, value))
        assert status == grpc.StatusCode.INVALID_ARGUMENT, (parameter, value)
    clean = CLEAN_VALUES.get(parameter, "clean-name")
    if parameter in CLEAN:
        assert await status_of(CALLS[parameter](auth_client, clean)) == CLEAN[parameter]
    else:
        await CALLS[parameter](auth_client, clean)
