"""RED metrics of every gRPC server: requests started and handled (by status code), handling
time, and messages sent on server streams.

Names and labels follow the widespread ``grpc_server_*`` family of go-grpc-prometheus and
py-grpc-prometheus (``grpc_service``, ``grpc_method``, ``grpc_type``, ``grpc_code``), with our
``deltastream_`` prefix, so existing dashboards and habits carry over. The handling time of a
server stream is the life of the subscription: dashboards show latency for unary methods.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from prometheus_client import Counter, Histogram

from deltastream.grpchandlers import rewrapped

_LABELS = ("grpc_service", "grpc_method", "grpc_type")

STARTED = Counter("deltastream_grpc_server_started_total", "RPCs started on the server.", _LABELS)
HANDLED = Counter(
    "deltastream_grpc_server_handled_total",
    "RPCs completed on the server, by status code.",
    [*_LABELS, "grpc_code"],
)
HANDLING_SECONDS = Histogram(
    "deltastream_grpc_server_handling_seconds",
    "Time from an RPC's start to its completion on the server.",
    _LABELS,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
MESSAGES_SENT = Counter(
    "deltastream_grpc_server_msg_sent_total", "Messages sent on server streams.", _LABELS
)

Labels = tuple[str, str, str]


def method_labels(full_method: str, response_streaming: bool) -> Labels:
    """``/package.Service/Method`` as (service, method, type) label values."""
    _, service, method = full_method.split("/", 2) if full_method.count("/") == 2 else ("", "", "")
    return (
        service or "unknown",
        method or full_method,
        ("server_stream" if response_streaming else "unary"),
    )


class ServerMetricsInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc] # grpc is untyped
    """Counts and times every unary and server-streaming RPC of an asyncio server."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        if handler.unary_unary is not None:
            return rewrapped(
                handler, _measure_unary(handler.unary_unary, method_labels(method, False))
            )
        if handler.unary_stream is not None:
            return rewrapped(
                handler, _measure_stream(handler.unary_stream, method_labels(method, True))
            )
        return handler


def _measure_unary(
    behavior: Callable[..., Awaitable[Any]], labels: Labels
) -> Callable[..., Awaitable[Any]]:
    async def measured(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        STARTED.labels(*labels).inc()
        started = time.perf_counter()
        code = grpc.StatusCode.UNKNOWN
        try:
            response = await behavior(request, context)
            code = grpc.StatusCode.OK
            return response
        except BaseException:
            code = _code_of(context, grpc.StatusCode.UNKNOWN)
            raise
        finally:
            _observe(labels, code, time.perf_counter() - started)

    return measured


def _measure_stream(
    behavior: Callable[..., AsyncIterator[Any]], labels: Labels
) -> Callable[..., AsyncIterator[Any]]:
    async def measured(
        request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        STARTED.labels(*labels).inc()
        started = time.perf_counter()
        code = grpc.StatusCode.UNKNOWN
        sent = MESSAGES_SENT.labels(*labels)
        try:
            async for response in behavior(request, context):
                yield response
                sent.inc()
            code = grpc.StatusCode.OK
        except BaseException as exc:
            cancelled = isinstance(exc, GeneratorExit | asyncio.CancelledError)
            code = _code_of(context, grpc.StatusCode.CANCELLED if cancelled else code)
            raise
        finally:
            _observe(labels, code, time.perf_counter() - started)

    return measured


def _code_of(context: grpc.aio.ServicerContext[Any, Any], default: grpc.StatusCode) -> Any:
    """The status an aborted RPC set on its context, else ``default``."""
    code = context.code()
    if isinstance(code, grpc.StatusCode) and code is not grpc.StatusCode.OK:
        return code
    for status in grpc.StatusCode:
        if status.value[0] == code and status is not grpc.StatusCode.OK:
            return status
    return default


def _observe(labels: Labels, code: grpc.StatusCode, seconds: float) -> None:
    HANDLED.labels(*labels, code.name).inc()
    HANDLING_SECONDS.labels(*labels).observe(seconds)
