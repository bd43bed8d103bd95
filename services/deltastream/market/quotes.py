"""Domain types of the market data flowing through DeltaStream.

These are the values the feed produces and the enricher consumes; the stream codec
(``deltastream.market.codec``) turns them into Redis stream entries and back.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class OptionType(enum.Enum):
    """Call or put; the value is the one-letter code used on the wire."""

    CALL = "C"
    PUT = "P"


@dataclass(frozen=True, slots=True)
class UnderlyingTick:
    """A print of the underlying (index or stock) price."""

    underlying: str
    price: float
    timestamp_ns: int


@dataclass(frozen=True, slots=True)
class OptionQuote:
    """One option quote. ``volume`` is the day's cumulative volume, in contracts."""

    underlying: str
    expiry: dt.date
    strike: float
    option_type: OptionType
    bid: float
    ask: float
    last: float
    volume: int
    open_interest: int
    timestamp_ns: int

    @property
    def instrument(self) -> str:
        """A readable instrument id, e.g. ``NIFTY-2026-11-26-24000-C``."""
        return (
            f"{self.underlying}-{self.expiry.isoformat()}-{self.strike:g}-{self.option_type.value}"
        )


Tick = UnderlyingTick | OptionQuote
