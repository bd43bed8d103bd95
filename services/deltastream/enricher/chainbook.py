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

from deltastream import bus, store
from deltastream.enricher.snapshots import SnapshotCache
from deltastream.errors import MalformedEntryError
from deltastream.market.chain import ChainState, StreamPosition, chain_key
from deltastream.market.codec import decode_tick
from deltastream.market.enrichment import (
    ChainInput,
    EnrichedChain,
    ExpiryConvention,
    enrich_chains,
)
from deltastream.market.quotes import OptionQuote, UnderlyingTick

ChainQuotes = list[tuple[OptionQuote, StreamPosition]]
"""The quotes of one batch for one chain, each with its stream position."""
Applied = dict[str, tuple[ChainState, list[OptionQuote]]]
"""The chains a batch changed, by id, each with the quotes that changed it."""
ChainLoader = Callable[[str, dt.date], ChainState | None]
"""The stored state of a chain (underlying, expiry), None when none is stored."""


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

    def decode(
        self, entries: Sequence[bus.StreamEntry]
    ) -> tuple[dict[str, ChainQuotes], list[bus.DeadLetter]]:
        """Each chain's quotes among ``entries``, and the entries that are malformed; the
        underlyings' prices are taken as they come."""
        work: dict[tuple[str, dt.date], ChainQuotes] = {}
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
                continue
            quotes = work.get((tick.underlying, tick.expiry))
            if quotes is None:
                quotes = work[tick.underlying, tick.expiry] = []
            quotes.append((tick, entry.position))
        return {chain_key(*chain): quotes for chain, quotes in work.items()}, dead

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


def _check_stream(stream: str, underlying: str) -> None:
    expected = bus.ticks_stream(underlying)
    if stream != expected:
        raise MalformedEntryError(f"und: {underlying} does not belong on stream {stream}")
