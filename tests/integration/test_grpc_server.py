"""``grpcutil.start_server`` and ``RunningServer``: every service's server starts serving its
servicer, health and reflection on the port it reports, closes a response stream in the call's
own task when the client cancels it, and stops before it releases, in order, what it used."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from deltastream.grpcutil import (
    Release,
    RunningServer,
    StreamClosingInterceptor,
    server_interceptors,
    start_server,
)
from deltastream.v1 import market_data_pb2

pytestmark = [pytest.mark.integration]

SERVICE = market_data_pb2.DESCRIPTOR.services_by_name["MarketData"]


async def _health(target: str) -> health_pb2.HealthCheckResponse.ServingStatus.ValueType:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service=SERVICE.full_name)
        reply: health_pb2.HealthCheckResponse = await stub.Check(request, timeout=2)
    return reply.status


async def _listed_services(target: str) -> set[str]:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        async for reply in stub.ServerReflectionInfo(iter([request]), timeout=2):
            return {service.name for service in reply.list_services_response.service}
    return set()


@pytest.mark.asyncio
async def test_the_server_serves_health_and_reflection_on_the_port_it_reports() -> None:
    registered: list[grpc.aio.Server] = []
    server, port = await start_server("127.0.0.1", 0, SERVICE, registered.append)
    try:
        assert registered == [server]
        assert port > 0
        target = f"127.0.0.1:{port}"
        assert await _health(target) == health_pb2.HealthCheckResponse.SERVING
        assert SERVICE.full_name in await _listed_services(target)
    finally:
        await server.stop(0)


@pytest.mark.asyncio
async def test_stop_releases_in_order_once_the_server_no_longer_answers() -> None:
    server, port = await start_server("127.0.0.1", 0, SERVICE, lambda server: None)
    target = f"127.0.0.1:{port}"
    released: list[tuple[str, grpc.StatusCode | None]] = []

    def release(name: str) -> Release:
        async def run() -> None:
            try:
                await _health(target)
            except grpc.aio.AioRpcError as exc:
                released.append((name, exc.code()))
            else:
                released.append((name, None))

        return run

    await RunningServer(server, port, (release("tasks"), release("clients"))).stop(0)
    assert released == [
        ("tasks", grpc.StatusCode.UNAVAILABLE),
        ("clients", grpc.StatusCode.UNAVAILABLE),
    ]


_STREAM_METHOD = "/deltastream.test.Probe/Follow"
_CALL_VALUE: contextvars.ContextVar[str] = contextvars.ContextVar("call_value")


class _Follow:
    """A response stream that never ends by itself, and how it was closed."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()
        self.closed_in_its_own_task: bool | None = None
        self.context_restored: bool | None = None

    async def follow(self, request: bytes, context: object) -> AsyncIterator[bytes]:
        task = asyncio.current_task()
        token = _CALL_VALUE.set("set by the call")  # as a tracing wrapper attaches its span
        try:
            while True:
                yield bytes(64 * 1024)  # past the flow-control window: the server waits to write
        finally:
            self.closed_in_its_own_task = asyncio.current_task() is task
            try:
                _CALL_VALUE.reset(token)
                self.context_restored = True
            except ValueError:  # "created in a different Context"
                self.context_restored = False
            self.closed.set()

    def register(self, server: grpc.aio.Server) -> None:
        handler = grpc.unary_stream_rpc_method_handler(
            self.follow, request_deserializer=bytes, response_serializer=bytes
        )
        service, _, method = _STREAM_METHOD[1:].partition("/")
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(service, {method: handler}),)
        )


def test_the_stream_closer_wraps_every_other_interceptor() -> None:
    interceptors = server_interceptors()
    assert isinstance(interceptors[0], StreamClosingInterceptor)
    assert not any(isinstance(i, StreamClosingInterceptor) for i in interceptors[1:])


@pytest.mark.asyncio
async def test_a_stream_the_client_cancels_is_closed_in_the_calls_own_task() -> None:
    """The generator right inside the closer (in a server, the tracing interceptor's, which
    attaches the call's span across its ``yield``) is closed where it ran, so what it attached
    can be detached."""
    follow = _Follow()
    server = grpc.aio.server(interceptors=[StreamClosingInterceptor()])
    follow.register(server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            call: Any = channel.unary_stream(_STREAM_METHOD)(b"", timeout=10)
            assert len(await call.read()) == 64 * 1024
            call.cancel()
        await asyncio.wait_for(follow.closed.wait(), timeout=10)
    finally:
        await server.stop(0)
    assert follow.closed_in_its_own_task is True
    assert follow.context_restored is True
