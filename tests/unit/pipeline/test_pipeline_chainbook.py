"""The enricher's chain book, without servers: entries decoded, of one tick or a batch of them
(the malformed ones and those on another underlying's stream set aside with a reason, a whole
entry or a single tick of a batch), quotes applied once whatever the redeliveries, a chain not
held asked of the store, and the published bytes those of the document's message."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from deltastream import bus
from deltastream.contracts import chain_snapshot
from deltastream.enricher.chainbook import ChainBook
from deltastream.market.chain import ChainState
from deltastream.market.codec import as_read, batch_fields, quote_message, tick_fields
from deltastream.market.enrichment import ExpiryConvention
from deltastream.market.quotes import OptionQuote, OptionType, UnderlyingTick

EXPIRY = dt.date(2026, 12, 29)
AT_NS = int(dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC).timestamp()) * 10**9


def _entry(tick: UnderlyingTick | OptionQuote, entry_id: str, stream: str = "") -> bus.StreamEntry:
    fields = as_read(tick_fields(tick))
    return bus.StreamEntry(stream or bus.ticks_stream(tick.underlying), entry_id, fields)


def _batch(ticks: list[UnderlyingTick | OptionQuote], entry_id: str) -> bus.StreamEntry:
    """A batch entry of ticks of NIFTY, as the feed publishes a release."""
    return bus.StreamEntry(bus.ticks_stream("NIFTY"), entry_id, as_read(batch_fields(ticks)))


def _call(strike: float, bid: float, at_ns: int = AT_NS) -> OptionQuote:
    return OptionQuote(
        "NIFTY", EXPIRY, strike, OptionType.CALL, bid, bid + 1, bid + 0.5, 5, 100, at_ns
    )


def _book(stored: dict[tuple[str, dt.date], ChainState] | None = None) -> ChainBook:
    held = stored or {}
    return ChainBook(0.065, ExpiryConvention(), lambda u, e: held.pop((u, e), None))


def test_a_batch_is_decoded_applied_enriched_and_serialized() -> None:
    book = _book()
    entries = [
        _entry(UnderlyingTick("NIFTY", 24_000.0, AT_NS), "1-0"),
        _entry(_call(24_000.0, 300.0), "1-1"),
        _entry(_call(24_100.0, 250.0), "1-2"),
    ]
    decoded = book.decode(entries)
    assert decoded.dead == []
    assert decoded.ticks == {bus.ticks_stream("NIFTY"): 3}
    assert list(decoded.work) == ["NIFTY:2026-12-29"]
    applied = book.apply(decoded.work)
    ((chain, quotes),) = applied.values()
    assert chain.version == 1
    assert len(quotes) == 2
    (enriched,) = book.enrich([chain])
    assert enriched.spot == 24_000.0
    assert enriched.calls.iv[0] > 0
    (document,) = book.documents([enriched], [chain])
    assert document["strikes"] == [24_000.0, 24_100.0]
    assert book.serialized(document) == chain_snapshot(document).SerializeToString()
    assert book.chains_per_stream([bus.ticks_stream("NIFTY"), bus.ticks_stream("X")]) == {
        bus.ticks_stream("NIFTY"): 1
    }


def test_malformed_entries_and_ticks_on_another_stream_are_set_aside_with_reasons() -> None:
    book = _book()
    good = _entry(_call(24_000.0, 300.0), "1-0")
    broken = bus.StreamEntry(bus.ticks_stream("NIFTY"), "1-1", {b"k": b"q", b"und": b"NIFTY"})
    elsewhere = _entry(_call(24_000.0, 301.0), "1-2", stream=bus.ticks_stream("BANKNIFTY"))
    decoded = book.decode([broken, good, elsewhere])
    assert [letter.entry.entry_id for letter in decoded.dead] == ["1-1", "1-2"]
    assert all(letter.reason and letter.tick is None for letter in decoded.dead)
    assert "does not belong on stream" in decoded.dead[1].reason
    assert [position for _, position in decoded.work["NIFTY:2026-12-29"]] == [(1, 0, 0)]


def test_a_batch_entrys_quotes_sit_at_its_id_and_their_index_in_it() -> None:
    book = _book()
    spot = UnderlyingTick("NIFTY", 24_000.0, AT_NS)
    entry = _batch([spot, _call(24_000.0, 300.0), _call(24_100.0, 250.0)], "7-3")

    decoded = book.decode([entry, _entry(_call(24_200.0, 200.0), "7-4")])

    assert decoded.dead == []
    assert decoded.ticks == {bus.ticks_stream("NIFTY"): 4}
    quotes = decoded.work["NIFTY:2026-12-29"]
    assert [(q.strike, position) for q, position in quotes] == [
        (24_000.0, (7, 3, 0)),
        (24_100.0, (7, 3, 1)),
        (24_200.0, (7, 4, 0)),  # an entry of one tick beside it
    ]
    ((chain, applied),) = book.apply(decoded.work).values()
    assert len(applied) == 3
    assert book.enrich([chain])[0].spot == 24_000.0
    assert chain.position_texts(OptionType.CALL) == ["7-3", "7-3:1", "7-4"]


def test_a_later_quote_of_the_same_option_in_a_batch_wins() -> None:
    book = _book()
    entry = _batch([_call(24_000.0, 300.0), _call(24_000.0, 310.0)], "8-0")
    ((chain, _),) = book.apply(book.decode([entry]).work).values()
    assert chain.rows[24_000.0, OptionType.CALL].bid == 310.0
    assert book.apply(book.decode([entry]).work) == {}  # redelivered: nothing changes


def test_a_malformed_tick_of_a_batch_is_set_aside_alone() -> None:
    book = _book()
    crossed = dataclasses.replace(_call(24_100.0, 250.0), bid=260.0, ask=255.0)
    bank = UnderlyingTick("BANKNIFTY", 51_000.0, AT_NS)
    entry = _batch([_call(24_000.0, 300.0), crossed, bank, _call(24_200.0, 200.0)], "9-0")

    decoded = book.decode([entry])

    assert decoded.ticks == {bus.ticks_stream("NIFTY"): 4}
    assert [(letter.tick.kind, letter.tick.index) for letter in decoded.dead if letter.tick] == [
        (b"q", 1),
        (b"u", 0),
    ]
    assert decoded.dead[0].reason == "bid 260.0 above ask 255.0"
    assert decoded.dead[0].tick is not None
    assert decoded.dead[0].tick.message == quote_message(crossed)
    assert "BANKNIFTY does not belong on stream md.ticks.NIFTY" in decoded.dead[1].reason
    positions = [position for _, position in decoded.work["NIFTY:2026-12-29"]]
    assert positions == [(9, 0, 0), (9, 0, 2)]


def test_a_batch_entry_that_is_no_batch_is_set_aside_whole() -> None:
    book = _book()
    entry = bus.StreamEntry(bus.ticks_stream("NIFTY"), "9-1", {b"kind": b"b", b"pb": b"\xff\x01"})
    empty = bus.StreamEntry(bus.ticks_stream("NIFTY"), "9-2", {b"kind": b"b"})

    decoded = book.decode([entry, empty])

    assert [(letter.reason, letter.tick) for letter in decoded.dead] == [
        ("pb: not a deltastream.v1.TickBatch", None),
        ("pb: missing", None),
    ]
    assert decoded.work == {}


def test_a_redelivered_batch_changes_nothing() -> None:
    book = _book()
    entries = [_entry(_call(24_000.0, 300.0), "1-0")]
    ((chain, _),) = book.apply(book.decode(entries).work).values()
    assert book.apply(book.decode(entries).work) == {}
    assert chain.version == 1
    assert chain.applied_quotes == 1


def test_a_chain_not_held_is_loaded_and_a_forgotten_one_loaded_again() -> None:
    stored = ChainState("NIFTY", EXPIRY, version=7, applied_quotes=3)
    book = _book({("NIFTY", EXPIRY): stored})
    ((chain, _),) = book.apply(book.decode([_entry(_call(24_000.0, 300.0), "2-0")]).work).values()
    assert chain is stored
    assert chain.version == 8
    book.forget(["NIFTY:2026-12-29"])
    ((fresh, _),) = book.apply(book.decode([_entry(_call(24_000.0, 301.0), "2-1")]).work).values()
    assert fresh is not stored  # nothing stored any more: a new chain
    assert fresh.version == 1


def test_the_streams_let_go_are_forgotten_chains_and_prices() -> None:
    book = _book()
    bank = OptionQuote(
        "BANKNIFTY", EXPIRY, 51_000.0, OptionType.PUT, 400.0, 401.0, 400.5, 5, 100, AT_NS
    )
    entries = [
        _entry(UnderlyingTick("NIFTY", 24_000.0, AT_NS), "1-0"),
        _entry(_call(24_000.0, 300.0), "1-1"),
        _entry(UnderlyingTick("BANKNIFTY", 51_000.0, AT_NS), "1-0"),
        _entry(bank, "1-1"),
    ]
    book.apply(book.decode(entries).work)
    nifty, banknifty = bus.ticks_stream("NIFTY"), bus.ticks_stream("BANKNIFTY")
    assert book.chains_per_stream([nifty, banknifty]) == {nifty: 1, banknifty: 1}

    book.forget_streams({nifty})

    assert book.chains_per_stream([nifty, banknifty]) == {banknifty: 1}
    work = book.decode([_entry(_call(24_100.0, 250.0), "2-0")]).work
    ((chain, _),) = book.apply(work).values()
    (enriched,) = book.enrich([chain])
    assert chain.version == 1  # a chain anew (nothing stored here), not the one let go
    assert math.isnan(enriched.spot)  # NIFTY's last price went with its stream
    bank_work = book.decode([_entry(bank, "3-0")]).work
    ((bank_chain, _),) = book.apply(bank_work).values()
    assert book.enrich([bank_chain])[0].spot == 51_000.0
