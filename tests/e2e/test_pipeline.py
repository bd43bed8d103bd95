"""The whole pipeline as processes on real servers: feed -> Valkey -> enricher -> SecantusDB
-> MarketData gRPC, including an enricher killed mid-stream."""

from __future__ import annotations

import math
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pymongo
import pytest
import redis
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from deltastream import bus, store
from deltastream.auth import Role
from deltastream.embedded import EmbeddedUrls
from deltastream.v1 import market_data_pb2, market_data_pb2_grpc, market_pb2
from tests.conftest import TokenAuthority, authorized
from tests.e2e.platform import ServiceProcesses, wait_for
from tests.streams import stream_quotes

pytestmark = pytest.mark.e2e


@pytest.fixture
def services(
    server_urls: EmbeddedUrls, mongo_db_name: str, tmp_path: Path, token_authority: TokenAuthority
) -> Iterator[ServiceProcesses]:
    processes = ServiceProcesses(server_urls, mongo_db_name, tmp_path, token_authority.public_pem)
    yield processes
    processes.stop_all()


def _delete_streams(redis_client: redis.Redis) -> None:
    """The platform's streams have fixed names: start each e2e test from none."""
    for underlying in ("NIFTY", "BANKNIFTY", "FINNIFTY"):
        redis_client.delete(bus.ticks_stream(underlying), bus.enriched_stream(underlying))


def test_a_feed_quote_reaches_a_grpc_subscriber_enriched_and_is_stored(
    services: ServiceProcesses,
    redis_client: redis.Redis,
    mongo_client: pymongo.MongoClient[dict[str, Any]],
    mongo_db_name: str,
    token_authority: TokenAuthority,
) -> None:
    _delete_streams(redis_client)
    target = services.start_marketdata()
    services.start("deltastream.enricher", consumer_name="e2e-enricher")
    services.start("deltastream.feed", quotes_per_second="2000")

    with grpc.insecure_channel(target) as plain:
        channel = authorized(plain, token_authority.metadata(Role.VIEWER))
        stub = market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]
        updates = stub.Subscribe(
            market_data_pb2.SubscribeRequest(underlyings=["NIFTY"]), timeout=60
        )
        # a chain a day or more from its close: in the last minutes before the NIFTY weekly's
        # 15:30 IST close, far options a tick wide imply volatilities above 300%
        update = next(
            u
            for u in updates
            if u.chain.time_to_expiry > 1 / 365 and any(r.call.iv_status == 1 for r in u.chain.rows)
        )
        updates.cancel()
        chain = update.chain
        assert chain.underlying == "NIFTY"
        priced = [row.call for row in chain.rows if row.call.iv_status == market_pb2.IV_STATUS_OK]
        assert priced
        assert all(0.01 < quote.iv < 3.0 for quote in priced)
        assert all(0.0 <= quote.greeks.delta <= 1.0 for quote in priced)
        assert all(quote.greeks.gamma > 0 and quote.greeks.vega > 0 for quote in priced)
        assert chain.analytics.total_call_open_interest > 0
        assert not math.isnan(chain.analytics.max_pain)

        def stored_version() -> int:
            try:
                reply = stub.GetChain(
                    market_data_pb2.GetChainRequest(underlying="NIFTY", expiry=chain.expiry),
                    timeout=10,
                )
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.NOT_FOUND  # published, not yet stored
                return 0
            assert reply.chain.expiry == chain.expiry
            version: int = reply.chain.version
            return version

        # Subscribers hear of an update just before it is stored.
        wait_for(lambda: stored_version() >= chain.version, 30, "GetChain never caught up")
        expiries = stub.ListExpiries(
            market_data_pb2.ListExpiriesRequest(underlying="NIFTY"), timeout=10
        ).expiries
        assert chain.expiry in expiries
        assert list(expiries) == sorted(expiries)

        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        listing = next(
            reflection.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
            )
        )
        names = {service.name for service in listing.list_services_response.service}
        assert {"deltastream.v1.MarketData", "grpc.health.v1.Health"} <= names

        with pytest.raises(grpc.RpcError) as bad:
            stub.GetChain(market_data_pb2.GetChainRequest(underlying='{"$gt": ""}'), timeout=10)
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.RpcError) as missing:
            stub.GetChain(market_data_pb2.GetChainRequest(underlying="NOSUCH"), timeout=10)
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND

    db = mongo_client[mongo_db_name]
    document = db[store.LATEST].find_one({"_id": f"NIFTY:{chain.expiry}"}, {"version": 1})
    assert document is not None
    assert document["version"] >= chain.version
    wait_for(lambda: db[store.SNAPSHOTS].count_documents({}) > 0, 30, "no history snapshot")


def test_an_enricher_killed_mid_stream_loses_no_quote_and_counts_none_twice(
    services: ServiceProcesses,
    redis_client: redis.Redis,
    mongo_client: pymongo.MongoClient[dict[str, Any]],
    mongo_db_name: str,
) -> None:
    _delete_streams(redis_client)
    published = 12_000
    feed = services.start("deltastream.feed", quotes_per_second="4000", max_ticks=str(published))
    enricher = services.start("deltastream.enricher", consumer_name="e2e-killed", batch_size="200")
    db = mongo_client[mongo_db_name]

    def applied() -> int:
        return sum(d["applied_quotes"] for d in db[store.LATEST].find({}, {"applied_quotes": 1}))

    wait_for(lambda: applied() > 1000, 60, "the enricher applied nothing")
    enricher.send_signal(signal.SIGKILL)
    enricher.wait(timeout=10)
    services.start("deltastream.enricher", consumer_name="e2e-killed", batch_size="200")
    assert feed.wait(timeout=120) == 0

    quotes = sum(
        stream_quotes(redis_client, bus.ticks_stream(underlying))
        for underlying in ("NIFTY", "BANKNIFTY", "FINNIFTY")
    )
    assert 0 < quotes <= published

    def settled() -> bool:
        pending = sum(
            int(redis_client.xpending(bus.ticks_stream(u), bus.ENRICHER_GROUP)["pending"])
            for u in ("NIFTY", "BANKNIFTY", "FINNIFTY")
        )
        return pending == 0 and applied() == quotes

    wait_for(settled, 90, f"applied {applied()} of {quotes} quotes")
