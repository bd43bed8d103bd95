"""The Analytics service over real gRPC, on chains a real enricher stored in SecantusDB from
quotes priced at known volatilities."""

from __future__ import annotations

import datetime as dt
import math
import time

import grpc
import pytest
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from deltastream.analytics.compute import NANOSECONDS_PER_DAY, start_of_day_ns
from deltastream.market.quotes import OptionQuote, OptionType
from deltastream.v1 import analytics_pb2 as pb
from deltastream.v1 import analytics_pb2_grpc
from tests.integration.analytics.conftest import Market, with_open_interest
from tests.integration.pipeline.chains import expiry_in

pytestmark = pytest.mark.integration

Stub = analytics_pb2_grpc.AnalyticsStub
TIMEOUT = 10.0


def _put_heavy(quote: OptionQuote) -> int:
    """Puts carry three times the calls' open interest, growing with the strike."""
    base = int(quote.strike) - 23_000
    return 3 * base if quote.option_type is OptionType.PUT else base


def _max_pain_by_brute_force(strikes: list[float], calls: list[int], puts: list[int]) -> float:
    def payout(settle: float) -> float:
        return sum(
            c * max(settle - k, 0) + p * max(k - settle, 0)
            for k, c, p in zip(strikes, calls, puts, strict=True)
        )

    return min(strikes, key=lambda settle: (payout(settle), settle))


def test_chain_analytics_of_a_priced_chain(market: Market, analytics: Stub) -> None:
    expiry = expiry_in(7)
    # seven dates ahead is 6.4 to 7.4 days to the close, by the time of day: ±700 reaches both
    # 25-delta wings at 20% over all of it, ±500 misses the call wing past about 7.2 days
    market.publish(expiry, sigma=0.2, strikes=15, adjust=with_open_interest(_put_heavy))

    reply = analytics.GetChainAnalytics(
        pb.GetChainAnalyticsRequest(underlying=market.underlying.lower()), timeout=TIMEOUT
    )

    assert (reply.underlying, reply.expiry) == (market.underlying, expiry.isoformat())
    strikes = [row.strike for row in reply.build_up]
    calls = [row.call.open_interest for row in reply.build_up]
    puts = [row.put.open_interest for row in reply.build_up]
    assert reply.analytics.pcr_open_interest == pytest.approx(sum(puts) / sum(calls))
    assert reply.analytics.pcr_open_interest == pytest.approx(3.0)
    assert reply.analytics.max_pain == _max_pain_by_brute_force(strikes, calls, puts)
    assert reply.smile.atm_iv == pytest.approx(0.2, abs=1e-6)
    assert reply.smile.risk_reversal == pytest.approx(0.0, abs=1e-6)
    assert reply.smile.butterfly == pytest.approx(0.0, abs=1e-6)
    assert reply.iv_standing.samples == 1
    assert math.isnan(reply.iv_standing.iv_rank)  # one value: a flat history has no range


def test_build_up_against_the_first_snapshot_of_the_day(market: Market, analytics: Stub) -> None:
    expiry = expiry_in(7)
    now_ns = time.time_ns()
    # the default baseline is the first snapshot since 00:00 UTC: both updates on that day, so
    # that the second (a second later) is not on the next one when run just before midnight
    start_ns = min(now_ns, start_of_day_ns(now_ns) + NANOSECONDS_PER_DAY - 2 * 10**9)
    market.publish(expiry, spot=24_000, timestamp_ns=start_ns)
    # the underlying rallies: calls gain and their open interest grows, puts lose and shrink
    market.publish(
        expiry,
        spot=24_200,
        timestamp_ns=start_ns + 10**9,
        adjust=with_open_interest(
            lambda q: 3 * q.open_interest if q.option_type is OptionType.CALL else 1
        ),
    )

    reply = analytics.GetChainAnalytics(
        pb.GetChainAnalyticsRequest(underlying=market.underlying, expiry=expiry.isoformat()),
        timeout=TIMEOUT,
    )

    assert reply.baseline_timestamp_ns == start_ns
    assert len(reply.build_up) == 11
    for row in reply.build_up:
        assert row.call.price_change > 0
        assert row.call.open_interest_change > 0
        assert row.call.build_up == pb.BUILD_UP_LONG_BUILD_UP
        assert row.put.price_change < 0
        assert row.put.open_interest_change < 0
        assert row.put.build_up == pb.BUILD_UP_LONG_UNWINDING

    later = analytics.GetChainAnalytics(
        pb.GetChainAnalyticsRequest(underlying=market.underlying, since_ns=start_ns + 1),
        timeout=TIMEOUT,
    )
    assert later.baseline_timestamp_ns == start_ns + 10**9
    assert {row.call.build_up for row in later.build_up} == {pb.BUILD_UP_NEUTRAL}


