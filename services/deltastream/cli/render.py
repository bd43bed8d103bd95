"""Text for a terminal from MarketData replies: the option chain as a table (calls on the left,
the strike in the middle, puts on the right), one line per live update, and history rows.

Pure functions of the messages and of the time zone and clock readings they are given, so they
are tested without a server. A number that is missing (NaN, a zero price, a side with no quote)
shows as ``-``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from deltastream.v1 import market_data_pb2
from deltastream.v1 import market_pb2 as pb

MISSING = "-"
ATM_MARKS = (">", "<")
_NANOS_PER_SECOND = 1_000_000_000
_DAYS_PER_YEAR = 365.0


@dataclass(frozen=True, slots=True)
class ChainView:
    """How to show a chain: ``mid_only`` shows the mid instead of bid and ask;
    ``strikes_around`` keeps that many strikes on each side of the ATM strike (None: all);
    times are shown in ``zone``."""

    mid_only: bool = False
    strikes_around: int | None = None
    zone: dt.tzinfo = dt.UTC


def chain_text(snapshot: pb.ChainSnapshot, view: ChainView) -> str:
    """The header and the table of a chain."""
    return "\n".join([*chain_header(snapshot, view.zone), "", *chain_table(snapshot, view)])


def chain_header(snapshot: pb.ChainSnapshot, zone: dt.tzinfo) -> list[str]:
    """Two lines: where and when the chain is, then its analytics."""
    analytics = snapshot.analytics
    return [
        f"{snapshot.underlying} {snapshot.expiry} ({days_text(snapshot.time_to_expiry)})"
        f"  spot {price_text(snapshot.spot)}  forward {price_text(snapshot.forward)}"
        f"  at {timestamp_text(snapshot.timestamp_ns, zone, with_zone=True)}"
        f"  version {snapshot.version}",
        f"PCR(OI) {ratio_text(analytics.pcr_open_interest)}"
        f"  PCR(vol) {ratio_text(analytics.pcr_volume)}"
        f"  max pain {strike_text(analytics.max_pain)}"
        f"  ATM IV {percent_text(analytics.atm_iv)}"
        f"  ATM strike {ATM_MARKS[0]}{strike_text(atm_strike(snapshot))}{ATM_MARKS[1]}",
    ]


def chain_table(snapshot: pb.ChainSnapshot, view: ChainView) -> list[str]:
    """The rows sorted by strike, every column aligned, the ATM strike between ``> <``.

    The statistics mirror around the strike (OI outermost); prices read bid, ask on both sides.
    """
    prices = ["mid"] if view.mid_only else ["bid", "ask"]
    statistics = ["IV%", "delta", "OI", "OI chg"]
    atm = atm_strike(snapshot)
    rows = _visible_rows(snapshot, atm, view.strikes_around)
    strike_width = max([len("strike"), *(len(strike_text(row.strike)) for row in rows)])
    header = [
        *_side(prices, statistics, calls=True),
        _strike_cell("strike", strike_width, marked=False),
        *_side(prices, statistics, calls=False),
    ]
    body = [
        [
            *_side_cells(row.call if row.HasField("call") else None, view.mid_only, calls=True),
            _strike_cell(strike_text(row.strike), strike_width, marked=row.strike == atm),
            *_side_cells(row.put if row.HasField("put") else None, view.mid_only, calls=False),
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    sides = len(prices) + len(statistics)
    lines = [_table_line(line, widths, sides) for line in [header, *body]]
    return [_title_line(widths, sides), *lines[:1], _rule_line(widths, sides), *lines[1:]]


def atm_strike(snapshot: pb.ChainSnapshot) -> float:
    """The ATM strike the analytics name, else the strike nearest the forward (or the spot);
    NaN for a chain without rows."""
    strikes = [row.strike for row in snapshot.rows]
    if not strikes:
        return math.nan
    if snapshot.analytics.atm_strike in strikes:
        return snapshot.analytics.atm_strike
    center = snapshot.forward if math.isfinite(snapshot.forward) else snapshot.spot
    if not math.isfinite(center):
        return math.nan
    return min(strikes, key=lambda strike: abs(strike - center))


def update_line(update: market_data_pb2.ChainUpdate, received_ns: int, zone: dt.tzinfo) -> str:
    """One live update; the latency runs from the newest quote of the chain to ``received_ns``."""
    chain, analytics = update.chain, update.chain.analytics
    latency = (received_ns - chain.timestamp_ns) / 1e6 if chain.timestamp_ns else math.nan
    return (
        f"{timestamp_text(chain.timestamp_ns, zone, with_date=False)}"
        f"  {chain.underlying:<10} {chain.expiry}  v{chain.version:<6}"
        f" spot {price_text(chain.spot):>10}  ATM IV {percent_text(analytics.atm_iv):>7}"
        f"  PCR {ratio_text(analytics.pcr_open_interest):>5}"
        f"  max pain {strike_text(analytics.max_pain):>8}"
        f"  latency {_fixed(latency, 1):>8} ms"
    )


_HISTORY_COLUMNS = (
    ("time", 23),
    ("version", 8),
    ("spot", 10),
    ("forward", 10),
    ("ATM IV", 8),
    ("PCR OI", 7),
    ("PCR vol", 7),
    ("max pain", 9),
    ("call OI", 13),
    ("put OI", 13),
)


def history_header() -> str:
    """The column names of ``history_line``."""
    return _fixed_columns([name for name, _ in _HISTORY_COLUMNS])


def history_line(snapshot: pb.ChainSnapshot, zone: dt.tzinfo) -> str:
    """The analytics of one stored snapshot, in fixed-width columns (pages print as they come)."""
    analytics = snapshot.analytics
    return _fixed_columns(
        [
            timestamp_text(snapshot.timestamp_ns, zone),
            str(snapshot.version),
            price_text(snapshot.spot),
            price_text(snapshot.forward),
            percent_text(analytics.atm_iv),
            ratio_text(analytics.pcr_open_interest),
            ratio_text(analytics.pcr_volume),
            strike_text(analytics.max_pain),
            count_text(analytics.total_call_open_interest),
            count_text(analytics.total_put_open_interest),
        ]
    )


def expiries_text(expiries: Iterable[str]) -> str:
    """One expiry per line (nearest first, as the server sends them)."""
    return "\n".join(expiries)


def price_text(value: float) -> str:
    """A price with two decimals; ``-`` for NaN and for zero (an empty side of the book)."""
    return f"{value:.2f}" if math.isfinite(value) and value > 0 else MISSING


def strike_text(value: float) -> str:
    """A strike without trailing zeros: ``24000``, ``112.5``."""
    if not math.isfinite(value):
        return MISSING
    return f"{value:.2f}".rstrip("0").rstrip(".")


def percent_text(value: float) -> str:
    """A fraction as a percentage: 0.1834 -> ``18.34%``."""
    return f"{value * 100:.2f}%" if math.isfinite(value) else MISSING


def ratio_text(value: float) -> str:
    return _fixed(value, 2)


def count_text(value: int) -> str:
    """A count with thousands separators."""
    return f"{value:,}"


def change_text(value: int) -> str:
    """A signed change with thousands separators; ``0`` unsigned."""
    return f"{value:+,}" if value else "0"


def days_text(time_to_expiry: float) -> str:
    """A year fraction as days to expiry, or ``expired``."""
    if not math.isfinite(time_to_expiry):
        return MISSING
    if time_to_expiry <= 0:
        return "expired"
    return f"{time_to_expiry * _DAYS_PER_YEAR:.2f}d"


def timestamp_text(
    timestamp_ns: int, zone: dt.tzinfo, *, with_date: bool = True, with_zone: bool = False
) -> str:
    """A Unix time in nanoseconds, to the millisecond, in ``zone``; ``-`` for 0 (unknown)."""
    if timestamp_ns <= 0:
        return MISSING
    seconds, nanoseconds = divmod(timestamp_ns, _NANOS_PER_SECOND)
    moment = dt.datetime.fromtimestamp(seconds, zone).replace(microsecond=nanoseconds // 1000)
    text = moment.strftime("%Y-%m-%d %H:%M:%S.%f" if with_date else "%H:%M:%S.%f")[:-3]
    return f"{text} {moment.tzname()}" if with_zone else text


def _fixed(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}" if math.isfinite(value) else MISSING


def _visible_rows(
    snapshot: pb.ChainSnapshot, atm: float, strikes_around: int | None
) -> list[pb.ChainRow]:
    rows = sorted(snapshot.rows, key=lambda row: row.strike)
    if strikes_around is None or not math.isfinite(atm):
        return rows
    center = next(index for index, row in enumerate(rows) if row.strike == atm)
    return rows[max(center - strikes_around, 0) : center + strikes_around + 1]


def _side_cells(quote: pb.EnrichedQuote | None, mid_only: bool, *, calls: bool) -> list[str]:
    """The cells of one side of a row, in the order of ``_side``."""
    if quote is None:
        return [MISSING] * (5 if mid_only else 6)
    prices = (
        [price_text(quote.mid)]
        if mid_only
        else [price_text(quote.quote.bid), price_text(quote.quote.ask)]
    )
    statistics = [
        _fixed(quote.iv * 100, 2),
        _fixed(quote.greeks.delta, 3),
        count_text(quote.quote.open_interest),
        change_text(quote.open_interest_change),
    ]
    return _side(prices, statistics, calls=calls)


def _side(prices: list[str], statistics: list[str], *, calls: bool) -> list[str]:
    """Calls read outward-in (statistics reversed, then prices); puts inward-out."""
    return [*statistics[::-1], *prices] if calls else [*prices, *statistics]


def _strike_cell(text: str, width: int, *, marked: bool) -> str:
    left, right = ATM_MARKS if marked else (" ", " ")
    return f"{left}{text}{right}".rjust(width + 2)


def _table_line(cells: Sequence[str], widths: Sequence[int], sides: int) -> str:
    aligned = [cell.rjust(width) for cell, width in zip(cells, widths, strict=True)]
    calls, strike, puts = aligned[:sides], aligned[sides], aligned[sides + 1 :]
    return f"{'  '.join(calls)} |{strike}| {'  '.join(puts)}"


def _rule_line(widths: Sequence[int], sides: int) -> str:
    return _table_line(["-" * width for width in widths], widths, sides).replace(" ", "-")


def _title_line(widths: Sequence[int], sides: int) -> str:
    calls_width = sum(widths[:sides]) + 2 * (sides - 1)
    puts_width = sum(widths[sides + 1 :]) + 2 * (sides - 1)
    return f"{'CALLS'.center(calls_width)} |{' ' * widths[sides]}| {'PUTS'.center(puts_width)}"


def _fixed_columns(cells: Sequence[str]) -> str:
    first, *rest = cells
    widths = [width for _, width in _HISTORY_COLUMNS]
    return f"{first:<{widths[0]}}" + "".join(
        f" {cell:>{width}}" for cell, width in zip(rest, widths[1:], strict=True)
    )
