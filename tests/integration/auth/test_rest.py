"""The REST dependency on a real HTTP server (uvicorn on port 0) with tokens and API keys from
the running Auth service."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Annotated

import pytest
import pytest_asyncio
import redis.asyncio
import uvicorn
from fastapi import Depends, FastAPI

from deltastream import auth
from deltastream.auth import Principal, Role
from deltastream.auth.rest import STATE_ATTRIBUTE, require
from deltastream.v1 import auth_pb2 as pb
from tests.integration.auth.conftest import AuthClient, unique

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

BUDGET = 4
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Trader = Annotated[Principal, Depends(require(Role.TRADER))]


def application() -> FastAPI:
    app = FastAPI()

    @app.get("/quote")
    async def quote(caller: Viewer) -> dict[str, str]:
        return {"subject": caller.subject}

    @app.post("/trade")
    async def trade(caller: Trader) -> dict[str, str]:
        return {"subject": caller.subject}

    return app


@pytest_asyncio.fixture
async def base_url(auth_client: AuthClient) -> AsyncIterator[str]:
    settings = auth.TokenCheckSettings(
        redis_url=auth_client.settings.redis_url,
        auth_target=auth_client.target,
        rate_limit_requests=BUDGET,
    )
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url)
    app = application()
    setattr(
        app.state, STATE_ATTRIBUTE, auth.admission_for(settings, redis_client, scope=unique("rest"))
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving
    await redis_client.aclose()


async def fetch(
    url: str, headers: dict[str, str], method: str = "GET"
) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a request (in a thread: urllib blocks)."""

    def send() -> tuple[int, dict[str, str], str]:
        request = urllib.request.Request(url, headers=headers, method=method)  # noqa: S310 - a local test server
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    return await asyncio.to_thread(send)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_viewer_may_read_but_not_trade(base_url: str, auth_client: AuthClient) -> None:
    username = await auth_client.create_user(Role.VIEWER)
    headers = bearer((await auth_client.login(username)).access_token)
    status, _, body = await fetch(f"{base_url}/quote", headers)
    assert (status, json.loads(body)) == (200, {"subject": username})
    status, _, _ = await fetch(f"{base_url}/trade", headers, "POST")
    assert status == 403


async def test_an_api_key_of_a_trader_may_trade(base_url: str, auth_client: AuthClient) -> None:
    name = unique("desk")
    created = await auth_client.stub.CreateApiKey(
        pb.CreateApiKeyRequest(name=name, roles=[pb.ROLE_TRADER]),
        metadata=auth.bearer_metadata(auth_client.admin_token),
    )
    status, _, body = await fetch(f"{base_url}/trade", {"X-API-Key": created.key}, "POST")
    assert (status, json.loads(body)) == (200, {"subject": name})


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"X-API-Key": "dsk_nope"}],
    ids=["none", "bad-token", "bad-key"],
)
async def test_no_valid_credential_is_401_with_a_challenge(
    base_url: str, headers: dict[str, str]
) -> None:
    status, response_headers, _ = await fetch(f"{base_url}/quote", headers)
    assert status == 401
    assert {k.lower(): v for k, v in response_headers.items()}["www-authenticate"] == "Bearer"


async def test_over_the_budget_is_429_with_retry_after(
    base_url: str, auth_client: AuthClient
) -> None:
    headers = bearer(await auth_client.token_of(Role.VIEWER))
    for _ in range(BUDGET):
        assert (await fetch(f"{base_url}/quote", headers))[0] == 200
    status, response_headers, _ = await fetch(f"{base_url}/quote", headers)
    assert status == 429
    assert 1 <= int({k.lower(): v for k, v in response_headers.items()}["retry-after"]) <= 60
