"""The tick wire format: round trips of every kind in both forms, and a named reason for every
malformed entry of the flat form. The message form's own checks: ``test_tick_messages``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.errors import MalformedEntryError
from deltastream.market import codec
from deltastream.market.codec import (
    as_read,
    decode_tick,
    encode_tick,
    flat_tick_fields,
    tick_fields,
    traceparent_of,
)
from deltastream.market.quotes import OptionQuote, OptionType, Tick, UnderlyingTick

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

symbols = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1, max_size=32
).filter(lambda text: text.replace("_", "").replace("-", "") != "")
positive = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
non_negative = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=2**63 - 1)
timestamps = st.integers(min_value=1, max_value=2**63 - 1)


def _wire(fields: dict[str, str]) -> dict[bytes, bytes]:
    """The fields as a Redis client returns them."""
    return {name.encode(): value.encode() for name, value in fields.items()}


def _flat_entry(tick: Tick) -> dict[bytes, bytes]:
    return _wire(encode_tick(tick))


def _message_entry(tick: Tick) -> dict[bytes, bytes]:
    return as_read(tick_fields(tick))


FORMS = pytest.mark.parametrize("entry_of", [_flat_entry, _message_entry], ids=["flat", "message"])


def _quote(**changes: object) -> OptionQuote:
    values: dict[str, object] = {
        "underlying": "NIFTY",
        "expiry": dt.date(2026, 11, 26),
        "strike": 24_000.0,
        "option_type": OptionType.CALL,
        "bid": 101.5,
        "ask": 102.25,
        "last": 101.9,
        "volume": 1_250,
        "open_interest": 84_000,
        "timestamp_ns": 1_764_000_000_000_000_000,
    }
    values.update(changes)
    return OptionQuote(**values)  # type: ignore[arg-type]


@FORMS
@settings(max_examples=200)
@given(
    underlying=symbols,
    expiry=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)),
    strike=positive,
    option_type=st.sampled_from(OptionType),
    prices=st.tuples(non_negative, non_negative, non_negative),
    volume=counts,
    open_interest=counts,
    timestamp_ns=timestamps,
)
def test_an_option_quote_round_trips(
    entry_of: Callable[[Tick], dict[bytes, bytes]],
    underlying: str,
    expiry: dt.date,
    strike: float,
    option_type: OptionType,
    prices: tuple[float, float, float],
    volume: int,
    open_interest: int,
    timestamp_ns: int,
) -> None:
    bid, ask, last = prices
    bid, ask = min(bid, ask), max(bid, ask)
    quote = OptionQuote(
        underlying, expiry, strike, option_type, bid, ask, last, volume, open_interest, timestamp_ns
    )
    assert decode_tick(entry_of(quote)) == quote


@FORMS
@settings(max_examples=100)
@given(underlying=symbols, price=positive, timestamp_ns=timestamps)
def test_an_underlying_tick_round_trips(
    entry_of: Callable[[Tick], dict[bytes, bytes]], underlying: str, price: float, timestamp_ns: int
) -> None:
    tick = UnderlyingTick(underlying, price, timestamp_ns)
    assert decode_tick(entry_of(tick)) == tick


@pytest.mark.parametrize(
    "tick", [_quote(), _quote(option_type=OptionType.PUT), UnderlyingTick("NIFTY", 24_012.5, 1)]
)
def test_the_traceparent_travels_with_every_kind(tick: OptionQuote | UnderlyingTick) -> None:
    fields = _wire(encode_tick(tick, TRACEPARENT))
    assert traceparent_of(fields) == TRACEPARENT
    assert decode_tick(fields) == tick
    assert traceparent_of(_wire(encode_tick(tick))) is None
    assert b"tp" not in _wire(encode_tick(tick))


def test_an_empty_side_of_the_book_is_zero() -> None:
    quote = _quote(bid=0.0, ask=3.5, last=0.0)
    assert decode_tick(_wire(encode_tick(quote))) == quote


def test_symbols_and_option_types_are_read_case_insensitively() -> None:
    fields = _wire(encode_tick(_quote()))
    fields[b"und"], fields[b"cp"] = b"nifty", b"p"
    decoded = decode_tick(fields)
    assert isinstance(decoded, OptionQuote)
    assert (decoded.underlying, decoded.option_type) == ("NIFTY", OptionType.PUT)


def test_a_producer_in_another_language_can_publish_plain_text() -> None:
    fields = {
        b"kind": b"q", b"und": b"BANKNIFTY", b"ts": b"1764000000000000000", b"exp": b"2026-11-26",
        b"k": b"51500", b"cp": b"C", b"bid": b"220", b"ask": b"221.5", b"last": b"0",
        b"vol": b"0", b"oi": b"15",
    }  # fmt: skip
    assert decode_tick(fields) == OptionQuote(
        "BANKNIFTY", dt.date(2026, 11, 26), 51_500.0, OptionType.CALL, 220.0, 221.5, 0.0, 0, 15,
        1_764_000_000_000_000_000,
    )  # fmt: skip


QUOTE_FIELDS = ("kind", "und", "ts", "exp", "k", "cp", "bid", "ask", "last", "vol", "oi")


@pytest.mark.parametrize("name", QUOTE_FIELDS)
def test_a_missing_quote_field_is_named(name: str) -> None:
    fields = _wire(encode_tick(_quote()))
    del fields[name.encode()]
    with pytest.raises(MalformedEntryError) as error:
        decode_tick(fields)
    assert error.value.reason.startswith(f"{name}:")


@pytest.mark.parametrize("name", QUOTE_FIELDS[1:])
def test_an_empty_quote_field_is_named(name: str) -> None:
    fields = _wire(encode_tick(_quote()))
    fields[name.encode()] = b""
    with pytest.raises(MalformedEntryError) as error:
        decode_tick(fields)
    assert error.value.reason == f"{name}: missing"


@pytest.mark.parametrize("name", ["und", "ts", "px"])
def test_a_missing_underlying_field_is_named(name: str) -> None:
    fields = _wire(encode_tick(UnderlyingTick("NIFTY", 24_000.0, 5)))
    del fields[name.encode()]
    with pytest.raises(MalformedEntryError) as error:
        decode_tick(fields)
    assert error.value.reason == f"{name}: missing"


BAD_VALUES = [
    ("kind", b"x"),
    ("kind", b"Q"),
    ("und", b"NI FTY"),
    ("und", b"NIFTY$"),
    ("und", b'{"$gt": ""}'),
    ("und", b"N" * 33),
    ("und", "निफ्टी".encode()),
    ("und", b"\xff\xfe"),
    ("und", b"__"),
    ("ts", b"1.5"),
    ("ts", b"soon"),
    ("ts", b"-1"),
    ("exp", b"2026-13-01"),
    ("exp", b"26/11/2026"),
    ("exp", b"\xff"),
    ("k", b"0"),
    ("k", b"-24000"),
    ("k", b"nan"),
    ("k", b"inf"),
    ("k", b"24,000"),
    ("cp", b"X"),
    ("cp", b"CALL"),
    ("bid", b"-0.05"),
    ("bid", b"NaN"),
    ("ask", b"-inf"),
    ("ask", b"abc"),
    ("last", b"1e999"),
    ("vol", b"-3"),
    ("vol", b"1.0"),
    ("oi", b"many"),
    ("oi", b"-1"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_quote_value_is_named(name: str, value: bytes) -> None:
    fields = _wire(encode_tick(_quote()))
    fields[name.encode()] = value
    with pytest.raises(MalformedEntryError) as error:
        decode_tick(fields)
    assert error.value.reason.startswith(f"{name}:")
    assert len(error.value.reason) < 120  # a reason quotes at most a bounded part of the value


@pytest.mark.parametrize("value", [b"0", b"-1", b"nan", b"inf", b"price"])
def test_a_bad_underlying_price_is_named(value: bytes) -> None:
    fields = _wire(encode_tick(UnderlyingTick("NIFTY", 24_000.0, 5)))
    fields[b"px"] = value
    with pytest.raises(MalformedEntryError) as error:
        decode_tick(fields)
    assert error.value.reason.startswith("px:")


def test_a_crossed_book_is_malformed() -> None:
    with pytest.raises(MalformedEntryError) as error:
        decode_tick(_wire(encode_tick(_quote(bid=103.0, ask=102.0))))
    assert "bid" in error.value.reason
    assert "ask" in error.value.reason


def test_an_entry_without_a_kind_is_malformed() -> None:
    with pytest.raises(MalformedEntryError) as error:
        decode_tick({})
    assert error.value.reason == "kind: expected 'q' or 'u', got nothing"


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from([n.encode() for n in (*QUOTE_FIELDS, "px", "tp")]),
        st.one_of(
            st.binary(max_size=40),
            st.sampled_from([b"q", b"u", b"C", b"P", b"2026-11-26", b"1", b"0", b"nan"]),
        ),
    )
)
def test_any_entry_decodes_or_is_malformed(fields: dict[bytes, bytes]) -> None:
    try:
        tick = decode_tick(fields)
    except MalformedEntryError as error:
        assert error.reason
    else:
        assert isinstance(tick, OptionQuote | UnderlyingTick)


def _outcome(decode: Callable[[dict[bytes, bytes]], object], fields: dict[bytes, bytes]) -> object:
    try:
        return decode(fields)
    except MalformedEntryError as error:
        return error.reason


NEAR_VALID = {
    b"und": [b"NIFTY", b"nifty", b"", b"NI FTY"],
    b"ts": [b"1764000000000000000", b"0", b"-1", b"1.5", b" 7 "],
    b"exp": [b"2026-11-26", b"2026-13-01", b""],
    b"k": [b"24000", b"0", b"nan", b"inf", b"-5", b"1e3"],
    b"cp": [b"C", b"P", b"c", b"X"],
    b"bid": [b"101.5", b"0", b"102", b"-0.05", b"NaN", b""],
    b"ask": [b"102.5", b"0", b"101", b"inf"],
    b"last": [b"102", b"0", b"1e999"],
    b"vol": [b"10", b"0", b"-3", b"1.0"],
    b"oi": [b"500", b"0", b"-1", b"many"],
}


@settings(max_examples=500)
@given(
    st.fixed_dictionaries(
        {b"kind": st.just(b"q")},
        optional={name: st.sampled_from(values) for name, values in NEAR_VALID.items()},
    )
)
def test_the_fast_path_accepts_and_names_exactly_what_the_checks_do(
    fields: dict[bytes, bytes],
) -> None:
    assert _outcome(decode_tick, fields) == _outcome(codec._checked_quote, fields)


@pytest.mark.parametrize("tick", [_quote(), UnderlyingTick("NIFTY", 24_012.5, 1)])
def test_the_flat_fields_are_the_entry_in_turn(tick: OptionQuote | UnderlyingTick) -> None:
    flat = flat_tick_fields(tick, TRACEPARENT)
    names = flat[::2]
    assert len(flat) % 2 == 0
    assert len(set(names)) == len(names)
    assert names[:3] == ("kind", "und", "ts")
    assert names[-1] == "tp"
    assert decode_tick(_wire(dict(zip(names, flat[1::2], strict=True)))) == tick
