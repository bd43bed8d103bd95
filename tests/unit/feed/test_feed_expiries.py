"""NSE expiry calendar: Tuesday expiries, holiday moves, rolling, time to expiry."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.errors import InvalidArgumentError
from deltastream.feed.expiries import (
    ExpirySchedule,
    TradingCalendar,
    last_weekday_of_month,
    listed_expiries,
    time_to_expiry,
)

IST = ZoneInfo("Asia/Kolkata")
NO_HOLIDAYS = TradingCalendar(exchange_holidays=frozenset())
NIFTY = ExpirySchedule(weekly=3, monthly=2)
MONTHLY = ExpirySchedule(weekly=0, monthly=2)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=IST)


@pytest.mark.parametrize(("year", "month"), [(2026, m) for m in range(1, 13)] + [(2028, 2)])
def test_last_tuesday_is_a_tuesday_in_the_last_week(year: int, month: int) -> None:
    day = last_weekday_of_month(year, month, calendar.TUESDAY)
    assert day.weekday() == calendar.TUESDAY
    assert (day.year, day.month) == (year, month)
    assert (day + dt.timedelta(days=7)).month != month


def test_nifty_lists_three_weeklies_and_two_monthlies_without_holidays() -> None:
    # Wednesday 4 Nov 2026: Tuesdays ahead are 10, 17, 24 Nov; last Tuesdays 24 Nov, 29 Dec.
    expiries = listed_expiries(NIFTY, at(2026, 11, 4), NO_HOLIDAYS)
    assert expiries == (
        dt.date(2026, 11, 10),
        dt.date(2026, 11, 17),
        dt.date(2026, 11, 24),
        dt.date(2026, 12, 29),
    )


def test_an_expiry_on_a_holiday_moves_to_the_previous_trading_day() -> None:
    # Tuesday 24 Nov and Monday 23 Nov are holidays: the expiry moves to Friday 20 Nov.
    holidays = TradingCalendar(exchange_holidays={dt.date(2026, 11, 24), dt.date(2026, 11, 23)})
    expiries = listed_expiries(MONTHLY, at(2026, 11, 2), holidays)
    assert expiries == (dt.date(2026, 11, 20), dt.date(2026, 12, 29))


def test_the_nse_calendar_is_used_by_default() -> None:
    # Republic Day (26 January) 2027 is a Tuesday, the last of the month.
    expiries = listed_expiries(MONTHLY, at(2027, 1, 4), TradingCalendar())
    assert expiries[0] == dt.date(2027, 1, 25)
    assert not TradingCalendar().is_trading_day(dt.date(2027, 1, 26))


def test_an_expiry_is_listed_until_1530_on_its_day_then_rolls() -> None:
    before = listed_expiries(MONTHLY, at(2026, 12, 29, 15, 29), NO_HOLIDAYS)
    after = listed_expiries(MONTHLY, at(2026, 12, 29, 15, 30), NO_HOLIDAYS)
    assert before == (dt.date(2026, 12, 29), dt.date(2027, 1, 26))
    assert after == (dt.date(2027, 1, 26), dt.date(2027, 2, 23))


def test_a_weekly_that_is_also_the_monthly_is_listed_once() -> None:
    expiries = listed_expiries(NIFTY, at(2026, 12, 16), NO_HOLIDAYS)
    assert expiries == (
        dt.date(2026, 12, 22),
        dt.date(2026, 12, 29),
        dt.date(2027, 1, 5),
        dt.date(2027, 1, 26),
    )


def test_time_to_expiry_is_act_365_to_1530_ist() -> None:
    one_day_before = dt.datetime(2026, 12, 28, 10, 0, tzinfo=dt.UTC)  # 15:30 IST
    assert time_to_expiry(one_day_before, dt.date(2026, 12, 29)) == pytest.approx(1 / 365)
    assert time_to_expiry(at(2026, 12, 29, 15, 30), dt.date(2026, 12, 29)) == 0.0


def test_naive_times_are_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        time_to_expiry(dt.datetime(2026, 12, 28, 10, 0), dt.date(2026, 12, 29))
    with pytest.raises(InvalidArgumentError):
        listed_expiries(NIFTY, dt.datetime(2026, 12, 28, 10, 0), NO_HOLIDAYS)


@pytest.mark.parametrize(
    ("weekly", "monthly", "weekday"), [(0, 0, 1), (-1, 2, 1), (1, 1, 5), (1, 1, -1)]
)
def test_bad_schedules_are_refused(weekly: int, monthly: int, weekday: int) -> None:
    with pytest.raises(InvalidArgumentError):
        ExpirySchedule(weekly=weekly, monthly=monthly, weekday=weekday)


@settings(max_examples=60, deadline=None)
@given(
    now=st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2028, 12, 1), timezones=st.just(IST)),
    weekly=st.integers(0, 4),
    monthly=st.integers(1, 3),
)
def test_listed_expiries_are_tuesdays_or_the_trading_day_before(
    now: dt.datetime, weekly: int, monthly: int
) -> None:
    trading_calendar = TradingCalendar()
    expiries = listed_expiries(ExpirySchedule(weekly, monthly), now, trading_calendar)
    assert list(expiries) == sorted(set(expiries))
    assert max(weekly, monthly) <= len(expiries) <= weekly + monthly
    for expiry in expiries:
        assert trading_calendar.is_trading_day(expiry)
        assert time_to_expiry(now, expiry) > 0
        days_to_tuesday = (calendar.TUESDAY - expiry.weekday()) % 7
        skipped = [expiry + dt.timedelta(days=d) for d in range(1, days_to_tuesday + 1)]
        assert not any(trading_calendar.is_trading_day(day) for day in skipped)
    if weekly:
        assert (expiries[0] - now.date()).days <= 8
