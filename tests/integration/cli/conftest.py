"""A MarketData server and an Auth server on port 0 against the real servers, with chains
stored by a real enricher, for running the command-line client against.

The servers run on their own event loops in background threads, so a test calls the client's
blocking ``main([...])`` directly, as a user's shell would. The client keeps its session in a
configuration directory of the test's own; ``viewer_session`` stores one with a viewer's token
of the session's token authority, whose key also signs the Auth server's tokens.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from pydantic import SecretStr

from deltastream.auth import AuthSettings, Role
from deltastream.auth import server as auth_server
from deltastream.cli.session import Session, SessionStore, session_directory
from deltastream.embedded import EmbeddedUrls
from deltastream.feed.publisher import TickPublisher
from deltastream.grpcutil import RunningServer
from deltastream.marketdata.server import create_server
from deltastream.marketdata.settings import MarketDataSettings
from tests.conftest import TokenAuthority
from tests.integration.alerts import conftest as alerts_fixtures
from tests.integration.analytics import conftest as analytics_fixtures
from tests.integration.analytics.serving import ServerThread
from tests.integration.pipeline import conftest as pipeline
from tests.integration.pipeline.chains import priced_chain, spot_tick
from tests.integration.pipeline.conftest import Consumer, MakeConsumer

START_SECONDS = 30.0
ADMIN_PASSWORD = "cli-admin-password"  # noqa: S105 - a test user's password
HOUR = 3600.0
T = TypeVar("T")

# The pipeline tests' fixtures: a database with the store's indexes, and enricher consumers.
mongo_db = pipeline.mongo_db
make_consumer = pipeline.make_consumer
# An Analytics server; an Alerts server with an evaluator stepped by the test.
analytics_server = analytics_fixtures.analytics_server
alerts_settings = alerts_fixtures.alerts_settings
alerts_server = alerts_fixtures.alerts_server
evaluation = alerts_fixtures.evaluation


@dataclass
class Market:
    """Publishes priced chains of one underlying and has the enricher store them."""

    underlying: str
    publisher: TickPublisher
    consumer: Consumer

    def publish(self, expiry: dt.date, *, spot: float = 24_000.0, sigma: float = 0.18) -> None:
        quotes = priced_chain(self.underlying, expiry, spot=spot, sigma=sigma)
        self.publisher.publish([spot_tick(self.underlying, spot), *quotes])
        self.consumer.drain()


@pytest.fixture
def market(redis_client: redis.Redis, make_consumer: MakeConsumer, underlying: str) -> Market:
    return Market(underlying, TickPublisher(redis_client, 10_000), make_consumer([underlying], "e"))


class MarketDataServer:
    """A MarketData server on its own event loop in a background thread."""

    def __init__(self, settings: MarketDataSettings) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="marketdata")
        self._thread.start()
        self._running: RunningServer | None = self._call(create_server(settings))
        self.target = f"127.0.0.1:{self._running.port}"

    def stop(self) -> None:
        """Stop the server (ending every call) and its loop; later calls do nothing."""
        if self._running is None:
            return
        running, self._running = self._running, None
        self._call(running.stop(0))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_SECONDS)
        self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(START_SECONDS)


@pytest.fixture
def marketdata(
    server_settings: dict[str, Any], underlying: str, market: Market
) -> Iterator[MarketDataServer]:
    """A MarketData server serving this test's database and underlying."""
    settings = MarketDataSettings(**server_settings, underlyings=[underlying])
    server = MarketDataServer(settings)
    yield server
    server.stop()


@pytest.fixture
def marketdata_target(marketdata: MarketDataServer) -> str:
    """host:port of the MarketData server."""
    return marketdata.target


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The client's configuration directory, empty, and no credential from the environment."""
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    for name in ("DELTASTREAM_API_KEY", "DELTASTREAM_AUTH_TARGET", "DELTASTREAM_USER"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def session_store(config_home: Path) -> SessionStore:
    return SessionStore(session_directory(os.environ))


def store_session(
    store: SessionStore, authority: TokenAuthority, role: Role, subject: str
) -> Session:
    """Store a session with an access token of ``role`` (and no Auth server behind it)."""
    now = time.time()
    token = authority.token(role, subject=subject)
    session = Session("127.0.0.1:9", subject, (role.label,), token, now + HOUR, "-", now + HOUR)
    store.save(session)
    return session


@pytest.fixture
def viewer_session(session_store: SessionStore, token_authority: TokenAuthority) -> Session:
    """A stored session with a viewer's access token (and no Auth server behind it)."""
    return store_session(session_store, token_authority, Role.VIEWER, "cli-viewer")


@pytest.fixture
def trader_session(session_store: SessionStore, token_authority: TokenAuthority) -> Session:
    """A stored session with a trader's access token, for a subject of this test's own."""
    subject = f"cli-trader-{uuid.uuid4().hex[:8]}"
    return store_session(session_store, token_authority, Role.TRADER, subject)


@dataclass(frozen=True)
class AuthServer:
    """A running Auth server and its bootstrap admin."""

    target: str
    admin: str
    password: str


@pytest.fixture
def auth(
    server_urls: EmbeddedUrls, mongo_db_name: str, token_authority: TokenAuthority
) -> Iterator[AuthServer]:
    """An Auth server signing with the token authority's key, so MarketData trusts its tokens.

    Its admin's name is the test's own: login budgets are per user name in the shared Redis.
    """
    admin = f"admin-{uuid.uuid4().hex[:8]}"
    settings = AuthSettings(
        redis_url=server_urls.redis_url,
        mongo_uri=SecretStr(server_urls.mongo_uri),
        mongo_db=mongo_db_name,
        grpc_host="127.0.0.1",
        grpc_port=0,
        metrics_port=0,
        auth_private_key=token_authority.private_pem,
        auth_bootstrap_admin=admin,
        auth_bootstrap_password=SecretStr(ADMIN_PASSWORD),
        password_time_cost=1,
        password_memory_kib=64,
        password_parallelism=1,
    )
    server = ServerThread(auth_server.create_server(settings))
    yield AuthServer(server.target, admin, ADMIN_PASSWORD)
    server.stop()
