"""The Analytics gRPC servicer: validates, queries, computes, converts."""

from __future__ import annotations

import asyncio
from typing import Any, TypeAlias

from deltastream import validation
from deltastream.analytics import compute, messages, requests
from deltastream.analytics.queries import AnalyticsQueries
from deltastream.errors import NotFoundError
from deltastream.v1 import analytics_pb2 as pb
from deltastream.v1 import analytics_pb2_grpc as pb_grpc

Context: TypeAlias = Any  # grpc.aio.ServicerContext; grpcio ships no type information

HISTORY_PAGE_DEFAULT = 200
HISTORY_PAGE_MAX = 2000


class AnalyticsServicer(pb_grpc.AnalyticsServicer):
    def __init__(self, queries: AnalyticsQueries, iv_history_max_samples: int) -> None:
        self._queries = queries
        self._iv_history_max_samples = iv_history_max_samples

    async def GetChainAnalytics(
        self, request: pb.GetChainAnalyticsRequest, context: Context
    ) -> pb.GetChainAnalyticsResponse:
        underlying = validation.underlying(request.underlying)
        expiry = validation.expiry(request.expiry) if request.expiry else None
        since_ns = requests.non_negative_ns(request.since_ns, "since_ns")
        history_start_ns = requests.non_negative_ns(
            request.iv_history_start_ns, "iv_history_start_ns"
        )
        latest = await self._queries.latest(underlying, expiry)
        baseline, history = await asyncio.gather(
            self._queries.baseline(
                underlying,
                latest["expiry"],
                since_ns or compute.start_of_day_ns(int(latest["timestamp_ns"])),
            ),
            self._queries.atm_iv_history(
                underlying, latest["expiry"], history_start_ns, self._iv_history_max_samples
            ),
        )
        current = float(latest.get("analytics", {}).get("atm_iv") or float("nan"))
        return messages.chain_analytics_response(
            latest,
            compute.iv_standing(history, current),
            compute.build_up_table(latest, baseline),
            0 if baseline is None else int(baseline["timestamp_ns"]),
        )

    async def GetHistory(
        self, request: pb.GetAnalyticsHistoryRequest, context: Context
    ) -> pb.GetAnalyticsHistoryResponse:
        underlying = validation.underlying(request.underlying)
        expiry = validation.expiry(request.expiry)
        time_range = validation.time_range_ns(request.start_ns, request.end_ns)
        size = validation.page_size(
            request.page_size, default=HISTORY_PAGE_DEFAULT, maximum=HISTORY_PAGE_MAX
        )
        documents, token = await self._queries.history(
            underlying, expiry, time_range, size, request.page_token
        )
        return pb.GetAnalyticsHistoryResponse(
            points=[messages.analytics_point(document) for document in documents],
            next_page_token=token,
        )

    async def GetTermStructure(
        self, request: pb.GetTermStructureRequest, context: Context
    ) -> pb.GetTermStructureResponse:
        underlying = validation.underlying(request.underlying)
        chains = await self._queries.unexpired_chains(underlying)
        if not chains:
            raise NotFoundError(f"chains of {underlying}")
        return messages.term_structure_response(underlying, compute.term_structure(chains))

    async def GetSurface(
        self, request: pb.GetSurfaceRequest, context: Context
    ) -> pb.GetSurfaceResponse:
        underlying = validation.underlying(request.underlying)
        log_moneyness = requests.log_moneyness_grid(request.log_moneyness)
        times = requests.times_grid(request.times_to_expiry)
        chains = await self._queries.unexpired_chains(underlying)
        if not chains:
            raise NotFoundError(f"chains of {underlying}")
        surface = compute.surface(chains, log_moneyness or compute.DEFAULT_LOG_MONEYNESS, times)
        if not surface.slices:
            raise NotFoundError(f"a smile of {underlying} with enough implied volatilities to fit")
        return messages.surface_response(underlying, surface)
