"""Conversions between the stored column-wise chain documents and the protobuf contracts.

There is one path from data to the wire: the enricher publishes, and MarketData serves,
``ChainSnapshot`` messages made here from the same document that ``deltastream.store`` writes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from deltastream.v1 import market_pb2 as pb

_SIDES = (("calls", pb.OPTION_TYPE_CALL, "call"), ("puts", pb.OPTION_TYPE_PUT, "put"))
_ANALYTICS_FIELDS = tuple(pb.ChainAnalytics.DESCRIPTOR.fields_by_name)
_NAN = math.nan
_Quote = dict[str, Any]
"""An ``EnrichedQuote`` as the mapping its constructor takes."""


def chain_snapshot(document: Mapping[str, Any]) -> pb.ChainSnapshot:
    """The ``ChainSnapshot`` of a stored chain document (latest or history).

    The enricher makes one per changed chain per batch, so this is on the tick-to-client path:
    the rows are given to the constructor as plain mappings, which the protobuf runtime turns
    into messages in one call, rather than built field by field.
    """
    strikes = document["strikes"]
    sides = [_side_quotes(document, side, option_type) for side, option_type, _ in _SIDES]
    return pb.ChainSnapshot(
        underlying=document["underlying"],
        expiry=document["expiry"],
        spot=number(document.get("spot")),
        forward=number(document.get("forward")),
        time_to_expiry=number(document.get("time_to_expiry")),
        timestamp_ns=int(document.get("timestamp_ns", 0)),
        version=int(document.get("version", 0)),
        analytics=chain_analytics(document.get("analytics", {})),
        rows=[_row(strike, call, put) for strike, call, put in zip(strikes, *sides, strict=True)],
    )


def chain_analytics(analytics: Mapping[str, Any]) -> pb.ChainAnalytics:
    """The ``ChainAnalytics`` of a stored document's ``analytics``."""
    return pb.ChainAnalytics(
        **{name: analytics[name] for name in _ANALYTICS_FIELDS if name in analytics}
    )


def number(value: Any) -> float:
    """A stored number as a double: a None (a stored null) is NaN."""
    return math.nan if value is None else float(value)


def _row(strike: float, call: _Quote | None, put: _Quote | None) -> dict[str, Any]:
    row: dict[str, Any] = {"strike": strike}
    if call is not None:
        row["call"] = call
    if put is not None:
        row["put"] = put
    return row


def _side_quotes(
    document: Mapping[str, Any], side_name: str, option_type: int
) -> list[_Quote | None]:
    """The ``EnrichedQuote`` of each strike of one side (None where the strike has none)."""
    side = document[side_name]
    underlying, expiry = document["underlying"], document["expiry"]
    columns = zip(
        side["present"],
        document["strikes"],
        side["bid"],
        side["ask"],
        side["last"],
        side["volume"],
        side["open_interest"],
        side["open_interest_at_open"],
        side["timestamp_ns"],
        side["mid"],
        side["iv"],
        side["iv_status"],
        side["delta"],
        side["gamma"],
        side["vega"],
        side["theta"],
        side["rho"],
        strict=True,
    )
    return [
        {
            "quote": {
                "underlying": underlying,
                "expiry": expiry,
                "strike": strike,
                "option_type": option_type,
                "bid": bid,
                "ask": ask,
                "last": last,
                "volume": volume,
                "open_interest": open_interest,
                "timestamp_ns": timestamp_ns,
            },
            "mid": _NAN if mid is None else mid,  # a None (a stored null) is NaN
            "iv": _NAN if iv is None else iv,
            "iv_status": iv_status,
            "greeks": {
                "delta": _NAN if delta is None else delta,
                "gamma": _NAN if gamma is None else gamma,
                "vega": _NAN if vega is None else vega,
                "theta": _NAN if theta is None else theta,
                "rho": _NAN if rho is None else rho,
            },
            "open_interest_change": open_interest - open_interest_at_open,
        }
        if present
        else None
        for (
            present,
            strike,
            bid,
            ask,
            last,
            volume,
            open_interest,
            open_interest_at_open,
            timestamp_ns,
            mid,
            iv,
            iv_status,
            delta,
            gamma,
            vega,
            theta,
            rho,
        ) in columns
    ]
