"""Builds the Alerts gRPC server (servicer, token checks, error mapping, health and
reflection), and the evaluator and webhook deliverer that the service runs beside it.

A viewer may read its own rules and events; creating and deleting rules takes a trader. Rules
and events belong to the authenticated caller (``auth.current_principal().subject``)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pymongo
import redis
import redis.asyncio
from pymongo import AsyncMongoClient

from deltastream import auth, bus
from deltastream.alerts import model
from deltastream.alerts.evaluation import (
    ALERTS_GROUP,
    AlertEvaluator,
    EventOutbox,
    RuleBook,
    ensure_group_from_now,
)
from deltastream.alerts.queries import AlertQueries, ensure_indexes
from deltastream.alerts.servicer import AlertsServicer, RulePolicy
from deltastream.alerts.settings import AlertsSettings
from deltastream.alerts.webhooks import WebhookDeliverer, WebhookPolicy
from deltastream.grpcutil import RunningServer, start_server
from deltastream.v1 import alerts_pb2, alerts_pb2_grpc

SERVICE = alerts_pb2.DESCRIPTOR.services_by_name["Alerts"]
METHOD_ROLES = auth.method_roles(
    SERVICE,
    {
        "CreateRule": auth.Role.TRADER,
        "DeleteRule": auth.Role.TRADER,
        "ListRules": auth.Role.VIEWER,
        "ListEvents": auth.Role.VIEWER,
        "StreamEvents": auth.Role.VIEWER,
    },
)

Document = dict[str, Any]


async def create_server(settings: AlertsSettings) -> RunningServer:
    """Start the server on ``settings.grpc_port`` (0 = a free port, see ``.port``)."""
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    db = mongo[settings.mongo_db]
    await ensure_indexes(db)
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url, decode_responses=False)
    policy = RulePolicy(
        default_cooldown_seconds=settings.default_cooldown_seconds,
        allow_private_webhooks=settings.webhook_allow_private_addresses,
        underlyings=frozenset(settings.underlyings),
    )
    interceptor = auth.auth_interceptor(settings, redis_client, METHOD_ROLES, scope="alerts")
    servicer = AlertsServicer(AlertQueries(db), redis_client, policy)
    server, port = await start_server(
        settings.grpc_host,
        settings.grpc_port,
        SERVICE,
        partial(alerts_pb2_grpc.add_AlertsServicer_to_server, servicer),
        interceptor,
    )
    return RunningServer(server, port, (interceptor.close, mongo.close, redis_client.aclose))


def create_evaluator(
    settings: AlertsSettings, db: pymongo.database.Database[Document], redis_client: redis.Redis
) -> AlertEvaluator:
    """The evaluator over the ``alerts`` group of the configured underlyings' streams."""
    streams = [bus.enriched_stream(underlying) for underlying in settings.underlyings]
    ensure_group_from_now(redis_client, streams)
    reader = bus.ConsumerGroupReader(redis_client, streams, ALERTS_GROUP, settings.consumer_name)
    return AlertEvaluator(
        reader,
        RuleBook(db[model.RULES], settings.rules_refresh_seconds),
        EventOutbox(db[model.EVENTS], redis_client, settings.events_max_length),
        batch_size=settings.batch_size,
        block_ms=settings.block_ms,
    )


def create_deliverer(
    settings: AlertsSettings, db: pymongo.database.Database[Document]
) -> WebhookDeliverer:
    policy = WebhookPolicy(
        timeout_seconds=settings.webhook_timeout_seconds,
        max_attempts=settings.webhook_max_attempts,
        backoff_seconds=settings.webhook_backoff_seconds,
        backoff_max_seconds=settings.webhook_backoff_max_seconds,
        allow_private_addresses=settings.webhook_allow_private_addresses,
    )
    return WebhookDeliverer(db[model.EVENTS], db[model.RULES], policy)
