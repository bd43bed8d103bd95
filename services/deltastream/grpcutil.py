"""gRPC server plumbing shared by every service: one interceptor maps DeltaStream errors to
status codes, every server is traced and measured, its response streams are closed in the
call's own task, and it gets the standard health and reflection services; ``start_server``
builds and starts a server so, and ``RunningServer`` stops it and then releases what it used."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor, filters

from deltastream.errors import (
    AlreadyExistsError,
    DeltaStreamError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
    UnavailableError,
)
from deltastream.grpchandlers import rewrapped
from deltastream.grpcmetrics import ServerMetricsInterceptor

_STATUS_OF: tuple[tuple[type[DeltaStreamError], grpc.StatusCode], ...] = (
    (InvalidArgumentError, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFoundError, grpc.StatusCode.NOT_FOUND),
    (AlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    (UnauthenticatedError, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDeniedError, grpc.StatusCode.PERMISSION_DENIED),
    (RateLimitedError, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (UnavailableError, grpc.StatusCode.UNAVAILABLE),
)


def status_of(error: DeltaStreamError) -> grpc.StatusCode:
    """The gRPC status of a DeltaStream error (INTERNAL for one no rule names)."""
    for error_type, code in _STATUS_OF:
        if isinstance(error, error_type):
            return code
    return grpc.StatusCode.INTERNAL


def server_interceptors(
    *inner: grpc.aio.ServerInterceptor,
) -> list[grpc.aio.ServerInterceptor]:
    """Stream closing outermost (it closes the tracing interceptor's response streams in the
    call's own task), then tracing (its span sees the final status), then RED metrics, then
    error mapping, then a service's own ``inner`` interceptors (e.g. authentication), so that
    a refused call is traced and counted too. Health checks and reflection are probes, not
    traffic: they are not traced."""
    probes = filters.any_of(
        filters.service_name(health.SERVICE_NAME), filters.service_name(reflection.SERVICE_NAME)
    )
    return [
        StreamClosingInterceptor(),
        aio_server_interceptor(filter_=filters.negate(probes)),  # type: ignore[no-untyped-call]
        ServerMetricsInterceptor(),
        ErrorMappingInterceptor(),
        *inner,
    ]


class StreamClosingInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc] # untyped
    """Serves a handler's response stream by writing each message from the call's own task,
    and closes the handler's generator there when the call ends, the client's cancellation
    included.

    Given a generator, gRPC iterates it and, when the client cancels, leaves it suspended
    where it waits for a write; the garbage collector closes it later in another task, where
    a context that a wrapper attached across its ``yield`` (OpenTelemetry's server span does)
    cannot be detached: every cancelled subscription logged "Failed to detach context"."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        if inspect.isasyncgenfunction(handler.unary_stream):
            return rewrapped(handler, _written(handler.unary_stream))
        if inspect.isasyncgenfunction(handler.stream_stream):
            return rewrapped(handler, _written(handler.stream_stream))
        return handler


def _written(behavior: Callable[..., AsyncGenerator[Any]]) -> Callable[..., Awaitable[None]]:
    """The stream handler as a coroutine that writes its responses (gRPC's reader-writer API)."""

    async def write_all(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        responses = behavior(request, context)
        try:
            async for response in responses:
                await context.write(response)
        finally:
            await responses.aclose()

    return write_all


class ErrorMappingInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc] # grpc is untyped
    """Turns a ``DeltaStreamError`` raised by a handler into ``context.abort(status, message)``."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        if handler.unary_unary is not None:
            return rewrapped(handler, _wrap_unary(handler.unary_unary))
        if handler.unary_stream is not None:
            return rewrapped(handler, _wrap_stream(handler.unary_stream))
        return handler


def _wrap_unary(behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await behavior(request, context)
        except DeltaStreamError as exc:
            await context.abort(status_of(exc), str(exc))

    return wrapped


def _wrap_stream(behavior: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
    async def wrapped(
        request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        try:
            async for response in behavior(request, context):
                yield response
        except DeltaStreamError as exc:
            await context.abort(status_of(exc), str(exc))

    return wrapped


async def add_health_and_reflection(server: grpc.aio.Server, service_names: Iterable[str]) -> None:
    """Register grpc.health.v1 (every service SERVING) and server reflection."""
    names = list(service_names)
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    for name in [*names, ""]:
        await servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )


Release = Callable[[], Awaitable[object]]
"""Releases one thing a server used: a client's close, a background task's cancellation."""


@dataclass(frozen=True)
class RunningServer:
    """A started server and what it used; ``stop`` releases all of it."""

    server: grpc.aio.Server
    port: int
    releases: Sequence[Release] = ()
    """In order, once the server has stopped: background work first, the clients it used
    after, so that nothing still running finds a client closed."""

    async def stop(self, grace: float) -> None:
        """Stop taking calls, give those in flight ``grace`` seconds, then release the rest."""
        await self.server.stop(grace)
        for release in self.releases:
            await release()


async def start_server(
    host: str,
    port: int,
    service: ServiceDescriptor,
    register: Callable[[grpc.aio.Server], None],
    *interceptors: grpc.aio.ServerInterceptor,
) -> tuple[grpc.aio.Server, int]:
    """A server of ``service`` listening on ``host:port`` (0: a free port, returned), with the
    standard interceptors around a service's own ``interceptors``, its servicer added by
    ``register``, and health and reflection."""
    server = grpc.aio.server(interceptors=server_interceptors(*interceptors))
    register(server)
    await add_health_and_reflection(server, [service.full_name])
    bound = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    return server, bound


async def cancel_task(task: asyncio.Task[Any]) -> None:
    """Cancel a background task and wait until it has ended (whatever it ended with)."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
