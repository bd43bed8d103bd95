"""Validation of request parameters at the API boundary.

Every value that reaches a database filter passes through here first, so a filter can only
ever hold plain strings and numbers of the expected shape (no ``{"$gt": ""}`` injection).
"""

from __future__ import annotations

import datetime as dt
import re

from deltastream.errors import InvalidArgumentError

_STREAM_ID = re.compile(r"\d{1,20}-\d{1,20}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}")


def underlying(value: object, field: str = "underlying") -> str:
    """An underlying symbol, upper-cased: letters, digits, ``_`` and ``-``, at most 32."""
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(field, "an underlying symbol is required, e.g. NIFTY")
    symbol = value.strip().upper()
    if not value.isascii() or not _SYMBOL.fullmatch(symbol):  # "nıfty".upper() == "NIFTY"
        raise InvalidArgumentError(field, f"not an underlying symbol: {value[:40]!r}")
    return symbol


def expiry(value: object, field: str = "expiry") -> dt.date:
    """An expiry date in ISO format (YYYY-MM-DD)."""
    if not isinstance(value, str):
        raise InvalidArgumentError(field, "an ISO date (YYYY-MM-DD) is required")
    if not _ISO_DATE.fullmatch(value):
        raise InvalidArgumentError(field, f"not an ISO date (YYYY-MM-DD): {value[:40]!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidArgumentError(field, f"not an ISO date: {value[:40]!r}") from None


def stream_position(value: str, field: str) -> str:
    """A Redis stream id, ``<milliseconds>-<sequence>``."""
    if not _STREAM_ID.fullmatch(value):
        raise InvalidArgumentError(field, f"not a stream position: {value[:40]!r}")
    return value


def page_size(value: int, *, default: int, maximum: int, field: str = "page_size") -> int:
    """A page size: ``default`` when 0, otherwise between 1 and ``maximum``."""
    if value == 0:
        return default
    if not 1 <= value <= maximum:
        raise InvalidArgumentError(field, f"must be between 1 and {maximum}, got {value}")
    return value


def time_range_ns(start_ns: int, end_ns: int) -> tuple[int, int]:
    """A half-open time range; 0 means open on that side."""
    if start_ns < 0 or end_ns < 0:
        raise InvalidArgumentError("start_ns" if start_ns < 0 else "end_ns", "must not be negative")
    if end_ns and start_ns >= end_ns:
        raise InvalidArgumentError("end_ns", "must be after start_ns")
    return start_ns, end_ns
