"""The wire format of ticks in the Redis stream ``md.ticks.<UNDERLYING>``.

A stream entry holds the ticks of one underlying, in one of three forms; ``tp`` is the
optional W3C ``traceparent`` of the publishing span in each.

**Batch form** (what the feed publishes): ``kind`` ``b`` and ``pb``, a serialized
``deltastream.v1.TickBatch``: every tick of the underlying in one release. A release of
hundreds of ticks is then a few entries, which the stream stores, the enricher reads,
acknowledges and decodes several times faster than one entry per tick. A quote's place in the
batch's ``quotes`` is its position within the entry: the enricher stores it with the entry id
(``<milliseconds>-<sequence>:<index>``), so a redelivered batch changes nothing. A malformed
tick in a batch is that tick's problem alone (``DecodedBatch.malformed``): it goes to the
dead-letter stream and the others are applied; a ``pb`` that is not a ``TickBatch`` at all is
the entry's.

One entry can also be one tick, ``kind`` ``q`` for an option quote and ``u`` for an underlying
print, in two forms:

**Message form**: ``kind`` and ``pb``, the tick as a serialized protobuf message of the
contracts, ``deltastream.v1.OptionQuote`` or ``deltastream.v1.UnderlyingTick``.

**Flat form** (for any other producer: another language, ``redis-cli``, a replay tool): a map
of short ASCII fields.

=============  =====  ==========================================================
field          kinds  value
=============  =====  ==========================================================
``kind``       q u    ``q`` or ``u``
``und``        q u    underlying symbol, e.g. ``NIFTY``
``ts``         q u    feed timestamp, integer nanoseconds since the Unix epoch
``px``         u      underlying price
``exp``        q      expiry date, ``YYYY-MM-DD``
``k``          q      strike
``cp``         q      ``C`` or ``P``
``bid ask``    q      best bid and ask (0 when the side is empty)
``last``       q      last traded price (0 when none)
``vol oi``     q      cumulative day volume and open interest (integers)
=============  =====  ==========================================================

Every form is checked alike: a finite positive strike and price, finite non-negative bid, ask
and last with the bid not above the ask, non-negative counts, a symbol, an ISO expiry, and a
timestamp (which a message must carry: protobuf cannot tell 0 from absent). Decoding raises
``MalformedEntryError`` with a reason that names the field (for a tick in a batch, the reason is
in ``MalformedTick``); the enricher sends such entries and ticks to the dead-letter stream
instead of crashing or blocking.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from deltastream.errors import MalformedEntryError
from deltastream.market.quotes import OptionQuote, OptionType, Tick, UnderlyingTick
from deltastream.v1 import market_pb2 as pb

Fields = Mapping[bytes, bytes]

_OPTION_TYPES = {b"C": OptionType.CALL, b"P": OptionType.PUT}
_MESSAGE_OPTION_TYPES = {pb.OPTION_TYPE_CALL: OptionType.CALL, pb.OPTION_TYPE_PUT: OptionType.PUT}
_OPTION_TYPE_VALUES = {value: key for key, value in _MESSAGE_OPTION_TYPES.items()}
_MAX_SYMBOL_LENGTH = 32
BATCH_KIND = b"b"
"""``kind`` of an entry in the batch form."""


@dataclass(frozen=True, slots=True)
class MalformedTick:
    """A tick of a batch entry that is wrong: its place (``kind`` ``q``: in the batch's
    ``quotes``, ``u``: in its ``underlying_ticks``), its own serialized message, and why."""

    kind: bytes
    index: int
    message: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """The ticks of a batch entry: each good quote with its index in the batch's ``quotes``,
    each good underlying print with its index in ``underlying_ticks``, and the malformed
    ticks."""

    quotes: list[tuple[int, OptionQuote]]
    underlying_ticks: list[tuple[int, UnderlyingTick]]
    malformed: list[MalformedTick]


def tick_fields(tick: Tick, traceparent: str | None = None) -> tuple[bytes | str, ...]:
    """The stream fields of one tick in the message form, ``(field, value, ...)``: what the
    feed publishes, made without a mapping on its hot path."""
    if isinstance(tick, UnderlyingTick):
        fields: tuple[bytes | str, ...] = (b"kind", b"u", b"pb", underlying_message(tick))
    else:
        fields = (b"kind", b"q", b"pb", quote_message(tick))
    return with_traceparent(fields, traceparent)


def batch_fields(ticks: Sequence[Tick]) -> tuple[bytes | str, ...]:
    """The stream fields of ticks of one underlying in the batch form, ``(field, value,
    ...)``: what the feed publishes, one entry per underlying per release."""
    return (b"kind", BATCH_KIND, b"pb", batch_message(ticks))


def batch_message(ticks: Sequence[Tick]) -> bytes:
    """The serialized ``deltastream.v1.TickBatch`` of ticks, quotes in the order given."""
    return pb.TickBatch(
        underlying_ticks=[_underlying_pb(t) for t in ticks if isinstance(t, UnderlyingTick)],
        quotes=[_quote_pb(t) for t in ticks if isinstance(t, OptionQuote)],
    ).SerializeToString()


def as_read(fields: Sequence[bytes | str]) -> dict[bytes, bytes]:
    """Fields given as ``(field, value, ...)`` (``tick_fields``) as a stream read returns them,
    names and values as bytes: what ``decode_tick`` takes. For tools and tests that hand
    entries to the enricher without a server in between."""
    wire = [value.encode() if isinstance(value, str) else value for value in fields]
    return dict(zip(wire[::2], wire[1::2], strict=True))


def with_traceparent(
    fields: tuple[bytes | str, ...], traceparent: str | None
) -> tuple[bytes | str, ...]:
    """An entry's fields with the publishing span's ``tp`` after them (unchanged without one):
    the feed encodes a release ahead and adds the traceparent of the span that sends it."""
    return (*fields, b"tp", traceparent) if traceparent else fields


def quote_message(quote: OptionQuote) -> bytes:
    """The serialized ``deltastream.v1.OptionQuote`` of a quote."""
    return _quote_pb(quote).SerializeToString()


def underlying_message(tick: UnderlyingTick) -> bytes:
    """The serialized ``deltastream.v1.UnderlyingTick`` of an underlying print."""
    return _underlying_pb(tick).SerializeToString()


def _quote_pb(quote: OptionQuote) -> pb.OptionQuote:
    return pb.OptionQuote(
        underlying=quote.underlying,
        expiry=quote.expiry.isoformat(),
        strike=quote.strike,
        option_type=_OPTION_TYPE_VALUES[quote.option_type],
        bid=quote.bid,
        ask=quote.ask,
        last=quote.last,
        volume=quote.volume,
        open_interest=quote.open_interest,
        timestamp_ns=quote.timestamp_ns,
    )


def _underlying_pb(tick: UnderlyingTick) -> pb.UnderlyingTick:
    return pb.UnderlyingTick(
        underlying=tick.underlying, price=tick.price, timestamp_ns=tick.timestamp_ns
    )


def encode_tick(tick: Tick, traceparent: str | None = None) -> dict[str, str]:
    """The stream fields of one tick in the flat form."""
    flat = flat_tick_fields(tick, traceparent)
    return dict(zip(flat[::2], flat[1::2], strict=True))


def flat_tick_fields(tick: Tick, traceparent: str | None = None) -> tuple[str, ...]:
    """The stream fields of one tick in the flat form in turn, ``(field, value, ...)``."""
    if isinstance(tick, UnderlyingTick):
        fields: tuple[str, ...] = (
            "kind", "u",
            "und", tick.underlying,
            "ts", str(tick.timestamp_ns),
            "px", repr(tick.price),
        )  # fmt: skip
    else:
        fields = (
            "kind", "q",
            "und", tick.underlying,
            "ts", str(tick.timestamp_ns),
            "exp", tick.expiry.isoformat(),
            "k", repr(tick.strike),
            "cp", tick.option_type.value,
            "bid", repr(tick.bid),
            "ask", repr(tick.ask),
            "last", repr(tick.last),
            "vol", str(tick.volume),
            "oi", str(tick.open_interest),
        )  # fmt: skip
    return (*fields, "tp", traceparent) if traceparent else fields


def decode_entry(fields: Fields) -> DecodedBatch:
    """The ticks in a stream entry of any form (one tick's entry is a batch of one, its quote
    at index 0); ``MalformedEntryError`` names what is wrong with the entry as a whole."""
    kind = fields.get(b"kind")
    if kind == BATCH_KIND:
        payload = fields.get(b"pb")  # b"" is a batch of no tick
        if payload is None:
            raise MalformedEntryError("pb: missing")
        return decode_batch(payload)
    if kind not in (b"q", b"u"):
        raise MalformedEntryError(f"kind: expected 'b', 'q' or 'u', got {_show(kind)}")
    tick = decode_tick(fields)
    if isinstance(tick, UnderlyingTick):
        return DecodedBatch([], [(0, tick)], [])
    return DecodedBatch([(0, tick)], [], [])


def decode_tick(fields: Fields) -> Tick:
    """The tick in a stream entry of either form; ``MalformedEntryError`` names what is wrong."""
    kind = fields.get(b"kind")
    payload = fields.get(b"pb")
    if payload is not None and kind in (b"q", b"u"):
        return _decode_message(kind, payload)
    if kind == b"q":
        return _decode_quote(fields)
    if kind == b"u":
        return UnderlyingTick(
            underlying=_symbol(fields),
            price=_number(fields, b"px", positive=True),
            timestamp_ns=_integer(fields, b"ts"),
        )
    raise MalformedEntryError(f"kind: expected 'q' or 'u', got {_show(kind)}")


def _decode_quote(fields: Fields) -> OptionQuote:
    """The common, valid quote in one pass; anything else goes through ``_checked_quote``,
    which reads field by field to name what is wrong (and accepts what this one declines,
    e.g. a lower-case ``cp``). Both accept exactly the same quotes."""
    try:
        bid, ask, last = float(fields[b"bid"]), float(fields[b"ask"]), float(fields[b"last"])
        strike = float(fields[b"k"])
        volume, open_interest = int(fields[b"vol"]), int(fields[b"oi"])
        timestamp_ns = int(fields[b"ts"])
        option_type = _OPTION_TYPES[fields[b"cp"]]
        underlying = _parse_symbol(fields[b"und"])
        expiry = _parse_date(fields[b"exp"], b"exp")
    except (KeyError, ValueError, MalformedEntryError):
        return _checked_quote(fields)
    valid = (
        0.0 <= bid < math.inf  # comparisons are false for NaN
        and 0.0 <= ask < math.inf
        and 0.0 <= last < math.inf
        and 0.0 < strike < math.inf
        and volume >= 0
        and open_interest >= 0
        and timestamp_ns >= 0
        and not (bid > 0 and ask > 0 and bid > ask)
    )
    if not valid:
        return _checked_quote(fields)
    return OptionQuote(
        underlying, expiry, strike, option_type, bid, ask, last, volume, open_interest, timestamp_ns
    )


def decode_batch(payload: bytes) -> DecodedBatch:
    """The ticks of a batch entry's ``pb``; ``MalformedEntryError`` when it is not a
    ``TickBatch`` (a malformed tick inside one is in ``DecodedBatch.malformed``)."""
    try:
        batch = pb.TickBatch.FromString(payload)
    except DecodeError:
        raise MalformedEntryError("pb: not a deltastream.v1.TickBatch") from None
    quotes: list[tuple[int, OptionQuote]] = []
    malformed: list[MalformedTick] = []
    for index, message in enumerate(batch.quotes):
        try:
            quotes.append((index, _message_quote(message)))
        except MalformedEntryError as exc:
            malformed.append(MalformedTick(b"q", index, message.SerializeToString(), exc.reason))
    underlying_ticks: list[tuple[int, UnderlyingTick]] = []
    for index, print_ in enumerate(batch.underlying_ticks):
        try:
            underlying_ticks.append((index, _message_underlying(print_)))
        except MalformedEntryError as exc:
            malformed.append(MalformedTick(b"u", index, print_.SerializeToString(), exc.reason))
    return DecodedBatch(quotes, underlying_ticks, malformed)


def _decode_message(kind: bytes, payload: bytes) -> Tick:
    if kind == b"u":
        try:
            tick = pb.UnderlyingTick.FromString(payload)
        except DecodeError:
            raise MalformedEntryError("pb: not a deltastream.v1.UnderlyingTick") from None
        return _message_underlying(tick)
    try:
        quote = pb.OptionQuote.FromString(payload)
    except DecodeError:
        raise MalformedEntryError("pb: not a deltastream.v1.OptionQuote") from None
    return _message_quote(quote)


def _message_underlying(tick: pb.UnderlyingTick) -> UnderlyingTick:
    return UnderlyingTick(
        underlying=_message_symbol(tick.underlying),
        price=_finite(tick.price, "price", positive=True),
        timestamp_ns=_message_timestamp(tick.timestamp_ns),
    )


def _message_quote(quote: pb.OptionQuote) -> OptionQuote:
    option_type = _MESSAGE_OPTION_TYPES.get(quote.option_type)
    bid, ask, last, strike = quote.bid, quote.ask, quote.last, quote.strike
    volume, open_interest, timestamp_ns = quote.volume, quote.open_interest, quote.timestamp_ns
    if (
        option_type is not None
        and 0.0 <= bid < math.inf  # comparisons are false for NaN
        and 0.0 <= ask < math.inf
        and 0.0 <= last < math.inf
        and 0.0 < strike < math.inf
        and volume >= 0
        and open_interest >= 0
        and timestamp_ns > 0
        and not (bid > 0 and ask > 0 and bid > ask)
    ):
        # the common, valid quote in one test; the symbol before the expiry, as below
        underlying = _message_symbol(quote.underlying)
        expiry = _message_expiry(quote.expiry)
        return OptionQuote(
            underlying, expiry, strike, option_type, bid, ask, last, volume, open_interest,
            timestamp_ns,
        )  # fmt: skip
    return _checked_message_quote(quote, option_type)


def _checked_message_quote(quote: pb.OptionQuote, option_type: OptionType | None) -> OptionQuote:
    """A quote message field by field, naming the first value that is wrong."""
    if option_type is None:
        raise MalformedEntryError(f"option_type: expected CALL or PUT, got {quote.option_type}")
    bid = _finite(quote.bid, "bid")
    ask = _finite(quote.ask, "ask")
    if bid > 0 and ask > 0 and bid > ask:
        raise MalformedEntryError(f"bid {bid} above ask {ask}")
    return OptionQuote(
        underlying=_message_symbol(quote.underlying),
        expiry=_message_expiry(quote.expiry),
        strike=_finite(quote.strike, "strike", positive=True),
        option_type=option_type,
        bid=bid,
        ask=ask,
        last=_finite(quote.last, "last"),
        volume=_non_negative(quote.volume, "volume"),
        open_interest=_non_negative(quote.open_interest, "open_interest"),
        timestamp_ns=_message_timestamp(quote.timestamp_ns),
    )


def _message_text(text: str, name: str) -> bytes:
    if not text:
        raise MalformedEntryError(f"{name}: missing")
    return text.encode()


@functools.lru_cache(maxsize=1024)  # as _parse_symbol: a few recur, errors are not cached
def _message_symbol(text: str) -> str:
    return _parse_symbol(_message_text(text, "underlying"), b"underlying")


@functools.lru_cache(maxsize=1024)
def _message_expiry(text: str) -> dt.date:
    return _parse_date(_message_text(text, "expiry"), b"expiry")


def _message_timestamp(value: int) -> int:
    if value <= 0:
        raise MalformedEntryError(f"timestamp_ns: expected a positive integer, got {value}")
    return value


def _checked_quote(fields: Fields) -> OptionQuote:
    bid = _number(fields, b"bid")
    ask = _number(fields, b"ask")
    if bid > 0 and ask > 0 and bid > ask:
        raise MalformedEntryError(f"bid {bid} above ask {ask}")
    return OptionQuote(
        underlying=_symbol(fields),
        expiry=_date(fields, b"exp"),
        strike=_number(fields, b"k", positive=True),
        option_type=_option_type(fields),
        bid=bid,
        ask=ask,
        last=_number(fields, b"last"),
        volume=_integer(fields, b"vol"),
        open_interest=_integer(fields, b"oi"),
        timestamp_ns=_integer(fields, b"ts"),
    )


def traceparent_of(fields: Fields) -> str | None:
    """The W3C traceparent carried by an entry, if any."""
    value = fields.get(b"tp")
    return value.decode("ascii", "replace") if value else None


def _required(fields: Fields, name: bytes) -> bytes:
    value = fields.get(name)
    if value is None or value == b"":
        raise MalformedEntryError(f"{name.decode()}: missing")
    return value


def _symbol(fields: Fields) -> str:
    return _parse_symbol(_required(fields, b"und"))


@functools.lru_cache(maxsize=1024)  # a few symbols recur in every entry; errors are not cached
def _parse_symbol(raw: bytes, name: bytes = b"und") -> str:
    text = raw.decode("ascii", "replace")
    if len(text) > _MAX_SYMBOL_LENGTH or not text.replace("_", "").replace("-", "").isalnum():
        raise MalformedEntryError(f"{name.decode()}: not a symbol: {_show(raw)}")
    return text.upper()


def _number(fields: Fields, name: bytes, *, positive: bool = False) -> float:
    raw = _required(fields, name)
    try:
        value = float(raw)
    except ValueError:
        raise MalformedEntryError(f"{name.decode()}: not a number: {_show(raw)}") from None
    return _finite(value, name.decode(), positive=positive)


def _finite(value: float, name: str, *, positive: bool = False) -> float:
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        kind = "positive" if positive else "non-negative"
        raise MalformedEntryError(f"{name}: expected a finite {kind} number, got {value}")
    return value


def _integer(fields: Fields, name: bytes) -> int:
    raw = _required(fields, name)
    try:
        value = int(raw)
    except ValueError:
        raise MalformedEntryError(f"{name.decode()}: not an integer: {_show(raw)}") from None
    return _non_negative(value, name.decode())


def _non_negative(value: int, name: str) -> int:
    if value < 0:
        raise MalformedEntryError(f"{name}: negative: {value}")
    return value


def _date(fields: Fields, name: bytes) -> dt.date:
    return _parse_date(_required(fields, name), name)


@functools.lru_cache(maxsize=1024)  # a few expiries recur in every entry; errors are not cached
def _parse_date(raw: bytes, name: bytes) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedEntryError(f"{name.decode()}: not an ISO date: {_show(raw)}") from None


def _option_type(fields: Fields) -> OptionType:
    raw = _required(fields, b"cp")
    option_type = _OPTION_TYPES.get(raw.upper())
    if option_type is None:
        raise MalformedEntryError(f"cp: expected 'C' or 'P', got {_show(raw)}")
    return option_type


def _show(raw: bytes | None) -> str:
    if raw is None:
        return "nothing"
    return repr(raw[:40].decode("utf-8", "replace"))
