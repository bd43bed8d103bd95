"""Builds the MarketData gRPC server: servicer, token checks (every method needs a viewer),
error mapping, health and reflection."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import grpc
import redis.asyncio
from google.protobuf import message_factory
from pymongo import AsyncMongoClient

from deltastream import auth
from deltastream.grpcutil import RunningServer, cancel_task, start_server
from deltastream.marketdata.encoding import serialize_response
from deltastream.marketdata.fanout import Fanout
from deltastream.marketdata.queries import ChainQueries
from deltastream.marketdata.servicer import MarketDataServicer
from deltastream.marketdata.settings import MarketDataSettings
from deltastream.v1 import market_data_pb2

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


def add_servicer(servicer: MarketDataServicer, server: grpc.aio.Server) -> None:
    """``add_MarketDataServicer_to_server``, generated, but with Subscribe's serializer taking
    the updates the servicer has encoded already (``encoding``)."""
    handlers = {}
    for method in SERVICE.methods:
        request = message_factory.GetMessageClass(method.input_type)
        response = message_factory.GetMessageClass(method.output_type)
        handler = (
            grpc.unary_stream_rpc_method_handler
            if method.server_streaming
            else grpc.unary_unary_rpc_method_handler
        )
        handlers[method.name] = handler(
            getattr(servicer, method.name),
            request_deserializer=request.FromString,
            response_serializer=(
                serialize_response if method.name == "Subscribe" else response.SerializeToString
            ),
        )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),)
    )
    server.add_registered_method_handlers(SERVICE.full_name, handlers)


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
        partial(add_servicer, servicer),
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
