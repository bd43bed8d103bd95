"""An Alerts server on port 0, an evaluator and a webhook deliverer driven step by step, and a
real enricher turning scripted prices into the enriched updates they evaluate. Callers are
traders of their own, each with a token of the session's token authority."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pymongo
import pytest
import redis

from deltastream.alerts.evaluation import AlertEvaluator
from deltastream.alerts.server import create_deliverer, create_evaluator, create_server
from deltastream.alerts.settings import AlertsSettings
from deltastream.alerts.webhooks import WebhookDeliverer
from deltastream.auth import Role
from deltastream.v1 import alerts_pb2_grpc
from tests.conftest import Metadata, TokenAuthority
from tests.integration.analytics import conftest as analytics
from tests.integration.analytics.serving import ServerThread
from tests.integration.pipeline import conftest as pipeline

# A database with the store's indexes, enricher consumers, and priced chains through them.
mongo_db = pipeline.mongo_db
make_consumer = pipeline.make_consumer
market = analytics.market


@pytest.fixture
def alerts_settings(server_settings: dict[str, Any], underlying: str) -> AlertsSettings:
    return AlertsSettings(
        **server_settings,
        underlyings=[underlying, "NIFTY", "BANKNIFTY"],
        consumer_name="evaluator-1",
        block_ms=20,
        rules_refresh_seconds=0.0,
        webhook_allow_private_addresses=True,
        webhook_backoff_seconds=0.05,
        webhook_timeout_seconds=2.0,
        webhook_max_attempts=3,
    )


@pytest.fixture
def alerts_server(alerts_settings: AlertsSettings) -> Iterator[ServerThread]:
    server = ServerThread(create_server(alerts_settings))
    yield server
    server.stop()


@pytest.fixture
def alerts(alerts_server: ServerThread) -> Iterator[alerts_pb2_grpc.AlertsStub]:
    with grpc.insecure_channel(alerts_server.target) as channel:
        yield alerts_pb2_grpc.AlertsStub(channel)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Evaluation:
    """The evaluator and the webhook deliverer, stepped by the test."""

    evaluator: AlertEvaluator
    deliverer: WebhookDeliverer

    def drain(self, max_steps: int = 50) -> int:
        handled = 0
        for _ in range(max_steps):
            count = self.evaluator.step()
            if count == 0:
                return handled
            handled += count
        raise AssertionError("the enriched stream did not drain")


@pytest.fixture
def evaluation(
    alerts_settings: AlertsSettings,
    mongo_db: pymongo.database.Database[dict[str, Any]],
    redis_client: redis.Redis,
    alerts_server: ServerThread,
) -> Evaluation:
    """Created before any update is published: the group starts at the stream's end."""
    return Evaluation(
        create_evaluator(alerts_settings, mongo_db, redis_client),
        create_deliverer(alerts_settings, mongo_db),
    )


@pytest.fixture
def desk(token_authority: TokenAuthority) -> Metadata:
    """The caller's metadata: a trader's token, for a subject of this test's own."""
    return token_authority.metadata(Role.TRADER, subject=f"desk-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def other_desk(token_authority: TokenAuthority) -> Metadata:
    """Another trader's metadata."""
    return token_authority.metadata(Role.TRADER, subject=f"other-{uuid.uuid4().hex[:8]}")
