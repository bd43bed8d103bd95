"""NSE option expiry dates and time to expiry.

The feed lists the contracts a trader would see on the exchange: index options expire on a
Tuesday (NIFTY every week, every index on the last Tuesday of the month), and an expiry that
falls on an exchange holiday moves to the previous trading day. Holidays come from the
``holidays`` package's NSE calendar (``XNSE``). Contracts expire at 15:30 Asia/Kolkata; time
to expiry is measured in calendar years (ACT/365) up to that instant.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Container, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays

from deltastream.errors import InvalidArgumentError

EXCHANGE_TIMEZONE = ZoneInfo("Asia/Kolkata")
EXPIRY_TIME = dt.time(15, 30)
SECONDS_PER_YEAR = 365.0 * 86_400.0
_SATURDAY = 5


class TradingCalendar:
    """NSE trading days: weekdays that are not exchange holidays."""

    def __init__(self, exchange_holidays: Container[dt.date] | None = None) -> None:
        self._holidays: Container[dt.date] = (
            exchange_holidays
            if exchange_holidays is not None
            else holidays.financial_holidays("XNSE")
        )

    def is_trading_day(self, day: dt.date) -> bool:
        """True on a weekday that is not an exchange holiday."""
        return day.weekday() < _SATURDAY and day not in self._holidays

    def previous_trading_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a trading day, else the last trading day before it."""
        while not self.is_trading_day(day):
            day -= dt.timedelta(days=1)
        return day


@dataclass(frozen=True, slots=True)
class ExpirySchedule:
    """How many expiries of each kind are listed at any time."""

    weekly: int = 0
    """Nearest weekly expiries (a weekly that is also the monthly counts as one)."""
    monthly: int = 2
    """Nearest monthly expiries."""
    weekday: int = calendar.TUESDAY
    """Day of the week contracts expire on, before holiday adjustment (Monday is 0)."""

    def __post_init__(self) -> None:
        if self.weekly < 0 or self.monthly < 0 or self.weekly + self.monthly == 0:
            raise InvalidArgumentError("expiries", "list at least one expiry, none negative")
        if not 0 <= self.weekday < _SATURDAY:
            raise InvalidArgumentError("weekday", f"must be a weekday 0..4, got {self.weekday}")


def expiry_instant(expiry: dt.date) -> dt.datetime:
    """The moment a contract expiring on ``expiry`` stops trading (15:30 Asia/Kolkata)."""
    return dt.datetime.combine(expiry, EXPIRY_TIME, tzinfo=EXCHANGE_TIMEZONE)


def time_to_expiry(now: dt.datetime, expiry: dt.date) -> float:
    """Calendar years (ACT/365) from ``now`` to the expiry instant; negative once expired."""
    _require_aware(now)
    return (expiry_instant(expiry) - now).total_seconds() / SECONDS_PER_YEAR


def last_weekday_of_month(year: int, month: int, weekday: int) -> dt.date:
    """The last ``weekday`` (Monday is 0) of a month."""
    last_day = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last_day - dt.timedelta(days=(last_day.weekday() - weekday) % 7)


def listed_expiries(
    schedule: ExpirySchedule, now: dt.datetime, trading_calendar: TradingCalendar
) -> tuple[dt.date, ...]:
    """The expiry dates listed at ``now``, nearest first, holiday-adjusted and not yet expired."""
    _require_aware(now)
    weekly = _take(_weekly_expiries(schedule.weekday, now), schedule.weekly, trading_calendar, now)
    monthly = _take(
        _monthly_expiries(schedule.weekday, now), schedule.monthly, trading_calendar, now
    )
    return tuple(sorted(set(weekly) | set(monthly)))


def _take(
    contract_dates: Iterator[dt.date],
    count: int,
    trading_calendar: TradingCalendar,
    now: dt.datetime,
) -> list[dt.date]:
    """The first ``count`` adjusted dates that expire after ``now``."""
    taken: list[dt.date] = []
    while len(taken) < count:
        expiry = trading_calendar.previous_trading_day(next(contract_dates))
        if expiry_instant(expiry) > now and expiry not in taken:
            taken.append(expiry)
    return taken


def _weekly_expiries(weekday: int, now: dt.datetime) -> Iterator[dt.date]:
    """Unadjusted weekly contract dates from the week of ``now`` on."""
    today = now.astimezone(EXCHANGE_TIMEZONE).date()
    day = today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    while True:
        yield day
        day += dt.timedelta(days=7)


def _monthly_expiries(weekday: int, now: dt.datetime) -> Iterator[dt.date]:
    """Unadjusted monthly contract dates from the month of ``now`` on."""
    today = now.astimezone(EXCHANGE_TIMEZONE).date()
    year, month = today.year, today.month
    while True:
        yield last_weekday_of_month(year, month, weekday)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidArgumentError("timestamp", "must carry a time zone")
