"""Subscribe's responses encoded around the chain's bytes: the very bytes serializing the whole
``ChainUpdate`` gives, for chains whose length takes one to three varint bytes, and the chain
a subscriber is sent is the one read, whether it came as bytes or as a message."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.marketdata.encoding import CHAIN_TAG, encoded_update, serialize_response
from deltastream.marketdata.fanout import ConflatingBuffer, Interest
from deltastream.v1 import market_data_pb2, market_pb2

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _chain(strikes: int, version: int = 7) -> market_pb2.ChainSnapshot:
    """A chain of ``strikes`` rows, each with a call whose IV is unknown (NaN)."""
    return market_pb2.ChainSnapshot(
        underlying="NIFTY",
        expiry="2026-12-01",
        spot=24_012.5,
        version=version,
        timestamp_ns=1_764_000_000_000_000_000,
        rows=[
            market_pb2.ChainRow(
                strike=23_000.0 + 50 * index,
                call=market_pb2.EnrichedQuote(mid=101.5, iv=math.nan),
            )
            for index in range(strikes)
        ],
    )


@settings(max_examples=60)
@given(
    strikes=st.sampled_from([0, 1, 3, 20, 500, 2_000]),
    stream_id=st.sampled_from(["", "1764000000000-0", "1764000000123-17"]),
    traceparent=st.sampled_from(["", TRACEPARENT]),
    resume_from=st.sampled_from(["", "1764000000000-0"]),
)
def test_an_encoded_update_is_the_serialized_message(
    strikes: int, stream_id: str, traceparent: str, resume_from: str
) -> None:
    chain = _chain(strikes)
    whole = market_data_pb2.ChainUpdate(
        chain=chain, stream_id=stream_id, traceparent=traceparent, resume_from=resume_from
    ).SerializeToString()
    encoded = encoded_update(
        chain.SerializeToString(),
        stream_id=stream_id,
        traceparent=traceparent,
        resume_from=resume_from,
    )
    assert encoded == whole


def test_the_length_prefix_spans_several_bytes_for_a_large_chain() -> None:
    chain = _chain(2_000).SerializeToString()
    assert len(chain) > 2**14  # a three-byte varint
    parsed = market_data_pb2.ChainUpdate.FromString(
        encoded_update(chain, stream_id="5-0", traceparent=TRACEPARENT, resume_from="4-0")
    )
    assert parsed.chain.SerializeToString() == chain
    assert (parsed.stream_id, parsed.traceparent, parsed.resume_from) == ("5-0", TRACEPARENT, "4-0")
    assert encoded_update(chain, stream_id="", traceparent="", resume_from="")[:1] == CHAIN_TAG


def test_the_serializer_sends_encoded_updates_as_they_are_and_serializes_messages() -> None:
    update = market_data_pb2.ChainUpdate(chain=_chain(2), stream_id="1-0")
    encoded = update.SerializeToString()
    assert serialize_response(encoded) is encoded
    assert serialize_response(update) == encoded


@pytest.mark.asyncio
async def test_a_delivery_keeps_the_chain_bytes_it_was_offered() -> None:
    buffer = ConflatingBuffer(Interest(frozenset({"NIFTY"}), frozenset()))
    chain = _chain(3, version=2)
    as_read = chain.SerializeToString()
    buffer.offer(market_data_pb2.ChainUpdate(chain=chain, stream_id="2-0"), chain_bytes=as_read)
    delivery = await buffer.take_delivery()
    assert delivery.serialized_chain() is as_read
    newer = _chain(3, version=3)
    buffer.offer(market_data_pb2.ChainUpdate(chain=newer))  # a stored chain: no bytes read
    assert (await buffer.take_delivery()).serialized_chain() == newer.SerializeToString()
