"""The MongoDB reads behind Analytics, on validated parameters only.

Latest chains come from ``chains_latest``, baselines for the build-up from ``chain_snapshots``
and the PCR / max pain / ATM IV history from ``chain_analytics`` (see ``deltastream.store``).
History pages are ordered by ``(timestamp_ns, version)`` and the page token carries both, so
two points with the same timestamp are never skipped or repeated across pages.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from deltastream import store
from deltastream.errors import InvalidArgumentError, NotFoundError
from deltastream.expiries import unexpired_chains
from deltastream.market.chain import chain_key
from deltastream.market.enrichment import ExpiryConvention

Document = dict[str, Any]

_BUILD_UP_COLUMNS = ("present", "last", "mid", "open_interest")
_BASELINE_PROJECTION = {
    "strikes": 1,
    "timestamp_ns": 1,
    **{f"{side}.{column}": 1 for side in ("calls", "puts") for column in _BUILD_UP_COLUMNS},
}
_SMILE_PROJECTION = {
    "underlying": 1,
    "expiry": 1,
    "forward": 1,
    "time_to_expiry": 1,
    "timestamp_ns": 1,
    "strikes": 1,
    **{
        f"{side}.{column}": 1
        for side in ("calls", "puts")
        for column in ("present", "iv", "iv_status")
    },
}


class AnalyticsQueries:
    def __init__(self, db: AsyncDatabase[Document], convention: ExpiryConvention) -> None:
        self._db = db
        self._convention = convention

    async def latest(self, underlying: str, expiry: dt.date | None) -> Document:
        """The latest chain; the nearest unexpired expiry when ``expiry`` is None."""
        if expiry is None:
            chains = await self.unexpired_chains(underlying, {"expiry": 1})
            if not chains:
                raise NotFoundError(f"chains of {underlying}")
            expiry = dt.date.fromisoformat(chains[0]["expiry"])
        document = await self._db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
        if document is None:
            raise NotFoundError(f"chain {chain_key(underlying, expiry)}")
        return document

    async def unexpired_chains(
        self, underlying: str, projection: dict[str, int] | None = None, now_ns: int | None = None
    ) -> list[Document]:
        """The latest chains of expiries not past their close at ``now_ns`` (default: now),
        nearest first (only the smile's columns unless ``projection`` says otherwise)."""
        return await unexpired_chains(
            self._db[store.LATEST],
            underlying,
            self._convention,
            projection or _SMILE_PROJECTION,
            now_ns,
        )

    async def baseline(self, underlying: str, expiry: str, since_ns: int) -> Document | None:
        """The first stored snapshot of the chain at or after ``since_ns``."""
        cursor = (
            self._db[store.SNAPSHOTS]
            .find(
                {"underlying": underlying, "expiry": expiry, "timestamp_ns": {"$gte": since_ns}},
                _BASELINE_PROJECTION,
            )
            .sort("timestamp_ns", ASCENDING)
            .limit(1)
        )
        documents = [document async for document in cursor]
        return documents[0] if documents else None

    async def atm_iv_history(
        self, underlying: str, expiry: str, start_ns: int, limit: int
    ) -> list[float]:
        """The newest ``limit`` stored ATM IVs of the chain from ``start_ns`` on."""
        cursor = (
            self._db[store.ANALYTICS]
            .find(
                {"underlying": underlying, "expiry": expiry, "timestamp_ns": {"$gte": start_ns}},
                {"atm_iv": 1, "_id": 0},
            )
            .sort("timestamp_ns", DESCENDING)
            .limit(limit)
        )
        return [
            float(document["atm_iv"])
            async for document in cursor
            if document.get("atm_iv") is not None
        ]

    async def history(
        self,
        underlying: str,
        expiry: dt.date,
        time_range: tuple[int, int],
        page_size: int,
        page_token: str,
    ) -> tuple[list[Document], str]:
        """Analytics oldest first, and the token of the next page ("" when none)."""
        start_ns, end_ns = time_range
        bounds: dict[str, int] = {"$gte": start_ns}
        if end_ns:
            bounds["$lt"] = end_ns
        query: dict[str, Any] = {
            "underlying": underlying,
            "expiry": expiry.isoformat(),
            "timestamp_ns": bounds,
        }
        after = decode_token(page_token)
        if after is not None:
            timestamp_ns, version = after
            query["$or"] = [
                {"timestamp_ns": {"$gt": timestamp_ns}},
                {"timestamp_ns": timestamp_ns, "version": {"$gt": version}},
            ]
        cursor = (
            self._db[store.ANALYTICS]
            .find(query, {"_id": 0, "at": 0})
            .sort([("timestamp_ns", ASCENDING), ("version", ASCENDING)])
            .limit(page_size + 1)
        )
        documents = [document async for document in cursor]
        if len(documents) <= page_size:
            return documents, ""
        page = documents[:page_size]
        last = page[-1]
        return page, encode_token(int(last["timestamp_ns"]), int(last["version"]))


def encode_token(timestamp_ns: int, version: int) -> str:
    return base64.urlsafe_b64encode(f"av:{timestamp_ns}:{version}".encode()).decode()


def decode_token(token: str) -> tuple[int, int] | None:
    """The position a page token stands for; INVALID_ARGUMENT for anything else."""
    if not token:
        return None
    try:
        prefix, timestamp_ns, version = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if prefix != "av":
            raise ValueError(prefix)
        return int(timestamp_ns), int(version)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgumentError("page_token", "not a token from a previous page") from None
