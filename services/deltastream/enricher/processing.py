"""The enricher's batch: decode, apply to the chains, enrich, store, publish, acknowledge.

Order matters for at-least-once delivery without double counting: the chains are stored
(with each row's stream position) before the enriched updates are published and before the
entries are acknowledged. A crash anywhere leaves the entries pending; after a restart or a
claim they are applied again, and the stored positions make that a no-op.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import redis

from deltastream import bus, store
from deltastream.contracts import chain_snapshot
from deltastream.enricher import metrics
from deltastream.errors import ConcurrentUpdateError, MalformedEntryError
from deltastream.market.chain import ChainState, StreamPosition, chain_key
from deltastream.market.codec import decode_tick, traceparent_of
from deltastream.market.enrichment import ExpiryConvention, enrich_chain
from deltastream.market.quotes import OptionQuote, UnderlyingTick
from deltastream.telemetry import current_traceparent

log = logging.getLogger(__name__)

_MAX_CONFLICT_RETRIES = 5


@dataclass(frozen=True, slots=True)
class EnrichmentParameters:
    risk_free_rate: float
    convention: ExpiryConvention
    snapshot_interval_seconds: float
    enriched_max_length: int
    dead_letter_max_length: int


@dataclass(slots=True)
class BatchOutcome:
    """What one batch did, for metrics and tests."""

    entries: int = 0
    applied_quotes: int = 0
    dead_letters: int = 0
    chains_written: int = 0
    quote_timestamps_ns: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _ChainWork:
    """The quotes of one batch for one chain, kept to re-apply after a concurrent update."""

    quotes: list[tuple[OptionQuote, StreamPosition]] = field(default_factory=list)


class Enricher:
    """Holds the chains in memory (the stored documents are the truth) and processes batches."""

    def __init__(
        self,
        redis_client: redis.Redis,
        chains: store.ChainStore,
        parameters: EnrichmentParameters,
        consumer: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis_client
        self._store = chains
        self._parameters = parameters
        self._consumer = consumer
        self._clock = clock
        self._chains: dict[str, ChainState] = {}
        self._spots: dict[str, UnderlyingTick] = {}
        self._last_snapshot: dict[str, float] = {}

    def forget(self) -> None:
        """Drop the cached chains: after a failed batch the stored documents are the truth."""
        self._chains.clear()

    def process(self, entries: Sequence[bus.StreamEntry]) -> BatchOutcome:
        """Process a batch; the caller acknowledges the entries once this returns."""
        outcome = BatchOutcome(entries=len(entries))
        work, dead = self._decode(entries)
        documents = [
            self._write_chain(key, chain_work, outcome) for key, chain_work in work.items()
        ]
        self._append_history(documents)
        self._publish(documents)
        self._dead_letter(dead)
        outcome.dead_letters = len(dead)
        return outcome

    def _decode(
        self, entries: Sequence[bus.StreamEntry]
    ) -> tuple[dict[str, _ChainWork], list[bus.DeadLetter]]:
        work: dict[str, _ChainWork] = {}
        dead: list[bus.DeadLetter] = []
        for entry in entries:
            try:
                tick = decode_tick(entry.fields)
                _check_stream(entry.stream, tick.underlying)
            except MalformedEntryError as exc:
                dead.append(bus.DeadLetter(entry, exc.reason))
                continue
            if isinstance(tick, UnderlyingTick):
                self._update_spot(tick)
            else:
                key = chain_key(tick.underlying, tick.expiry)
                work.setdefault(key, _ChainWork()).quotes.append((tick, entry.position))
        return work, dead

    def _update_spot(self, tick: UnderlyingTick) -> None:
        current = self._spots.get(tick.underlying)
        if current is None or tick.timestamp_ns >= current.timestamp_ns:
            self._spots[tick.underlying] = tick

    def _write_chain(
        self, key: str, work: _ChainWork, outcome: BatchOutcome
    ) -> store.Document | None:
        for _ in range(_MAX_CONFLICT_RETRIES):
            chain = self._chain(work.quotes[0][0])
            applied = [quote for quote, position in work.quotes if chain.apply(quote, position)]
            if not applied:
                return None
            chain.version += 1
            document = self._document(chain)
            try:
                self._store.save_latest(document)
            except ConcurrentUpdateError:
                metrics.CONFLICTS.inc()
                del self._chains[key]  # reload what the other writer stored and apply again
                continue
            outcome.applied_quotes += len(applied)
            outcome.chains_written += 1
            outcome.quote_timestamps_ns.extend(quote.timestamp_ns for quote in applied)
            return document
        raise ConcurrentUpdateError(key, -1)

    def _chain(self, quote: OptionQuote) -> ChainState:
        key = chain_key(quote.underlying, quote.expiry)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._store.load(quote.underlying, quote.expiry) or ChainState(
                quote.underlying, quote.expiry
            )
            self._chains[key] = chain
        return chain

    def _document(self, chain: ChainState) -> store.Document:
        spot_tick = self._spots.get(chain.underlying)
        spot = spot_tick.price if spot_tick is not None else float("nan")
        enriched = enrich_chain(
            chain, spot, self._parameters.risk_free_rate, self._parameters.convention
        )
        return store.chain_document(enriched, chain)

    def _append_history(self, documents: Sequence[store.Document | None]) -> None:
        now = self._clock()
        due = [
            document
            for document in documents
            if document is not None
            and now - self._last_snapshot.get(document["_id"], 0.0)
            >= self._parameters.snapshot_interval_seconds
        ]
        if not due:
            return
        at = dt.datetime.fromtimestamp(now, dt.UTC)
        self._store.append_history(
            [store.snapshot_document(document, at) for document in due],
            [store.analytics_document(document, at) for document in due],
        )
        for document in due:
            self._last_snapshot[document["_id"]] = now

    def _publish(self, documents: Sequence[store.Document | None]) -> None:
        traceparent = current_traceparent()
        pipe = self._redis.pipeline(transaction=False)
        for document in documents:
            if document is None:
                continue
            fields: dict[str, bytes | str] = {"chain": chain_snapshot(document).SerializeToString()}
            if traceparent:
                fields["tp"] = traceparent
            pipe.xadd(
                bus.enriched_stream(document["underlying"]),
                fields,  # type: ignore[arg-type]
                maxlen=self._parameters.enriched_max_length,
                approximate=True,
            )
        pipe.execute()

    def _dead_letter(self, dead: Sequence[bus.DeadLetter]) -> None:
        if not dead:
            return
        for letter in dead:
            log.warning(
                "dead-lettered an entry",
                extra={
                    "stream": letter.entry.stream,
                    "entry_id": letter.entry.entry_id,
                    "reason": letter.reason,
                },
            )
            metrics.DEAD_LETTERS.labels(letter.entry.stream).inc()
        bus.publish(
            self._redis,
            bus.DEAD_LETTER_STREAM,
            [bus.dead_letter_fields(letter, self._consumer) for letter in dead],
            max_length=self._parameters.dead_letter_max_length,
        )


def _check_stream(stream: str, underlying: str) -> None:
    expected = bus.ticks_stream(underlying)
    if stream != expected:
        raise MalformedEntryError(f"und: {underlying} does not belong on stream {stream}")


def entry_traceparents(entries: Sequence[bus.StreamEntry]) -> list[str]:
    """The distinct traceparents carried by a batch, in order."""
    seen: dict[str, None] = {}
    for entry in entries:
        traceparent = traceparent_of(entry.fields)
        if traceparent:
            seen.setdefault(traceparent, None)
    return list(seen)
