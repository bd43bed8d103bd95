"""Chains: the enriched option chain of one underlying and expiry, its expiries and history."""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field

from deltastream.gateway.schemas.conversion import finite, label_of
from deltastream.v1 import market_data_pb2, market_pb2


class IvStatus(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    OK = "ok"
    BELOW_INTRINSIC = "below_intrinsic"
    ABOVE_UPPER_BOUND = "above_upper_bound"
    EXPIRED = "expired"
    NON_POSITIVE_PRICE = "non_positive_price"
    INVALID_INPUT = "invalid_input"
    NO_QUOTE = "no_quote"


class OptionType(enum.StrEnum):
    CALL = "call"
    PUT = "put"


class Greeks(BaseModel):
    """Vega per volatility point, theta per calendar day, rho per percentage point."""

    delta: float | None
    gamma: float | None
    vega: float | None
    theta: float | None
    rho: float | None


class OptionQuote(BaseModel):
    """One option of a chain row, with what the enricher derived from its quote."""

    bid: float | None
    ask: float | None
    last: float | None
    volume: int
    open_interest: int
    open_interest_change: int = Field(description="Since the previous trading day's close.")
    timestamp_ns: int
    mid: float | None
    iv: float | None = Field(description="Annualised; null unless iv_status is ok.")
    iv_status: IvStatus
    greeks: Greeks


class ChainRow(BaseModel):
    strike: float
    call: OptionQuote | None
    put: OptionQuote | None


class ChainAnalytics(BaseModel):
    pcr_open_interest: float | None
    pcr_volume: float | None
    max_pain: float | None
    atm_iv: float | None
    atm_strike: float | None
    total_call_open_interest: int
    total_put_open_interest: int
    total_call_volume: int
    total_put_volume: int


class ChainSnapshot(BaseModel):
    """The whole enriched chain of one underlying and expiry at one instant."""

    underlying: str
    expiry: str
    spot: float | None
    forward: float | None
    time_to_expiry: float | None
    timestamp_ns: int = Field(description="Newest quote in the chain, ns since the Unix epoch.")
    version: int = Field(description="Increases by one with every change of the chain.")
    analytics: ChainAnalytics
    rows: list[ChainRow]


class Expiries(BaseModel):
    expiries: list[str] = Field(description="Unexpired expiries with a chain, nearest first.")


class ChainHistory(BaseModel):
    snapshots: list[ChainSnapshot]
    next_page_token: str = Field(description="Empty on the last page.")


def greeks(message: market_pb2.Greeks) -> Greeks:
    return Greeks(
        delta=finite(message.delta),
        gamma=finite(message.gamma),
        vega=finite(message.vega),
        theta=finite(message.theta),
        rho=finite(message.rho),
    )


def option_quote(message: market_pb2.EnrichedQuote) -> OptionQuote:
    quote = message.quote
    return OptionQuote(
        bid=finite(quote.bid),
        ask=finite(quote.ask),
        last=finite(quote.last),
        volume=quote.volume,
        open_interest=quote.open_interest,
        open_interest_change=message.open_interest_change,
        timestamp_ns=quote.timestamp_ns,
        mid=finite(message.mid),
        iv=finite(message.iv),
        iv_status=label_of(IvStatus, market_pb2.IvStatus, message.iv_status),
        greeks=greeks(message.greeks),
    )


def chain_analytics(message: market_pb2.ChainAnalytics) -> ChainAnalytics:
    return ChainAnalytics(
        pcr_open_interest=finite(message.pcr_open_interest),
        pcr_volume=finite(message.pcr_volume),
        max_pain=finite(message.max_pain),
        atm_iv=finite(message.atm_iv),
        atm_strike=finite(message.atm_strike),
        total_call_open_interest=message.total_call_open_interest,
        total_put_open_interest=message.total_put_open_interest,
        total_call_volume=message.total_call_volume,
        total_put_volume=message.total_put_volume,
    )


def chain_row(message: market_pb2.ChainRow) -> ChainRow:
    return ChainRow(
        strike=message.strike,
        call=option_quote(message.call) if message.HasField("call") else None,
        put=option_quote(message.put) if message.HasField("put") else None,
    )


def chain_snapshot(message: market_pb2.ChainSnapshot) -> ChainSnapshot:
    return ChainSnapshot(
        underlying=message.underlying,
        expiry=message.expiry,
        spot=finite(message.spot),
        forward=finite(message.forward),
        time_to_expiry=finite(message.time_to_expiry),
        timestamp_ns=message.timestamp_ns,
        version=message.version,
        analytics=chain_analytics(message.analytics),
        rows=[chain_row(row) for row in message.rows],
    )


def chain_history(message: market_data_pb2.GetHistoryResponse) -> ChainHistory:
    return ChainHistory(
        snapshots=[chain_snapshot(snapshot) for snapshot in message.snapshots],
        next_page_token=message.next_page_token,
    )
