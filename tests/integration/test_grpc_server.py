"""``grpcutil.start_server`` and ``RunningServer``: every service's server starts serving its
servicer, health and reflection on the port it reports, and stops before it releases, in
order, what it used."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from deltastream.grpcutil import Release, RunningServer, start_server
from deltastream.v1 import market_data_pb2

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

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
