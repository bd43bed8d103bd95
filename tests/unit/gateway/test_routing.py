"""What the metrics call a request, and which query parameters a route declares."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from prometheus_client import REGISTRY

from deltastream.gateway import GatewaySettings, create_app
from deltastream.gateway.dependencies import query_parameters
from deltastream.gateway.metrics import UNMATCHED_ROUTE, RequestMetrics, full_paths, route_template
from deltastream.gateway.routes.parameters import PageSizeQuery
from deltastream.gateway.security import Viewer


@dataclass
class Route:
    path: str


def test_metrics_label_a_request_by_its_route_template_only() -> None:
    assert route_template({"route": Route("/api/v1/chains/{underlying}")}, {}) == (
        "/api/v1/chains/{underlying}"
    )
    assert route_template({"route": Route("")}, {}) == "/"
    assert route_template({}, {}) == UNMATCHED_ROUTE


@pytest.mark.asyncio
async def test_a_request_to_an_included_routers_route_is_counted_under_its_full_path() -> None:
    leaf = APIRouter(prefix="/chains")
    leaf.add_api_route("/{underlying}", _found)
    api = APIRouter(prefix="/api/v9")
    api.include_router(leaf)
    app = FastAPI()
    app.include_router(api)
    app.add_middleware(RequestMetrics)
    labels = {"method": "GET", "route": "/api/v9/chains/{underlying}", "status": "200"}
    before = REGISTRY.get_sample_value("deltastream_http_requests_total", labels) or 0.0

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        assert (await client.get("/api/v9/chains/NIFTY")).status_code == 200

    assert REGISTRY.get_sample_value("deltastream_http_requests_total", labels) == before + 1
    assert full_paths(app.routes)  # the templates, known from the routes themselves


async def _found(underlying: str) -> dict[str, str]:
    return {"underlying": underlying}


def _since(since_ns: int = 0) -> int:
    return since_ns


async def _endpoint(
    underlying: str, caller: Viewer, page_size: PageSizeQuery = 0, since: int = Depends(_since)
) -> None:
    return None


def test_a_routes_query_parameters_include_those_of_its_dependencies() -> None:
    route = APIRoute("/things/{underlying}", _endpoint)
    assert query_parameters(route.dependant) == {"page_size", "since_ns"}


def test_two_applications_share_nothing() -> None:
    first, second = create_app(GatewaySettings()), create_app(GatewaySettings())
    assert first.openapi() == second.openapi()
    assert first.state is not second.state
