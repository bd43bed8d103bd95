"""The platform behind the gateway, once per test session: Auth, MarketData, Analytics and
Alerts on their real ``create_server``, chains stored by the real enricher from priced quotes,
and two gateways in front (one with a generous request budget, one with a tight one), all
against the embedded Valkey and SecantusDB (or the servers the environment names).

The session has its own database and its own underlying symbol, so it shares the servers with
every other test without meeting their data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pymongo
import pytest
import redis
from fastapi import FastAPI
from pydantic import SecretStr

from deltastream import bus, store
from deltastream.alerts.server import create_evaluator
from deltastream.alerts.server import create_server as create_alerts
from deltastream.alerts.settings import AlertsSettings
from deltastream.analytics.server import create_server as create_analytics
from deltastream.analytics.settings import AnalyticsSettings
from deltastream.auth import AuthSettings, Role, bearer_metadata, generate_development_key
from deltastream.auth.keys import SigningKey, load_signing_key
from deltastream.auth.server import create_server as create_auth
from deltastream.embedded import EmbeddedUrls
from deltastream.enricher.processing import Enricher, EnrichmentParameters
from deltastream.enricher.service import EnricherLoop
from deltastream.feed.publisher import TickPublisher
from deltastream.gateway import GatewaySettings, create_app
from deltastream.market.enrichment import ExpiryConvention
from deltastream.marketdata.server import create_server as create_marketdata
from deltastream.marketdata.settings import MarketDataSettings
from deltastream.settings import ServiceSettings
from deltastream.v1 import auth_pb2, auth_pb2_grpc
from tests.integration.gateway.market import Market
from tests.integration.gateway.servers import LoopThread, serve_app
from tests.integration.pipeline.chains import RATE, expiry_in

ADMIN = "gateway-admin"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test user's password
TIGHT_BUDGET = 5
GRPC_SERVER: dict[str, Any] = {"grpc_host": "127.0.0.1", "grpc_port": 0}


@dataclass
class Platform:
    url: str
    tight_url: str
    auth_target: str
    signing_key: SigningKey
    settings: GatewaySettings
    market: Market
    admin_token: str
    app: FastAPI
    servers: LoopThread

    @property
    def underlying(self) -> str:
        return self.market.underlying

    @property
    def expiry(self) -> str:
        return self.market.expiries[0].isoformat()

    def create_user(self, *roles: Role) -> str:
        """A new user with ``roles`` (password ``PASSWORD``); returns its name."""
        username = f"user-{uuid.uuid4().hex[:10]}"
        request = auth_pb2.CreateUserRequest(
            username=username, password=PASSWORD, roles=[f"ROLE_{role.name}" for role in roles]
        )
        with grpc.insecure_channel(self.auth_target) as channel:
            stub = auth_pb2_grpc.AuthStub(channel)  # type: ignore[no-untyped-call]
            stub.CreateUser(request, metadata=bearer_metadata(self.admin_token), timeout=10)
        return username

    def token_of(self, *roles: Role, url: str | None = None) -> str:
        """The access token of a new user with ``roles``, from the gateway's login."""
        return login(url or self.url, self.create_user(*roles))


def connection_settings(urls: EmbeddedUrls, database: str) -> dict[str, Any]:
    return {
        "redis_url": urls.redis_url,
        "mongo_uri": SecretStr(urls.mongo_uri),
        "mongo_db": database,
        "metrics_port": 0,
    }


def with_auth(settings_type: type[ServiceSettings], auth_target: str) -> dict[str, Any]:
    """The Auth service and a budget no test reaches, for a service whose settings check
    tokens (a service that does not check them has no such fields)."""
    if "auth_target" not in settings_type.model_fields:
        return {}
    return {"auth_target": auth_target, "rate_limit_requests": 1_000_000}


@pytest.fixture(scope="session")
def gateway_database(
    mongo_client: pymongo.MongoClient[dict[str, Any]],
) -> Iterator[pymongo.database.Database[dict[str, Any]]]:
    name = f"test_gateway_{uuid.uuid4().hex[:8]}"
    database = mongo_client[name]
    retention = dt.timedelta(days=1)
    store.ensure_indexes(database, snapshot_retention=retention, analytics_retention=retention)
    yield database
    mongo_client.drop_database(name)