def test_iv_rank_and_percentile_over_the_stored_history(market: Market, analytics: Stub) -> None:
    expiry = expiry_in(7)
    for sigma in (0.18, 0.26, 0.2, 0.22):
        market.publish(expiry, sigma=sigma)

    reply = analytics.GetChainAnalytics(
        pb.GetChainAnalyticsRequest(underlying=market.underlying), timeout=TIMEOUT
    )

    standing = reply.iv_standing
    assert standing.samples == 4
    assert (standing.low, standing.high) == pytest.approx((0.18, 0.26), abs=1e-6)
    assert standing.iv_rank == pytest.approx(100 * (0.22 - 0.18) / (0.26 - 0.18), abs=1e-3)
    assert standing.iv_percentile == pytest.approx(50.0)  # 0.18 and 0.2 of 4 are below


def test_history_pages_through_every_point_once(market: Market, analytics: Stub) -> None:
    expiry = expiry_in(7)
    same_ns = time.time_ns()
    spots = [24_000.0, 24_050.0, 24_100.0, 24_150.0, 24_200.0]
    for index, spot in enumerate(spots):
        # the first three share one timestamp: pages must still split them exactly once
        market.publish(expiry, spot=spot, timestamp_ns=same_ns + max(index - 2, 0))

    points: list[pb.AnalyticsPoint] = []
    token = ""
    for _ in range(5):
        reply = analytics.GetHistory(
            pb.GetAnalyticsHistoryRequest(
                underlying=market.underlying,
                expiry=expiry.isoformat(),
                page_size=2,
                page_token=token,
            ),
            timeout=TIMEOUT,
        )
        points.extend(reply.points)
        token = reply.next_page_token
        if not token:
            break

    assert [p.version for p in points] == [1, 2, 3, 4, 5]
    assert [p.spot for p in points] == spots
    assert all(p.analytics.atm_iv == pytest.approx(0.18, abs=1e-6) for p in points)
    ranged = analytics.GetHistory(
        pb.GetAnalyticsHistoryRequest(
            underlying=market.underlying,
            expiry=expiry.isoformat(),
            start_ns=same_ns + 1,
            end_ns=same_ns + 2,
        ),
        timeout=TIMEOUT,
    )
    assert [p.version for p in ranged.points] == [4]
    assert ranged.next_page_token == ""


def test_term_structure_of_two_expiries(market: Market, analytics: Stub) -> None:
    near, far = expiry_in(5), expiry_in(30)
    market.publish(far, sigma=0.22)
    market.publish(near, sigma=0.18)

    reply = analytics.GetTermStructure(
        pb.GetTermStructureRequest(underlying=market.underlying), timeout=TIMEOUT
    )

    assert [p.expiry for p in reply.points] == [near.isoformat(), far.isoformat()]
    first, second = reply.points
    assert (first.atm_iv, second.atm_iv) == pytest.approx((0.18, 0.22), abs=1e-6)
    forward_variance = (0.22**2 * second.time_to_expiry - 0.18**2 * first.time_to_expiry) / (
        second.time_to_expiry - first.time_to_expiry
    )
    assert second.forward_vol == pytest.approx(math.sqrt(forward_variance), rel=1e-5)


