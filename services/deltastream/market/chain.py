"""The state of one option chain (an underlying and an expiry), as quotes arrive.

Applying a quote is idempotent: each row remembers the stream position of the last quote
applied to it, and a quote at or before that position (a redelivery after a crash, or an
older quote claimed late from a dead consumer) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from deltastream.market.quotes import OptionQuote, OptionType

StreamPosition = tuple[int, int]
RowKey = tuple[float, OptionType]


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
    position: StreamPosition
    open_interest_at_open: int
    open_interest_day: int = 0


@dataclass(frozen=True, slots=True)
class SideColumns:
    """One side (calls or puts) of a chain as arrays aligned on the chain's strikes; a strike
    with no quote on this side has ``present`` False and zeros elsewhere."""

    present: NDArray[np.bool_]
    bid: NDArray[np.float64]
    ask: NDArray[np.float64]
    last: NDArray[np.float64]
    volume: NDArray[np.int64]
    open_interest: NDArray[np.int64]
    open_interest_at_open: NDArray[np.int64]
    open_interest_day: NDArray[np.int64]
    timestamp_ns: NDArray[np.int64]

    @property
    def mid(self) -> NDArray[np.float64]:
        """The mid price where both sides are quoted, else the last price, else NaN."""
        two_sided = (self.bid > 0) & (self.ask > 0)
        mid = np.where(two_sided, 0.5 * (self.bid + self.ask), self.last)
        return np.where(self.present & (mid > 0), mid, np.nan)


@dataclass(frozen=True, slots=True)
class ChainColumns:
    strikes: NDArray[np.float64]
    calls: SideColumns
    puts: SideColumns


@dataclass(slots=True)
class ChainState:
    """The quotes of one chain, keyed by (strike, call/put)."""

    underlying: str
    expiry: dt.date
    version: int = 0
    applied_quotes: int = 0
    rows: dict[RowKey, QuoteRow] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return chain_key(self.underlying, self.expiry)

    def apply(self, quote: OptionQuote, position: StreamPosition, trading_day: int = 0) -> bool:
        """Take a quote if it is newer than what the row holds; True when it changed the row.

        ``trading_day`` (a date ordinal) is the session the quote belongs to: the first quote of
        a new session makes the row's last open interest the one the change is measured from.
        """
        row_key = (quote.strike, quote.option_type)
        row = self.rows.get(row_key)
        if row is not None and position <= row.position:
            return False
        if row is None:
            open_interest_at_open = quote.open_interest
        elif trading_day > row.open_interest_day:
            open_interest_at_open = row.open_interest  # the previous session's last figure
        else:
            open_interest_at_open = row.open_interest_at_open
        self.rows[row_key] = QuoteRow(
            bid=quote.bid,
            ask=quote.ask,
            last=quote.last,
            volume=quote.volume,
            open_interest=quote.open_interest,
            timestamp_ns=quote.timestamp_ns,
            position=position,
            open_interest_at_open=open_interest_at_open,
            open_interest_day=max(trading_day, 0 if row is None else row.open_interest_day),
        )
        self.applied_quotes += 1
        return True

    @property
    def newest_timestamp_ns(self) -> int:
        return max((row.timestamp_ns for row in self.rows.values()), default=0)

    def columns(self) -> ChainColumns:
        """The chain as arrays sorted by strike."""
        strikes = np.array(sorted({strike for strike, _ in self.rows}), dtype=np.float64)
        return ChainColumns(
            strikes=strikes,
            calls=self._side(strikes, OptionType.CALL),
            puts=self._side(strikes, OptionType.PUT),
        )

    def _side(self, strikes: NDArray[np.float64], option_type: OptionType) -> SideColumns:
        rows = [self.rows.get((float(strike), option_type)) for strike in strikes]
        prices = np.array(
            [_NO_PRICES if row is None else _prices(row) for row in rows], np.float64
        ).reshape(len(rows), len(_NO_PRICES))
        counts = np.array(
            [_NO_COUNTS if row is None else _counts(row) for row in rows], np.int64
        ).reshape(len(rows), len(_NO_COUNTS))
        return SideColumns(
            present=np.array([row is not None for row in rows], dtype=np.bool_),
            bid=prices[:, 0],
            ask=prices[:, 1],
            last=prices[:, 2],
            volume=counts[:, 0],
            open_interest=counts[:, 1],
            open_interest_at_open=counts[:, 2],
            open_interest_day=counts[:, 3],
            timestamp_ns=counts[:, 4],
        )


# The columns of a side, read off each row in one call (a strike without a quote: zeros).
_prices = operator.attrgetter("bid", "ask", "last")
_counts = operator.attrgetter(
    "volume", "open_interest", "open_interest_at_open", "open_interest_day", "timestamp_ns"
)
_NO_PRICES = (0.0, 0.0, 0.0)
_NO_COUNTS = (0, 0, 0, 0, 0)


def chain_key(underlying: str, expiry: dt.date) -> str:
    """The id of a chain, e.g. ``NIFTY:2026-11-26``."""
    return f"{underlying}:{expiry.isoformat()}"