@pytest.fixture(scope="session")
def session_redis(server_urls: EmbeddedUrls) -> Iterator[redis.Redis]:
    client = bus.connect(server_urls.redis_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def market(
    session_redis: redis.Redis, gateway_database: pymongo.database.Database[dict[str, Any]]
) -> Market:
    underlying = f"G{uuid.uuid4().hex[:8].upper()}"
    parameters = EnrichmentParameters(
        risk_free_rate=RATE,
        convention=ExpiryConvention(),
        snapshot_interval_seconds=0.0,
        enriched_max_length=1000,
        dead_letter_max_length=1000,
    )
    enricher = Enricher(session_redis, store.ChainStore(gateway_database), parameters)
    reader = bus.ConsumerGroupReader(
        session_redis, [bus.ticks_stream(underlying)], bus.ENRICHER_GROUP, "gw"
    )
    reader.ensure_group()
    loop = EnricherLoop(
        reader, enricher, batch_size=500, block_ms=50, claim_idle_ms=1, claim_interval_seconds=0
    )
    market = Market(
        underlying, [expiry_in(7), expiry_in(14)], TickPublisher(session_redis, 10_000), loop
    )
    market.publish()
    return market


def start_auth(servers: LoopThread, connection: dict[str, Any], key: SecretStr) -> str:
    """The Auth service with its bootstrap admin; returns its target."""
    settings = AuthSettings(
        **connection,
        **GRPC_SERVER,
        auth_private_key=key,
        auth_bootstrap_admin=ADMIN,
        auth_bootstrap_password=SecretStr(PASSWORD),
        password_time_cost=1,
        password_memory_kib=64,
        password_parallelism=1,
    )
    return f"127.0.0.1:{servers.start(create_auth(settings))}"


def start_services(
    servers: LoopThread, connection: dict[str, Any], auth_target: str, alerts: AlertsSettings
) -> dict[str, Any]:
    """MarketData, Analytics and Alerts; returns the gateway's settings that name them."""
    marketdata = MarketDataSettings(
        **connection,
        **GRPC_SERVER,
        **with_auth(MarketDataSettings, auth_target),
        underlyings=alerts.underlyings,
    )
    analytics = AnalyticsSettings(
        **connection, **GRPC_SERVER, **with_auth(AnalyticsSettings, auth_target)
    )
    return {
        "marketdata_target": f"127.0.0.1:{servers.start(create_marketdata(marketdata))}",
        "analytics_target": f"127.0.0.1:{servers.start(create_analytics(analytics))}",
        "alerts_target": f"127.0.0.1:{servers.start(create_alerts(alerts))}",
    }


def login(url: str, username: str) -> str:
    reply = httpx.post(
        f"{url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    reply.raise_for_status()
    token: str = reply.json()["access_token"]
    return token


@pytest.fixture(scope="session")
def platform(
    server_urls: EmbeddedUrls,
    session_redis: redis.Redis,
    gateway_database: pymongo.database.Database[dict[str, Any]],
    market: Market,
) -> Iterator[Platform]:
    connection = connection_settings(server_urls, gateway_database.name)
    signing_key = generate_development_key()
    servers = LoopThread()
    try:
        auth_target = start_auth(servers, connection, signing_key)
        alerts = AlertsSettings(
            **connection,
            **GRPC_SERVER,
            **with_auth(AlertsSettings, auth_target),
            underlyings=[market.underlying],
            rules_refresh_seconds=0.0,
            block_ms=10,
        )
        targets = start_services(servers, connection, auth_target, alerts)
        market.evaluator = create_evaluator(alerts, gateway_database, session_redis)
        settings = GatewaySettings(
            **connection,
            **targets,
            auth_target=auth_target,
            rate_limit_requests=1_000_000,
            websocket_auth_timeout_seconds=2.0,
        )
        tight = settings.model_copy(update={"rate_limit_requests": TIGHT_BUDGET})
        app = create_app(settings)
        url = f"http://127.0.0.1:{servers.start(serve_app(app))}"
        tight_url = f"http://127.0.0.1:{servers.start(serve_app(create_app(tight)))}"
        yield Platform(
            url,
            tight_url,
            auth_target,
            load_signing_key(signing_key),
            settings,
            market,
            login(url, ADMIN),
            app,
            servers,
        )
    finally:
        market.evaluator = None
        servers.stop()


@pytest.fixture(scope="session")
def viewer_token(platform: Platform) -> str:
    return platform.token_of(Role.VIEWER)


@pytest.fixture(scope="session")
def trader_token(platform: Platform) -> str:
    return platform.token_of(Role.TRADER)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
