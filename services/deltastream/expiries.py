"""Which stored chains are still live: an expiry lasts until its close by the market's
``ExpiryConvention`` (15:30 Asia/Kolkata unless ``DELTASTREAM_EXPIRY_CLOSE`` and
``DELTASTREAM_EXPIRY_TIMEZONE`` say otherwise), not until the end of its date in UTC.

MarketData and Analytics both list the latest chains through ``unexpired_chains``, so the two
agree on the instant a chain stops being the nearest.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from deltastream.market.enrichment import ExpiryConvention

Document = dict[str, Any]


def first_unexpired_date(convention: ExpiryConvention, now_ns: int) -> dt.date:
    """The exchange's date at ``now_ns``: every earlier expiry has closed (on that date, only
    those before the close are still live, see ``is_unexpired``)."""
    return dt.date.fromordinal(convention.trading_day(now_ns))


def is_unexpired(convention: ExpiryConvention, expiry: dt.date, now_ns: int) -> bool:
    """Whether ``expiry`` is still before its close at ``now_ns``."""
    return convention.time_to_expiry(expiry, now_ns) > 0


async def unexpired_chains(
    latest: AsyncCollection[Document],
    underlying: str,
    convention: ExpiryConvention,
    projection: Mapping[str, int],
    now_ns: int | None = None,
) -> list[Document]:
    """The chains of ``underlying`` in ``latest`` (``store.LATEST``) whose expiry has not closed
    at ``now_ns`` (default: now), nearest first, with the columns of ``projection``."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    first = first_unexpired_date(convention, now_ns).isoformat()
    cursor = latest.find(
        {"underlying": underlying, "expiry": {"$gte": first}}, dict(projection)
    ).sort("expiry", ASCENDING)
    return [
        document
        async for document in cursor
        if is_unexpired(convention, dt.date.fromisoformat(document["expiry"]), now_ns)
    ]
