"""Who may call what, over real HTTP: every authenticated route refuses a missing, expired,
forged or tampered token; a viewer cannot use a trader's route; a desk's API key works; a
caller over its budget gets 429 with Retry-After, and so does a login attempted too often."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc
import httpx
import pytest

from deltastream.auth import Role, bearer_metadata, generate_development_key
from deltastream.auth.keys import SigningKey, load_signing_key
from deltastream.auth.tokens import Audience, issue_access_token
from deltastream.gateway import GatewaySettings, create_app
from deltastream.v1 import auth_pb2, auth_pb2_grpc
from tests.integration.gateway.conftest import PASSWORD, TIGHT_BUDGET, Platform, bearer

pytestmark = pytest.mark.integration

SCHEMA = create_app(GatewaySettings()).openapi()
PROTECTED = sorted(
    (method.upper(), path)
    for path, operations in SCHEMA["paths"].items()
    for method, operation in operations.items()
    if operation.get("security")
)


def sign(
    platform: Platform,
    *,
    key: SigningKey | None = None,
    age: dt.timedelta = dt.timedelta(0),
    roles: frozenset[Role] = frozenset({Role.ADMIN}),
) -> str:
    """A token of the platform's issuer and audience, signed by ``key`` (the platform's own
    by default), issued ``age`` ago for five minutes."""
    settings = platform.settings
    return issue_access_token(
        key or platform.signing_key,
        Audience(settings.auth_issuer, settings.auth_audience),
        subject="mallory",
        roles=roles,
        session_id="",
        now=dt.datetime.now(dt.UTC) - age,
        lifetime=dt.timedelta(minutes=5),
    )


def call(platform: Platform, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    """A request to a route with placeholder path values and a body of the right shape."""
    url = platform.url + path.format(underlying=platform.underlying, rule_id="0" * 32)
    body: dict[str, Any] | None = None
    if method == "POST":
        body = {"kind": "price", "underlying": platform.underlying, "threshold": 1.0}
        body["direction"] = "above"
    return httpx.request(method, url, headers=headers, json=body)


def test_the_schema_protects_the_api_but_not_login(platform: Platform) -> None:
    paths = {path for _, path in PROTECTED}
    assert "/api/v1/chains/{underlying}" in paths and "/api/v1/alerts/rules/{rule_id}" in paths
    assert not paths & {"/api/v1/auth/login", "/api/v1/auth/refresh", "/healthz", "/metrics"}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_credential_is_401_with_a_challenge(platform: Platform, method: str, path: str) -> None:
    reply = call(platform, method, path, {})
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"] == "Bearer"
    assert reply.json()["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_an_expired_or_forged_token_is_401(platform: Platform, method: str, path: str) -> None:
    impostor = load_signing_key(generate_development_key())
    forged = SigningKey(impostor.private_key, impostor.algorithm, platform.signing_key.key_id)
    for token in (sign(platform, age=dt.timedelta(hours=1)), sign(platform, key=forged)):
        assert call(platform, method, path, bearer(token)).status_code == 401


def test_a_token_with_its_roles_rewritten_is_401(platform: Platform, viewer_token: str) -> None:
    header, _, signature = viewer_token.split(".")
    _, payload, _ = sign(platform).split(".")  # an admin's claims under the viewer's signature
    reply = call(platform, "GET", "/api/v1/auth/me", bearer(f"{header}.{payload}.{signature}"))
    assert reply.status_code == 401


def test_a_token_of_the_platforms_key_is_accepted(platform: Platform) -> None:
    """The counterpart of the refusals above: the same token, fresh, gets in."""
    reply = call(platform, "GET", f"/api/v1/chains/{platform.underlying}", bearer(sign(platform)))
    assert reply.status_code == 200


def test_a_logged_out_sessions_token_is_401(platform: Platform) -> None:
    username = platform.create_user(Role.VIEWER)
    auth = f"{platform.url}/api/v1/auth"
    tokens = httpx.post(f"{auth}/login", json={"username": username, "password": PASSWORD}).json()
    assert httpx.get(f"{auth}/me", headers=bearer(tokens["access_token"])).status_code == 200
    httpx.post(f"{auth}/logout", json={"refresh_token": tokens["refresh_token"]})
    assert httpx.get(f"{auth}/me", headers=bearer(tokens["access_token"])).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/v1/alerts/rules"), ("DELETE", "/api/v1/alerts/rules/x")]
)
def test_a_viewer_on_a_traders_route_is_403(
    platform: Platform, viewer_token: str, method: str, path: str
) -> None:
    reply = call(platform, method, path, bearer(viewer_token))
    assert reply.status_code == 403
    assert reply.json()["code"] == "PERMISSION_DENIED"


def test_a_traders_api_key_works_and_is_forwarded(platform: Platform) -> None:
    with grpc.insecure_channel(platform.auth_target) as channel:
        stub = auth_pb2_grpc.AuthStub(channel)  # type: ignore[no-untyped-call]
        created = stub.CreateApiKey(
            auth_pb2.CreateApiKeyRequest(name="desk-gateway", roles=[auth_pb2.ROLE_TRADER]),
            metadata=bearer_metadata(platform.admin_token),
            timeout=10,
        )
    me = httpx.get(f"{platform.url}/api/v1/auth/me", headers={"X-API-Key": created.key})
    assert me.json() == {"subject": "desk-gateway", "roles": ["trader"], "credential": "api_key"}


def test_over_the_budget_is_429_with_retry_after(platform: Platform) -> None:
    token = platform.token_of(Role.VIEWER, url=platform.tight_url)
    url = f"{platform.tight_url}/api/v1/chains/{platform.underlying}/expiries"
    statuses = [httpx.get(url, headers=bearer(token)).status_code for _ in range(TIGHT_BUDGET + 1)]
    assert statuses == [200] * TIGHT_BUDGET + [429]
    refused = httpx.get(url, headers=bearer(token))
    assert refused.json()["code"] == "RESOURCE_EXHAUSTED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_a_login_tried_too_often_is_429_with_retry_after(platform: Platform) -> None:
    username = platform.create_user(Role.VIEWER)
    login = f"{platform.url}/api/v1/auth/login"
    replies = [
        httpx.post(login, json={"username": username, "password": "wrong password!"})
        for _ in range(12)
    ]
    assert replies[0].status_code == 401
    assert replies[-1].status_code == 429
    assert int(replies[-1].headers["retry-after"]) >= 1
