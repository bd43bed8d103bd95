"""What the metrics call a request, and which query parameters a route declares."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends
from fastapi.routing import APIRoute

from deltastream.gateway import GatewaySettings, create_app
from deltastream.gateway.dependencies import query_parameters
from deltastream.gateway.metrics import UNMATCHED_ROUTE, route_template
from deltastream.gateway.routes.parameters import PageSizeQuery
from deltastream.gateway.security import Viewer


@dataclass
class Route:
    path: str


def test_metrics_label_a_request_by_its_route_template_only() -> None:
    assert route_template({"route": Route("/api/v1/chains/{underlying}")}) == (
        "/api/v1/chains/{underlying}"
    )
    assert route_template({"route": Route("")}) == "/"
    assert route_template({}) == UNMATCHED_ROUTE


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
