"""Builds the MarketData gRPC server: servicer, token checks (every method needs a viewer),
error mapping, health and reflection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import grpc
import redis.asyncio
from pymongo import AsyncMongoClient

from deltastream import auth
from deltastream.grpcutil import add_health_and_reflection, server_interceptors
from deltastream.marketdata.fanout import Fanout
from deltastream.marketdata.queries import ChainQueries
from deltastream.marketdata.servicer import MarketDataServicer
from deltastream.marketdata.settings import MarketDataSettings
from deltastream.v1 import market_data_pb2, market_data_pb2_grpc

SERVICE = market_data_pb2.DESCRIPTOR.services_by_name["MarketData"]
SERVICE_NAME = SERVICE.full_name
METHOD_ROLES = auth.method_roles(
    SERVICE,
    {
        "GetChain": auth.Role.VIEWER,
        "ListExpiries": auth.Role.VIEWER,
        "GetHistory": auth.Role.VIEWER,
        "Subscribe": auth.Role.VIEWER,
    },
)


@dataclass
class RunningServer:
    """A started server with what it owns; ``stop`` releases all of it."""

    server: grpc.aio.Server
    port: int
    fanout_task: asyncio.Task[None]
    mongo: AsyncMongoClient[dict[str, Any]]
    redis_client: redis.asyncio.Redis
    interceptor: auth.AuthInterceptor

    async def stop(self, grace: float) -> None:
        await self.server.stop(grace)
        await self.interceptor.close()
        self.fanout_task.cancel()
        await asyncio.gather(self.fanout_task, return_exceptions=True)
        await self.mongo.close()
        await self.redis_client.aclose()


async def create_server(settings: MarketDataSettings) -> RunningServer:
    """Start the server on ``settings.grpc_port`` (0 = a free port, see ``.port``)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url, decode_responses=False)
    fanout = Fanout(redis_client, settings.underlyings)
    interceptor = auth.auth_interceptor(settings, redis_client, METHOD_ROLES, scope="marketdata")
    server = grpc.aio.server(interceptors=server_interceptors(interceptor))
    servicer = MarketDataServicer(
        ChainQueries(mongo[settings.mongo_db], settings.expiry_convention()), fanout
    )
    market_data_pb2_grpc.add_MarketDataServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    await add_health_and_reflection(server, [SERVICE_NAME])
    port = server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")
    await server.start()
    fanout_task = asyncio.create_task(fanout.run(), name="enriched-fanout")
    return RunningServer(server, port, fanout_task, mongo, redis_client, interceptor)
