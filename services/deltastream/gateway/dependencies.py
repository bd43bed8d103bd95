"""Typed FastAPI dependencies: the gRPC clients the application opened at start, and the
refusal of query parameters a route does not declare.

A route asks for what it calls (``marketdata: MarketDataDep``); the clients live in
``app.state`` from the lifespan on, never in a module global, so every test builds its own
application.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from deltastream.gateway.upstreams import (
    AlertsClient,
    AnalyticsClient,
    AuthClient,
    MarketDataClient,
    Upstreams,
)

UPSTREAMS_ATTRIBUTE = "upstreams"


def upstreams(request: Request) -> Upstreams:
    clients: Upstreams = getattr(request.app.state, UPSTREAMS_ATTRIBUTE)
    return clients


UpstreamsDep = Annotated[Upstreams, Depends(upstreams)]


def _marketdata(clients: UpstreamsDep) -> MarketDataClient:
    return clients.marketdata


def _analytics(clients: UpstreamsDep) -> AnalyticsClient:
    return clients.analytics


def _alerts(clients: UpstreamsDep) -> AlertsClient:
    return clients.alerts


def _auth(clients: UpstreamsDep) -> AuthClient:
    return clients.auth


MarketDataDep = Annotated[MarketDataClient, Depends(_marketdata)]
AnalyticsDep = Annotated[AnalyticsClient, Depends(_analytics)]
AlertsDep = Annotated[AlertsClient, Depends(_alerts)]
AuthDep = Annotated[AuthClient, Depends(_auth)]


async def known_query_parameters(request: Request) -> None:
    """422 for a query parameter the route does not declare: ``?expiry[$ne]=`` is refused
    rather than silently ignored."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = query_parameters(route.dependant)
    unknown = [name for name in request.query_params if name not in declared]
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", name[:40]), "msg": "not a parameter of this route"}
                for name in unknown
            ]
        )


def query_parameters(dependant: Dependant) -> set[str]:
    """The query parameter names of a route and of everything it depends on."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= query_parameters(dependency)
    return names
