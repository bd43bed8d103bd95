"""Read recorded ticks (CSV or JSON lines) so real market data goes through the feed's path.

The format is documented in ``docs/feed.md``. Every line becomes either a tick or a
``ReplayError`` naming the line, its text and what is wrong, so the publisher can send bad
lines to the dead-letter stream: a bad line never raises and is never skipped silently. Blank
lines are not data and are skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from deltastream.errors import InvalidArgumentError
from deltastream.market.quotes import OptionQuote, OptionType, Tick, UnderlyingTick

COLUMNS = (
    "kind",
    "underlying",
    "expiry",
    "strike",
    "type",
    "bid",
    "ask",
    "last",
    "volume",
    "open_interest",
    "timestamp",
    "price",
)
"""Column order of a recorded CSV file (also the keys of a JSON lines object)."""
REQUIRED_COLUMNS = ("kind", "underlying", "timestamp")
"""Columns a CSV header must name; the others are needed only by the rows that use them."""

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_SYMBOL_LENGTH = 32
_OPTION_TYPES = {
    "C": OptionType.CALL,
    "CE": OptionType.CALL,
    "P": OptionType.PUT,
    "PE": OptionType.PUT,
}

Record = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ReplayError:
    """A line of a recorded file that is not a valid tick."""

    line_number: int
    """1-based line number in the file (the CSV header is line 1)."""
    raw: str
    """The line as read, without its line ending."""
    reason: str
    """What is wrong, e.g. ``strike: expected a positive number, got '-5'``."""


def read_ticks(path: Path) -> Iterator[Tick | ReplayError]:
    """Ticks of a ``.csv`` or ``.jsonl`` file in file order, a ``ReplayError`` per bad line."""
    readers: dict[str, Callable[[Path], Iterator[Tick | ReplayError]]] = {
        ".csv": _read_csv,
        ".jsonl": _read_json_lines,
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise InvalidArgumentError("path", f"expected a .csv or .jsonl file, got {path.name!r}")
    return reader(path)


def parse_record(record: Record) -> Tick:
    """The tick a record (a CSV row or JSON object) describes.

    Raises ``InvalidArgumentError`` naming the first bad field.
    """
    kind = _text(record, "kind").lower()
    if kind == "underlying":
        return UnderlyingTick(
            underlying=_symbol(record),
            price=_number(record, "price", positive=True),
            timestamp_ns=_timestamp(record),
        )
    if kind == "quote":
        return _quote(record)
    raise InvalidArgumentError("kind", f"expected 'quote' or 'underlying', got {kind!r}")


def _read_csv(path: Path) -> Iterator[Tick | ReplayError]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as lines:
        header_line = next(lines, "")
        header = [name.strip().lower() for name in next(csv.reader([header_line]), [])]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            reason = f"header: missing columns {', '.join(missing)}"
            yield ReplayError(1, header_line.rstrip("\r\n"), reason)
            return
        for line_number, line in enumerate(lines, start=2):
            raw = line.rstrip("\r\n")
            if raw.strip():
                yield _parse_csv_line(line_number, raw, header)


def _parse_csv_line(line_number: int, raw: str, header: list[str]) -> Tick | ReplayError:
    values = next(csv.reader([raw]), [])
    if len(values) != len(header):
        return ReplayError(line_number, raw, f"expected {len(header)} fields, got {len(values)}")
    return _parse(line_number, raw, dict(zip(header, values, strict=True)))


def _read_json_lines(path: Path) -> Iterator[Tick | ReplayError]:
    with path.open(encoding="utf-8-sig", errors="replace") as lines:
        for line_number, line in enumerate(lines, start=1):
            raw = line.rstrip("\r\n")
            if raw.strip():
                yield _parse_json_line(line_number, raw)


def _parse_json_line(line_number: int, raw: str) -> Tick | ReplayError:
    try:
        record = json.loads(raw)
    except ValueError as exc:
        return ReplayError(line_number, raw, f"not JSON: {exc}")
    if not isinstance(record, dict):
        return ReplayError(line_number, raw, "expected a JSON object")
    return _parse(line_number, raw, record)


def _parse(line_number: int, raw: str, record: Record) -> Tick | ReplayError:
    try:
        return parse_record(record)
    except InvalidArgumentError as exc:
        return ReplayError(line_number, raw, str(exc))


def _quote(record: Record) -> OptionQuote:
    bid, ask = _number(record, "bid"), _number(record, "ask")
    if bid > 0 and ask > 0 and bid > ask:
        raise InvalidArgumentError("bid", f"bid {bid} above ask {ask}")
    return OptionQuote(
        underlying=_symbol(record),
        expiry=_date(record, "expiry"),
        strike=_number(record, "strike", positive=True),
        option_type=_option_type(record),
        bid=bid,
        ask=ask,
        last=_number(record, "last", default=0.0),
        volume=_integer(record, "volume", default=0),
        open_interest=_integer(record, "open_interest", default=0),
        timestamp_ns=_timestamp(record),
    )


def _value(record: Record, name: str) -> object | None:
    """The field's value, ``None`` when absent or empty."""
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def _text(record: Record, name: str) -> str:
    value = _value(record, name)
    if value is None:
        raise InvalidArgumentError(name, "missing")
    if not isinstance(value, str):
        raise InvalidArgumentError(name, f"expected text, got {value!r}")
    return value


