"""Write ticks in the replay format, so a session can be recorded and replayed later.

The output is exactly what ``replay.read_ticks`` reads (``docs/feed.md``): the same columns,
timestamps as integer nanoseconds and prices in their shortest exact form, so a recording
replays into the very same ticks.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from deltastream.errors import InvalidArgumentError
from deltastream.feed.replay import COLUMNS
from deltastream.market.quotes import OptionQuote, Tick, UnderlyingTick

Row = dict[str, str | int | float]


def tick_record(tick: Tick) -> Row:
    """The replay record of one tick (only the fields its kind uses)."""
    if isinstance(tick, UnderlyingTick):
        return {
            "kind": "underlying",
            "underlying": tick.underlying,
            "timestamp": tick.timestamp_ns,
            "price": tick.price,
        }
    return _quote_record(tick)


def write_ticks(ticks: Iterable[Tick], path: Path) -> int:
    """Write ``ticks`` to a ``.csv`` or ``.jsonl`` file (replacing it); the number written."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".jsonl"}:
        raise InvalidArgumentError("path", f"expected a .csv or .jsonl file, got {path.name!r}")
    with path.open("w", encoding="utf-8", newline="") as output:
        if suffix == ".csv":
            return _write_csv(ticks, output)
        return _write_json_lines(ticks, output)


def _quote_record(quote: OptionQuote) -> Row:
    return {
        "kind": "quote",
        "underlying": quote.underlying,
        "expiry": quote.expiry.isoformat(),
        "strike": quote.strike,
        "type": quote.option_type.value,
        "bid": quote.bid,
        "ask": quote.ask,
        "last": quote.last,
        "volume": quote.volume,
        "open_interest": quote.open_interest,
        "timestamp": quote.timestamp_ns,
    }


def _write_csv(ticks: Iterable[Tick], output: TextIO) -> int:
    writer = csv.DictWriter(output, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for tick in ticks:
        writer.writerow(tick_record(tick))
        count += 1
    return count


def _write_json_lines(ticks: Iterable[Tick], output: TextIO) -> int:
    count = 0
    for tick in ticks:
        output.write(json.dumps(tick_record(tick), separators=(",", ":")) + "\n")
        count += 1
    return count
