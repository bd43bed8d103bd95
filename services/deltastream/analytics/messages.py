"""The Analytics contract's messages, made from stored documents and ``compute`` results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from deltastream import quant
from deltastream.analytics import compute
from deltastream.contracts import chain_snapshot
from deltastream.v1 import analytics_pb2 as pb
from deltastream.v1 import market_pb2

_BUILD_UP_OFFSET = 1  # BuildUp (proto) = quant.BuildUp + 1 (BUILD_UP_UNSPECIFIED is 0)
_ANALYTICS_FIELDS = tuple(market_pb2.ChainAnalytics.DESCRIPTOR.fields_by_name)


def chain_analytics_response(
    latest: Mapping[str, Any],
    standing: compute.IvStanding,
    table: compute.BuildUpTable,
    baseline_timestamp_ns: int,
) -> pb.GetChainAnalyticsResponse:
    smile = compute.smile_statistics(latest)
    return pb.GetChainAnalyticsResponse(
        underlying=latest["underlying"],
        expiry=latest["expiry"],
        spot=_number(latest.get("spot")),
        forward=_number(latest.get("forward")),
        time_to_expiry=_number(latest.get("time_to_expiry")),
        timestamp_ns=int(latest.get("timestamp_ns", 0)),
        version=int(latest.get("version", 0)),
        analytics=chain_snapshot(latest).analytics,
        smile=pb.SmileStatistics(
            atm_iv=smile.atm_iv,
            call_wing_iv=smile.call_wing_iv,
            put_wing_iv=smile.put_wing_iv,
            risk_reversal=smile.risk_reversal,
            butterfly=smile.butterfly,
        ),
        iv_standing=pb.IvStanding(
            iv_rank=standing.iv_rank,
            iv_percentile=standing.iv_percentile,
            samples=standing.samples,
            low=standing.low,
            high=standing.high,
        ),
        baseline_timestamp_ns=baseline_timestamp_ns,
        build_up=build_up_rows(table),
    )


def build_up_rows(table: compute.BuildUpTable) -> list[pb.StrikeBuildUp]:
    rows = []
    for index, strike in enumerate(table.strikes.tolist()):
        row = pb.StrikeBuildUp(strike=strike)
        for field, side in (("call", table.calls), ("put", table.puts)):
            if side.present[index]:
                getattr(row, field).CopyFrom(_option_build_up(side, index))
        rows.append(row)
    return rows


def _option_build_up(side: compute.SideBuildUp, index: int) -> pb.OptionBuildUp:
    code = quant.BuildUp(int(side.code[index]))
    return pb.OptionBuildUp(
        price=float(side.price[index]),
        price_change=float(side.price_change[index]),
        open_interest=int(side.open_interest[index]),
        open_interest_change=float(side.open_interest_change[index]),
        build_up=code + _BUILD_UP_OFFSET,  # type: ignore[arg-type]
    )


def analytics_point(document: Mapping[str, Any]) -> pb.AnalyticsPoint:
    """A stored ``chain_analytics`` document (analytics fields at the top level)."""
    return pb.AnalyticsPoint(
        timestamp_ns=int(document["timestamp_ns"]),
        version=int(document.get("version", 0)),
        spot=_number(document.get("spot")),
        forward=_number(document.get("forward")),
        analytics=market_pb2.ChainAnalytics(
            **{name: document[name] for name in _ANALYTICS_FIELDS if document.get(name) is not None}
        ),
    )


def term_structure_response(
    underlying: str, points: list[compute.TermPoint]
) -> pb.GetTermStructureResponse:
    return pb.GetTermStructureResponse(
        underlying=underlying,
        points=[
            pb.TermStructurePoint(
                expiry=point.expiry,
                time_to_expiry=point.time_to_expiry,
                forward=point.forward,
                atm_iv=point.atm_iv,
                forward_vol=point.forward_vol,
                timestamp_ns=point.timestamp_ns,
            )
            for point in points
        ],
    )


def surface_response(underlying: str, surface: compute.Surface) -> pb.GetSurfaceResponse:
    return pb.GetSurfaceResponse(
        underlying=underlying,
        slices=[_surface_slice(fitted) for fitted in surface.slices],
        calendar_arbitrage=[bool(flag) for flag in surface.calendar_arbitrage],
        log_moneyness=surface.log_moneyness.tolist(),
        rows=[
            pb.SurfaceRow(
                time_to_expiry=float(time_to_expiry),
                implied_vol=vols.tolist(),
                total_variance=variances.tolist(),
            )
            for time_to_expiry, vols, variances in zip(
                surface.times_to_expiry, surface.implied_vol, surface.total_variance, strict=True
            )
        ],
        skipped=[pb.SkippedExpiry(expiry=e, reason=reason) for e, reason in surface.skipped],
    )


def _surface_slice(fitted: compute.FittedSlice) -> pb.SurfaceSlice:
    svi = fitted.svi
    return pb.SurfaceSlice(
        expiry=fitted.expiry,
        time_to_expiry=fitted.time_to_expiry,
        forward=fitted.forward,
        svi=pb.SviParameters(a=svi.a, b=svi.b, rho=svi.rho, m=svi.m, s=svi.s, rmse=svi.rmse),
        quotes=fitted.quotes,
        butterfly_arbitrage=fitted.butterfly_arbitrage,
    )


def _number(value: Any) -> float:
    return float(np.nan) if value is None else float(value)