def test_surface_of_flat_smiles_is_flat_and_free_of_arbitrage(
    market: Market, analytics: Stub
) -> None:
    near, far, unfit = expiry_in(5), expiry_in(30), expiry_in(60)
    market.publish(near, sigma=0.2, strikes=15)
    market.publish(far, sigma=0.2, strikes=15)
    market.publish(unfit, sigma=0.2, strikes=3)  # too few strikes to fit

    grid = [-0.02, -0.01, 0.0, 0.01, 0.02]
    reply = analytics.GetSurface(
        pb.GetSurfaceRequest(underlying=market.underlying, log_moneyness=grid), timeout=TIMEOUT
    )

    assert [s.expiry for s in reply.slices] == [near.isoformat(), far.isoformat()]
    assert [s.quotes for s in reply.slices] == [15, 15]
    assert not any(s.butterfly_arbitrage for s in reply.slices)
    assert list(reply.calendar_arbitrage) == [False]
    assert [s.expiry for s in reply.skipped] == [unfit.isoformat()]
    assert list(reply.log_moneyness) == grid
    assert len(reply.rows) == 2
    for row, fitted in zip(reply.rows, reply.slices, strict=True):
        assert row.time_to_expiry == fitted.time_to_expiry
        assert list(row.implied_vol) == pytest.approx([0.2] * 5, abs=1e-4)
        assert list(row.total_variance) == pytest.approx([0.04 * row.time_to_expiry] * 5, rel=1e-3)
    default = analytics.GetSurface(
        pb.GetSurfaceRequest(underlying=market.underlying, times_to_expiry=[0.05]),
        timeout=TIMEOUT,
    )
    assert len(default.log_moneyness) == 17
    assert [row.time_to_expiry for row in default.rows] == [0.05]


# Expiries close at 00:00 UTC of their date: a chain of today's date (in UTC) has closed at any
# hour the test runs, which a filter on the UTC date alone misses.
@pytest.mark.parametrize(
    "analytics_server",
    [{"expiry_timezone": "UTC", "expiry_close": dt.time(0, 0)}],
    indirect=True,
    ids=["close-00:00-UTC"],
)
def test_a_chain_past_its_close_is_no_longer_the_nearest_nor_on_the_curves(
    market: Market, analytics: Stub
) -> None:
    closed, near, far = expiry_in(0), expiry_in(5), expiry_in(30)
    # priced a day ago, while it was live (the enricher's own convention closes it at 15:30 IST)
    market.publish(closed, strikes=15, timestamp_ns=time.time_ns() - NANOSECONDS_PER_DAY)
    market.publish(near, sigma=0.18, strikes=15)
    market.publish(far, sigma=0.22, strikes=15)
    underlying = market.underlying

    nearest = analytics.GetChainAnalytics(
        pb.GetChainAnalyticsRequest(underlying=underlying), timeout=TIMEOUT
    )
    term = analytics.GetTermStructure(
        pb.GetTermStructureRequest(underlying=underlying), timeout=TIMEOUT
    )
    surface = analytics.GetSurface(pb.GetSurfaceRequest(underlying=underlying), timeout=TIMEOUT)

    assert nearest.expiry == near.isoformat()
    assert [p.expiry for p in term.points] == [near.isoformat(), far.isoformat()]
    assert [s.expiry for s in [*surface.slices, *surface.skipped]] == [
        near.isoformat(),
        far.isoformat(),
    ]
    asked = analytics.GetChainAnalytics(
        pb.GetChainAnalyticsRequest(underlying=underlying, expiry=closed.isoformat()),
        timeout=TIMEOUT,
    )
    assert asked.expiry == closed.isoformat()  # still there when asked for by its date


