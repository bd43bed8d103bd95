"""Batches written together: ``merge_batches`` (pure)."""

from __future__ import annotations

from deltastream import bus
from deltastream.enricher.processing import HistoryDue, PreparedBatch, merge_batches


def _entry(stream: str, entry_id: str) -> bus.StreamEntry:
    return bus.StreamEntry(stream, entry_id, {b"kind": b"q"})


def _batch(entries: list[bus.StreamEntry], *documents: tuple[str, int]) -> PreparedBatch:
    return PreparedBatch(
        entries=entries,
        rejected=[],
        dead_ticks=[],
        ticks={"s": len(entries)},
        documents=[{"_id": key, "version": version} for key, version in documents],
        chains=frozenset(key for key, _ in documents),
        quotes={key: version for key, version in documents},
        quote_timestamps_ns=[version for _, version in documents],
        history=[HistoryDue(key, {"v": version}, {"a": version}) for key, version in documents],
        started=float(len(entries)),
    )


def test_each_chain_keeps_its_newest_document_replacing_the_version_before_the_first() -> None:
    first = _batch([_entry("s", "1-0")], ("A", 5), ("B", 2))
    second = _batch([_entry("s", "2-0"), _entry("s", "2-1")], ("A", 6))
    third = _batch([_entry("s", "3-0")], ("A", 7), ("C", 1))

    merged = merge_batches([first, second, third])

    assert [entry.entry_id for entry in merged.entries] == ["1-0", "2-0", "2-1", "3-0"]
    assert merged.documents == [
        {"_id": "A", "version": 7},
        {"_id": "B", "version": 2},
        {"_id": "C", "version": 1},
    ]
    assert merged.replaces == {"A": 4, "B": 1, "C": 0}
    assert merged.chains == {"A", "B", "C"}
    assert merged.quotes == {"A": 5 + 6 + 7, "B": 2, "C": 1}
    assert [(item.chain_id, item.snapshot) for item in merged.history] == [
        ("A", {"v": 5}),
        ("B", {"v": 2}),
        ("A", {"v": 6}),
        ("A", {"v": 7}),
        ("C", {"v": 1}),
    ]
    assert merged.started == first.started
    assert merged.ticks == {"s": 4}


def test_the_dead_letters_of_every_batch_go_with_the_merged_acknowledgement() -> None:
    entries = [_entry("s", "1-0"), _entry("s", "2-0")]
    first, second = _batch(entries[:1], ("A", 1)), _batch(entries[1:], ("A", 2))
    first.dead_ticks.append(bus.DeadLetter(entries[0], "bid above ask"))
    second.rejected.append(bus.DeadLetter(_entry("s", "2-1"), "kind: missing"))
    second.dead_ticks.append(bus.DeadLetter(entries[1], "strike: missing"))

    merged = merge_batches([first, second])

    assert [letter.reason for letter in merged.dead_ticks] == ["bid above ask", "strike: missing"]
    assert [letter.reason for letter in merged.rejected] == ["kind: missing"]


def test_a_merged_batch_merged_again_keeps_the_version_it_replaces() -> None:
    earlier = merge_batches([_batch([], ("A", 3)), _batch([], ("A", 4))])
    later = _batch([], ("A", 5))

    assert merge_batches([earlier, later]).replaces == {"A": 2}
    assert merge_batches([later]) is later
