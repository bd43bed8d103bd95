"""The enricher's chain book, without servers: entries decoded (the malformed ones and those on
another underlying's stream set aside with a reason), quotes applied once whatever the
redeliveries, a chain not held asked of the store, and the published bytes those of the
document's message."""

from __future__ import annotations

import datetime as dt
import math

from deltastream import bus
from deltastream.contracts import chain_snapshot
from deltastream.enricher.chainbook import ChainBook
from deltastream.market.chain import ChainState
from deltastream.market.codec import as_read, tick_fields
from deltastream.market.enrichment import ExpiryConvention
from deltastream.market.quotes import OptionQuote, OptionType, UnderlyingTick

EXPIRY = dt.date(2026, 12, 29)
AT_NS = int(dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC).timestamp()) * 10**9


def _entry(tick: UnderlyingTick | OptionQuote, entry_id: str, stream: str = "") -> bus.StreamEntry:
    fields = as_read(tick_fields(tick))
    return bus.StreamEntry(stream or bus.ticks_stream(tick.underlying), entry_id, fields)


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
    work, dead = book.decode(entries)
    assert dead == []
    assert list(work) == ["NIFTY:2026-12-29"]
    applied = book.apply(work)
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
    work, dead = book.decode([broken, good, elsewhere])
    assert [letter.entry.entry_id for letter in dead] == ["1-1", "1-2"]
    assert all(letter.reason for letter in dead)
    assert "does not belong on stream" in dead[1].reason
    assert [position for _, position in work["NIFTY:2026-12-29"]] == [(1, 0)]


def test_a_redelivered_batch_changes_nothing() -> None:
    book = _book()
    entries = [_entry(_call(24_000.0, 300.0), "1-0")]
    ((chain, _),) = book.apply(book.decode(entries)[0]).values()
    assert book.apply(book.decode(entries)[0]) == {}
    assert chain.version == 1
    assert chain.applied_quotes == 1


def test_a_chain_not_held_is_loaded_and_a_forgotten_one_loaded_again() -> None:
    stored = ChainState("NIFTY", EXPIRY, version=7, applied_quotes=3)
    book = _book({("NIFTY", EXPIRY): stored})
    ((chain, _),) = book.apply(book.decode([_entry(_call(24_000.0, 300.0), "2-0")])[0]).values()
    assert chain is stored
    assert chain.version == 8
    book.forget(["NIFTY:2026-12-29"])
    ((fresh, _),) = book.apply(book.decode([_entry(_call(24_000.0, 301.0), "2-1")])[0]).values()
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
    book.apply(book.decode(entries)[0])
    nifty, banknifty = bus.ticks_stream("NIFTY"), bus.ticks_stream("BANKNIFTY")
    assert book.chains_per_stream([nifty, banknifty]) == {nifty: 1, banknifty: 1}

    book.forget_streams({nifty})

    assert book.chains_per_stream([nifty, banknifty]) == {banknifty: 1}
    work, _ = book.decode([_entry(_call(24_100.0, 250.0), "2-0")])
    ((chain, _),) = book.apply(work).values()
    (enriched,) = book.enrich([chain])
    assert chain.version == 1  # a chain anew (nothing stored here), not the one let go
    assert math.isnan(enriched.spot)  # NIFTY's last price went with its stream
    bank_work, _ = book.decode([_entry(bank, "3-0")])
    ((bank_chain, _),) = book.apply(bank_work).values()
    assert book.enrich([bank_chain])[0].spot == 51_000.0
