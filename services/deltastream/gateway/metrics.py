"""Prometheus metrics of the gateway: RED metrics of its HTTP routes (by route template, never
by raw path) and the state of its WebSocket feeds."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.routing import iter_route_contexts
from prometheus_client import Counter, Gauge, Histogram
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deltastream.metrics import LATENCY_BUCKETS_SECONDS

HTTP_REQUESTS = Counter(
    "deltastream_http_requests_total",
    "HTTP requests answered by the gateway, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "deltastream_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS_SECONDS,
)
WEBSOCKETS = Gauge("deltastream_websocket_connections", "Open WebSocket feeds of this gateway.")
WEBSOCKET_MESSAGES = Counter(
    "deltastream_websocket_messages_sent_total",
    "Messages sent on WebSocket feeds, by type (chain, alert, status, error).",
    ["type"],
)
WEBSOCKET_CONFLATED = Counter(
    "deltastream_websocket_updates_conflated_total",
    "Chain updates replaced by a newer one of the same chain before a slow WebSocket took them.",
)
WEBSOCKET_ALERTS_DROPPED = Counter(
    "deltastream_websocket_alerts_dropped_total",
    "Alert events dropped (oldest first) because a WebSocket fell too far behind.",
)
UNMATCHED_ROUTE = "unmatched"


class RequestMetrics:
    """ASGI middleware counting every HTTP request once it has been answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._full_paths: Mapping[int, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            if self._full_paths is None:  # the application's routes, known once it runs
                self._full_paths = full_paths(scope["app"].routes)
            route = route_template(scope, self._full_paths)
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            HTTP_DURATION.labels(scope["method"], route).observe(time.perf_counter() - started)


def full_paths(routes: Sequence[BaseRoute]) -> dict[int, str]:
    """The full path template of every route, by route object. FastAPI keeps an included
    router's routes under it, so the route a request matched knows only its own part of the
    path (``/chains/{underlying}``), not the prefixes it was included with (``/api/v1``)."""
    return {
        id(context.original_route): context.path
        for context in iter_route_contexts(routes)
        if context.path is not None
    }


def route_template(scope: dict[str, Any] | Scope, paths: Mapping[int, str]) -> str:
    """The matched route's full path template (``/api/v1/chains/{underlying}``), never the raw
    path (a label per symbol or per fuzzed URL would be unbounded); ``paths`` from
    ``full_paths``."""
    route = scope.get("route")
    path = paths.get(id(route), getattr(route, "path", None))
    if not isinstance(path, str):
        return UNMATCHED_ROUTE
    return path or "/"  # the page's files, mounted at the root
