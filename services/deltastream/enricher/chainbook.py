"""The chains an enricher holds, and the steps of its batch that do no I/O: entries decoded,
quotes applied to their chains, the changed chains enriched into documents, and each document
into the ``ChainSnapshot`` bytes that are published.

``Enricher.prepare`` runs these steps between its reads and writes, and the enricher
benchmark (``bench/enricher.py``) times them one by one, so both run the same code.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from deltastream import bus, store
from deltastream.enricher.snapshots import SnapshotCache
from deltastream.errors import MalformedEntryError
from deltastream.market.chain import ChainState, TickPosition, chain_key
from deltastream.market.codec import (
    BATCH_KIND,
    MalformedTick,
    decode_entry,
    quote_message,
    underlying_message,
)
from deltastream.market.enrichment import (
    ChainInput,
    EnrichedChain,
    ExpiryConvention,
    enrich_chains,
)
from deltastream.market.quotes import OptionQuote, UnderlyingTick

ChainQuotes = list[tuple[OptionQuote, TickPosition]]
"""The quotes of one batch for one chain, each with its stream position."""
Applied = dict[str, tuple[ChainState, list[OptionQuote]]]
"""The chains a batch changed, by id, each with the quotes that changed it."""
ChainLoader = Callable[[str, dt.date], ChainState | None]
"""The stored state of a chain (underlying, expiry), None when none is stored."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A batch's entries decoded: each chain's quotes, what is malformed (whole entries, or
    single ticks of a batch entry), and the ticks read per stream (malformed ones too)."""

    work: dict[str, ChainQuotes]
    dead: list[bus.DeadLetter]
    ticks: Counter[str]


class ChainBook:
    """Holds the chains in memory (the stored documents are the truth: a chain not held is
    loaded with ``load``) and the underlyings' last prices."""

    def __init__(self, rate: float, convention: ExpiryConvention, load: ChainLoader) -> None:
        self._rate = rate
        self._convention = convention
        self._load = load
        self._chains: dict[str, ChainState] = {}
        self._spots: dict[str, UnderlyingTick] = {}
        self._published = SnapshotCache()

    def decode(self, entries: Sequence[bus.StreamEntry]) -> Decoded:
        """Each chain's quotes among ``entries`` (an entry holds one tick or a batch of
        them), and what is malformed; the underlyings' prices are taken as they come."""
        work: dict[tuple[str, dt.date], ChainQuotes] = {}
        dead: list[bus.DeadLetter] = []
        counts: Counter[str] = Counter()
        for entry in entries:
            try:
                ticks = decode_entry(entry.fields)
            except MalformedEntryError as exc:
                dead.append(bus.DeadLetter(entry, exc.reason))
                counts[entry.stream] += 1
                continue
            counts[entry.stream] += (
                len(ticks.quotes) + len(ticks.underlying_ticks) + len(ticks.malformed)
            )
            dead.extend(bus.DeadLetter(entry, bad.reason, bad) for bad in ticks.malformed)
            for index, spot in ticks.underlying_ticks:
                if _on_stream(entry.stream, spot.underlying):
                    self._update_spot(spot)
                else:
                    message = underlying_message(spot)
                    dead.append(_stray(entry, spot.underlying, b"u", index, message))
            milliseconds, sequence = entry.position
            for index, quote in ticks.quotes:
                if not _on_stream(entry.stream, quote.underlying):
                    dead.append(_stray(entry, quote.underlying, b"q", index, quote_message(quote)))
                    continue
                quotes = work.get((quote.underlying, quote.expiry))
                if quotes is None:
                    quotes = work[quote.underlying, quote.expiry] = []
                quotes.append((quote, (milliseconds, sequence, index)))
        return Decoded({chain_key(*chain): quotes for chain, quotes in work.items()}, dead, counts)

    def apply(self, work: dict[str, ChainQuotes]) -> Applied:
        """Apply each chain's quotes; the chains that changed (each one version up), with the
        quotes that did it."""
        applied = {}
        day = self._convention.trading_day
        for key, chain_quotes in work.items():
            chain = self._chain(chain_quotes[0][0])
            quotes = [
                quote
                for quote, position in chain_quotes
                if chain.apply(quote, position, day(quote.timestamp_ns))
            ]
            if quotes:
                chain.version += 1
                applied[key] = (chain, quotes)
        return applied

    def enrich(self, chains: Sequence[ChainState]) -> list[EnrichedChain]:
        """IV, Greeks and analytics of ``chains``, in one solver call."""
        inputs = [ChainInput(chain, self._spot(chain.underlying)) for chain in chains]
        return enrich_chains(inputs, self._rate, self._convention)

    @staticmethod
    def documents(
        enriched: Sequence[EnrichedChain], chains: Sequence[ChainState]
    ) -> list[store.Document]:
        """The stored documents of enriched chains."""
        return [store.chain_document(e, chain) for e, chain in zip(enriched, chains, strict=True)]

    def serialized(self, document: store.Document) -> bytes:
        """The ``ChainSnapshot`` bytes of a document, from the message kept for its chain."""
        return self._published.serialized(document)

    def forget(self, chain_ids: Iterable[str] | None = None) -> None:
        """Drop held chains (all by default); they are loaded again when a quote needs them."""
        if chain_ids is None:
            self._chains.clear()
            self._published.clear()
            return
        for chain_id in chain_ids:
            self._chains.pop(chain_id, None)
            self._published.forget(chain_id)

    def forget_streams(self, streams: Collection[str]) -> None:
        """Drop the chains and the underlying prices of the tick streams in ``streams``."""
        self.forget([key for key, chain in self._chains.items() if _stream(chain) in streams])
        for underlying in [u for u in self._spots if bus.ticks_stream(u) in streams]:
            del self._spots[underlying]

    def chains_per_stream(self, streams: Collection[str]) -> dict[str, int]:
        """The chains held of each of ``streams`` that has any: what consuming the stream
        costs, batch after batch."""
        counts = Counter(_stream(chain) for chain in self._chains.values())
        return {stream: counts[stream] for stream in streams if counts[stream]}

    def _chain(self, quote: OptionQuote) -> ChainState:
        key = chain_key(quote.underlying, quote.expiry)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._load(quote.underlying, quote.expiry) or ChainState(
                quote.underlying, quote.expiry
            )
            self._chains[key] = chain
        return chain

    def _update_spot(self, tick: UnderlyingTick) -> None:
        current = self._spots.get(tick.underlying)
        if current is None or tick.timestamp_ns >= current.timestamp_ns:
            self._spots[tick.underlying] = tick

    def _spot(self, underlying: str) -> float:
        tick = self._spots.get(underlying)
        return tick.price if tick is not None else float("nan")


def _stream(chain: ChainState) -> str:
    return bus.ticks_stream(chain.underlying)


def _on_stream(stream: str, underlying: str) -> bool:
    return stream == bus.ticks_stream(underlying)


def _stray(
    entry: bus.StreamEntry, underlying: str, kind: bytes, index: int, message: bytes
) -> bus.DeadLetter:
    """The dead letter of a tick of ``underlying`` found on another underlying's stream."""
    reason = f"und: {underlying} does not belong on stream {entry.stream}"
    if entry.fields.get(b"kind") != BATCH_KIND:
        return bus.DeadLetter(entry, reason)  # the entry is that one tick
    return bus.DeadLetter(entry, reason, MalformedTick(kind, index, message, reason))
