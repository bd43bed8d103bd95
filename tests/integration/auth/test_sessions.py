"""Login, refresh-token rotation and reuse, logout, the key set and WhoAmI, over real gRPC."""

from __future__ import annotations

import grpc
import pytest

from deltastream.auth import Role, bearer_metadata
from deltastream.auth.interceptor import RETRY_AFTER_METADATA
from deltastream.auth.keys import verification_keys
from deltastream.auth.tokens import Audience, verify_access_token
from deltastream.v1 import auth_pb2 as pb
from tests.integration.auth.conftest import PASSWORD, AuthClient, status_of

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def whoami(client: AuthClient, access_token: str) -> pb.WhoAmIResponse:
    reply: pb.WhoAmIResponse = await client.stub.WhoAmI(
        pb.WhoAmIRequest(), metadata=bearer_metadata(access_token)
    )
    return reply


async def test_login_gives_a_token_that_the_published_keys_verify(auth_client: AuthClient) -> None:
    username = await auth_client.create_user(Role.TRADER)
    tokens = await auth_client.login(username)
    jwks = await auth_client.stub.GetJwks(pb.GetJwksRequest())
    claims = verify_access_token(
        tokens.access_token,
        verification_keys(jwks.jwks_json),
        Audience(jwks.issuer, auth_client.settings.auth_audience),
    )
    assert claims.subject == username
    assert claims.roles == {Role.TRADER}
    assert tokens.token_type == "Bearer"  # noqa: S105 - the OAuth token type
    assert list(tokens.roles) == [pb.ROLE_TRADER]
    assert tokens.access_token_expires_in_seconds == auth_client.settings.access_token_ttl_seconds
    assert tokens.refresh_token and tokens.refresh_token != tokens.access_token


async def test_the_key_set_holds_public_keys_only(auth_client: AuthClient) -> None:
    jwks = await auth_client.stub.GetJwks(pb.GetJwksRequest())
    keys = verification_keys(jwks.jwks_json)
    assert len(keys) == 1
    assert '"d"' not in jwks.jwks_json  # the private scalar of an EC or OKP JWK
    assert jwks.max_age_seconds == auth_client.settings.jwks_max_age_seconds


async def test_whoami_names_the_caller(auth_client: AuthClient) -> None:
    username = await auth_client.create_user(Role.VIEWER)
    reply = await whoami(auth_client, (await auth_client.login(username)).access_token)
    assert reply.subject == username
    assert list(reply.roles) == [pb.ROLE_VIEWER]
    assert reply.credential == pb.CREDENTIAL_KIND_ACCESS_TOKEN


@pytest.mark.parametrize(
    "metadata",
    [(), (("authorization", "Basic YWRtaW46YWRtaW4="),), (("authorization", "Bearer x.y.z"),)],
    ids=["none", "basic", "garbage"],
)
async def test_whoami_without_a_valid_credential_is_unauthenticated(
    auth_client: AuthClient, metadata: tuple[tuple[str, str], ...]
) -> None:
    call = auth_client.stub.WhoAmI(pb.WhoAmIRequest(), metadata=metadata)
    assert await status_of(call) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_wrong_password_and_an_unknown_user_look_the_same(auth_client: AuthClient) -> None:
    username = await auth_client.create_user(Role.VIEWER)
    wrong = auth_client.stub.Login(pb.LoginRequest(username=username, password=PASSWORD + "!"))
    unknown = auth_client.stub.Login(pb.LoginRequest(username="nobody-here", password=PASSWORD))
    with pytest.raises(grpc.aio.AioRpcError) as wrong_failure:
        await wrong
    with pytest.raises(grpc.aio.AioRpcError) as unknown_failure:
        await unknown
    assert wrong_failure.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert unknown_failure.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert wrong_failure.value.details() == unknown_failure.value.details()


@pytest.mark.parametrize(
    ("username", "password"), [("", PASSWORD), ("someone", ""), ("someone", "p" * 257)]
)
async def test_login_with_a_missing_or_oversized_field_is_invalid(
    auth_client: AuthClient, username: str, password: str
) -> None:
    call = auth_client.stub.Login(pb.LoginRequest(username=username, password=password))
    assert await status_of(call) == grpc.StatusCode.INVALID_ARGUMENT


async def test_refresh_rotates_the_refresh_token(auth_client: AuthClient) -> None:
    username = await auth_client.create_user(Role.TRADER)
    first = await auth_client.login(username)
    second = await auth_client.stub.Refresh(pb.RefreshRequest(refresh_token=first.refresh_token))
    third = await auth_client.stub.Refresh(pb.RefreshRequest(refresh_token=second.refresh_token))
    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    assert (await whoami(auth_client, third.access_token)).subject == username


async def test_reusing_a_refresh_token_revokes_its_whole_family(auth_client: AuthClient) -> None:
    username = await auth_client.create_user(Role.TRADER)
    stolen = await auth_client.login(username)
    other_login = await auth_client.login(username)
    current = await auth_client.stub.Refresh(pb.RefreshRequest(refresh_token=stolen.refresh_token))

    reuse = auth_client.stub.Refresh(pb.RefreshRequest(refresh_token=stolen.refresh_token))
    assert await status_of(reuse) == grpc.StatusCode.UNAUTHENTICATED

    newest = auth_client.stub.Refresh(pb.RefreshRequest(refresh_token=current.refresh_token))
    assert await status_of(newest) == grpc.StatusCode.UNAUTHENTICATED
    assert await status_of(whoami(auth_client, current.access_token)) == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    # Another login of the same user is another family, untouched.
    assert (await whoami(auth_client, other_login.access_token)).subject == username
    await auth_client.stub.Refresh(pb.RefreshRequest(refresh_token=other_login.refresh_token))


async def test_logout_revokes_the_refresh_token_and_its_access_tokens(
    auth_client: AuthClient,
) -> None:
    tokens = await auth_client.login(await auth_client.create_user(Role.VIEWER))
    await auth_client.stub.Logout(pb.LogoutRequest(refresh_token=tokens.refresh_token))
    refresh = auth_client.stub.Refresh(pb.RefreshRequest(refresh_token=tokens.refresh_token))
    assert await status_of(refresh) == grpc.StatusCode.UNAUTHENTICATED
    assert await status_of(whoami(auth_client, tokens.access_token)) == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    await auth_client.stub.Logout(pb.LogoutRequest(refresh_token=tokens.refresh_token))


@pytest.mark.parametrize("method", ["Refresh", "Logout"])
async def test_an_unknown_refresh_token_is_unauthenticated(
    auth_client: AuthClient, method: str
) -> None:
    token = "A" * 43  # the shape of a refresh token, never issued
    request = pb.RefreshRequest if method == "Refresh" else pb.LogoutRequest
    call = getattr(auth_client.stub, method)(request(refresh_token=token))
    assert await status_of(call) == grpc.StatusCode.UNAUTHENTICATED


async def test_logins_over_the_budget_are_refused_with_a_retry_time(
    auth_client: AuthClient,
) -> None:
    username = await auth_client.create_user(Role.VIEWER)
    for _ in range(auth_client.settings.login_attempts):
        await auth_client.login(username)
    call = auth_client.stub.Login(pb.LoginRequest(username=username, password=PASSWORD))
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    retry_ms = dict(failure.value.trailing_metadata() or ())[RETRY_AFTER_METADATA]
    assert 0 < int(retry_ms) <= auth_client.settings.login_window_seconds * 1000
    other = await auth_client.create_user(Role.VIEWER)
    assert (await auth_client.login(other)).access_token
