"""One run of the platform, as processes, shared by the observability checks of this package.

MarketData and the enricher start first; a gRPC client subscribes; the feed replays a small
recorded session (one batch, plus a malformed line); the client calls the unary methods with
good and bad arguments; a malformed entry is added for the enricher to dead-letter. Every
process exports its spans as JSON lines to a file of its own and serves ``/metrics``; the
metrics are scraped while the processes run, the spans read once they have stopped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pymongo
import pytest
import redis
from prometheus_client.samples import Sample

from deltastream import bus
from deltastream.auth import Role
from deltastream.embedded import EmbeddedUrls, free_port
from deltastream.feed.recording import tick_record
from deltastream.market.quotes import Tick
from deltastream.v1 import market_data_pb2, market_data_pb2_grpc
from tests.conftest import TokenAuthority, authorized
from tests.e2e.platform import ServiceProcesses, wait_for, wait_serving
from tests.integration.observability.scraping import scrape, value
from tests.integration.observability.spans import Span, read_spans
from tests.integration.pipeline.chains import expiry_in, priced_chain, spot_tick

SERVICES = ("feed", "enricher", "marketdata")


@dataclass(frozen=True)
class PlatformRun:
    underlying: str
    first_update: market_data_pb2.ChainUpdate
    samples: dict[str, list[Sample]]
    spans: list[Span]


@pytest.fixture(scope="package")
def platform_run(
    server_urls: EmbeddedUrls,
    mongo_client: pymongo.MongoClient[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
    token_authority: TokenAuthority,
) -> Iterator[PlatformRun]:
    directory = tmp_path_factory.mktemp("platform")
    database = f"test_{uuid.uuid4().hex[:12]}"
    underlying = f"O{uuid.uuid4().hex[:10].upper()}"
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("OTEL_TRACES_EXPORTER", "console")
        processes = ServiceProcesses(server_urls, database, directory, token_authority.public_pem)
    try:
        yield _run(processes, server_urls, underlying, directory, token_authority)
    finally:
        processes.stop_all()
        mongo_client.drop_database(database)


def _run(
    processes: ServiceProcesses,
    urls: EmbeddedUrls,
    underlying: str,
    directory: Path,
    tokens: TokenAuthority,
) -> PlatformRun:
    ports = {name: free_port() for name in SERVICES}
    files = {name: directory / f"{name}.spans.jsonl" for name in SERVICES}
    interest = json.dumps([underlying])
    grpc_port = free_port()
    processes.start(
        "deltastream.marketdata",
        grpc_host="127.0.0.1",
        grpc_port=str(grpc_port),
        metrics_port=str(ports["marketdata"]),
        underlyings=interest,
        trace_file=str(files["marketdata"]),
    )
    processes.start(
        "deltastream.enricher",
        underlyings=interest,
        consumer_name="observed",
        metrics_port=str(ports["enricher"]),
        trace_file=str(files["enricher"]),
    )
    target = f"127.0.0.1:{grpc_port}"
    wait_serving(target)
    with grpc.insecure_channel(target) as plain:
        channel = authorized(plain, tokens.metadata(Role.VIEWER))
        stub = market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]
        updates = stub.Subscribe(
            market_data_pb2.SubscribeRequest(underlyings=[underlying]), timeout=60
        )
        wait_for(
            lambda: value(scrape(ports["marketdata"]), "deltastream_marketdata_subscribers") == 1,
            30,
            "the subscription never registered",
        )
        replay = _recorded_session(directory, underlying)
        processes.start(  # the replay rate keeps the feed up (and scrapable) for a while
            "deltastream.feed",
            replay_path=str(replay),
            replay_rate="0.5",
            metrics_port=str(ports["feed"]),
            trace_file=str(files["feed"]),
        )
        first_update = next(updates)
        _call_unary_methods(stub, underlying, first_update.chain.expiry)
        updates.cancel()
    _dead_letter_in_the_enricher(redis.Redis.from_url(urls.redis_url), underlying, ports)
    wait_for(
        lambda: (
            value(
                scrape(ports["marketdata"]),
                "deltastream_grpc_server_handled_total",
                grpc_method="Subscribe",
            )
            == 1
        ),
        30,
        "the cancelled subscription was never counted",
    )
    samples = {name: scrape(port) for name, port in ports.items()}
    processes.stop_all()  # the exporters flush as the processes exit
    return PlatformRun(underlying, first_update, samples, read_spans(files.values()))


def _recorded_session(directory: Path, underlying: str) -> Path:
    """A spot print, a small chain, and one line the feed must dead-letter."""
    ticks: list[Tick] = [spot_tick(underlying), *priced_chain(underlying, expiry_in(8), strikes=5)]
    lines = [json.dumps(tick_record(tick)) for tick in ticks]
    lines.insert(2, json.dumps({"kind": "quote", "underlying": underlying, "bid": "nan"}))
    path = directory / "session.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _call_unary_methods(stub: Any, underlying: str, expiry: str) -> None:
    stub.GetChain(market_data_pb2.GetChainRequest(underlying=underlying, expiry=expiry), timeout=10)
    stub.ListExpiries(market_data_pb2.ListExpiriesRequest(underlying=underlying), timeout=10)
    for request in (
        market_data_pb2.GetChainRequest(underlying="NO_SUCH_UNDERLYING"),
        market_data_pb2.GetChainRequest(underlying='{"$gt": ""}'),
    ):
        with pytest.raises(grpc.RpcError):
            stub.GetChain(request, timeout=10)


def _dead_letter_in_the_enricher(
    client: redis.Redis, underlying: str, ports: dict[str, int]
) -> None:
    client.xadd(bus.ticks_stream(underlying), {"kind": "q", "und": underlying, "ts": "soon"})
    client.close()
    wait_for(
        lambda: value(scrape(ports["enricher"]), "deltastream_dead_letters_total") > 0,
        30,
        "the enricher never dead-lettered the malformed entry",
    )
