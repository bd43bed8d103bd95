"""The enricher's batch: decode, apply to the chains, enrich, publish, store, acknowledge.

Order matters for at-least-once delivery without double counting: the chains are stored (with
each row's stream position) before the entries are acknowledged. A crash anywhere leaves the
entries pending; after a restart or a claim they are applied again, and the stored positions
make that a no-op for whatever was already stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

import redis
from opentelemetry import context, trace

from deltastream import bus, store
from deltastream.enricher import metrics
from deltastream.enricher.chainbook import ChainBook
from deltastream.enricher.history import HistoryWriter
from deltastream.market.codec import traceparent_of
from deltastream.market.enrichment import ExpiryConvention
from deltastream.telemetry import current_traceparent

log = logging.getLogger(__name__)
tracer = trace.get_tracer("deltastream.enricher")


@dataclass(frozen=True, slots=True)
class EnrichmentParameters:
    risk_free_rate: float
    convention: ExpiryConvention
    snapshot_interval_seconds: float
    enriched_max_length: int
    dead_letter_max_length: int


@dataclass(frozen=True, slots=True)
class HistoryDue:
    """A chain's history snapshot and analytics, due to be stored with its document."""

    chain_id: str
    snapshot: store.Document
    analytics: store.Document


@dataclass(slots=True)
class PreparedBatch:
    """A batch applied to the chains, enriched and published: what is left is to store its
    chains and then acknowledge its entries (the dead-lettered ones are done already)."""

    entries: list[bus.StreamEntry]
    """Acknowledged once every chain below is stored."""
    rejected: list[bus.DeadLetter]
    """Entries malformed as a whole: acknowledged at once, with their dead letters."""
    dead_ticks: list[bus.DeadLetter]
    """Malformed ticks of ``entries``: dead-lettered with the entries' acknowledgement."""
    ticks: dict[str, int]
    """Ticks read per stream, malformed ones included."""
    documents: list[store.Document]
    chains: frozenset[str]
    """Every chain its quotes belong to, whether they changed it or were already applied (to
    an in-memory chain whose store may still be pending, or lost)."""
    quotes: dict[str, int]
    """Quotes applied, by chain id."""
    quote_timestamps_ns: list[int]
    history: list[HistoryDue]
    """The history snapshots and analytics due."""
    replaces: dict[str, int] = field(default_factory=dict)
    """The stored version each document replaces (by default one below its own)."""
    started: float = field(default_factory=time.perf_counter)
    trace_context: context.Context | None = None
    """The batch's span, for the store's spans to join its trace from another thread."""


def merge_batches(batches: Sequence[PreparedBatch]) -> PreparedBatch:
    """Consecutive batches as one: every entry, each chain's newest document replacing the
    version stored before the first of them, every history item; stored and acknowledged
    together, it leaves the database as storing them one by one would."""
    if len(batches) == 1:
        return batches[0]
    newest: dict[str, store.Document] = {}
    replaces: dict[str, int] = {}
    for batch in batches:
        for document in batch.documents:
            key = document["_id"]
            replaces.setdefault(key, batch.replaces.get(key, document["version"] - 1))
            newest[key] = document
    quotes: dict[str, int] = {}
    for batch in batches:
        for key, count in batch.quotes.items():
            quotes[key] = quotes.get(key, 0) + count
    return PreparedBatch(
        entries=[entry for batch in batches for entry in batch.entries],
        rejected=[letter for batch in batches for letter in batch.rejected],
        dead_ticks=[letter for batch in batches for letter in batch.dead_ticks],
        ticks=dict(sum((Counter(batch.ticks) for batch in batches), Counter[str]())),
        documents=list(newest.values()),
        chains=frozenset().union(*(batch.chains for batch in batches)),
        quotes=quotes,
        quote_timestamps_ns=[ts for batch in batches for ts in batch.quote_timestamps_ns],
        history=[item for batch in batches for item in batch.history],
        replaces=replaces,
        started=batches[0].started,
        trace_context=batches[-1].trace_context,
    )


