"""Converters for command-line values (durations, dates, time zones, counts), for argparse's
``type=``: each returns the parsed value or raises ``argparse.ArgumentTypeError`` saying what
is expected, so a bad value is a usage error (exit 2) before anything is sent."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import zoneinfo

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {
    "ms": dt.timedelta(milliseconds=1),
    "s": dt.timedelta(seconds=1),
    "m": dt.timedelta(minutes=1),
    "h": dt.timedelta(hours=1),
    "d": dt.timedelta(days=1),
}


def duration(text: str) -> dt.timedelta:
    """A positive duration such as ``90s``, ``10m``, ``2h``, ``1d`` or ``1h30m``."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (use a number and a unit: 30s, 10m, 2h, 1d, 1h30m)"
        )
    total = sum((float(number) * _UNITS[unit] for number, unit in parts), dt.timedelta())
    if total <= dt.timedelta():
        raise argparse.ArgumentTypeError(f"the duration must be positive, got {text!r}")
    return total


def expiry(text: str) -> str:
    """An expiry date in ISO format, returned as given (YYYY-MM-DD)."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def time_zone(text: str) -> dt.tzinfo:
    """An IANA time zone name such as ``Asia/Kolkata`` or ``UTC``."""
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"not a time zone: {text!r}") from None


def positive_integer(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


class _LocalTime(dt.tzinfo):
    """This machine's local time (``TZ``, else the system's zone): each time gets the offset and
    abbreviation in force at its own instant, as ``datetime.astimezone()`` gives them, so a time
    on the other side of a daylight-saving change is not off by an hour. A wall time that occurs
    twice (clocks going back) tells its two instants apart by ``fold``."""

    def fromutc(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is not self:
            raise ValueError("fromutc: the datetime's tzinfo is not this zone")
        instant = moment.replace(tzinfo=dt.UTC)
        wall = instant.astimezone().replace(tzinfo=None)
        # a naive wall time is read as its first occurrence (fold 0): another instant means
        # this one is the second occurrence
        fold = 0 if wall.astimezone() == instant else 1
        return wall.replace(tzinfo=self, fold=fold)

    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta | None:
        return None if moment is None else self._fixed(moment).utcoffset()

    def dst(self, moment: dt.datetime | None) -> dt.timedelta | None:
        return None

    def tzname(self, moment: dt.datetime | None) -> str | None:
        return None if moment is None else self._fixed(moment).tzname()

    def __repr__(self) -> str:
        return "local time"

    @staticmethod
    def _fixed(moment: dt.datetime) -> dt.datetime:
        """The wall time ``moment`` (with its fold) as a local time of a fixed offset."""
        return moment.replace(tzinfo=None).astimezone()


def local_zone() -> dt.tzinfo:
    """The time zone of this machine, with the offset and abbreviation (EST, EDT, IST...) in
    force at each time converted, not those of the moment this is called."""
    return _LocalTime()
