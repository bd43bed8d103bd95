"""``/api/v1/chains``: the latest enriched chain, the expiries, the stored history
(MarketData)."""

from __future__ import annotations

from fastapi import APIRouter

from deltastream.gateway.dependencies import MarketDataDep
from deltastream.gateway.errors import responses
from deltastream.gateway.routes.parameters import (
    EndQuery,
    ExpiryQuery,
    PageSizeQuery,
    PageTokenQuery,
    RequiredExpiryQuery,
    StartQuery,
    UnderlyingPath,
)
from deltastream.gateway.schemas import market
from deltastream.gateway.security import Viewer
from deltastream.v1 import market_data_pb2 as pb

router = APIRouter(prefix="/chains", tags=["chains"], responses=responses(404))


@router.get("/{underlying}", summary="The latest enriched chain")
async def get_chain(
    underlying: UnderlyingPath, caller: Viewer, marketdata: MarketDataDep, expiry: ExpiryQuery = ""
) -> market.ChainSnapshot:
    request = pb.GetChainRequest(underlying=underlying, expiry=expiry)
    reply = await marketdata.get_chain(request, caller.metadata)
    return market.chain_snapshot(reply.chain)


@router.get("/{underlying}/expiries", summary="Unexpired expiries with a chain")
async def list_expiries(
    underlying: UnderlyingPath, caller: Viewer, marketdata: MarketDataDep
) -> market.Expiries:
    reply = await marketdata.list_expiries(
        pb.ListExpiriesRequest(underlying=underlying), caller.metadata
    )
    return market.Expiries(expiries=list(reply.expiries))


@router.get("/{underlying}/history", summary="Stored chain snapshots, oldest first")
async def get_history(
    underlying: UnderlyingPath,
    expiry: RequiredExpiryQuery,
    caller: Viewer,
    marketdata: MarketDataDep,
    start_ns: StartQuery = 0,
    end_ns: EndQuery = 0,
    page_size: PageSizeQuery = 0,
    page_token: PageTokenQuery = "",
) -> market.ChainHistory:
    request = pb.GetHistoryRequest(
        underlying=underlying,
        expiry=expiry,
        start_ns=start_ns,
        end_ns=end_ns,
        page_size=page_size,
        page_token=page_token,
    )
    return market.chain_history(await marketdata.get_history(request, caller.metadata))
