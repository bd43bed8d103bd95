"""Builds the MarketData gRPC server: servicer, token checks (every method needs a viewer),
error mapping, health and reflection."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import redis.asyncio
from pymongo import AsyncMongoClient

from deltastream import auth
from deltastream.grpcutil import RunningServer, cancel_task, start_server
from deltastream.marketdata.fanout import Fanout
from deltastream.marketdata.queries import ChainQueries
from deltastream.marketdata.servicer import MarketDataServicer
from deltastream.marketdata.settings import MarketDataSettings
from deltastream.v1 import market_data_pb2, market_data_pb2_grpc

SERVICE = market_data_pb2.DESCRIPTOR.services_by_name["MarketData"]
METHOD_ROLES = auth.method_roles(
    SERVICE,
    {
        "GetChain": auth.Role.VIEWER,
        "ListExpiries": auth.Role.VIEWER,
        "GetHistory": auth.Role.VIEWER,
        "Subscribe": auth.Role.VIEWER,
    },
)


async def create_server(settings: MarketDataSettings) -> RunningServer:
    """Start the server on ``settings.grpc_port`` (0 = a free port, see ``.port``)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url, decode_responses=False)
    fanout = Fanout(redis_client, settings.underlyings)
    interceptor = auth.auth_interceptor(settings, redis_client, METHOD_ROLES, scope="marketdata")
    servicer = MarketDataServicer(
        ChainQueries(mongo[settings.mongo_db], settings.expiry_convention()), fanout
    )
    server, port = await start_server(
        settings.grpc_host,
        settings.grpc_port,
        SERVICE,
        partial(market_data_pb2_grpc.add_MarketDataServicer_to_server, servicer),
        interceptor,
    )
    fanout_task = asyncio.create_task(fanout.run(), name="enriched-fanout")
    return RunningServer(
        server,
        port,
        (
            interceptor.close,
            lambda: cancel_task(fanout_task),
            mongo.close,
            redis_client.aclose,
        ),
    )
