"""``/api/v1/analytics``: chain statistics, their history, the term structure and the
volatility surface (Analytics)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from deltastream.gateway.dependencies import AnalyticsDep
from deltastream.gateway.errors import responses
from deltastream.gateway.routes.parameters import (
    EndQuery,
    ExpiryQuery,
    PageSizeQuery,
    PageTokenQuery,
    RequiredExpiryQuery,
    StartQuery,
    TimeQuery,
    UnderlyingPath,
)
from deltastream.gateway.schemas import analytics
from deltastream.gateway.security import Viewer
from deltastream.v1 import analytics_pb2 as pb

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=responses(404))

GridQuery = Annotated[
    list[float] | None,
    Query(description="Grid values, ascending; repeat the parameter; none: the default grid."),
]


@router.get("/{underlying}", summary="PCR, max pain, smile, IV standing and build-up")
async def get_chain_analytics(
    underlying: UnderlyingPath,
    caller: Viewer,
    service: AnalyticsDep,
    expiry: ExpiryQuery = "",
    since_ns: TimeQuery = 0,
    iv_history_start_ns: TimeQuery = 0,
) -> analytics.ChainReport:
    request = pb.GetChainAnalyticsRequest(
        underlying=underlying,
        expiry=expiry,
        since_ns=since_ns,
        iv_history_start_ns=iv_history_start_ns,
    )
    return analytics.chain_report(await service.get_chain_analytics(request, caller.metadata))


@router.get("/{underlying}/history", summary="Stored analytics (PCR, max pain...), oldest first")
async def get_history(
    underlying: UnderlyingPath,
    expiry: RequiredExpiryQuery,
    caller: Viewer,
    service: AnalyticsDep,
    start_ns: StartQuery = 0,
    end_ns: EndQuery = 0,
    page_size: PageSizeQuery = 0,
    page_token: PageTokenQuery = "",
) -> analytics.AnalyticsHistory:
    request = pb.GetAnalyticsHistoryRequest(
        underlying=underlying,
        expiry=expiry,
        start_ns=start_ns,
        end_ns=end_ns,
        page_size=page_size,
        page_token=page_token,
    )
    return analytics.analytics_history(await service.get_history(request, caller.metadata))


@router.get("/{underlying}/term-structure", summary="ATM IV and forward volatility per expiry")
async def get_term_structure(
    underlying: UnderlyingPath, caller: Viewer, service: AnalyticsDep
) -> analytics.TermStructure:
    request = pb.GetTermStructureRequest(underlying=underlying)
    return analytics.term_structure(await service.get_term_structure(request, caller.metadata))


@router.get("/{underlying}/surface", summary="SVI smiles sampled on a moneyness x expiry grid")
async def get_surface(
    underlying: UnderlyingPath,
    caller: Viewer,
    service: AnalyticsDep,
    log_moneyness: GridQuery = None,
    times_to_expiry: GridQuery = None,
) -> analytics.Surface:
    request = pb.GetSurfaceRequest(
        underlying=underlying,
        log_moneyness=log_moneyness or [],
        times_to_expiry=times_to_expiry or [],
    )
    return analytics.surface(await service.get_surface(request, caller.metadata))
