"""MarketData's queries against a real MongoDB-wire server."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from pymongo import AsyncMongoClient

from deltastream import store
from deltastream.embedded import EmbeddedUrls
from deltastream.market.enrichment import ExpiryConvention
from deltastream.marketdata.queries import ChainQueries

IST = ZoneInfo("Asia/Kolkata")


@pytest_asyncio.fixture
async def queries(server_urls: EmbeddedUrls, mongo_db_name: str) -> AsyncIterator[ChainQueries]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server_urls.mongo_uri)
    db = client[mongo_db_name]
    for expiry in ("2026-11-24", "2026-11-25", "2026-12-02", "2026-11-30"):
        await db[store.LATEST].insert_one(
            {"_id": f"NIFTY:{expiry}", "underlying": "NIFTY", "expiry": expiry}
        )
    await db[store.LATEST].insert_one(
        {"_id": "BANKNIFTY:2026-12-30", "underlying": "BANKNIFTY", "expiry": "2026-12-30"}
    )
    yield ChainQueries(db, ExpiryConvention())
    await client.close()


def _ns(local: dt.datetime) -> int:
    return int(local.replace(tzinfo=IST).timestamp() * 1e9)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2026, 11, 25, 10, 0), ["2026-11-25", "2026-11-30", "2026-12-02"]),
        (dt.datetime(2026, 11, 25, 15, 29, 59), ["2026-11-25", "2026-11-30", "2026-12-02"]),
        (dt.datetime(2026, 11, 25, 15, 30, 1), ["2026-11-30", "2026-12-02"]),
        # 02:00 in Kolkata is still the previous evening in UTC: the exchange's date counts
        (dt.datetime(2026, 11, 26, 2, 0), ["2026-11-30", "2026-12-02"]),
    ],
)
async def test_expiries_are_listed_until_their_close_nearest_first(
    queries: ChainQueries, now: dt.datetime, expected: list[str]
) -> None:
    assert await queries.expiries("NIFTY", _ns(now)) == expected