def test_surface_without_a_fittable_smile_is_not_found(market: Market, analytics: Stub) -> None:
    market.publish(expiry_in(5), strikes=3)
    with pytest.raises(grpc.RpcError) as error:
        analytics.GetSurface(pb.GetSurfaceRequest(underlying=market.underlying), timeout=TIMEOUT)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "call",
    [
        lambda stub, u: stub.GetChainAnalytics(pb.GetChainAnalyticsRequest(underlying=u)),
        lambda stub, u: stub.GetChainAnalytics(
            pb.GetChainAnalyticsRequest(underlying=u, expiry="2031-01-01")
        ),
        lambda stub, u: stub.GetTermStructure(pb.GetTermStructureRequest(underlying=u)),
        lambda stub, u: stub.GetSurface(pb.GetSurfaceRequest(underlying=u)),
    ],
    ids=["chain", "chain-of-expiry", "term-structure", "surface"],
)
def test_an_unknown_underlying_is_not_found(analytics: Stub, underlying: str, call: object) -> None:
    assert callable(call)
    with pytest.raises(grpc.RpcError) as error:
        call(analytics, underlying)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert underlying in error.value.details()


EXPIRY = "2030-01-01"
INJECTIONS = ['{"$gt": ""}', "$where", "NIFTY'; db.dropDatabase(); '", "^NIFTY", "NIFTY.*", "a\x00"]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize(
    ("method", "request_type", "field"),
    [
        ("GetChainAnalytics", pb.GetChainAnalyticsRequest, "underlying"),
        ("GetChainAnalytics", pb.GetChainAnalyticsRequest, "expiry"),
        ("GetHistory", pb.GetAnalyticsHistoryRequest, "underlying"),
        ("GetHistory", pb.GetAnalyticsHistoryRequest, "expiry"),
        ("GetHistory", pb.GetAnalyticsHistoryRequest, "page_token"),
        ("GetTermStructure", pb.GetTermStructureRequest, "underlying"),
        ("GetSurface", pb.GetSurfaceRequest, "underlying"),
    ],
)
def test_operator_injection_is_refused_in_every_filter_parameter(
    analytics: Stub, method: str, request_type: type[Message], field: str, value: str
) -> None:
    fields = {"underlying": "NIFTY", "expiry": "2030-01-01"}
    fields = {k: v for k, v in fields.items() if k in request_type.DESCRIPTOR.fields_by_name}
    fields[field] = value
    with pytest.raises(grpc.RpcError) as error:
        getattr(analytics, method)(request_type(**fields), timeout=TIMEOUT)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith(f"{field}:")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.GetChainAnalyticsRequest(underlying="NIFTY", since_ns=-1), "since_ns"),
        (pb.GetChainAnalyticsRequest(underlying="N", iv_history_start_ns=-5),
         "iv_history_start_ns"),
        (pb.GetAnalyticsHistoryRequest(underlying="N", expiry=EXPIRY, page_size=2001), "page_size"),
        (pb.GetAnalyticsHistoryRequest(underlying="N", expiry=EXPIRY, start_ns=9, end_ns=3),
         "end_ns"),
        (pb.GetAnalyticsHistoryRequest(underlying="NIFTY"), "expiry"),
        (pb.GetSurfaceRequest(underlying="NIFTY", log_moneyness=[0.1, 0.0]), "log_moneyness"),
        (pb.GetSurfaceRequest(underlying="NIFTY", times_to_expiry=[0.0]), "times_to_expiry"),
        (pb.GetTermStructureRequest(), "underlying"),
    ],
)  # fmt: skip
def test_invalid_arguments_name_their_field(analytics: Stub, request_: object, field: str) -> None:
    method = {
        pb.GetChainAnalyticsRequest: analytics.GetChainAnalytics,
        pb.GetAnalyticsHistoryRequest: analytics.GetHistory,
        pb.GetSurfaceRequest: analytics.GetSurface,
        pb.GetTermStructureRequest: analytics.GetTermStructure,
    }[type(request_)]
    with pytest.raises(grpc.RpcError) as error:
        method(request_, timeout=TIMEOUT)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith(f"{field}:")


def test_health_and_reflection(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    reply = health.Check(
        health_pb2.HealthCheckRequest(service="deltastream.v1.Analytics"), timeout=TIMEOUT
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (answer,) = reflection.ServerReflectionInfo(iter([request]), timeout=TIMEOUT)
    names = {service.name for service in answer.list_services_response.service}
    assert "deltastream.v1.Analytics" in names
