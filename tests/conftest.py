"""Fixtures shared by every test layer.

Servers are real: an embedded Valkey and SecantusDB are started once per session, unless
``DELTASTREAM_REDIS_URL`` and ``DELTASTREAM_MONGO_URI`` name real ones, in which case the same
tests run against those. Tests never flush a server: each uses its own database and its own
underlying symbols, so they can share one server, even a real one.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
import redis

from deltastream import bus
from deltastream.embedded import EmbeddedUrls, embedded_servers


def pytest_configure() -> None:
    """Keep sync and async tests from leaking event loops into each other.

    looptime's pytest plugin asks the event loop policy for the current loop in every test, and
    in a sync test on the main thread, with no loop set yet, Python 3.11's policy quietly creates
    one. The next pytest-asyncio test replaces that loop without closing it, and its
    ResourceWarning (an error here) then fails whichever test is running when it is collected.
    With the loop explicitly unset, the policy raises instead of creating one, which the plugin
    expects.
    """
    asyncio.set_event_loop(None)


@pytest.fixture(scope="session")
def server_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedUrls]:
    redis_url = os.environ.get("DELTASTREAM_REDIS_URL")
    mongo_uri = os.environ.get("DELTASTREAM_MONGO_URI")
    if redis_url and mongo_uri:
        yield EmbeddedUrls(redis_url=redis_url, mongo_uri=mongo_uri)
        return
    data_dir: Path = tmp_path_factory.mktemp("servers")
    with embedded_servers(data_dir) as urls:
        yield urls


@pytest.fixture
def redis_client(server_urls: EmbeddedUrls) -> Iterator[redis.Redis]:
    client = bus.connect(server_urls.redis_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def mongo_client(server_urls: EmbeddedUrls) -> Iterator[pymongo.MongoClient[dict[str, Any]]]:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        server_urls.mongo_uri, tz_aware=True
    )
    yield client
    client.close()


@pytest.fixture
def mongo_db_name(mongo_client: pymongo.MongoClient[dict[str, Any]]) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    mongo_client.drop_database(name)


@pytest.fixture
def underlying() -> str:
    """A symbol no other test uses, so its streams are this test's own."""
    return f"T{uuid.uuid4().hex[:10].upper()}"
