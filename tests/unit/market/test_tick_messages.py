"""The tick wire format's message form (``kind`` and a serialized ``deltastream.v1`` message in
``pb``): the entry's shape, a named reason for every malformed message, and the same verdicts as the
flat form on the same values."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.errors import MalformedEntryError
from deltastream.market.codec import (
    as_read,
    decode_tick,
    encode_tick,
    quote_message,
    tick_fields,
    traceparent_of,
)
from deltastream.market.quotes import OptionQuote, OptionType, Tick, UnderlyingTick
from deltastream.v1 import market_pb2 as pb

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
QUOTE = OptionQuote(
    "NIFTY", dt.date(2026, 11, 26), 24_000.0, OptionType.CALL, 101.5, 102.25, 101.9, 1_250,
    84_000, 1_764_000_000_000_000_000,
)  # fmt: skip
UNDERLYING = UnderlyingTick("BANKNIFTY", 51_512.35, 1_764_000_000_000_000_000)


def _quote_entry(**values: object) -> dict[bytes, bytes]:
    """The message-form entry of a quote message with ``values`` in place of QUOTE's."""
    message = pb.OptionQuote.FromString(quote_message(QUOTE))
    for name, value in values.items():
        setattr(message, name, value)
    return {b"kind": b"q", b"pb": message.SerializeToString()}


@pytest.mark.parametrize("tick", [QUOTE, UNDERLYING])
def test_an_entry_is_its_kind_its_message_and_the_traceparent(tick: Tick) -> None:
    entry = as_read(tick_fields(tick, TRACEPARENT))
    assert sorted(entry) == [b"kind", b"pb", b"tp"]
    assert entry[b"kind"] == (b"q" if isinstance(tick, OptionQuote) else b"u")
    assert traceparent_of(entry) == TRACEPARENT
    assert decode_tick(entry) == tick
    assert b"tp" not in as_read(tick_fields(tick))


def test_a_quote_is_two_fields_where_the_flat_form_has_eleven() -> None:
    message = as_read(tick_fields(QUOTE))
    flat = {name.encode(): value.encode() for name, value in encode_tick(QUOTE).items()}
    assert decode_tick(message) == decode_tick(flat) == QUOTE
    assert (len(message), len(flat)) == (2, 11)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"underlying": ""}, "underlying: missing"),
        ({"underlying": "NI FTY"}, "underlying: not a symbol"),
        ({"underlying": "निफ्टी"}, "underlying: not a symbol"),
        ({"expiry": ""}, "expiry: missing"),
        ({"expiry": "2026-13-01"}, "expiry: not an ISO date"),
        ({"strike": 0.0}, "strike: expected a finite positive number"),
        ({"strike": float("nan")}, "strike: expected a finite positive number"),
        ({"strike": -24_000.0}, "strike: expected a finite positive number"),
        ({"option_type": pb.OPTION_TYPE_UNSPECIFIED}, "option_type: expected CALL or PUT, got 0"),
        ({"option_type": 7}, "option_type: expected CALL or PUT, got 7"),
        ({"bid": -0.05}, "bid: expected a finite non-negative number"),
        ({"ask": float("inf")}, "ask: expected a finite non-negative number"),
        ({"last": float("nan")}, "last: expected a finite non-negative number"),
        ({"bid": 103.0, "ask": 102.0}, "bid 103.0 above ask 102.0"),
        ({"volume": -3}, "volume: negative: -3"),
        ({"open_interest": -1}, "open_interest: negative: -1"),
        ({"timestamp_ns": 0}, "timestamp_ns: expected a positive integer, got 0"),
        ({"timestamp_ns": -5}, "timestamp_ns: expected a positive integer, got -5"),
    ],
)
def test_a_bad_quote_message_value_is_named(values: dict[str, object], reason: str) -> None:
    with pytest.raises(MalformedEntryError) as error:
        decode_tick(_quote_entry(**values))
    assert error.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (pb.UnderlyingTick(underlying="NIFTY", price=0.0, timestamp_ns=5), "price: expected"),
        (pb.UnderlyingTick(underlying="NIFTY", price=float("nan"), timestamp_ns=5), "price:"),
        (pb.UnderlyingTick(underlying="", price=24_000.0, timestamp_ns=5), "underlying: missing"),
        (pb.UnderlyingTick(underlying="NIFTY", price=24_000.0), "timestamp_ns: expected"),
    ],
)
def test_a_bad_underlying_message_value_is_named(message: pb.UnderlyingTick, reason: str) -> None:
    with pytest.raises(MalformedEntryError) as error:
        decode_tick({b"kind": b"u", b"pb": message.SerializeToString()})
    assert error.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        (b"q", b"\xff\xff\xff", "pb: not a deltastream.v1.OptionQuote"),
        (b"u", b"\x0a\x40NIFTY", "pb: not a deltastream.v1.UnderlyingTick"),
        (b"x", quote_message(QUOTE), "kind: expected 'q' or 'u', got 'x'"),
    ],
)
def test_a_payload_that_is_no_message_of_its_kind_is_named(
    kind: bytes, payload: bytes, reason: str
) -> None:
    with pytest.raises(MalformedEntryError) as error:
        decode_tick({b"kind": kind, b"pb": payload})
    assert error.value.reason == reason


