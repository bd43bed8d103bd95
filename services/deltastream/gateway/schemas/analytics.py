"""Analytics: chain statistics with build-up and IV standing, their history, the term
structure and the fitted volatility surface."""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field

from deltastream.gateway.schemas.conversion import finite, label_of
from deltastream.gateway.schemas.market import ChainAnalytics, chain_analytics
from deltastream.v1 import analytics_pb2


class BuildUp(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    NEUTRAL = "neutral"
    LONG_BUILD_UP = "long_build_up"
    SHORT_BUILD_UP = "short_build_up"
    SHORT_COVERING = "short_covering"
    LONG_UNWINDING = "long_unwinding"


class SmileStatistics(BaseModel):
    atm_iv: float | None
    call_wing_iv: float | None
    put_wing_iv: float | None
    risk_reversal: float | None
    butterfly: float | None


class IvStanding(BaseModel):
    iv_rank: float | None
    iv_percentile: float | None
    samples: int
    low: float | None
    high: float | None


class OptionBuildUp(BaseModel):
    price: float | None
    price_change: float | None
    open_interest: int
    open_interest_change: float | None
    build_up: BuildUp


class StrikeBuildUp(BaseModel):
    strike: float
    call: OptionBuildUp | None
    put: OptionBuildUp | None


class ChainReport(BaseModel):
    """Statistics of the latest chain of one underlying and expiry."""

    underlying: str
    expiry: str
    spot: float | None
    forward: float | None
    time_to_expiry: float | None
    timestamp_ns: int
    version: int
    analytics: ChainAnalytics
    smile: SmileStatistics
    iv_standing: IvStanding
    baseline_timestamp_ns: int = Field(description="The snapshot build-up compares with; 0: none.")
    build_up: list[StrikeBuildUp]


class AnalyticsPoint(BaseModel):
    timestamp_ns: int
    version: int
    spot: float | None
    forward: float | None
    analytics: ChainAnalytics


class AnalyticsHistory(BaseModel):
    points: list[AnalyticsPoint]
    next_page_token: str = Field(description="Empty on the last page.")


class TermStructurePoint(BaseModel):
    expiry: str
    time_to_expiry: float | None
    forward: float | None
    atm_iv: float | None
    forward_vol: float | None
    timestamp_ns: int


class TermStructure(BaseModel):
    underlying: str
    points: list[TermStructurePoint]


class SviParameters(BaseModel):
    a: float | None
    b: float | None
    rho: float | None
    m: float | None
    s: float | None
    rmse: float | None


class SurfaceSlice(BaseModel):
    expiry: str
    time_to_expiry: float | None
    forward: float | None
    svi: SviParameters
    quotes: int
    butterfly_arbitrage: bool


class SkippedExpiry(BaseModel):
    expiry: str
    reason: str


class SurfaceRow(BaseModel):
    time_to_expiry: float | None
    implied_vol: list[float | None]
    total_variance: list[float | None]


class Surface(BaseModel):
    underlying: str
    slices: list[SurfaceSlice]
    calendar_arbitrage: list[bool]
    log_moneyness: list[float]
    rows: list[SurfaceRow]
    skipped: list[SkippedExpiry]


def _option_build_up(message: analytics_pb2.OptionBuildUp) -> OptionBuildUp:
    return OptionBuildUp(
        price=finite(message.price),
        price_change=finite(message.price_change),
        open_interest=message.open_interest,
        open_interest_change=finite(message.open_interest_change),
        build_up=label_of(BuildUp, analytics_pb2.BuildUp, message.build_up),
    )


def _strike_build_up(message: analytics_pb2.StrikeBuildUp) -> StrikeBuildUp:
    return StrikeBuildUp(
        strike=message.strike,
        call=_option_build_up(message.call) if message.HasField("call") else None,
        put=_option_build_up(message.put) if message.HasField("put") else None,
    )


def chain_report(message: analytics_pb2.GetChainAnalyticsResponse) -> ChainReport:
    smile, standing = message.smile, message.iv_standing
    return ChainReport(
        underlying=message.underlying,
        expiry=message.expiry,
        spot=finite(message.spot),
        forward=finite(message.forward),
        time_to_expiry=finite(message.time_to_expiry),
        timestamp_ns=message.timestamp_ns,
        version=message.version,
        analytics=chain_analytics(message.analytics),
        smile=SmileStatistics(
            atm_iv=finite(smile.atm_iv),
            call_wing_iv=finite(smile.call_wing_iv),
            put_wing_iv=finite(smile.put_wing_iv),
            risk_reversal=finite(smile.risk_reversal),
            butterfly=finite(smile.butterfly),
        ),
        iv_standing=IvStanding(
            iv_rank=finite(standing.iv_rank),
            iv_percentile=finite(standing.iv_percentile),
            samples=standing.samples,
            low=finite(standing.low),
            high=finite(standing.high),
        ),
        baseline_timestamp_ns=message.baseline_timestamp_ns,
        build_up=[_strike_build_up(row) for row in message.build_up],
    )


def analytics_history(message: analytics_pb2.GetAnalyticsHistoryResponse) -> AnalyticsHistory:
    return AnalyticsHistory(
        points=[
            AnalyticsPoint(
                timestamp_ns=point.timestamp_ns,
                version=point.version,
                spot=finite(point.spot),
                forward=finite(point.forward),
                analytics=chain_analytics(point.analytics),
            )
            for point in message.points
        ],
        next_page_token=message.next_page_token,
    )


def term_structure(message: analytics_pb2.GetTermStructureResponse) -> TermStructure:
    return TermStructure(
        underlying=message.underlying,
        points=[
            TermStructurePoint(
                expiry=point.expiry,
                time_to_expiry=finite(point.time_to_expiry),
                forward=finite(point.forward),
                atm_iv=finite(point.atm_iv),
                forward_vol=finite(point.forward_vol),
                timestamp_ns=point.timestamp_ns,
            )
            for point in message.points
        ],
    )


def _surface_slice(message: analytics_pb2.SurfaceSlice) -> SurfaceSlice:
    svi = message.svi
    return SurfaceSlice(
        expiry=message.expiry,
        time_to_expiry=finite(message.time_to_expiry),
        forward=finite(message.forward),
        svi=SviParameters(
            a=finite(svi.a),
            b=finite(svi.b),
            rho=finite(svi.rho),
            m=finite(svi.m),
            s=finite(svi.s),
            rmse=finite(svi.rmse),
        ),
        quotes=message.quotes,
        butterfly_arbitrage=message.butterfly_arbitrage,
    )


def surface(message: analytics_pb2.GetSurfaceResponse) -> Surface:
    return Surface(
        underlying=message.underlying,
        slices=[_surface_slice(item) for item in message.slices],
        calendar_arbitrage=list(message.calendar_arbitrage),
        log_moneyness=list(message.log_moneyness),
        rows=[
            SurfaceRow(
                time_to_expiry=finite(row.time_to_expiry),
                implied_vol=[finite(value) for value in row.implied_vol],
                total_variance=[finite(value) for value in row.total_variance],
            )
            for row in message.rows
        ],
        skipped=[SkippedExpiry(expiry=s.expiry, reason=s.reason) for s in message.skipped],
    )