class Enricher:
    """Processes batches: the chains are held in memory by its ``ChainBook`` (the stored
    documents are the truth), the reads and writes around them are its own.

    ``prepare`` (decode, apply, enrich, publish) runs on the loop's thread; ``save`` may run
    on another, as it touches only the database and the history writer.
    """

    def __init__(
        self,
        redis_client: redis.Redis,
        chains: store.ChainStore,
        parameters: EnrichmentParameters,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis_client
        self._store = chains
        self._parameters = parameters
        self._clock = clock
        self._book = ChainBook(parameters.risk_free_rate, parameters.convention, chains.load)
        self._last_snapshot: dict[str, float] = {}
        self._history = HistoryWriter(chains)

    def flush_history(self) -> None:
        """Wait until the history snapshots submitted so far are written."""
        self._history.flush()

    def pace_history(self, pace: Callable[[], None]) -> None:
        """Have each history write wait for ``pace`` first (``HistoryWriter``)."""
        self._history.pace = pace

    def close(self) -> None:
        """Write the pending history snapshots and stop the writer."""
        self._history.close()

    def forget(self, chain_ids: Iterable[str] | None = None) -> None:
        """Drop cached chains (all by default): the stored documents are the truth, and are
        loaded again when a quote needs them."""
        self._book.forget(chain_ids)

    def forget_streams(self, streams: Collection[str]) -> None:
        """Drop what is held of the tick streams in ``streams`` (ones this replica lets go): if
        they come back, their chains are loaded as the replica that had them stored them."""
        self._book.forget_streams(streams)

    def chains_per_stream(self, streams: Collection[str]) -> dict[str, int]:
        """The chains this enricher holds of each of ``streams`` that has any: what consuming
        the stream costs, batch after batch."""
        return self._book.chains_per_stream(streams)

    def prepare(self, entries: Sequence[bus.StreamEntry]) -> PreparedBatch:
        """Apply a batch to the chains, enrich and publish the chains it changed, and sort
        out what is malformed (``PreparedBatch.rejected`` and ``dead_ticks``).

        Subscribers get an update before it is stored, to keep the database write off the
        tick-to-client path; the entries are still acknowledged only after the store. A crash
        in between republishes the same version, which subscribers' conflation ignores.
        """
        decoded = self._book.decode(entries)
        applied = self._book.apply(decoded.work)
        chains = [chain for chain, _ in applied.values()]
        documents = self._book.documents(self._book.enrich(chains), chains)
        self._publish(documents)
        rejected = [letter for letter in decoded.dead if letter.tick is None]
        rejected_ids = {id(letter.entry) for letter in rejected}
        return PreparedBatch(
            entries=[entry for entry in entries if id(entry) not in rejected_ids],
            rejected=rejected,
            dead_ticks=[letter for letter in decoded.dead if letter.tick is not None],
            ticks=dict(decoded.ticks),
            documents=documents,
            chains=frozenset(decoded.work),
            quotes={key: len(quotes) for key, (_, quotes) in applied.items()},
            quote_timestamps_ns=[q.timestamp_ns for _, quotes in applied.values() for q in quotes],
            history=self._history_due(documents),
        )

    def acknowledge(
        self,
        reader: bus.ConsumerGroupReader,
        entries: Sequence[bus.StreamEntry],
        dead_letters: Sequence[bus.DeadLetter] = (),
    ) -> None:
        """Acknowledge entries, and append ``dead_letters`` (of them or of their ticks) to the
        dead-letter stream in the same transaction; each letter is logged and counted then, once
        (an entry read again after a crash before its acknowledgement is not logged twice)."""
        reader.ack(
            entries,
            dead_letters,
            dead_letter_max_length=self._parameters.dead_letter_max_length,
        )
        for letter in dead_letters:
            metrics.DEAD_LETTERS.labels(letter.entry.stream).inc()
            _log_dead_letter(letter)

    def save(self, prepared: PreparedBatch, skip: Collection[str] = frozenset()) -> list[str]:
        """Store the prepared chains but those in ``skip`` in one round trip, and queue the
        history of those stored; returns the ids of the chains another writer changed first
        (not stored: the entries must be applied again to what that writer stored)."""
        documents = [d for d in prepared.documents if d["_id"] not in skip]
        lost = self._store.save_latest(documents, prepared.replaces)
        stored = {d["_id"] for d in documents} - set(lost)
        history = [item for item in prepared.history if item.chain_id in stored]
        if history:
            self._history.submit([h.snapshot for h in history], [h.analytics for h in history])
        return lost

    def _history_due(self, documents: Sequence[store.Document]) -> list[HistoryDue]:
        """History snapshot and analytics of each chain whose last one is an interval old."""
        now = self._clock()
        due = [
            document
            for document in documents
            if now - self._last_snapshot.get(document["_id"], 0.0)
            >= self._parameters.snapshot_interval_seconds
        ]
        at = dt.datetime.fromtimestamp(now, dt.UTC)
        for document in due:
            self._last_snapshot[document["_id"]] = now
        return [
            HistoryDue(
                document["_id"],
                store.snapshot_document(document, at),
                store.analytics_document(document, at),
            )
            for document in due
        ]

    def _publish(self, documents: Sequence[store.Document]) -> None:
        if not documents:
            return
        with tracer.start_as_current_span(
            f"send {bus.ENRICHED_STREAM_PREFIX}*",
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "redis",
                "messaging.operation.type": "send",
                "messaging.batch.message_count": len(documents),
            },
        ):
            self._send(documents, current_traceparent())

    def _send(self, documents: Sequence[store.Document], traceparent: str | None) -> None:
        tail = (b"tp", traceparent) if traceparent else ()
        bus.append_atomically(
            self._redis,
            [
                (
                    bus.enriched_stream(document["underlying"]),
                    (b"chain", self._book.serialized(document), *tail),
                )
                for document in documents
            ],
            max_length=self._parameters.enriched_max_length,
        )


def _log_dead_letter(letter: bus.DeadLetter) -> None:
    where = {} if letter.tick is None else {"tick": letter.tick.index}
    log.warning(
        "dead-lettered an entry" if letter.tick is None else "dead-lettered a tick of an entry",
        extra={
            "stream": letter.entry.stream,
            "entry_id": letter.entry.entry_id,
            "reason": letter.reason,
            **where,
        },
    )


def entry_traceparents(entries: Sequence[bus.StreamEntry]) -> list[str]:
    """The distinct traceparents carried by a batch, in order."""
    seen: dict[str, None] = {}
    for entry in entries:
        traceparent = traceparent_of(entry.fields)
        if traceparent:
            seen.setdefault(traceparent, None)
    return list(seen)
