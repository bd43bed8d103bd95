"""The server interceptor that every gRPC service installs: authentication, the least role of
each method, and the caller's request budget, before any handler runs.

A service passes a table from full method name to the least ``Role`` it needs (``None``: open
to anyone, such as Login). Health checks and reflection are always open; a method the table
does not name is refused, so a method added to a contract is closed until someone decides who
may call it. Handlers read the caller with ``current_principal()``.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from deltastream.auth.admission import Admission
from deltastream.auth.roles import Principal, Role
from deltastream.errors import (
    DeltaStreamError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
)
from deltastream.grpchandlers import rewrapped
from deltastream.grpcutil import status_of

MethodRoles = Mapping[str, Role | None]
Admit = Callable[[Any], Awaitable[Principal]]
RETRY_AFTER_METADATA = "retry-after-ms"
OPEN_SERVICES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)

_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "deltastream_principal", default=None
)


def current_principal() -> Principal:
    """The caller of the RPC being handled; UNAUTHENTICATED outside a checked method."""
    principal = _principal.get()
    if principal is None:
        raise UnauthenticatedError("no authenticated caller")
    return principal


def method_roles(
    service: ServiceDescriptor, roles: Mapping[str, Role | None]
) -> dict[str, Role | None]:
    """The table of one service, from method names to the least role (``None``: open).

    Every method of the service must be named, and only those: a forgotten or misspelt method
    fails at start, not in production.
    """
    methods = {method.name for method in service.methods}
    if set(roles) != methods:
        missing, unknown = sorted(methods - set(roles)), sorted(set(roles) - methods)
        raise ValueError(f"{service.full_name}: missing {missing}, unknown {unknown}")
    return {f"/{service.full_name}/{name}": role for name, role in roles.items()}


class AuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc] # grpc is untyped
    """Checks every call against the method table before its handler runs."""

    def __init__(
        self,
        admission: Admission,
        roles: MethodRoles,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._admission = admission
        self._roles = dict(roles)
        self._on_close = on_close

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(OPEN_SERVICES):
            return handler
        if method not in self._roles:
            return _guarded(handler, _refuse(method))
        required = self._roles[method]
        if required is None:
            return handler
        return _guarded(
            handler,
            lambda context: self._admission.admit(context.invocation_metadata() or (), required),
        )

    async def close(self) -> None:
        """Release what the checks hold (the key-set client's channel)."""
        if self._on_close is not None:
            await self._on_close()


def _refuse(method: str) -> Admit:
    async def refuse(context: Any) -> Principal:
        raise PermissionDeniedError("every caller", f"(no access rule for {method})")

    return refuse


def _guarded(handler: grpc.RpcMethodHandler, admit: Admit) -> grpc.RpcMethodHandler:
    if handler.response_streaming:
        return rewrapped(handler, _stream(handler.unary_stream or handler.stream_stream, admit))
    return rewrapped(handler, _unary(handler.unary_unary or handler.stream_unary, admit))


def _unary(behavior: Callable[..., Awaitable[Any]], admit: Admit) -> Callable[..., Awaitable[Any]]:
    async def checked(request: Any, context: Any) -> Any:
        token = _principal.set(await _admit_or_abort(admit, context))
        try:
            return await behavior(request, context)
        finally:
            _principal.reset(token)

    return checked


def _stream(
    behavior: Callable[..., AsyncIterator[Any]], admit: Admit
) -> Callable[..., AsyncIterator[Any]]:
    async def checked(request: Any, context: Any) -> AsyncIterator[Any]:
        _principal.set(await _admit_or_abort(admit, context))
        async for response in behavior(request, context):
            yield response

    return checked


def set_retry_after(context: Any, error: RateLimitedError) -> None:
    """Tell the caller when to retry, in the trailing metadata ``retry-after-ms``."""
    retry_ms = str(max(1, round(error.retry_after_seconds * 1000)))
    context.set_trailing_metadata(((RETRY_AFTER_METADATA, retry_ms),))


async def _admit_or_abort(admit: Admit, context: Any) -> Principal:
    try:
        return await admit(context)
    except DeltaStreamError as exc:
        if isinstance(exc, RateLimitedError):
            set_retry_after(context, exc)
        await context.abort(status_of(exc), str(exc))
        raise  # context.abort raises; never reached