def _symbol(record: Record) -> str:
    text = _text(record, "underlying")
    plain = text.replace("_", "").replace("-", "")
    if len(text) > _MAX_SYMBOL_LENGTH or not (plain.isascii() and plain.isalnum()):
        raise InvalidArgumentError("underlying", f"not a symbol: {text[:40]!r}")
    return text.upper()


def _number(
    record: Record, name: str, *, positive: bool = False, default: float | None = None
) -> float:
    value = _value(record, name)
    if value is None and default is not None:
        return default
    number = _as_float(name, value)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        kind = "positive" if positive else "non-negative"
        raise InvalidArgumentError(name, f"expected a finite {kind} number, got {value!r}")
    return number


def _as_float(name: str, value: object | None) -> float:
    if value is None:
        raise InvalidArgumentError(name, "missing")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidArgumentError(name, f"not a number: {value!r}")
    try:
        return float(value)
    except ValueError:
        raise InvalidArgumentError(name, f"not a number: {value!r}") from None


def _integer(record: Record, name: str, *, default: int) -> int:
    value = _value(record, name)
    if value is None:
        return default
    number = _as_integer(name, value)
    if number < 0:
        raise InvalidArgumentError(name, f"negative: {number}")
    return number


def _as_integer(name: str, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit():
        return int(value)
    raise InvalidArgumentError(name, f"not an integer: {value!r}")


def _date(record: Record, name: str) -> dt.date:
    text = _text(record, name)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgumentError(name, f"not an ISO date: {text[:40]!r}") from None


def _option_type(record: Record) -> OptionType:
    text = _text(record, "type")
    option_type = _OPTION_TYPES.get(text.upper())
    if option_type is None:
        raise InvalidArgumentError("type", f"expected 'C' or 'P', got {text[:40]!r}")
    return option_type


def _timestamp(record: Record) -> int:
    """Integer nanoseconds since the epoch, or an ISO-8601 time with a UTC offset."""
    value = _value(record, "timestamp")
    if isinstance(value, str) and not value.isdigit():
        return _iso_timestamp(value)
    if value is None:
        raise InvalidArgumentError("timestamp", "missing")
    nanoseconds = _as_integer("timestamp", value)
    if nanoseconds < 0:
        raise InvalidArgumentError("timestamp", f"before 1970: {nanoseconds}")
    return nanoseconds


def _iso_timestamp(text: str) -> int:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        reason = f"not ISO-8601 or nanoseconds: {text[:40]!r}"
        raise InvalidArgumentError("timestamp", reason) from None
    if moment.utcoffset() is None:
        raise InvalidArgumentError("timestamp", f"needs a UTC offset: {text[:40]!r}")
    return (moment - _EPOCH) // dt.timedelta(microseconds=1) * 1000
