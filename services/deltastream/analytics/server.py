"""Builds the Analytics gRPC server: servicer, token checks (every method needs a viewer),
error mapping, health and reflection."""

from __future__ import annotations

from functools import partial
from typing import Any

import redis.asyncio
from pymongo import AsyncMongoClient

from deltastream import auth
from deltastream.analytics.queries import AnalyticsQueries
from deltastream.analytics.servicer import AnalyticsServicer
from deltastream.analytics.settings import AnalyticsSettings
from deltastream.grpcutil import RunningServer, start_server
from deltastream.v1 import analytics_pb2, analytics_pb2_grpc

SERVICE = analytics_pb2.DESCRIPTOR.services_by_name["Analytics"]
METHOD_ROLES = auth.method_roles(
    SERVICE,
    {
        "GetChainAnalytics": auth.Role.VIEWER,
        "GetHistory": auth.Role.VIEWER,
        "GetTermStructure": auth.Role.VIEWER,
        "GetSurface": auth.Role.VIEWER,
    },
)


async def create_server(settings: AnalyticsSettings) -> RunningServer:
    """Start the server on ``settings.grpc_port`` (0 = a free port, see ``.port``)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url, decode_responses=False)
    interceptor = auth.auth_interceptor(settings, redis_client, METHOD_ROLES, scope="analytics")
    servicer = AnalyticsServicer(
        AnalyticsQueries(mongo[settings.mongo_db], settings.expiry_convention()),
        settings.iv_history_max_samples,
    )
    server, port = await start_server(
        settings.grpc_host,
        settings.grpc_port,
        SERVICE,
        partial(analytics_pb2_grpc.add_AnalyticsServicer_to_server, servicer),
        interceptor,
    )
    return RunningServer(server, port, (interceptor.close, mongo.close, redis_client.aclose))
