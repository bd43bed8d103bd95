"""The analytics header and build-up table, and the surface grid, from hand-built replies."""

from __future__ import annotations

import datetime as dt
import math
import re

from deltastream.cli import render_analytics
from deltastream.v1 import analytics_pb2 as pb
from deltastream.v1 import market_pb2

# 2026-11-25 03:45:02 UTC
TIMESTAMP_NS = int(dt.datetime(2026, 11, 25, 3, 45, 2, tzinfo=dt.UTC).timestamp()) * 10**9


def _option(oi: int, oi_change: float, price_change: float, build_up: int) -> pb.OptionBuildUp:
    return pb.OptionBuildUp(
        price=100.0,
        price_change=price_change,
        open_interest=oi,
        open_interest_change=oi_change,
        build_up=build_up,  # type: ignore[arg-type]
    )


def _analytics() -> pb.GetChainAnalyticsResponse:
    reply = pb.GetChainAnalyticsResponse(
        underlying="NIFTY",
        expiry="2026-12-01",
        spot=24_012.35,
        forward=24_040.0,
        time_to_expiry=6.0 / 365,
        timestamp_ns=TIMESTAMP_NS,
        version=7,
        analytics=market_pb2.ChainAnalytics(
            pcr_open_interest=0.875, pcr_volume=1.5, max_pain=23_900.0
        ),
        smile=pb.SmileStatistics(
            atm_iv=0.1821,
            call_wing_iv=0.17,
            put_wing_iv=0.2,
            risk_reversal=-0.03,
            butterfly=0.0029,
        ),
        iv_standing=pb.IvStanding(
            iv_rank=62.5, iv_percentile=math.nan, samples=1200, low=0.12, high=0.22
        ),
        baseline_timestamp_ns=0,
    )
    # out of order; the put of 24100 has no baseline (changes NaN)
    reply.build_up.add(
        strike=24_100.0,
        call=_option(1_500, 250.0, 12.5, pb.BUILD_UP_LONG_BUILD_UP),
        put=_option(900, math.nan, math.nan, pb.BUILD_UP_UNSPECIFIED),
    )
    reply.build_up.add(
        strike=23_900.0,
        call=_option(2_000, -100.0, -3.25, pb.BUILD_UP_LONG_UNWINDING),
        put=_option(12_345, 0.0, 1.0, pb.BUILD_UP_NEUTRAL),
    )
    return reply


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r" {2,}|\|", line) if cell.strip()]


def test_the_header_gives_pcr_max_pain_the_smile_and_iv_standing() -> None:
    header = render_analytics.analytics_header(_analytics(), dt.UTC)
    assert header[0].startswith("NIFTY 2026-12-01 (6.00d)  spot 24012.35  forward 24040.00")
    assert "2026-11-25 03:45:02.000 UTC" in header[0]
    assert header[1] == "PCR(OI) 0.88  PCR(vol) 1.50  max pain 23900"
    assert header[2] == "ATM IV 18.21%  25d call 17.00%  25d put 20.00%  RR -3.00  BF +0.29"
    assert header[3] == "IV rank 62.5  IV percentile -  over 1,200 samples (12.00% to 22.00%)"
    assert header[4] == "build-up since -"  # no baseline snapshot


def test_the_build_up_table_mirrors_calls_and_puts_around_the_strike() -> None:
    table = render_analytics.build_up_table(_analytics())
    assert _cells(table[0]) == [
        "build-up", "price chg", "OI chg", "OI", "strike", "OI", "OI chg", "price chg", "build-up",
    ]  # fmt: skip
    assert set(table[1]) <= {"-", "|"}
    rows = [_cells(line) for line in table[2:]]
    assert [row[4] for row in rows] == ["23900", "24100"]
    assert rows[0] == [
        "long unwinding", "-3.25", "-100", "2,000", "23900", "12,345", "0", "+1.00", "neutral",
    ]  # fmt: skip
    assert rows[1] == ["long build-up", "+12.50", "+250", "1,500", "24100", "900", "-", "-", "-"]


def test_every_table_line_has_the_same_width_and_columns() -> None:
    table = render_analytics.build_up_table(_analytics())
    assert len({len(line) for line in table}) == 1
    assert len({line.count("|") for line in table}) == 1


def _surface() -> pb.GetSurfaceResponse:
    reply = pb.GetSurfaceResponse(underlying="NIFTY", log_moneyness=[-0.1, 0.0, 0.1])
    for expiry, days, arbitrage in (("2026-12-01", 6.0, False), ("2026-12-29", 34.0, True)):
        reply.slices.add(
            expiry=expiry,
            time_to_expiry=days / 365,
            forward=24_050.0,
            svi=pb.SviParameters(a=0.001, b=0.01, rho=-0.3, m=0.0, s=0.1, rmse=1e-6),
            quotes=22,
            butterfly_arbitrage=arbitrage,
        )
        reply.rows.add(time_to_expiry=days / 365, implied_vol=[0.21, 0.18, math.nan])
    reply.calendar_arbitrage.append(True)
    reply.skipped.add(expiry="2026-11-26", reason="too few quotes")
    return reply


def test_the_surface_grid_has_a_row_per_expiry_and_a_column_per_moneyness() -> None:
    grid = render_analytics.surface_grid(_surface())
    assert _cells(grid[0]) == ["expiry", "days", "-0.100", "+0.000", "+0.100"]
    assert _cells(grid[2]) == ["2026-12-01", "6.00", "21.00", "18.00", "-"]
    assert _cells(grid[3]) == ["2026-12-29", "34.00", "21.00", "18.00", "-"]


def test_the_surface_text_reports_the_arbitrage_checks_and_skipped_expiries() -> None:
    text = render_analytics.surface_text(_surface())
    lines = text.splitlines()
    fits = [line for line in lines if "SVI" in line]
    assert [line.endswith("butterfly arbitrage: no") for line in fits] == [True, False]
    assert fits[1].endswith("butterfly arbitrage: YES")
    assert "  calendar arbitrage to 2026-12-29: YES" in lines
    assert lines[-1] == "skipped 2026-11-26: too few quotes"


def test_signed_and_points_text() -> None:
    assert render_analytics.signed_text(1234.5, 1) == "+1,234.5"
    assert render_analytics.signed_text(-2.0, 0) == "-2"
    assert render_analytics.signed_text(0.0, 2) == "0"
    assert render_analytics.signed_text(math.nan, 2) == "-"
    assert render_analytics.points_text(0.0123) == "+1.23"
    assert render_analytics.points_text(math.inf) == "-"
