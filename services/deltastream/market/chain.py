"""The state of one option chain (an underlying and an expiry), as quotes arrive.

Applying a quote is idempotent: each row remembers the stream position of the last quote
applied to it (its entry's id and its index within the entry), and a quote at or before that
position (a redelivery after a crash, or an older quote claimed late from a dead consumer)
changes nothing.

The state is held column-wise, one Python list per field and side aligned on the sorted
strikes: applying a quote writes a few list items, and the arrays the enrichment works on are
made from the lists in one call per column, where a row-wise state would be read row by row
for every batch.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from deltastream.market.quotes import OptionQuote, OptionType

StreamPosition = tuple[int, int]
"""An entry id, ``(milliseconds, sequence)``: compares as the stream orders entries."""
TickPosition = tuple[int, int, int]
"""A quote's place in a stream: its entry's id and its index within the entry (0 for an entry
of one tick)."""
RowKey = tuple[float, OptionType]
_NO_POSITION: TickPosition = (0, 0, 0)


@dataclass(slots=True)
class QuoteRow:
    """The latest quote of one option, and the open interest at the previous session's close
    (``open_interest_day`` is the session, as a date ordinal, that the latest quote belongs to)."""

    bid: float
    ask: float
    last: float
    volume: int
    open_interest: int
    timestamp_ns: int
    position: TickPosition
    open_interest_at_open: int
    open_interest_day: int = 0


@dataclass(frozen=True, slots=True)
class SideColumns:
    """One side (calls or puts) of a chain as arrays aligned on the chain's strikes; a strike
    with no quote on this side has ``present`` False and zeros elsewhere. ``mid`` is the mid
    price where both sides are quoted, else the last price, else NaN."""

    present: NDArray[np.bool_]
    bid: NDArray[np.float64]
    ask: NDArray[np.float64]
    last: NDArray[np.float64]
    volume: NDArray[np.int64]
    open_interest: NDArray[np.int64]
    open_interest_at_open: NDArray[np.int64]
    open_interest_day: NDArray[np.int64]
    timestamp_ns: NDArray[np.int64]
    mid: NDArray[np.float64] = field(init=False)

    def __post_init__(self) -> None:
        two_sided = (self.bid > 0) & (self.ask > 0)
        mid = np.where(two_sided, 0.5 * (self.bid + self.ask), self.last)
        object.__setattr__(self, "mid", np.where(self.present & (mid > 0), mid, np.nan))


@dataclass(frozen=True, slots=True)
class ChainColumns:
    strikes: NDArray[np.float64]
    calls: SideColumns
    puts: SideColumns


@dataclass(slots=True)
class _Side:
    """One side's fields as lists aligned on the chain's strikes (zeros where no quote)."""

    present: list[bool] = field(default_factory=list)
    bid: list[float] = field(default_factory=list)
    ask: list[float] = field(default_factory=list)
    last: list[float] = field(default_factory=list)
    volume: list[int] = field(default_factory=list)
    open_interest: list[int] = field(default_factory=list)
    open_interest_at_open: list[int] = field(default_factory=list)
    open_interest_day: list[int] = field(default_factory=list)
    timestamp_ns: list[int] = field(default_factory=list)
    position: list[TickPosition] = field(default_factory=list)
    position_text: list[str] = field(default_factory=list)
    """The positions as text (``tick_position_text``; "" where no quote)."""

    def insert(self, index: int) -> None:
        """An empty row at ``index`` (a new strike)."""
        self.present.insert(index, False)
        for prices in (self.bid, self.ask, self.last):
            prices.insert(index, 0.0)
        for counts in (
            self.volume,
            self.open_interest,
            self.open_interest_at_open,
            self.open_interest_day,
            self.timestamp_ns,
        ):
            counts.insert(index, 0)
        self.position.insert(index, _NO_POSITION)
        self.position_text.insert(index, "")

    def row(self, index: int) -> QuoteRow | None:
        if not self.present[index]:
            return None
        return QuoteRow(
            bid=self.bid[index],
            ask=self.ask[index],
            last=self.last[index],
            volume=self.volume[index],
            open_interest=self.open_interest[index],
            timestamp_ns=self.timestamp_ns[index],
            position=self.position[index],
            open_interest_at_open=self.open_interest_at_open[index],
            open_interest_day=self.open_interest_day[index],
        )

    def write(self, index: int, row: QuoteRow) -> None:
        self.present[index] = True
        self.bid[index], self.ask[index], self.last[index] = row.bid, row.ask, row.last
        self.volume[index], self.open_interest[index] = row.volume, row.open_interest
        self.open_interest_at_open[index] = row.open_interest_at_open
        self.open_interest_day[index] = row.open_interest_day
        self.timestamp_ns[index], self.position[index] = row.timestamp_ns, row.position
        self.position_text[index] = tick_position_text(row.position)

    def columns(self) -> SideColumns:
        return SideColumns(
            present=np.array(self.present, dtype=np.bool_),
            bid=np.array(self.bid, dtype=np.float64),
            ask=np.array(self.ask, dtype=np.float64),
            last=np.array(self.last, dtype=np.float64),
            volume=np.array(self.volume, dtype=np.int64),
            open_interest=np.array(self.open_interest, dtype=np.int64),
            open_interest_at_open=np.array(self.open_interest_at_open, dtype=np.int64),
            open_interest_day=np.array(self.open_interest_day, dtype=np.int64),
            timestamp_ns=np.array(self.timestamp_ns, dtype=np.int64),
        )


class ChainState:
    """The quotes of one chain, column-wise on its sorted strikes."""

    __slots__ = (
        "_index",
        "_sides",
        "_strikes",
        "applied_quotes",
        "expiry",
        "underlying",
        "version",
    )

    def __init__(
        self, underlying: str, expiry: dt.date, version: int = 0, applied_quotes: int = 0
    ) -> None:
        self.underlying = underlying
        self.expiry = expiry
        self.version = version
        self.applied_quotes = applied_quotes
        self._strikes: list[float] = []
        self._index: dict[float, int] = {}
        self._sides = {OptionType.CALL: _Side(), OptionType.PUT: _Side()}

    @property
    def key(self) -> str:
        return chain_key(self.underlying, self.expiry)

    @property
    def rows(self) -> dict[RowKey, QuoteRow]:
        """Every quoted option's row, by (strike, call/put): a copy, for reading."""
        return {
            (strike, option_type): row
            for option_type, side in self._sides.items()
            for index, strike in enumerate(self._strikes)
            if (row := side.row(index)) is not None
        }

    def apply(self, quote: OptionQuote, position: TickPosition, trading_day: int = 0) -> bool:
        """Take a quote if it is newer than what the row holds; True when it changed the row.

        ``trading_day`` (a date ordinal) is the session the quote belongs to: the first quote of
        a new session makes the row's last open interest the one the change is measured from.
        """
        index = self._index.get(quote.strike)
        if index is None:
            index = self._insert(quote.strike)
        side = self._sides[quote.option_type]
        if not side.present[index]:
            side.present[index] = True
            open_interest_at_open, day = quote.open_interest, max(trading_day, 0)
        elif position <= side.position[index]:
            return False
        elif trading_day > side.open_interest_day[index]:
            open_interest_at_open, day = side.open_interest[index], trading_day  # last session's
        else:
            open_interest_at_open, day = (
                side.open_interest_at_open[index],
                side.open_interest_day[index],
            )
        side.bid[index], side.ask[index], side.last[index] = quote.bid, quote.ask, quote.last
        side.volume[index], side.open_interest[index] = quote.volume, quote.open_interest
        side.open_interest_at_open[index], side.open_interest_day[index] = (
            open_interest_at_open,
            day,
        )
        side.timestamp_ns[index], side.position[index] = quote.timestamp_ns, position
        side.position_text[index] = tick_position_text(position)
        self.applied_quotes += 1
        return True

    def restore(self, strike: float, option_type: OptionType, row: QuoteRow) -> None:
        """Put back a stored row as it was (loading a stored chain)."""
        index = self._index.get(strike)
        if index is None:
            index = self._insert(strike)
        self._sides[option_type].write(index, row)

    def position_texts(self, option_type: OptionType) -> list[str]:
        """Each strike's stream position on one side as text (``tick_position_text``; "" where
        no quote): a copy."""
        return self._sides[option_type].position_text.copy()

    @property
    def newest_timestamp_ns(self) -> int:
        calls, puts = self._sides[OptionType.CALL], self._sides[OptionType.PUT]
        return max(max(calls.timestamp_ns, default=0), max(puts.timestamp_ns, default=0))

    def columns(self) -> ChainColumns:
        """The chain as arrays sorted by strike."""
        return ChainColumns(
            strikes=np.array(self._strikes, dtype=np.float64),
            calls=self._sides[OptionType.CALL].columns(),
            puts=self._sides[OptionType.PUT].columns(),
        )

    def _insert(self, strike: float) -> int:
        index = bisect.bisect_left(self._strikes, strike)
        self._strikes.insert(index, strike)
        for side in self._sides.values():
            side.insert(index)
        self._index = {value: position for position, value in enumerate(self._strikes)}
        return index


def position_text(position: StreamPosition) -> str:
    """An entry id as the stream writes it: ``"<milliseconds>-<sequence>"``."""
    return f"{position[0]}-{position[1]}"


def tick_position_text(position: TickPosition) -> str:
    """A quote's position as stored: its entry's id, then ``:<index>`` unless the index is 0
    (``"<milliseconds>-<sequence>[:<index>]"``, so an entry of one tick reads as its id)."""
    milliseconds, sequence, index = position
    return f"{milliseconds}-{sequence}:{index}" if index else f"{milliseconds}-{sequence}"


def parse_tick_position(text: str) -> TickPosition:
    """The position ``tick_position_text`` wrote (``ValueError`` when it is not one)."""
    entry, _, index = text.partition(":")
    milliseconds, _, sequence = entry.partition("-")
    return int(milliseconds), int(sequence or 0), int(index or 0)


def chain_key(underlying: str, expiry: dt.date) -> str:
    """The id of a chain, e.g. ``NIFTY:2026-11-26``."""
    return f"{underlying}:{expiry.isoformat()}"
