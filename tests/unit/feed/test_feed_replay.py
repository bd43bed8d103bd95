"""Replay files: the documented CSV and JSON lines formats, bad lines, and recording."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltastream.errors import InvalidArgumentError
from deltastream.feed.recording import tick_record, write_ticks
from deltastream.feed.replay import COLUMNS, ReplayError, read_ticks
from deltastream.market.quotes import OptionQuote, OptionType, Tick, UnderlyingTick

SAMPLE = Path(__file__).parents[3] / "docs" / "samples" / "nifty-sample.csv"
HEADER = ",".join(COLUMNS)
GOOD_QUOTE = "quote,NIFTY,2026-12-01,24000,C,164.20,165.10,164.85,42461,69793,{ts},"
NS = 1_000_000_000

BAD_QUOTES = {
    "kind": "trade,NIFTY,2026-12-01,24000,C,1,2,1,1,1,1795578300000000000,",
    "underlying": "quote,NIF TY,2026-12-01,24000,C,1,2,1,1,1,1795578300000000000,",
    "expiry": "quote,NIFTY,2026-13-01,24000,C,1,2,1,1,1,1795578300000000000,",
    "strike": "quote,NIFTY,2026-12-01,-50,C,1,2,1,1,1,1795578300000000000,",
    "type": "quote,NIFTY,2026-12-01,24000,X,1,2,1,1,1,1795578300000000000,",
    "bid": "quote,NIFTY,2026-12-01,24000,C,3,2,1,1,1,1795578300000000000,",
    "ask": "quote,NIFTY,2026-12-01,24000,C,1,nan,1,1,1,1795578300000000000,",
    "volume": "quote,NIFTY,2026-12-01,24000,C,1,2,1,1.5,1,1795578300000000000,",
    "open_interest": "quote,NIFTY,2026-12-01,24000,C,1,2,1,1,-3,1795578300000000000,",
    "timestamp": "quote,NIFTY,2026-12-01,24000,C,1,2,1,1,1,2026-11-25T09:15:00,",
    "price": "underlying,NIFTY,,,,,,,,,1795578300000000000,0",
}


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def epoch_ns(moment: dt.datetime) -> int:
    """Independent of the reader: calendar.timegm on the UTC fields."""
    utc = moment.astimezone(dt.UTC)
    return (calendar.timegm(utc.timetuple()) * 1_000_000 + utc.microsecond) * 1000


def test_the_sample_file_reads_without_errors() -> None:
    items = list(read_ticks(SAMPLE))
    assert not [item for item in items if isinstance(item, ReplayError)]
    prints = [item for item in items if isinstance(item, UnderlyingTick)]
    quotes = [item for item in items if isinstance(item, OptionQuote)]
    assert len(prints) >= 3
    assert len(quotes) >= 24
    assert {q.underlying for q in quotes} == {"NIFTY"}
    assert all(q.bid < q.ask and q.bid <= q.last <= q.ask for q in quotes)
    stamps = [tick.timestamp_ns for tick in prints] + [tick.timestamp_ns for tick in quotes]
    assert min(stamps) > 1_700_000_000 * NS


def test_iso_and_nanosecond_timestamps_mean_the_same_instant(tmp_path: Path) -> None:
    moment = dt.datetime(
        2026, 11, 25, 9, 15, 0, 730000, tzinfo=dt.timezone(dt.timedelta(hours=5.5))
    )
    path = write(
        tmp_path / "t.csv",
        HEADER,
        GOOD_QUOTE.format(ts=moment.isoformat()),
        GOOD_QUOTE.format(ts=epoch_ns(moment)),
        GOOD_QUOTE.format(ts="2026-11-25T03:45:00.730Z"),
    )
    stamps = [tick.timestamp_ns for tick in read_ticks(path) if not isinstance(tick, ReplayError)]
    assert stamps == [epoch_ns(moment)] * 3


def test_a_quote_row_becomes_an_option_quote(tmp_path: Path) -> None:
    path = write(tmp_path / "q.csv", HEADER, GOOD_QUOTE.format(ts=1795578300000000000))
    [quote] = list(read_ticks(path))
    assert quote == OptionQuote(
        "NIFTY",
        dt.date(2026, 12, 1),
        24000.0,
        OptionType.CALL,
        164.2,
        165.1,
        164.85,
        42461,
        69793,
        1795578300000000000,
    )


@pytest.mark.parametrize("field", sorted(BAD_QUOTES))
def test_a_bad_csv_line_yields_an_error_naming_the_field(tmp_path: Path, field: str) -> None:
    good = GOOD_QUOTE.format(ts=1795578300000000000)
    path = write(tmp_path / "bad.csv", HEADER, good, BAD_QUOTES[field], good)
    items = list(read_ticks(path))
    assert len(items) == 3
    error = items[1]
    assert isinstance(error, ReplayError)
    assert error.line_number == 3
    assert error.raw == BAD_QUOTES[field]
    assert error.reason.startswith(field)
    assert isinstance(items[0], OptionQuote)
    assert isinstance(items[2], OptionQuote)


def test_a_csv_line_with_the_wrong_number_of_fields_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "short.csv", HEADER, "quote,NIFTY,2026-12-01")
    [error] = list(read_ticks(path))
    assert isinstance(error, ReplayError)
    assert "fields" in error.reason


def test_a_header_without_required_columns_is_one_error(tmp_path: Path) -> None:
    path = write(tmp_path / "nohead.csv", "underlying,price", "NIFTY,24000")
    [error] = list(read_ticks(path))
    assert isinstance(error, ReplayError)
    assert error.line_number == 1
    assert "kind" in error.reason


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.csv", HEADER, "", BAD_QUOTES["strike"], "  ")
    [error] = list(read_ticks(path))
    assert isinstance(error, ReplayError)
    assert error.line_number == 3


def test_nse_style_ce_pe_types_and_missing_optional_fields(tmp_path: Path) -> None:
    lines = [
        json.dumps({"kind": "quote", "underlying": "nifty", "expiry": "2026-12-01",
                    "strike": 24000, "type": "PE", "bid": 0, "ask": 0.05,
                    "timestamp": "2026-11-25T09:15:00+05:30"}),
    ]  # fmt: skip
    [quote] = list(read_ticks(write(tmp_path / "pe.jsonl", *lines)))
    assert isinstance(quote, OptionQuote)
    assert (quote.underlying, quote.option_type) == ("NIFTY", OptionType.PUT)
    assert (quote.last, quote.volume, quote.open_interest) == (0.0, 0, 0)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"kind": "underlying", "underlying": "NIFTY", "timestamp": 5, "price": true}', "price"),
        ('{"kind": "underlying", "underlying": "NIFTY", "timestamp": -5, "price": 1}', "timestamp"),
        (
            '{"kind": "underlying", "underlying": "NIFTY", "timestamp": 5.5, "price": 1}',
            "timestamp",
        ),
        ('{"kind": "underlying", "underlying": 7, "timestamp": 5, "price": 1}', "underlying"),
        ('{"kind": "quote", "underlying": "NIFTY", "timestamp": 5}', "bid"),
    ],
)
def test_a_bad_json_line_yields_an_error(tmp_path: Path, line: str, reason: str) -> None:
    good = '{"kind": "underlying", "underlying": "NIFTY", "timestamp": 5, "price": 24000.5}'
    items = list(read_ticks(write(tmp_path / "bad.jsonl", good, line)))
    assert items[0] == UnderlyingTick("NIFTY", 24000.5, 5)
    error = items[1]
    assert isinstance(error, ReplayError)
    assert (error.line_number, error.raw) == (2, line)
    assert reason in error.reason


def test_undecodable_bytes_are_an_error_not_an_exception(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + b"\nunderlying,NIFT\xd9,,,,,,,,,5,24000\n")
    [error] = list(read_ticks(path))
    assert isinstance(error, ReplayError)
    assert error.reason.startswith("underlying")


def test_unknown_extensions_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError):
        read_ticks(tmp_path / "ticks.parquet")
    with pytest.raises(InvalidArgumentError):
        write_ticks([], tmp_path / "ticks.txt")


symbols = st.sampled_from(["NIFTY", "BANKNIFTY", "FINNIFTY", "RELIANCE"])
money = st.floats(0.0, 1e5, allow_nan=False).map(lambda x: round(x, 2))
counts = st.integers(0, 10**9)
stamps = st.integers(0, 4 * 10**18)
underlying_ticks = st.builds(
    UnderlyingTick, symbols, st.floats(0.01, 1e6).map(lambda x: round(x, 2)), stamps
)
option_quotes = st.builds(
    lambda u, e, k, c, bid, spread, last, v, oi, ts: OptionQuote(
        u, e, k, c, bid, bid + spread, last, v, oi, ts
    ),
    symbols,
    st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)),
    st.integers(1, 4000).map(lambda n: n * 25.0),
    st.sampled_from(list(OptionType)),
    money,
    st.floats(0.05, 100.0).map(lambda x: round(x, 2)),
    money,
    counts,
    counts,
    stamps,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ticks=st.lists(st.one_of(underlying_ticks, option_quotes), max_size=20))
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_recorded_ticks_replay_identically(tmp_path: Path, suffix: str, ticks: list[Tick]) -> None:
    path = tmp_path / f"session{suffix}"
    assert write_ticks(ticks, path) == len(ticks)
    assert list(read_ticks(path)) == ticks


def test_an_underlying_record_carries_only_its_fields() -> None:
    record = tick_record(UnderlyingTick("NIFTY", 24000.5, 7))
    assert record == {"kind": "underlying", "underlying": "NIFTY", "timestamp": 7, "price": 24000.5}


@pytest.mark.parametrize(("fence", "suffix"), [("csv", ".csv"), ("json", ".jsonl")])
def test_the_documented_examples_read_without_errors(
    tmp_path: Path, fence: str, suffix: str
) -> None:
    document = (Path(__file__).parents[3] / "docs" / "feed.md").read_text(encoding="utf-8")
    example = document.split(f"```{fence}\n", 1)[1].split("```", 1)[0]
    path = tmp_path / f"example{suffix}"
    path.write_text(example, encoding="utf-8")
    items = list(read_ticks(path))
    assert len(items) >= 2
    assert not [item for item in items if isinstance(item, ReplayError)]
    assert {type(item) for item in items} == {UnderlyingTick, OptionQuote}
