"""The tick wire format's batch form (``kind`` ``b``, a ``deltastream.v1.TickBatch`` in
``pb``): every tick of a release of one underlying in one entry, each quote at its index, a
malformed tick named alone, and the same verdicts as the one-tick forms on the same values."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.errors import MalformedEntryError
from deltastream.market.codec import (
    as_read,
    batch_fields,
    batch_message,
    decode_batch,
    decode_entry,
    decode_tick,
    quote_message,
    tick_fields,
)
from deltastream.market.quotes import OptionQuote, OptionType, Tick, UnderlyingTick
from deltastream.v1 import market_pb2 as pb

AT_NS = 1_764_000_000_000_000_000
SPOT = UnderlyingTick("NIFTY", 24_010.5, AT_NS)


def _quote(
    strike: float, option_type: OptionType = OptionType.CALL, **values: object
) -> OptionQuote:
    quote = OptionQuote(
        "NIFTY", dt.date(2026, 11, 26), strike, option_type, 101.5, 102.25, 101.9, 1_250, 84_000,
        AT_NS,
    )  # fmt: skip
    return dataclasses.replace(quote, **values)  # type: ignore[arg-type]


def test_a_release_is_one_entry_whose_quotes_keep_their_order() -> None:
    quotes = [_quote(24_000.0), _quote(24_000.0, OptionType.PUT), _quote(24_100.0)]
    fields = as_read(batch_fields([quotes[0], SPOT, *quotes[1:]]))

    decoded = decode_entry(fields)

    assert sorted(fields) == [b"kind", b"pb"]
    assert fields[b"kind"] == b"b"
    assert decoded.quotes == list(enumerate(quotes))
    assert decoded.underlying_ticks == [(0, SPOT)]
    assert decoded.malformed == []


@pytest.mark.parametrize("tick", [_quote(24_000.0), SPOT])
def test_an_entry_of_one_tick_decodes_as_a_batch_of_one(tick: Tick) -> None:
    decoded = decode_entry(as_read(tick_fields(tick)))
    assert decoded.malformed == []
    if isinstance(tick, OptionQuote):
        assert (decoded.quotes, decoded.underlying_ticks) == ([(0, tick)], [])
    else:
        assert (decoded.quotes, decoded.underlying_ticks) == ([], [(0, tick)])


def test_a_malformed_tick_is_named_by_its_place_and_costs_only_itself() -> None:
    crossed = pb.OptionQuote.FromString(quote_message(_quote(24_100.0)))
    crossed.bid, crossed.ask = 103.0, 102.0
    no_price = pb.UnderlyingTick(underlying="NIFTY", timestamp_ns=AT_NS)
    batch = pb.TickBatch.FromString(batch_message([SPOT, _quote(24_000.0)]))
    batch.quotes.append(crossed)
    batch.quotes.add().CopyFrom(pb.OptionQuote.FromString(quote_message(_quote(24_200.0))))
    batch.underlying_ticks.append(no_price)

    decoded = decode_batch(batch.SerializeToString())

    assert [index for index, _ in decoded.quotes] == [0, 2]
    assert decoded.underlying_ticks == [(0, SPOT)]
    assert [(bad.kind, bad.index, bad.reason) for bad in decoded.malformed] == [
        (b"q", 1, "bid 103.0 above ask 102.0"),
        (b"u", 1, "price: expected a finite positive number, got 0.0"),
    ]
    assert decoded.malformed[0].message == crossed.SerializeToString()
    assert decoded.malformed[1].message == no_price.SerializeToString()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({b"kind": b"b", b"pb": b"\xff\xff\xff"}, "pb: not a deltastream.v1.TickBatch"),
        ({b"kind": b"b"}, "pb: missing"),
        ({b"kind": b"x", b"pb": b""}, "kind: expected 'b', 'q' or 'u', got 'x'"),
        ({b"pb": b""}, "kind: expected 'b', 'q' or 'u', got nothing"),
    ],
)
def test_an_entry_that_is_no_batch_is_malformed_as_a_whole(
    fields: dict[bytes, bytes], reason: str
) -> None:
    with pytest.raises(MalformedEntryError) as error:
        decode_entry(fields)
    assert error.value.reason == reason


def test_an_empty_batch_holds_no_tick() -> None:
    decoded = decode_entry(as_read(batch_fields([])))
    assert (decoded.quotes, decoded.underlying_ticks, decoded.malformed) == ([], [], [])


@settings(max_examples=200)
@given(payload=st.binary(max_size=120))
def test_any_payload_decodes_or_is_malformed(payload: bytes) -> None:
    try:
        decoded = decode_batch(payload)
    except MalformedEntryError as error:
        assert error.reason == "pb: not a deltastream.v1.TickBatch"
    else:
        assert all(bad.reason for bad in decoded.malformed)


QUOTE_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "strike": st.sampled_from([24_000.0, 0.0, -5.0, float("nan"), 1e-3]),
        "bid": st.sampled_from([101.5, 0.0, 103.0, -0.05, float("nan")]),
        "ask": st.sampled_from([102.5, 0.0, 101.0, float("inf")]),
        "volume": st.sampled_from([10, 0, -3]),
        "timestamp_ns": st.sampled_from([AT_NS, 1, 0, -1]),
    },
)


def _alone(message: bytes, kind: bytes) -> Tick | str:
    try:
        return decode_tick({b"kind": kind, b"pb": message})
    except MalformedEntryError as error:
        return error.reason


@settings(max_examples=200)
@given(st.lists(QUOTE_VALUES, min_size=1, max_size=6))
def test_a_quote_in_a_batch_gets_the_verdict_it_gets_alone(values: list[dict[str, object]]) -> None:
    messages = []
    for item in values:
        message = pb.OptionQuote.FromString(quote_message(_quote(24_000.0)))
        for name, value in item.items():
            setattr(message, name, value)
        messages.append(message)

    decoded = decode_batch(pb.TickBatch(quotes=messages).SerializeToString())

    verdicts: dict[int, Tick | str] = dict(decoded.quotes)
    verdicts.update({bad.index: bad.reason for bad in decoded.malformed})
    alone = [_alone(message.SerializeToString(), b"q") for message in messages]
    assert [verdicts[index] for index in range(len(messages))] == alone
