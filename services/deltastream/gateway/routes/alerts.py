"""``/api/v1/alerts``: the caller's rules and the events they fired (Alerts). Reading needs a
viewer; creating and deleting rules needs a trader."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from deltastream.gateway.dependencies import AlertsDep
from deltastream.gateway.errors import responses
from deltastream.gateway.routes.parameters import (
    EndQuery,
    PageSizeQuery,
    PageTokenQuery,
    StartQuery,
)
from deltastream.gateway.schemas import alerts
from deltastream.gateway.security import Trader, Viewer
from deltastream.v1 import alerts_pb2 as pb

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=responses())

UnderlyingFilter = Annotated[
    str, Query(description="Only this underlying; empty: all.", max_length=64)
]
RuleIdPath = Annotated[str, Path(description="A rule's id.", min_length=1, max_length=64)]
RuleIdFilter = Annotated[str, Query(description="Only this rule's events.", max_length=64)]


@router.get("/rules", summary="The caller's rules, oldest first")
async def list_rules(
    caller: Viewer,
    service: AlertsDep,
    underlying: UnderlyingFilter = "",
    page_size: PageSizeQuery = 0,
    page_token: PageTokenQuery = "",
) -> alerts.RulePage:
    request = pb.ListRulesRequest(underlying=underlying, page_size=page_size, page_token=page_token)
    return alerts.rule_page(await service.list_rules(request, caller.metadata))


@router.post("/rules", status_code=201, summary="Create a rule owned by the caller")
async def create_rule(
    spec: alerts.RuleSpec, caller: Trader, service: AlertsDep
) -> alerts.CreatedRule:
    request = pb.CreateRuleRequest(rule=alerts.rule_spec_message(spec))
    return alerts.created_rule(await service.create_rule(request, caller.metadata))


@router.delete(
    "/rules/{rule_id}",
    status_code=204,
    response_class=Response,
    responses=responses(404),
    summary="Delete one of the caller's rules",
)
async def delete_rule(rule_id: RuleIdPath, caller: Trader, service: AlertsDep) -> None:
    await service.delete_rule(pb.DeleteRuleRequest(rule_id=rule_id), caller.metadata)


@router.get("/events", summary="Events of the caller's rules, oldest first")
async def list_events(
    caller: Viewer,
    service: AlertsDep,
    rule_id: RuleIdFilter = "",
    underlying: UnderlyingFilter = "",
    start_ns: StartQuery = 0,
    end_ns: EndQuery = 0,
    page_size: PageSizeQuery = 0,
    page_token: PageTokenQuery = "",
) -> alerts.EventPage:
    request = pb.ListEventsRequest(
        rule_id=rule_id,
        underlying=underlying,
        start_ns=start_ns,
        end_ns=end_ns,
        page_size=page_size,
        page_token=page_token,
    )
    return alerts.event_page(await service.list_events(request, caller.metadata))
