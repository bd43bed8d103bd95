"""The enricher's batch on one core, without servers: what it does between reading a release
and publishing it, stage by stage.

Releases of 250 synthetic ticks (the pipeline benchmark's 5,000 quotes/s in 50 ms releases)
are encoded as the feed writes them and read back as stream entries; then the enricher's own
``ChainBook`` decodes each, applies it to the chains, enriches every changed chain in one IV
and Greeks call, makes the stored documents and the published ``ChainSnapshot`` bytes. Each
stage is timed per release; the figures are medians over the releases after a warm-up, in
milliseconds. The database write and the Redis round trips are left out: the pipeline
benchmark has them.
"""

from __future__ import annotations

import datetime as dt
import gc
import statistics
import time
import tracemalloc
from collections import defaultdict

from bench.report import Report
from deltastream import bus
from deltastream.enricher.chainbook import ChainBook
from deltastream.feed.market import SyntheticMarket, default_market_config
from deltastream.feed.publisher import TickPublisher
from deltastream.market.codec import as_read
from deltastream.market.enrichment import ExpiryConvention

RELEASE = 250
INTERVAL_NS = 50_000_000
RATE = 0.065
STAGES = ("decode", "apply", "enrich", "documents", "snapshots")


def _releases(count: int) -> list[list[bus.StreamEntry]]:
    """``count`` releases as the enricher reads their entries (fields as bytes)."""
    market = SyntheticMarket(default_market_config(5), dt.datetime.now(dt.UTC))
    start = time.time_ns()
    releases = []
    for index in range(count):
        at_ns = start + index * INTERVAL_NS
        encoded = TickPublisher.encode(market.ticks(RELEASE, at_ns))
        releases.append(
            [
                bus.StreamEntry(stream, f"{at_ns // 1_000_000}-{sequence}", as_read(fields))
                for sequence, (stream, fields) in enumerate(encoded.entries)
            ]
        )
    return releases


class _TimedBook:
    """The enricher's chain book, with each stage of a batch timed."""

    def __init__(self) -> None:
        self.book = ChainBook(RATE, ExpiryConvention(), lambda underlying, expiry: None)
        self.seconds: dict[str, list[float]] = defaultdict(list)

    def batch(self, entries: list[bus.StreamEntry]) -> None:
        clock = time.perf_counter
        started = clock()
        decoded = self.book.decode(entries)
        if decoded.dead:
            reason = decoded.dead[0].reason
            raise AssertionError(f"the benchmark's entries were dead-lettered: {reason}")
        decoded_at = clock()
        chains = [chain for chain, _ in self.book.apply(decoded.work).values()]
        applied = clock()
        enriched = self.book.enrich(chains)
        enriched_at = clock()
        documents = self.book.documents(enriched, chains)
        documented = clock()
        for document in documents:
            self.book.serialized(document)
        finished = clock()
        marks = (started, decoded_at, applied, enriched_at, documented, finished)
        for stage, begin, end in zip(STAGES, marks, marks[1:], strict=False):
            self.seconds[stage].append(end - begin)
        self.seconds["total"].append(finished - started)


def _documents_kib(book: ChainBook, releases: list[list[bus.StreamEntry]]) -> float:
    """The memory the stored documents of one release's batch take, in KiB: what a batch
    waiting for the chain writer would hold until its write, unless a later batch's documents
    supersede them."""
    gc.collect()
    tracemalloc.start()
    try:
        held = []
        for entries in releases:
            chains = [chain for chain, _ in book.apply(book.decode(entries).work).values()]
            held.append(book.documents(book.enrich(chains), chains))
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return allocated / 1024 / len(held)


def run(report: Report, *, quick: bool = False) -> None:
    warm_up, measured, held = 40, 100 if quick else 400, 20
    book = _TimedBook()
    releases = _releases(warm_up + measured + held)
    for sequence, entries in enumerate(releases[: warm_up + measured]):
        if sequence == warm_up:
            book.seconds.clear()
        book.batch(entries)
    for stage in (*STAGES, "total"):
        median = statistics.median(book.seconds[stage]) * 1e3
        report.add(f"enricher batch of {RELEASE} ticks: {stage}", median, "ms")
    report.add(
        f"enricher batch of {RELEASE} ticks: stored documents held",
        _documents_kib(book.book, releases[-held:]),
        "KiB",
    )
