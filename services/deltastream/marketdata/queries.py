"""The MongoDB queries behind MarketData, on validated parameters only."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from deltastream import store
from deltastream.errors import InvalidArgumentError, NotFoundError
from deltastream.expiries import unexpired_chains
from deltastream.market.chain import chain_key
from deltastream.market.enrichment import ExpiryConvention

Document = dict[str, Any]


class ChainQueries:
    def __init__(self, db: AsyncDatabase[Document], convention: ExpiryConvention) -> None:
        self._db = db
        self._convention = convention

    async def latest(self, underlying: str, expiry: dt.date | None) -> Document:
        """The latest chain; the nearest unexpired expiry when ``expiry`` is None."""
        if expiry is None:
            expiries = await self.expiries(underlying)
            if not expiries:
                raise NotFoundError(f"chains of {underlying}")
            expiry = dt.date.fromisoformat(expiries[0])
        document = await self._db[store.LATEST].find_one({"_id": chain_key(underlying, expiry)})
        if document is None:
            raise NotFoundError(f"chain {chain_key(underlying, expiry)}")
        return document

    async def expiries(self, underlying: str, now_ns: int | None = None) -> list[str]:
        """Expiries with a chain that have not expired yet (before their close), nearest first."""
        chains = await unexpired_chains(
            self._db[store.LATEST], underlying, self._convention, {"expiry": 1}, now_ns
        )
        return [document["expiry"] for document in chains]

    async def history(
        self,
        underlying: str,
        expiry: dt.date,
        time_range: tuple[int, int],
        page_size: int,
        page_token: str,
    ) -> tuple[list[Document], str]:
        """Snapshots oldest first, and the token of the next page ("" when none)."""
        start_ns, end_ns = time_range
        after_ns = _decode_token(page_token)
        bounds: dict[str, int] = {"$gte": start_ns} if after_ns is None else {"$gt": after_ns}
        if end_ns:
            bounds["$lt"] = end_ns
        query = {"underlying": underlying, "expiry": expiry.isoformat(), "timestamp_ns": bounds}
        cursor = (
            self._db[store.SNAPSHOTS]
            .find(query)
            .sort("timestamp_ns", ASCENDING)
            .limit(page_size + 1)
        )
        documents = [document async for document in cursor]
        if len(documents) <= page_size:
            return documents, ""
        page = documents[:page_size]
        return page, _encode_token(int(page[-1]["timestamp_ns"]))


def _encode_token(timestamp_ns: int) -> str:
    return base64.urlsafe_b64encode(f"ts:{timestamp_ns}".encode()).decode()


def _decode_token(token: str) -> int | None:
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, value = text.partition(":")
        if prefix != "ts":
            raise ValueError(prefix)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgumentError("page_token", "not a token from a previous page") from None
