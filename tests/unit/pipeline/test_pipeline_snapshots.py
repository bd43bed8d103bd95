"""The enricher's kept ``ChainSnapshot`` messages, updated in place batch after batch, serialize
to the very bytes of the message built anew from each document (``contracts.chain_snapshot``):
as quotes arrive, as strikes are added and options first quoted, after a chain is reloaded,
and with stored nulls."""

from __future__ import annotations

import copy
import datetime as dt

from deltastream import bus, store
from deltastream.contracts import chain_snapshot
from deltastream.enricher.chainbook import ChainBook
from deltastream.enricher.snapshots import SnapshotCache
from deltastream.feed.market import SyntheticMarket, default_market_config
from deltastream.feed.publisher import TickPublisher
from deltastream.market.chain import ChainState, chain_key
from deltastream.market.codec import as_read
from deltastream.market.enrichment import ExpiryConvention
from deltastream.market.quotes import OptionQuote, OptionType, UnderlyingTick

START = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)
EXPIRY = dt.date(2026, 12, 29)
RATE = 0.065


def _expected(document: store.Document) -> bytes:
    return chain_snapshot(document).SerializeToString()


class _Chains:
    """The enricher's chain book fed batch after batch, each batch's ticks as stream entries;
    chains are loaded from ``stored`` (by id) when it holds them."""

    def __init__(self) -> None:
        self.stored: dict[str, ChainState] = {}
        self.book = ChainBook(RATE, ExpiryConvention(), self._load)
        self.sequence = 0

    def _load(self, underlying: str, expiry: dt.date) -> ChainState | None:
        return self.stored.pop(chain_key(underlying, expiry), None)

    def batch(self, ticks: list[UnderlyingTick | OptionQuote]) -> list[store.Document]:
        self.sequence += 1
        entries = [
            bus.StreamEntry(stream, f"{self.sequence}-{position}", as_read(fields))
            for position, (stream, fields) in enumerate(TickPublisher.encode(ticks).entries)
        ]
        decoded = self.book.decode(entries)
        assert decoded.dead == []
        chains = [chain for chain, _ in self.book.apply(decoded.work).values()]
        return self.book.documents(self.book.enrich(chains), chains)


def test_the_synthetic_markets_chains_batch_after_batch() -> None:
    market = SyntheticMarket(default_market_config(3), START)
    chains, cache = _Chains(), SnapshotCache()
    start_ns = int(START.timestamp() * 1e9)
    documents = 0
    for release in range(40):
        ticks = list(market.ticks(250, start_ns + release * 50_000_000))
        for document in chains.batch(ticks):
            assert cache.serialized(document) == _expected(document)
            documents += 1
    assert documents > 100


def _quote(strike: float, option_type: OptionType, bid: float, at_ns: int) -> OptionQuote:
    return OptionQuote(
        "NIFTY", EXPIRY, strike, option_type, bid, bid + 1.0, bid + 0.5, 10, 1_000, at_ns
    )


def test_new_strikes_options_quoted_for_the_first_time_and_a_reloaded_chain() -> None:
    chains, cache = _Chains(), SnapshotCache()
    at = int(START.timestamp() * 1e9)
    spot = UnderlyingTick("NIFTY", 24_000.0, at)
    batches: list[list[UnderlyingTick | OptionQuote]] = [
        [spot, _quote(24_000.0, OptionType.CALL, 300.0, at)],
        [_quote(24_000.0, OptionType.CALL, 301.0, at + 1)],  # same layout, a new quote
        [_quote(24_000.0, OptionType.PUT, 280.0, at + 2)],  # the put first quoted
        [_quote(23_900.0, OptionType.PUT, 240.0, at + 3)],  # a strike below
        [_quote(24_100.0, OptionType.CALL, 250.0, at + 4)],  # and one above
        [_quote(23_900.0, OptionType.PUT, 239.0, at + 5), spot],
    ]
    for ticks in batches:
        (document,) = chains.batch(ticks)
        assert cache.serialized(document) == _expected(document)
    chains.book.forget([document["_id"]])
    chains.stored[document["_id"]] = store.chain_state(document)
    (document,) = chains.batch([_quote(24_100.0, OptionType.PUT, 260.0, at + 6)])
    assert cache.serialized(document) == _expected(document)
    assert len(chain_snapshot(document).rows) == 3


def test_stored_nulls_are_nan_as_in_the_message_built_anew() -> None:
    chains, cache = _Chains(), SnapshotCache()
    at = int(START.timestamp() * 1e9)
    (document,) = chains.batch(
        [UnderlyingTick("NIFTY", 24_000.0, at), _quote(24_000.0, OptionType.CALL, 300.0, at)]
    )
    cache.serialized(document)
    nulls = copy.deepcopy(document)
    nulls["spot"] = None
    nulls["calls"]["iv"] = [None]
    nulls["calls"]["delta"] = [None]
    assert cache.serialized(nulls) == _expected(nulls)


def test_a_forgotten_chain_is_built_anew() -> None:
    chains, cache = _Chains(), SnapshotCache()
    at = int(START.timestamp() * 1e9)
    (first,) = chains.batch([_quote(24_000.0, OptionType.CALL, 300.0, at)])
    cache.serialized(first)
    (second,) = chains.batch([_quote(24_000.0, OptionType.CALL, 305.0, at + 1)])
    changed = copy.deepcopy(second)
    changed["calls"]["bid"] = [1.0]  # a quote the kept message never saw, at a known position
    changed["calls"]["position"] = first["calls"]["position"]
    cache.forget(second["_id"])
    assert cache.serialized(changed) == _expected(changed)


def test_a_document_with_other_strikes_is_built_anew() -> None:
    chains, cache = _Chains(), SnapshotCache()
    at = int(START.timestamp() * 1e9)
    (document,) = chains.batch([_quote(24_000.0, OptionType.CALL, 300.0, at)])
    cache.serialized(document)
    moved = copy.deepcopy(document)
    moved["strikes"] = [24_050.0]  # as many strikes, the same ones quoted, another price
    assert cache.serialized(moved) == _expected(moved)
