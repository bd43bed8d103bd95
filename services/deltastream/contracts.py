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


def chain_snapshot(document: Mapping[str, Any]) -> pb.ChainSnapshot:
    """The ``ChainSnapshot`` of a stored chain document (latest or history)."""
    analytics = document.get("analytics", {})
    snapshot = pb.ChainSnapshot(
        underlying=document["underlying"],
        expiry=document["expiry"],
        spot=_number(document.get("spot")),
        forward=_number(document.get("forward")),
        time_to_expiry=_number(document.get("time_to_expiry")),
        timestamp_ns=int(document.get("timestamp_ns", 0)),
        version=int(document.get("version", 0)),
        analytics=pb.ChainAnalytics(
            **{name: analytics[name] for name in _ANALYTICS_FIELDS if name in analytics}
        ),
    )
    for index, strike in enumerate(document["strikes"]):
        row = snapshot.rows.add(strike=strike)
        for side_name, option_type, row_field in _SIDES:
            side = document[side_name]
            if side["present"][index]:
                getattr(row, row_field).CopyFrom(
                    _enriched_quote(document, side, index, strike, option_type)
                )
    return snapshot


def _enriched_quote(
    document: Mapping[str, Any],
    side: Mapping[str, list[Any]],
    index: int,
    strike: float,
    option_type: int,
) -> pb.EnrichedQuote:
    return pb.EnrichedQuote(
        quote=pb.OptionQuote(
            underlying=document["underlying"],
            expiry=document["expiry"],
            strike=strike,
            option_type=option_type,  # type: ignore[arg-type]
            bid=side["bid"][index],
            ask=side["ask"][index],
            last=side["last"][index],
            volume=side["volume"][index],
            open_interest=side["open_interest"][index],
            timestamp_ns=side["timestamp_ns"][index],
        ),
        mid=_number(side["mid"][index]),
        iv=_number(side["iv"][index]),
        iv_status=side["iv_status"][index],
        greeks=pb.Greeks(
            delta=_number(side["delta"][index]),
            gamma=_number(side["gamma"][index]),
            vega=_number(side["vega"][index]),
            theta=_number(side["theta"][index]),
            rho=_number(side["rho"][index]),
        ),
        open_interest_change=side["open_interest"][index] - side["open_interest_at_open"][index],
    )


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)
