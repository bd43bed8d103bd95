"""MarketData subscriptions that resume after a reconnect from a stream position."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import grpc
import pytest
import redis

from deltastream import bus
from deltastream.auth import Role
from deltastream.feed.publisher import TickPublisher
from deltastream.v1 import market_data_pb2 as pb
from deltastream.v1 import market_data_pb2_grpc
from tests.conftest import TokenAuthority
from tests.integration.analytics.serving import ServerThread
from tests.integration.pipeline.chains import expiry_in, priced_chain
from tests.integration.pipeline.conftest import Consumer, MakeConsumer
from tests.streams import newest_entry_id

pytestmark = pytest.mark.integration


@pytest.fixture
def stub(marketdata_server: ServerThread) -> Iterator[market_data_pb2_grpc.MarketDataStub]:
    with grpc.insecure_channel(marketdata_server.target) as channel:
        yield market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]


def _first(
    stub: market_data_pb2_grpc.MarketDataStub, token: TokenAuthority, request: pb.SubscribeRequest
) -> pb.ChainUpdate:
    updates = stub.Subscribe(request, metadata=token.metadata(Role.VIEWER), timeout=10)
    try:
        first: pb.ChainUpdate = next(iter(updates))
        return first
    finally:
        updates.cancel()


def _enriched(
    redis_client: redis.Redis, consumer: Consumer, underlying: str, expiry: dt.date, sigma: float
) -> str:
    """Publish a 3-strike chain at ``sigma`` and enrich it; the enriched entry's id."""
    TickPublisher(redis_client, 10_000).publish(
        priced_chain(underlying, expiry, strikes=3, sigma=sigma)
    )
    consumer.drain()
    return newest_entry_id(redis_client, bus.enriched_stream(underlying))


def test_a_resumed_subscription_starts_with_what_came_after_its_position(
    stub: market_data_pb2_grpc.MarketDataStub,
    token_authority: TokenAuthority,
    redis_client: redis.Redis,
    make_consumer: MakeConsumer,
    underlying: str,
) -> None:
    expiry = expiry_in(6)
    consumer = make_consumer([underlying], "resume")
    seen = _enriched(redis_client, consumer, underlying, expiry, 0.2)
    for sigma in (0.21, 0.22):  # two versions published while the client is away
        _enriched(redis_client, consumer, underlying, expiry, sigma)

    resumed = _first(
        stub, token_authority, pb.SubscribeRequest(underlyings=[underlying], resume_from=seen)
    )

    assert bus.stream_id(resumed.stream_id) > bus.stream_id(seen)  # the stream, not the store
    assert resumed.chain.version == 3  # conflated: the newest of the missed versions
    assert abs(resumed.chain.rows[1].call.iv - 0.22) < 1e-6


def test_every_update_says_where_to_resume_to_miss_nothing(
    stub: market_data_pb2_grpc.MarketDataStub,
    token_authority: TokenAuthority,
    redis_client: redis.Redis,
    make_consumer: MakeConsumer,
    underlying: str,
) -> None:
    """Even the stored chain a subscription starts with: resuming from its resume_from gets
    what was published after the subscription started."""
    expiry = expiry_in(5)
    consumer = make_consumer([underlying], "resume-position")
    newest = _enriched(redis_client, consumer, underlying, expiry, 0.2)

    stored = _first(stub, token_authority, pb.SubscribeRequest(underlyings=[underlying]))
    _enriched(redis_client, consumer, underlying, expiry, 0.23)  # while away
    resumed = _first(
        stub,
        token_authority,
        pb.SubscribeRequest(underlyings=[underlying], resume_from=stored.resume_from),
    )

    assert (stored.stream_id, stored.chain.version) == ("", 1)
    assert stored.resume_from == newest  # nothing of its stream was left unread
    assert bus.stream_id(resumed.stream_id) > bus.stream_id(newest)
    assert resumed.chain.version == 2
    assert bus.stream_id(resumed.resume_from) >= bus.stream_id(newest)


def test_a_position_the_stream_no_longer_holds_starts_from_the_stored_chain(
    stub: market_data_pb2_grpc.MarketDataStub,
    token_authority: TokenAuthority,
    redis_client: redis.Redis,
    make_consumer: MakeConsumer,
    underlying: str,
) -> None:
    expiry = expiry_in(6)
    TickPublisher(redis_client, 10_000).publish(priced_chain(underlying, expiry, strikes=3))
    make_consumer([underlying], "resume").drain()
    stream = bus.enriched_stream(underlying)
    position = newest_entry_id(redis_client, stream)
    milliseconds, _, sequence = position.partition("-")
    before = (
        f"{milliseconds}-{int(sequence) - 1}" if int(sequence) else f"{int(milliseconds) - 1}-0"
    )
    redis_client.xtrim(stream, maxlen=0)  # the cap took everything after the client's position

    update = _first(
        stub, token_authority, pb.SubscribeRequest(underlyings=[underlying], resume_from=before)
    )

    assert update.stream_id == ""  # the stored chain
    assert update.chain.version == 1


@pytest.mark.parametrize("position", ["abc", "1-", '{"$gt": ""}', "1-2-3"])
def test_a_malformed_position_is_refused_naming_the_field(
    stub: market_data_pb2_grpc.MarketDataStub, token_authority: TokenAuthority, position: str
) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        _first(
            stub, token_authority, pb.SubscribeRequest(underlyings=["NIFTY"], resume_from=position)
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "resume_from" in (refused.value.details() or "")
