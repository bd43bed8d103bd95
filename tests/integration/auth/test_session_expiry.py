"""Session rules that need a clock: an expired refresh token, against the real database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pymongo
import pytest
import pytest_asyncio
import redis.asyncio
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from deltastream.auth.keys import load_signing_key
from deltastream.auth.registry import CredentialRegistry
from deltastream.auth.roles import Role
from deltastream.auth.sessions import Lifetimes, Sessions
from deltastream.auth.store import USERS, AuthStore, UserRecord
from deltastream.auth.tokens import Audience
from deltastream.embedded import EmbeddedUrls
from deltastream.errors import UnauthenticatedError

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

LIFETIMES = Lifetimes(dt.timedelta(minutes=5), dt.timedelta(hours=1))


class Clock:
    """Starts at the real time (so MongoDB's TTL monitor never removes what the test reads)
    and moves only when the test says so."""

    def __init__(self) -> None:
        self.start = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.now = self.start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest_asyncio.fixture
async def store(server_urls: EmbeddedUrls, mongo_db_name: str) -> AsyncIterator[AuthStore]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        server_urls.mongo_uri, tz_aware=True
    )
    store = AuthStore(client[mongo_db_name])
    await store.ensure_indexes()
    now = dt.datetime.now(dt.UTC)
    await store.insert_user(UserRecord("asha", "unused-hash", frozenset({Role.VIEWER}), now))
    yield store
    await client.close()


@pytest_asyncio.fixture
async def registry(server_urls: EmbeddedUrls) -> AsyncIterator[CredentialRegistry]:
    client = redis.asyncio.Redis.from_url(server_urls.redis_url)
    yield CredentialRegistry(client)
    await client.aclose()


def sessions(
    store: AuthStore, registry: CredentialRegistry, key: SecretStr, clock: Clock
) -> Sessions:
    audience = Audience("https://auth.test", "deltastream-test")
    return Sessions(store, registry, load_signing_key(key), audience, LIFETIMES, clock)


async def test_a_refresh_token_expires_but_a_rotated_one_lives_on(
    store: AuthStore, registry: CredentialRegistry, signing_key: SecretStr
) -> None:
    clock = Clock()
    manager = sessions(store, registry, signing_key, clock)
    user = await store.find_user("asha")
    assert user is not None
    first = await manager.start(user)
    clock.now = clock.start + dt.timedelta(minutes=50)
    second = await manager.rotate(first.refresh_token)
    clock.now = clock.start + dt.timedelta(
        minutes=100
    )  # past the first's lifetime, within the second's
    third = await manager.rotate(second.refresh_token)
    clock.now += LIFETIMES.refresh_token + dt.timedelta(seconds=1)
    with pytest.raises(UnauthenticatedError, match="refresh token expired"):
        await manager.rotate(third.refresh_token)


async def test_a_deleted_user_cannot_refresh(
    store: AuthStore,
    registry: CredentialRegistry,
    signing_key: SecretStr,
    mongo_client: pymongo.MongoClient[dict[str, Any]],
    mongo_db_name: str,
) -> None:
    clock = Clock()
    manager = sessions(store, registry, signing_key, clock)
    await store.insert_user(UserRecord("ravi", "unused-hash", frozenset({Role.TRADER}), clock.now))
    user = await store.find_user("ravi")
    assert user is not None
    tokens = await manager.start(user)
    mongo_client[mongo_db_name][USERS].delete_one({"_id": "ravi"})
    with pytest.raises(UnauthenticatedError, match="no longer exists"):
        await manager.rotate(tokens.refresh_token)
