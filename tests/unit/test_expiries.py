"""When a stored chain stops being live: at its expiry's close by the market's convention, not
at the end of its date in UTC (pure, on a fixed clock)."""

from __future__ import annotations

import datetime as dt

import pytest

from deltastream.expiries import first_unexpired_date, is_unexpired
from deltastream.market.enrichment import ExpiryConvention

NSE = ExpiryConvention()  # 15:30 Asia/Kolkata, 10:00 UTC
NEW_YORK = ExpiryConvention(close=dt.time(16, 0), timezone="America/New_York")
EXPIRY = dt.date(2026, 11, 25)


def _ns(utc: dt.datetime) -> int:
    return int(utc.replace(tzinfo=dt.UTC).timestamp()) * 1_000_000_000


@pytest.mark.parametrize(
    ("now", "live"),
    [
        (dt.datetime(2026, 11, 24, 23, 0), True),
        (dt.datetime(2026, 11, 25, 9, 59, 59), True),  # 15:29:59 IST
        (dt.datetime(2026, 11, 25, 10, 0), False),  # 15:30 IST: the close
        (dt.datetime(2026, 11, 25, 12, 0), False),  # still 25 November in UTC, but closed
        (dt.datetime(2026, 11, 25, 23, 59, 59), False),
    ],
)
def test_an_expiry_is_live_until_its_close_in_the_exchanges_zone(
    now: dt.datetime, live: bool
) -> None:
    assert is_unexpired(NSE, EXPIRY, _ns(now)) is live


@pytest.mark.parametrize(
    ("expiry", "now", "live"),
    [
        (dt.date(2026, 7, 1), dt.datetime(2026, 7, 1, 19, 59, 59), True),  # 15:59:59 EDT
        (dt.date(2026, 7, 1), dt.datetime(2026, 7, 1, 20, 0), False),  # 16:00 EDT
        (dt.date(2026, 1, 15), dt.datetime(2026, 1, 15, 20, 59, 59), True),  # 15:59:59 EST
        (dt.date(2026, 1, 15), dt.datetime(2026, 1, 15, 21, 0), False),  # 16:00 EST
    ],
)
def test_the_close_is_the_configured_local_time_on_either_side_of_daylight_saving(
    expiry: dt.date, now: dt.datetime, live: bool
) -> None:
    assert is_unexpired(NEW_YORK, expiry, _ns(now)) is live


def test_expiries_before_the_exchanges_date_have_all_closed() -> None:
    # 20:30 UTC on 25 November is already 02:00 on 26 November in Kolkata
    assert first_unexpired_date(NSE, _ns(dt.datetime(2026, 11, 25, 20, 30))) == dt.date(
        2026, 11, 26
    )
    assert first_unexpired_date(NSE, _ns(dt.datetime(2026, 11, 25, 12, 0))) == EXPIRY
    # 23:00 UTC on 1 July is 19:00 on 1 July in New York
    assert first_unexpired_date(NEW_YORK, _ns(dt.datetime(2026, 7, 1, 23, 0))) == dt.date(
        2026, 7, 1
    )
