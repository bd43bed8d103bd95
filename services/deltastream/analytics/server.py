"""Builds the Analytics gRPC server: servicer, token checks (every method needs a viewer),
error mapping, health and reflection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import redis.asyncio
from pymongo import AsyncMongoClient

from deltastream import auth
from deltastream.analytics.queries import AnalyticsQueries
from deltastream.analytics.servicer import AnalyticsServicer
from deltastream.analytics.settings import AnalyticsSettings
from deltastream.grpcutil import add_health_and_reflection, server_interceptors
from deltastream.v1 import analytics_pb2, analytics_pb2_grpc

SERVICE = analytics_pb2.DESCRIPTOR.services_by_name["Analytics"]
SERVICE_NAME = SERVICE.full_name
METHOD_ROLES = auth.method_roles(
    SERVICE,
    {
        "GetChainAnalytics": auth.Role.VIEWER,
        "GetHistory": auth.Role.VIEWER,
        "GetTermStructure": auth.Role.VIEWER,
        "GetSurface": auth.Role.VIEWER,
    },
)


@dataclass
class RunningServer:
    """A started server with what it owns; ``stop`` releases all of it."""

    server: grpc.aio.Server
    port: int
    mongo: AsyncMongoClient[dict[str, Any]]
    redis_client: redis.asyncio.Redis
    interceptor: auth.AuthInterceptor

    async def stop(self, grace: float) -> None:
        await self.server.stop(grace)
        await self.interceptor.close()
        await self.mongo.close()
        await self.redis_client.aclose()


async def create_server(settings: AnalyticsSettings) -> RunningServer:
    """Start the server on ``settings.grpc_port`` (0 = a free port, see ``.port``)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url, decode_responses=False)
    interceptor = auth.auth_interceptor(settings, redis_client, METHOD_ROLES, scope="analytics")
    server = grpc.aio.server(interceptors=server_interceptors(interceptor))
    servicer = AnalyticsServicer(
        AnalyticsQueries(mongo[settings.mongo_db]), settings.iv_history_max_samples
    )
    analytics_pb2_grpc.add_AnalyticsServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    await add_health_and_reflection(server, [SERVICE_NAME])
    port = server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")
    await server.start()
    return RunningServer(server, port, mongo, redis_client, interceptor)
