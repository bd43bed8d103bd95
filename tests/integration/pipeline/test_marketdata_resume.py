"""MarketData subscriptions that resume after a reconnect from a stream position."""

from __future__ import annotations

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
from tests.integration.pipeline.conftest import MakeConsumer

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
        return next(iter(updates))
    finally:
        updates.cancel()


def test_a_resumed_subscription_starts_with_what_came_after_its_position(
    stub: market_data_pb2_grpc.MarketDataStub,
    token_authority: TokenAuthority,
    redis_client: redis.Redis,
    make_consumer: MakeConsumer,
    underlying: str,
) -> None:
    expiry = expiry_in(6)
    publisher = TickPublisher(redis_client, 10_000)
    consumer = make_consumer([underlying], "resume")
    publisher.publish(priced_chain(underlying, expiry, strikes=3, sigma=0.2))
    consumer.drain()
    seen = redis_client.xrevrange(bus.enriched_stream(underlying), count=1)[0][0].decode()
    for sigma in (0.21, 0.22):  # two versions published while the client is away
        publisher.publish(priced_chain(underlying, expiry, strikes=3, sigma=sigma))
        consumer.drain()

    resumed = _first(
        stub, token_authority, pb.SubscribeRequest(underlyings=[underlying], resume_from=seen)
    )

    assert resumed.stream_id > seen  # from the stream, not the stored chain
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
    publisher = TickPublisher(redis_client, 10_000)
    consumer = make_consumer([underlying], "resume-position")
    publisher.publish(priced_chain(underlying, expiry, strikes=3, sigma=0.2))
    consumer.drain()
    newest = redis_client.xrevrange(bus.enriched_stream(underlying), count=1)[0][0].decode()

    stored = _first(stub, token_authority, pb.SubscribeRequest(underlyings=[underlying]))
    publisher.publish(priced_chain(underlying, expiry, strikes=3, sigma=0.23))  # while away
    consumer.drain()
    resumed = _first(
        stub,
        token_authority,
        pb.SubscribeRequest(underlyings=[underlying], resume_from=stored.resume_from),
    )

    assert (stored.stream_id, stored.chain.version) == ("", 1)
    assert stored.resume_from == newest  # nothing of its stream was left unread
    assert resumed.stream_id > newest
    assert resumed.chain.version == 2
    assert resumed.resume_from >= newest


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
    position = redis_client.xrevrange(stream, count=1)[0][0].decode()
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
