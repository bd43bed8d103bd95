"""Exchange-holiday calendars, from the maintained ``holidays`` library rather than hand lists.

The schedule asks one question of a calendar: is this local date an exchange holiday? The
library knows the NSE (``XNSE``, alias ``NSE``) and a few other markets, and fills in each
year lazily when it is first asked about.
"""

from __future__ import annotations

import datetime
import functools
from typing import Protocol

import holidays

from deltastream_operator.errors import UnknownCalendarError


class HolidayCalendar(Protocol):
    """Answers whether a local date is a whole-day holiday of an exchange."""

    def is_holiday(self, day: datetime.date) -> bool:
        """True when no regular session runs on ``day``."""
        ...


class NoHolidays:
    """The calendar of a scaler that names none: every day may hold sessions."""

    def is_holiday(self, day: datetime.date) -> bool:
        return False


class ExchangeCalendar:
    """One market's holidays, as published by the ``holidays`` library (e.g. ``XNSE``)."""

    def __init__(self, market: str) -> None:
        self.market = market
        self._holidays = holidays.financial_holidays(market)

    def is_holiday(self, day: datetime.date) -> bool:
        return day in self._holidays

    def holiday_name(self, day: datetime.date) -> str | None:
        """The library's name for the holiday on ``day``, if any."""
        name: str | None = self._holidays.get(day)
        return name


def known_markets() -> tuple[str, ...]:
    """The market codes (and aliases) the installed library supports, sorted."""
    return tuple(sorted(holidays.list_supported_financial()))


@functools.cache
def exchange_calendar(market: str | None) -> HolidayCalendar:
    """The calendar named by a scaler's ``calendar`` field; ``None`` means no exchange holidays.

    Calendars are shared between scalers: the library caches each year it has computed.
    """
    if market is None:
        return NoHolidays()
    if market not in known_markets():
        raise UnknownCalendarError(market, known_markets())
    return ExchangeCalendar(market)
