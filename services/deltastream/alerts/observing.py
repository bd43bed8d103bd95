"""What a rule sees in an enriched chain update: the one number its kind watches.

A rule applies to an update of its underlying (and of its expiry, when it names one); an
instrument rule needs its strike and option type quoted in the chain. Missing or non-finite
values are no observation at all, so a gap in the data never fires or re-arms a rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from deltastream.alerts.rules import RuleKind
from deltastream.v1 import market_pb2 as pb

IV_STATUS_OK = pb.IV_STATUS_OK


@dataclass(frozen=True, slots=True)
class Scope:
    """Which chain and instrument a rule watches; ``strike`` 0 means the chain itself."""

    kind: RuleKind
    underlying: str
    expiry: str = ""
    strike: float = 0.0
    option_type: int = pb.OPTION_TYPE_UNSPECIFIED
    window_seconds: float = 0.0

    @property
    def instrument(self) -> bool:
        return self.strike > 0


class ChainView:
    """A chain update with its quotes indexed by (strike, option type) on first use."""

    def __init__(self, chain: pb.ChainSnapshot) -> None:
        self.chain = chain

    @cached_property
    def quotes(self) -> dict[tuple[float, int], pb.EnrichedQuote]:
        index: dict[tuple[float, int], pb.EnrichedQuote] = {}
        for row in self.chain.rows:
            if row.HasField("call"):
                index[(row.strike, pb.OPTION_TYPE_CALL)] = row.call
            if row.HasField("put"):
                index[(row.strike, pb.OPTION_TYPE_PUT)] = row.put
        return index

    def quote(self, scope: Scope) -> pb.EnrichedQuote | None:
        return self.quotes.get((scope.strike, scope.option_type))


def observe(scope: Scope, view: ChainView) -> float | None:
    """The value ``scope``'s rule watches in this update, or None when there is none."""
    chain = view.chain
    if chain.underlying != scope.underlying or (scope.expiry and scope.expiry != chain.expiry):
        return None
    quote = view.quote(scope) if scope.instrument else None
    if scope.instrument and quote is None:
        return None
    value = _value(scope, chain, quote)
    return value if value is not None and math.isfinite(value) else None


def _value(scope: Scope, chain: pb.ChainSnapshot, quote: pb.EnrichedQuote | None) -> float | None:
    kind = scope.kind
    if kind is RuleKind.PRICE:
        return chain.spot if quote is None else _price(quote)
    if kind in {RuleKind.IV, RuleKind.IV_CHANGE}:
        return chain.analytics.atm_iv if quote is None else _iv(quote)
    if kind is RuleKind.ATM_IV:
        return chain.analytics.atm_iv
    if kind is RuleKind.PCR:
        return chain.analytics.pcr_open_interest
    if kind is RuleKind.MAX_PAIN_MOVE:
        return chain.analytics.max_pain
    return _open_interest(scope, chain, quote)


def _price(quote: pb.EnrichedQuote) -> float:
    """The mid where there is one, else the last traded price."""
    mid = quote.mid
    return mid if math.isfinite(mid) and mid > 0 else quote.quote.last


def _iv(quote: pb.EnrichedQuote) -> float | None:
    return quote.iv if quote.iv_status == IV_STATUS_OK else None


def _open_interest(
    scope: Scope, chain: pb.ChainSnapshot, quote: pb.EnrichedQuote | None
) -> float | None:
    """Open interest (windowed rules measure its change themselves), or its percent change
    since the previous session's close (the enricher's ``open_interest_change``) when the rule
    has no window."""
    quotes = [quote] if quote is not None else _all_quotes(chain)
    total = sum(q.quote.open_interest for q in quotes)
    if scope.window_seconds > 0:
        return float(total)
    before = total - sum(q.open_interest_change for q in quotes)
    return 100.0 * (total - before) / before if before > 0 else None


def _all_quotes(chain: pb.ChainSnapshot) -> list[pb.EnrichedQuote]:
    quotes = []
    for row in chain.rows:
        if row.HasField("call"):
            quotes.append(row.call)
        if row.HasField("put"):
            quotes.append(row.put)
    return quotes
