"""Request parameters at the API boundary: only plain values of the expected shape get
through to a database filter, whatever a client sends."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream import validation
from deltastream.errors import InvalidArgumentError

INJECTIONS = [
    {"$gt": ""},
    {"$ne": None},
    ["NIFTY"],
    '{"$gt": ""}',
    "$where",
    "$where: function() { return true }",
    "NIFTY'; db.dropDatabase(); '",
    "this.underlying == 'NIFTY'",
    "NIFTY$",
    "NIFTY.*",
    "^NIFTY",
    "NIFTY\x00",
    "NI FTY",
    "NIFTY\nBANKNIFTY",
]


@pytest.mark.parametrize(
    ("value", "symbol"),
    [
        ("NIFTY", "NIFTY"),
        ("nifty", "NIFTY"),
        ("  BankNifty ", "BANKNIFTY"),
        ("M&M".replace("&", "_"), "M_M"),
        ("BAJAJ-AUTO", "BAJAJ-AUTO"),
        ("N" * 32, "N" * 32),
        ("0DTE", "0DTE"),
    ],
)
def test_underlying_symbols_are_upper_cased(value: str, symbol: str) -> None:
    assert validation.underlying(value) == symbol


@pytest.mark.parametrize("value", INJECTIONS)
def test_operator_injection_is_rejected(value: object) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        validation.underlying(value)
    assert error.value.field == "underlying"


@pytest.mark.parametrize("value", [None, 0, 24_000, b"NIFTY", "", "   ", "-NIFTY", "_X"])
def test_non_symbols_are_rejected(value: object) -> None:
    with pytest.raises(InvalidArgumentError):
        validation.underlying(value)


@pytest.mark.parametrize(
    "value",
    [
        "निफ्टी",  # Devanagari
        "\uff2e\uff29\uff26\uff34\uff39",  # full-width NIFTY
        "n\u0131fty",  # dotless i: upper-cases to the ASCII "NIFTY"
        "ß",  # upper-cases to "SS"
        "ﬀ",  # ligature: upper-cases to "FF"
        "NIFTY\u200b",  # zero-width space
        "😀",
    ],
)
def test_unicode_is_rejected_even_when_it_upper_cases_to_ascii(value: str) -> None:
    with pytest.raises(InvalidArgumentError):
        validation.underlying(value)


@pytest.mark.parametrize("length", [33, 1_000, 1_000_000])
def test_long_strings_are_rejected_with_a_bounded_message(length: int) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        validation.underlying("A" * length)
    assert len(str(error.value)) < 120


def test_the_field_name_is_the_callers() -> None:
    with pytest.raises(InvalidArgumentError) as error:
        validation.underlying("", "underlyings")
    assert error.value.field == "underlyings"
    assert str(error.value).startswith("underlyings: ")


@settings(max_examples=300)
@given(st.text(max_size=50))
def test_whatever_passes_is_a_plain_ascii_symbol(value: str) -> None:
    try:
        symbol = validation.underlying(value)
    except InvalidArgumentError:
        return
    assert symbol.isascii()
    assert symbol == symbol.upper()
    assert 1 <= len(symbol) <= 32
    assert set(symbol) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def test_expiries_are_iso_dates() -> None:
    assert validation.expiry("2026-11-26") == dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    "value",
    [
        None,
        20261126,
        {"$gt": ""},
        {"$where": "1"},
        '{"$gt": ""}',
        "",
        "2026-02-30",
        "2026-13-01",
        "26-11-2026",
        "2026-11-26T00:00:00",
        "\uff12\uff10\uff12\uff16-11-26",  # full-width digits
        "2026-11-26; drop",
        "9" * 10_000,
        "20261126",  # ISO basic format: Python parses it, the contract says YYYY-MM-DD
        "2026-W48-4",  # ISO week date
        "2026-330",  # ISO ordinal date
    ],
)
def test_anything_else_is_not_an_expiry(value: object) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        validation.expiry(value, "expiries")
    assert error.value.field == "expiries"
    assert len(str(error.value)) < 120


@pytest.mark.parametrize(("value", "expected"), [(0, 50), (1, 1), (77, 77), (500, 500)])
def test_page_sizes(value: int, expected: int) -> None:
    assert validation.page_size(value, default=50, maximum=500) == expected


@pytest.mark.parametrize("value", [-1, 501, 2**31 - 1, -(2**31)])
def test_page_sizes_out_of_range(value: int) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        validation.page_size(value, default=50, maximum=500)
    assert error.value.field == "page_size"


@pytest.mark.parametrize(
    "time_range", [(0, 0), (5, 0), (0, 5), (5, 6), (1_764_000_000_000_000_000, 2**63 - 1)]
)
def test_time_ranges(time_range: tuple[int, int]) -> None:
    assert validation.time_range_ns(*time_range) == time_range


@pytest.mark.parametrize(
    ("time_range", "field"),
    [((-1, 0), "start_ns"), ((0, -1), "end_ns"), ((5, 5), "end_ns"), ((6, 5), "end_ns")],
)
def test_bad_time_ranges_name_the_field(time_range: tuple[int, int], field: str) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        validation.time_range_ns(*time_range)
    assert error.value.field == field
