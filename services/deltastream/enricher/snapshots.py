"""The serialized ``ChainSnapshot`` of each chain the enricher publishes, kept from one batch to
the next and updated in place.

Every batch publishes each chain it changed, whole. Building the message anew from the
document (``contracts.chain_snapshot``) makes a ``ChainRow`` and two ``EnrichedQuote``
messages per strike, every time; yet from one batch to the next a chain mostly keeps its
strikes and which of them are quoted, and only a third of its quotes are new. So the message
of each chain is kept, and a batch writes into it what can have changed: every option's mid,
IV and Greeks (they move with the forward and the time to expiry), and the quote fields of the
options with a new quote. When the strikes or the quoted options differ, the message is built
anew from the document.

The bytes are those ``chain_snapshot(document).SerializeToString()`` gives, which stays the
one definition of the message (``tests/unit/pipeline/test_pipeline_snapshots.py`` holds the
two to the same bytes, batch after batch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from deltastream import store
from deltastream.contracts import chain_analytics, chain_snapshot, number
from deltastream.v1 import market_pb2 as pb

_NAN = math.nan
_DERIVED_COLUMNS = ("mid", "iv", "iv_status", *pb.Greeks.DESCRIPTOR.fields_by_name)
"""What the enricher derives for every option, in the order the update below takes it."""


@dataclass(frozen=True, slots=True)
class _Option:
    """One quoted option's messages inside a kept ``ChainSnapshot``."""

    enriched: pb.EnrichedQuote
    quote: pb.OptionQuote
    greeks: pb.Greeks


@dataclass(slots=True)
class _Kept:
    message: pb.ChainSnapshot
    strikes: list[float]
    options: tuple[list[_Option | None], list[_Option | None]]
    """Each side's option per strike, None where the side has no quote."""
    positions: tuple[list[str], list[str]]
    """Each side's stream position per strike: a quote is new where it differs."""


class SnapshotCache:
    """The ``ChainSnapshot`` bytes of chain documents, each chain's message kept by its id."""

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}

    def serialized(self, document: store.Document) -> bytes:
        """``chain_snapshot(document).SerializeToString()``, from the chain's kept message
        where it has the document's strikes and quoted options."""
        kept = self._kept.get(document["_id"])
        if kept is None or not _same_layout(kept, document):
            kept = self._kept[document["_id"]] = _keep(document)
        else:
            _update(kept, document)
        return kept.message.SerializeToString()

    def forget(self, chain_id: str) -> None:
        """Drop the kept message of a chain."""
        self._kept.pop(chain_id, None)

    def clear(self) -> None:
        """Drop every kept message."""
        self._kept.clear()


def _keep(document: store.Document) -> _Kept:
    message = chain_snapshot(document)
    calls, puts = document["calls"], document["puts"]
    return _Kept(
        message=message,
        strikes=list(document["strikes"]),
        options=(_options(message, "call"), _options(message, "put")),
        positions=(list(calls["position"]), list(puts["position"])),
    )


def _options(message: pb.ChainSnapshot, field: str) -> list[_Option | None]:
    options: list[_Option | None] = []
    for row in message.rows:
        if row.HasField(field):
            enriched = getattr(row, field)
            options.append(_Option(enriched, enriched.quote, enriched.greeks))
        else:
            options.append(None)
    return options


def _same_layout(kept: _Kept, document: store.Document) -> bool:
    if kept.strikes != document["strikes"]:
        return False
    return all(
        [option is not None for option in options] == document[side]["present"]
        for side, options in zip(("calls", "puts"), kept.options, strict=True)
    )


def _update(kept: _Kept, document: store.Document) -> None:
    message = kept.message
    message.spot = number(document.get("spot"))
    message.forward = number(document.get("forward"))
    message.time_to_expiry = number(document.get("time_to_expiry"))
    message.timestamp_ns = int(document.get("timestamp_ns", 0))
    message.version = int(document.get("version", 0))
    message.analytics.CopyFrom(chain_analytics(document.get("analytics", {})))
    for side_name, options, positions in zip(
        ("calls", "puts"), kept.options, kept.positions, strict=True
    ):
        side = document[side_name]
        columns = zip(
            options, side["position"], *(side[name] for name in _DERIVED_COLUMNS), strict=True
        )
        for index, (option, position, mid, iv, status, delta, gamma, vega, theta, rho) in enumerate(
            columns
        ):
            if option is None:
                continue
            enriched, greeks = option.enriched, option.greeks
            enriched.mid = _NAN if mid is None else mid
            enriched.iv = _NAN if iv is None else iv
            enriched.iv_status = status
            greeks.delta = _NAN if delta is None else delta
            greeks.gamma = _NAN if gamma is None else gamma
            greeks.vega = _NAN if vega is None else vega
            greeks.theta = _NAN if theta is None else theta
            greeks.rho = _NAN if rho is None else rho
            if position != positions[index]:
                positions[index] = position
                _write_quote(option, side, index)


def _write_quote(option: _Option, side: store.Document, index: int) -> None:
    """The fields of a new quote of an option already in the message."""
    quote, open_interest = option.quote, side["open_interest"][index]
    quote.bid, quote.ask, quote.last = side["bid"][index], side["ask"][index], side["last"][index]
    quote.volume, quote.open_interest = side["volume"][index], open_interest
    quote.timestamp_ns = side["timestamp_ns"][index]
    option.enriched.open_interest_change = open_interest - side["open_interest_at_open"][index]
