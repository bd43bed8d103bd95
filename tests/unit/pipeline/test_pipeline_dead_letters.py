"""The dead-letter entry of a whole entry and of one tick of a batch entry (pure)."""

from __future__ import annotations

from deltastream import bus
from deltastream.market.codec import MalformedTick

TRACEPARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_a_whole_entry_is_dead_lettered_with_all_its_fields() -> None:
    entry = bus.StreamEntry("md.ticks.NIFTY", "5-2", {b"kind": b"x", b"tp": TRACEPARENT})

    fields = bus.dead_letter_fields(bus.DeadLetter(entry, "kind: unknown"), "enricher-0")

    assert fields == {
        "source_stream": b"md.ticks.NIFTY",
        "source_id": b"5-2",
        "reason": b"kind: unknown",
        "consumer": b"enricher-0",
        "f.kind": b"x",
        "f.tp": TRACEPARENT,
    }


def test_a_tick_of_a_batch_is_dead_lettered_as_an_entry_of_that_tick_alone() -> None:
    entry = bus.StreamEntry(
        "md.ticks.NIFTY", "5-3", {b"kind": b"b", b"pb": b"the whole batch", b"tp": TRACEPARENT}
    )
    tick = MalformedTick(b"q", 17, b"the tick's message", "bid 3.0 above ask 2.0")

    fields = bus.dead_letter_fields(bus.DeadLetter(entry, tick.reason, tick), "enricher-1")

    assert fields == {
        "source_stream": b"md.ticks.NIFTY",
        "source_id": b"5-3",
        "source_index": b"17",
        "reason": b"bid 3.0 above ask 2.0",
        "consumer": b"enricher-1",
        "f.kind": b"q",
        "f.pb": b"the tick's message",
        "f.tp": TRACEPARENT,
    }
