"""Builds the Analytics gRPC server: servicer, error mapping, health and reflection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from pymongo import AsyncMongoClient

from deltastream.analytics.queries import AnalyticsQueries
from deltastream.analytics.servicer import AnalyticsServicer
from deltastream.analytics.settings import AnalyticsSettings
from deltastream.grpcutil import add_health_and_reflection, server_interceptors
from deltastream.v1 import analytics_pb2, analytics_pb2_grpc

SERVICE_NAME = analytics_pb2.DESCRIPTOR.services_by_name["Analytics"].full_name


@dataclass
class RunningServer:
    """A started server with what it owns; ``stop`` releases all of it."""

    server: grpc.aio.Server
    port: int
    mongo: AsyncMongoClient[dict[str, Any]]

    async def stop(self, grace: float) -> None:
        await self.server.stop(grace)
        await self.mongo.close()


async def create_server(settings: AnalyticsSettings) -> RunningServer:
    """Start the server on ``settings.grpc_port`` (0 = a free port, see ``.port``)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    server = grpc.aio.server(interceptors=server_interceptors())
    servicer = AnalyticsServicer(
        AnalyticsQueries(mongo[settings.mongo_db]), settings.iv_history_max_samples
    )
    analytics_pb2_grpc.add_AnalyticsServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    await add_health_and_reflection(server, [SERVICE_NAME])
    port = server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")
    await server.start()
    return RunningServer(server, port, mongo)
