"""Subscribe's responses, encoded around the chain as the enricher serialized it.

Every live update reaches MarketData as a serialized ``ChainSnapshot``; what a subscriber is
sent is a ``ChainUpdate`` with that chain and three short fields of its own. Protobuf's wire
format is a sequence of fields, so the response is the chain's bytes behind their tag and
length, followed by the other fields encoded alone: byte for byte what serializing the whole
message gives, without copying the chain into a new message and encoding it again for every
subscriber (about three quarters of the servicer's cost per update for a chain of a hundred
strikes).
"""

from __future__ import annotations

from deltastream.v1 import market_data_pb2 as pb

_CHAIN_FIELD = pb.ChainUpdate.DESCRIPTOR.fields_by_name["chain"]
_LENGTH_DELIMITED = 2
CHAIN_TAG = bytes([_CHAIN_FIELD.number << 3 | _LENGTH_DELIMITED])
"""The key of ``ChainUpdate.chain`` on the wire (field 1, length-delimited)."""


def encoded_update(chain: bytes, *, stream_id: str, traceparent: str, resume_from: str) -> bytes:
    """A serialized ``ChainUpdate`` of the serialized ``ChainSnapshot`` ``chain``."""
    rest = pb.ChainUpdate(
        stream_id=stream_id, traceparent=traceparent, resume_from=resume_from
    ).SerializeToString()
    return b"".join((CHAIN_TAG, _varint(len(chain)), chain, rest))


def serialize_response(response: bytes | pb.ChainUpdate) -> bytes:
    """Subscribe's response serializer: an encoded update as it is, a message serialized."""
    if isinstance(response, bytes):
        return response
    return response.SerializeToString()


def _varint(value: int) -> bytes:
    """A length as a protobuf base-128 varint."""
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
