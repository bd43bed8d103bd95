"""The chain table, update lines and history rows, from hand-built messages (no server)."""

from __future__ import annotations

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

import pytest

from deltastream.cli import render
from deltastream.v1 import market_data_pb2, market_pb2

IST = ZoneInfo("Asia/Kolkata")
# 2026-11-25 09:15:02.123456789 IST is 03:45:02.123456789 UTC.
TIMESTAMP_NS = (
    int(dt.datetime(2026, 11, 25, 3, 45, 2, tzinfo=dt.UTC).timestamp()) * 1_000_000_000
    + 123_456_789
)


def _quote(
    strike: float, *, bid: float, ask: float, iv: float, delta: float, oi: int, change: int
) -> market_pb2.EnrichedQuote:
    return market_pb2.EnrichedQuote(
        quote=market_pb2.OptionQuote(strike=strike, bid=bid, ask=ask, open_interest=oi),
        mid=(bid + ask) / 2 if bid > 0 and ask > 0 else math.nan,
        iv=iv,
        iv_status=market_pb2.IV_STATUS_OK if math.isfinite(iv) else market_pb2.IV_STATUS_NO_QUOTE,
        greeks=market_pb2.Greeks(delta=delta),
        open_interest_change=change,
    )


def _snapshot(*, atm_strike: float = 24_000.0) -> market_pb2.ChainSnapshot:
    """Five strikes, given out of order; 9950.5 has no put, 24100's call has no IV."""
    snapshot = market_pb2.ChainSnapshot(
        underlying="NIFTY",
        expiry="2026-12-01",
        spot=24_012.35,
        forward=24_040.0,
        time_to_expiry=6.5 / 365,
        timestamp_ns=TIMESTAMP_NS,
        version=42,
        analytics=market_pb2.ChainAnalytics(
            pcr_open_interest=0.9312,
            pcr_volume=1.25,
            max_pain=23_900.0,
            atm_iv=0.18216,
            atm_strike=atm_strike,
        ),
    )
    for strike in (24_100.0, 9_950.5, 24_000.0, 23_900.0, 24_200.0):
        row = snapshot.rows.add(strike=strike)
        call_iv = math.nan if strike == 24_100.0 else 0.1834
        row.call.CopyFrom(
            _quote(
                strike, bid=120.5, ask=121.25, iv=call_iv, delta=0.5234, oi=1_234_500, change=-300
            )
        )
        if strike != 9_950.5:
            row.put.CopyFrom(
                _quote(strike, bid=0.0, ask=99.5, iv=0.2012, delta=-0.4766, oi=75, change=1_200)
            )
    return snapshot


def _split(line: str) -> tuple[list[str], str, list[str]]:
    """A table line as (call cells, strike cell, put cells); cells are two or more spaces apart."""
    calls, strike, puts = line.split("|")
    return re.split(r" {2,}", calls.strip()), strike.strip(), re.split(r" {2,}", puts.strip())


def _table(snapshot: market_pb2.ChainSnapshot, **view: object) -> list[str]:
    return render.chain_table(snapshot, render.ChainView(**view))  # type: ignore[arg-type]


def _rows_by_strike(table: list[str]) -> dict[str, dict[str, str]]:
    """Every data row, keyed by its strike cell, as {"C <column>"|"P <column>": cell}."""
    call_names, _, put_names = _split(table[1])
    rows = {}
    for line in table[3:]:
        calls, strike, puts = _split(line)
        cells = {f"C {n}": c for n, c in zip(call_names, calls, strict=True)}
        cells |= {f"P {n}": c for n, c in zip(put_names, puts, strict=True)}
        rows[strike] = cells
    return rows


