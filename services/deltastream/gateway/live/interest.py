"""What one WebSocket follows: (underlying, expiry) pairs, where an empty expiry stands for
every expiry of the underlying, and the MarketData and Alerts requests that cover them.

MarketData takes a cross product (these underlyings, these expiries or all); the pairs are
finer, so the request may cover more than is wanted and ``wants`` decides per update.
"""

from __future__ import annotations

from dataclasses import dataclass

from deltastream import validation
from deltastream.errors import InvalidArgumentError
from deltastream.v1 import alerts_pb2, market_data_pb2

ALL_EXPIRIES = ""
Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Interest:
    pairs: frozenset[Pair] = frozenset()

    @property
    def underlyings(self) -> list[str]:
        return sorted({underlying for underlying, _ in self.pairs})

    def wants(self, underlying: str, expiry: str) -> bool:
        return (underlying, ALL_EXPIRIES) in self.pairs or (underlying, expiry) in self.pairs

    def adding(self, underlyings: list[str], expiries: list[str], limit: int) -> Interest:
        """These pairs too; InvalidArgumentError for a bad name or more than ``limit`` pairs."""
        pairs = self.pairs | _pairs(underlyings, expiries)
        if len(pairs) > limit:
            raise InvalidArgumentError("underlyings", f"at most {limit} subscriptions")
        return Interest(frozenset(pairs))

    def removing(self, underlyings: list[str], expiries: list[str]) -> Interest:
        """Without these pairs; without expiries, without any pair of the underlyings."""
        if expiries:
            return Interest(self.pairs - _pairs(underlyings, expiries))
        gone = {validation.underlying(name, "underlyings") for name in underlyings}
        return Interest(frozenset(pair for pair in self.pairs if pair[0] not in gone))

    def chains_request(self) -> market_data_pb2.SubscribeRequest:
        every = any(expiry == ALL_EXPIRIES for _, expiry in self.pairs)
        expiries = [] if every else sorted({expiry for _, expiry in self.pairs})
        return market_data_pb2.SubscribeRequest(underlyings=self.underlyings, expiries=expiries)

    def alerts_request(self, after_stream_id: str) -> alerts_pb2.StreamEventsRequest:
        return alerts_pb2.StreamEventsRequest(
            underlyings=self.underlyings, after_stream_id=after_stream_id
        )


def _pairs(underlyings: list[str], expiries: list[str]) -> set[Pair]:
    names = [validation.underlying(name, "underlyings") for name in underlyings]
    if not names:
        raise InvalidArgumentError("underlyings", "name at least one underlying")
    dates = [validation.expiry(date, "expiries").isoformat() for date in expiries]
    return {(name, date) for name in names for date in dates or [ALL_EXPIRIES]}
