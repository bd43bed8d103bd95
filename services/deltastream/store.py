"""MongoDB: the latest chain per underlying and expiry, snapshot history and analytics history.

Schema (one document per chain, never one per option; arrays are columns aligned on
``strikes``), described for operators in ``docs/storage.md``:

- ``chains_latest``: ``_id`` = ``"<UNDERLYING>:<YYYY-MM-DD>"``; the enricher's durable state.
  Written with optimistic concurrency on ``version`` so enricher replicas never overwrite each
  other; each row keeps the stream position of its last quote, which makes redelivery harmless.
- ``chain_snapshots``: the same columns at most once per snapshot interval per chain; TTL on
  ``at``.
- ``chain_analytics``: PCR, max pain, ATM IV... per chain per snapshot interval; TTL on ``at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pymongo
import pymongo.errors
from pymongo.database import Database

from deltastream.market.chain import (
    ChainState,
    QuoteRow,
    SideColumns,
    chain_key,
    parse_tick_position,
)
from deltastream.market.enrichment import GREEK_NAMES, EnrichedChain, SideEnrichment
from deltastream.market.quotes import OptionType

Document = dict[str, Any]

LATEST = "chains_latest"
SNAPSHOTS = "chain_snapshots"
ANALYTICS = "chain_analytics"
_DUPLICATE_KEY = 11000
_SIDES = (("calls", OptionType.CALL), ("puts", OptionType.PUT))
_QUOTE_COLUMNS = (
    "bid",
    "ask",
    "last",
    "volume",
    "open_interest",
    "open_interest_at_open",
    "open_interest_day",
    "timestamp_ns",
)


def ensure_indexes(
    db: Database[Document], *, snapshot_retention: dt.timedelta, analytics_retention: dt.timedelta
) -> None:
    """Create the indexes the APIs query by, and the TTL indexes that bound history."""
    db[LATEST].create_index([("underlying", pymongo.ASCENDING), ("expiry", pymongo.ASCENDING)])
    for name, retention in ((SNAPSHOTS, snapshot_retention), (ANALYTICS, analytics_retention)):
        collection = db[name]
        collection.create_index(
            [
                ("underlying", pymongo.ASCENDING),
                ("expiry", pymongo.ASCENDING),
                ("timestamp_ns", pymongo.ASCENDING),
            ]
        )
        collection.create_index("at", expireAfterSeconds=int(retention.total_seconds()))


def chain_document(enriched: EnrichedChain, state: ChainState) -> Document:
    """The column-wise document of an enriched chain (``version`` is the new version)."""
    document: Document = {
        "_id": chain_key(enriched.underlying, enriched.expiry),
        "underlying": enriched.underlying,
        "expiry": enriched.expiry.isoformat(),
        "version": state.version,
        "applied_quotes": state.applied_quotes,
        "spot": enriched.spot,
        "forward": enriched.forward,
        "time_to_expiry": enriched.time_to_expiry,
        "timestamp_ns": enriched.timestamp_ns,
        "strikes": enriched.columns.strikes.tolist(),
        "analytics": {
            name: getattr(enriched.analytics, name)
            for name in enriched.analytics.__dataclass_fields__
        },
    }
    for (name, option_type), columns, side in zip(
        _SIDES,
        (enriched.columns.calls, enriched.columns.puts),
        (enriched.calls, enriched.puts),
        strict=True,
    ):
        document[name] = _side_document(columns, side)
        document[name]["position"] = state.position_texts(option_type)
    return document


def snapshot_document(latest: Document, at: dt.datetime) -> Document:
    """A history snapshot: the latest document without its id and stream positions."""
    snapshot = {key: value for key, value in latest.items() if key != "_id"}
    for name, _ in _SIDES:
        snapshot[name] = {k: v for k, v in latest[name].items() if k != "position"}
    snapshot["at"] = at
    return snapshot


def analytics_document(latest: Document, at: dt.datetime) -> Document:
    keys = ("underlying", "expiry", "version", "spot", "forward", "timestamp_ns")
    return {**{key: latest[key] for key in keys}, **latest["analytics"], "at": at}


def chain_state(document: Mapping[str, Any]) -> ChainState:
    """The enricher state stored in a latest-chain document."""
    state = ChainState(
        underlying=document["underlying"],
        expiry=dt.date.fromisoformat(document["expiry"]),
        version=int(document["version"]),
        applied_quotes=int(document["applied_quotes"]),
    )
    for name, option_type in _SIDES:
        side = document[name]
        for index, strike in enumerate(document["strikes"]):
            if not side["present"][index]:
                continue
            values = {column: side[column][index] for column in _QUOTE_COLUMNS if column in side}
            state.restore(
                float(strike),
                option_type,
                QuoteRow(position=parse_tick_position(side["position"][index]), **values),
            )
    return state


class ChainStore:
    """Reads and writes the enricher's chains."""

    def __init__(self, db: Database[Document]) -> None:
        self._db = db

    def load(self, underlying: str, expiry: dt.date) -> ChainState | None:
        document = self._db[LATEST].find_one({"_id": chain_key(underlying, expiry)})
        return None if document is None else chain_state(document)

    def save_latest(
        self, documents: Sequence[Document], replaces: Mapping[str, int] | None = None
    ) -> list[str]:
        """Store chains in one round trip; returns the ids of the chains another writer changed
        first, which are left as that writer stored them.

        Each document replaces the stored one only where that is still at the version this
        writer last saw: ``replaces[_id]``, by default one below the document's own (a chain
        not stored yet is at version 0). Where there is none it is inserted; where there is
        one at another version, the insert collides on ``_id``, which is how a lost race shows.
        """
        if not documents:
            return []
        replaces = replaces or {}
        writes = [
            pymongo.ReplaceOne(
                {"_id": d["_id"], "version": replaces.get(d["_id"], d["version"] - 1)},
                d,
                upsert=True,
            )
            for d in documents
        ]
        try:
            self._db[LATEST].bulk_write(writes, ordered=False)
        except pymongo.errors.BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != _DUPLICATE_KEY for error in errors) or not errors:
                raise
            return [documents[error["index"]]["_id"] for error in errors]
        return []

    def append_history(self, snapshots: list[Document], analytics: list[Document]) -> None:
        if snapshots:
            self._db[SNAPSHOTS].insert_many(snapshots, ordered=False)
        if analytics:
            self._db[ANALYTICS].insert_many(analytics, ordered=False)


def _side_document(columns: SideColumns, side: SideEnrichment) -> Document:
    document: Document = {"present": columns.present.tolist()}
    for column in _QUOTE_COLUMNS:
        document[column] = getattr(columns, column).tolist()
    document["mid"] = side.mid.tolist()
    document["iv"] = side.iv.tolist()
    document["iv_status"] = side.iv_status.astype(np.int32).tolist()
    for name in GREEK_NAMES:
        document[name] = side.greeks[name].tolist()
    return document