def test_calls_are_left_puts_right_with_the_strike_in_the_middle() -> None:
    table = _table(_snapshot())
    assert table[0].split() == ["CALLS", "|", "|", "PUTS"]
    call_names, strike_name, put_names = _split(table[1])
    assert call_names == ["OI chg", "OI", "delta", "IV%", "bid", "ask"]
    assert strike_name == "strike"
    assert put_names == ["bid", "ask", "IV%", "delta", "OI", "OI chg"]
    row = _rows_by_strike(table)["23900"]
    assert (row["C bid"], row["C ask"], row["C IV%"], row["C delta"]) == (
        "120.50",
        "121.25",
        "18.34",
        "0.523",
    )
    assert (row["C OI"], row["C OI chg"]) == ("1,234,500", "-300")
    assert (row["P bid"], row["P ask"], row["P IV%"], row["P delta"]) == (
        "-",  # an empty bid is no price
        "99.50",
        "20.12",
        "-0.477",
    )
    assert (row["P OI"], row["P OI chg"]) == ("75", "+1,200")


def test_rows_are_sorted_by_strike() -> None:
    strikes = list(_rows_by_strike(_table(_snapshot())))
    assert [s.strip("<>") for s in strikes] == ["9950.5", "23900", "24000", "24100", "24200"]


def test_the_atm_strike_is_marked_once() -> None:
    table = _table(_snapshot())
    marked = [line for line in table if ">24000<" in line]
    assert len(marked) == 1
    assert sum(">" in _split(line)[1] for line in table[3:]) == 1


def test_without_an_atm_strike_in_the_analytics_the_strike_nearest_the_forward_is_marked() -> None:
    snapshot = _snapshot(atm_strike=math.nan)
    snapshot.forward = 24_140.0
    assert render.atm_strike(snapshot) == 24_100.0
    assert any(">24100<" in line for line in _table(snapshot))


def test_nan_iv_and_a_missing_side_show_as_dashes() -> None:
    rows = _rows_by_strike(_table(_snapshot()))
    assert rows["24100"]["C IV%"] == "-"
    assert rows["24100"]["C bid"] == "120.50"
    missing_put = {name: cell for name, cell in rows["9950.5"].items() if name.startswith("P ")}
    assert set(missing_put.values()) == {"-"}
    assert len(missing_put) == 6


def test_columns_are_aligned() -> None:
    table = _table(_snapshot())
    assert len({len(line) for line in table}) == 1
    bars = {tuple(i for i, char in enumerate(line) if char == "|") for line in table}
    assert len(bars) == 1
    # numbers are right-aligned: the last digit of every strike is in the same column
    _, right_bar = bars.pop()
    for line in table[3:]:
        strike_cell = line[:right_bar]
        assert strike_cell.rstrip("< ")[-1].isdigit()
        assert len(strike_cell.rstrip("< ")) == len(table[3][:right_bar].rstrip("< "))


def test_mid_only_shows_one_price_per_side() -> None:
    table = _table(_snapshot(), mid_only=True)
    call_names, _, put_names = _split(table[1])
    assert call_names == ["OI chg", "OI", "delta", "IV%", "mid"]
    assert put_names == ["mid", "IV%", "delta", "OI", "OI chg"]
    row = _rows_by_strike(table)["23900"]
    assert row["C mid"] == "120.88"  # (120.50 + 121.25) / 2 = 120.875
    assert row["P mid"] == "-"  # no bid, so no two-sided mid


def test_strikes_around_keeps_a_window_centred_on_the_atm_strike() -> None:
    strikes = list(_rows_by_strike(_table(_snapshot(), strikes_around=1)))
    assert [s.strip("<>") for s in strikes] == ["23900", "24000", "24100"]
    edge = _snapshot(atm_strike=9_950.5)
    assert [s.strip("<>") for s in _rows_by_strike(_table(edge, strikes_around=1))] == [
        "9950.5",
        "23900",
    ]


def test_an_empty_chain_renders_a_header_and_no_rows() -> None:
    snapshot = market_pb2.ChainSnapshot(underlying="NIFTY", expiry="2026-12-01")
    assert len(_table(snapshot)) == 3
    assert math.isnan(render.atm_strike(snapshot))


