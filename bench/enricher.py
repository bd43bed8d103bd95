"""The enricher's batch on one core, without servers: what it does between reading a release
and publishing it, stage by stage.

Releases of 250 synthetic ticks (the pipeline benchmark's 5,000 quotes/s in 50 ms releases)
are encoded as the feed writes them, then each is decoded (``codec.decode_tick``), applied to
the chains (``ChainState.apply``), enriched in one IV and Greeks call over every changed chain
(``enrich_chains``), made into the stored documents (``store.chain_document``) and into the
published ``ChainSnapshot`` bytes (``SnapshotCache.serialized``, as the enricher keeps them).
Each stage is timed per release; the figures are medians over the releases after a warm-up,
in milliseconds. The database write and the Redis round trips are left out: the pipeline
benchmark has them.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections import defaultdict

from bench.report import Report
from deltastream import store
from deltastream.enricher.snapshots import SnapshotCache
from deltastream.feed.market import SyntheticMarket, default_market_config
from deltastream.market.chain import ChainState, chain_key
from deltastream.market.codec import decode_tick, tick_fields
from deltastream.market.enrichment import ChainInput, ExpiryConvention, enrich_chains
from deltastream.market.quotes import OptionQuote, UnderlyingTick

RELEASE = 250
INTERVAL_NS = 50_000_000
RATE = 0.065
STAGES = ("decode", "apply", "enrich", "documents", "snapshots")
Fields = dict[bytes, bytes]


def _releases(count: int) -> list[list[Fields]]:
    """``count`` releases as the enricher reads their entries (fields as bytes)."""
    market = SyntheticMarket(default_market_config(5), dt.datetime.now(dt.UTC))
    start = time.time_ns()
    releases = []
    for index in range(count):
        entries = []
        for tick in market.ticks(RELEASE, start + index * INTERVAL_NS):
            flat = [v if isinstance(v, bytes) else v.encode() for v in tick_fields(tick)]
            entries.append(dict(zip(flat[::2], flat[1::2], strict=True)))
        releases.append(entries)
    return releases


class _Chains:
    """The enricher's chain state, with each stage of a batch timed."""

    def __init__(self) -> None:
        self.chains: dict[str, ChainState] = {}
        self.spots: dict[str, float] = {}
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self._convention = ExpiryConvention()
        self._published = SnapshotCache()

    def batch(self, entries: list[Fields], sequence: int) -> None:
        clock = time.perf_counter
        started = clock()
        ticks = [decode_tick(fields) for fields in entries]
        decoded = clock()
        changed: dict[int, ChainState] = {}
        for position, tick in enumerate(ticks):
            if isinstance(tick, UnderlyingTick):
                self.spots[tick.underlying] = tick.price
            elif (chain := self._apply(tick, (sequence, position))) is not None:
                changed[id(chain)] = chain
        chains = list(changed.values())
        for chain in chains:
            chain.version += 1
        applied = clock()
        inputs = [ChainInput(c, self.spots.get(c.underlying, float("nan"))) for c in chains]
        enriched = enrich_chains(inputs, RATE, self._convention)
        enriched_at = clock()
        documents = [store.chain_document(e, c) for e, c in zip(enriched, chains, strict=True)]
        documented = clock()
        for document in documents:
            self._published.serialized(document)
        finished = clock()
        marks = (started, decoded, applied, enriched_at, documented, finished)
        for stage, begin, end in zip(STAGES, marks, marks[1:], strict=False):
            self.seconds[stage].append(end - begin)
        self.seconds["total"].append(finished - started)

    def _apply(self, quote: OptionQuote, position: tuple[int, int]) -> ChainState | None:
        """The quote's chain if the quote changed it."""
        key = chain_key(quote.underlying, quote.expiry)
        chain = self.chains.get(key)
        if chain is None:
            chain = self.chains[key] = ChainState(quote.underlying, quote.expiry)
        day = self._convention.trading_day(quote.timestamp_ns)
        return chain if chain.apply(quote, position, day) else None


def run(report: Report, *, quick: bool = False) -> None:
    warm_up, measured = 40, 100 if quick else 400
    chains = _Chains()
    for sequence, entries in enumerate(_releases(warm_up + measured)):
        if sequence == warm_up:
            chains.seconds.clear()
        chains.batch(entries, sequence + 1)
    for stage in (*STAGES, "total"):
        median = statistics.median(chains.seconds[stage]) * 1e3
        report.add(f"enricher batch of {RELEASE} ticks: {stage}", median, "ms")