@settings(max_examples=300)
@given(kind=st.sampled_from([b"q", b"u"]), payload=st.binary(max_size=80))
def test_any_payload_decodes_or_is_malformed(kind: bytes, payload: bytes) -> None:
    try:
        tick = decode_tick({b"kind": kind, b"pb": payload})
    except MalformedEntryError as error:
        assert error.reason
    else:
        assert isinstance(tick, OptionQuote | UnderlyingTick)


NEAR_VALID_QUOTE = st.fixed_dictionaries(
    {},
    optional={
        "underlying": st.sampled_from(["NIFTY", "nifty", "NI FTY", "N" * 33]),
        "expiry": st.sampled_from(["2026-11-26", "2026-13-01", "26/11/2026"]),
        "strike": st.sampled_from([24_000.0, 0.0, -5.0, float("nan"), float("inf"), 1e-3]),
        "option_type": st.sampled_from([pb.OPTION_TYPE_CALL, pb.OPTION_TYPE_PUT]),
        "bid": st.sampled_from([101.5, 0.0, 102.0, 103.0, -0.05, float("nan")]),
        "ask": st.sampled_from([102.5, 0.0, 101.0, float("inf")]),
        "last": st.sampled_from([102.0, 0.0, float("inf")]),
        "volume": st.sampled_from([10, 0, -3]),
        "open_interest": st.sampled_from([500, 0, -1]),
        "timestamp_ns": st.sampled_from([1_764_000_000_000_000_000, 1, -1]),
    },
)


def _verdict(fields: dict[bytes, bytes]) -> Tick | None:
    try:
        return decode_tick(fields)
    except MalformedEntryError:
        return None


@settings(max_examples=300)
@given(NEAR_VALID_QUOTE)
def test_both_forms_accept_exactly_the_same_quotes(values: dict[str, object]) -> None:
    message_entry = _quote_entry(**values)
    message = pb.OptionQuote.FromString(message_entry[b"pb"])
    flat = {
        b"kind": b"q", b"und": message.underlying.encode(), b"exp": message.expiry.encode(),
        b"k": repr(message.strike).encode(), b"cp": b"C" if message.option_type == 1 else b"P",
        b"bid": repr(message.bid).encode(), b"ask": repr(message.ask).encode(),
        b"last": repr(message.last).encode(), b"vol": str(message.volume).encode(),
        b"oi": str(message.open_interest).encode(), b"ts": str(message.timestamp_ns).encode(),
    }  # fmt: skip
    assert _verdict(message_entry) == _verdict(flat)