def test_the_header_gives_the_chain_and_its_analytics() -> None:
    first, second = render.chain_header(_snapshot(), IST)
    assert first.startswith("NIFTY 2026-12-01 (6.50d)")
    assert "spot 24012.35" in first
    assert "forward 24040.00" in first
    assert "at 2026-11-25 09:15:02.123 IST" in first
    assert "version 42" in first
    assert "PCR(OI) 0.93" in second
    assert "PCR(vol) 1.25" in second
    assert "max pain 23900" in second
    assert "ATM IV 18.22%" in second
    assert "ATM strike >24000<" in second


def test_chain_text_is_the_header_a_blank_line_and_the_table() -> None:
    snapshot = _snapshot()
    text = render.chain_text(snapshot, render.ChainView(zone=IST)).splitlines()
    assert text[:2] == render.chain_header(snapshot, IST)
    assert text[2] == ""
    assert text[3:] == render.chain_table(snapshot, render.ChainView())


def test_an_update_line_has_time_chain_analytics_and_latency() -> None:
    update = market_data_pb2.ChainUpdate(chain=_snapshot())
    line = render.update_line(update, TIMESTAMP_NS + 12_500_000, IST)
    assert line.startswith("09:15:02.123  NIFTY ")
    for part in ("2026-12-01", "v42", "spot   24012.35", "18.22%", "PCR  0.93", "23900"):
        assert part in line
    assert line.endswith("latency     12.5 ms")


def test_an_update_without_a_timestamp_has_no_latency() -> None:
    update = market_data_pb2.ChainUpdate(chain=market_pb2.ChainSnapshot(underlying="NIFTY"))
    line = render.update_line(update, TIMESTAMP_NS, dt.UTC)
    assert line.startswith("-  NIFTY")
    assert line.endswith("latency        - ms")


def test_history_lines_line_up_with_their_header() -> None:
    header = render.history_header()
    line = render.history_line(_snapshot(), dt.UTC)
    assert len(line) == len(header)
    assert line.startswith("2026-11-25 03:45:02.123")
    names = re.split(r" {1,}", header)
    assert names[:2] == ["time", "version"]
    # every right-aligned column ends where its name ends
    for name in ("version", "spot", "forward", "max pain"):
        end = header.index(name) + len(name)
        assert line[end - 1] != " "
        assert end == len(line) or line[end] == " "


@pytest.mark.parametrize(
    ("value", "text"),
    [(24_000.0, "24000"), (112.5, "112.5"), (99.25, "99.25"), (math.nan, "-")],
)
def test_strike_text(value: float, text: str) -> None:
    assert render.strike_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(0.0, "-"), (math.nan, "-"), (-1.0, "-"), (0.05, "0.05"), (7.0, "7.00")]
)
def test_price_text(value: float, text: str) -> None:
    assert render.price_text(value) == text


@pytest.mark.parametrize(("value", "text"), [(0.0, "0"), (1_500, "+1,500"), (-25, "-25")])
def test_change_text(value: int, text: str) -> None:
    assert render.change_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(1 / 365, "1.00d"), (0.0, "expired"), (-0.01, "expired"), (math.nan, "-")]
)
def test_days_text(value: float, text: str) -> None:
    assert render.days_text(value) == text


def test_timestamps_are_shown_to_the_millisecond_in_the_zone() -> None:
    assert render.timestamp_text(TIMESTAMP_NS, dt.UTC) == "2026-11-25 03:45:02.123"
    assert render.timestamp_text(TIMESTAMP_NS, IST, with_date=False) == "09:15:02.123"
    assert render.timestamp_text(0, IST) == "-"


def test_expiries_text_is_one_per_line_in_order() -> None:
    assert render.expiries_text(["2026-12-01", "2026-11-26"]) == "2026-12-01\n2026-11-26"
