"""One run of the platform, as processes, shared by the observability checks of this package.

MarketData, the enricher, Alerts and the gateway start first; a trader's alert rule is created
(any price fires it); a gRPC client subscribes to MarketData and a WebSocket client to the
gateway; the feed replays a small recorded session (one batch, plus a malformed line); the
clients call the unary methods and REST routes with good and bad arguments; a malformed entry
is added for the enricher to dead-letter. Every process exports its spans as JSON lines to a
file of its own and serves ``/metrics`` (the gateway on its HTTP port); the metrics are scraped
while the processes run, the spans read once they have stopped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
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
from tests.integration.observability.live import (
    Message,
    answers,
    create_price_rule,
    http_status,
    live_feed,
)
from tests.integration.observability.scraping import scrape, value
from tests.integration.observability.spans import Span, read_spans
from tests.integration.pipeline.chains import expiry_in, priced_chain, spot_tick

SERVICES = ("feed", "enricher", "marketdata", "alerts", "gateway")
WAIT_SECONDS = 30


@dataclass(frozen=True)
class PlatformRun:
    underlying: str
    first_update: market_data_pb2.ChainUpdate
    first_push: Message
    """The first ``chain`` message of the gateway's WebSocket feed."""
    samples: dict[str, list[Sample]]
    spans: list[Span]


@dataclass(frozen=True)
class Endpoints:
    """Where the run's services listen: gRPC targets, and each service's ``/metrics`` port
    (the gateway's is its HTTP port)."""

    marketdata: str
    alerts: str
    ports: dict[str, int]


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
    files = {name: directory / f"{name}.spans.jsonl" for name in SERVICES}
    endpoints = _start_services(processes, underlying, files)
    ports = endpoints.ports
    create_price_rule(endpoints.alerts, tokens.metadata(Role.TRADER), underlying)
    wait_for(
        lambda: value(scrape(ports["alerts"]), "deltastream_alerts_rules") == 1,
        WAIT_SECONDS,
        "the evaluator never loaded the rule",
    )
    with ExitStack() as stack:
        plain = stack.enter_context(grpc.insecure_channel(endpoints.marketdata))
        stub = market_data_pb2_grpc.MarketDataStub(  # type: ignore[no-untyped-call]
            authorized(plain, tokens.metadata(Role.VIEWER))
        )
        updates = stub.Subscribe(
            market_data_pb2.SubscribeRequest(underlyings=[underlying]), timeout=60
        )
        feed = stack.enter_context(
            live_feed(ports["gateway"], tokens.token(Role.VIEWER), underlying)
        )
        wait_for(  # the test's subscription and the gateway's, for the WebSocket
            lambda: value(scrape(ports["marketdata"]), "deltastream_marketdata_subscribers") == 2,
            WAIT_SECONDS,
            "the subscriptions never registered",
        )
        _replay(processes, directory, underlying, ports["feed"], files["feed"])
        first_update = next(updates)
        first_push = feed.expect("chain")
        wait_for(  # subscribers are sent a chain before it is stored (GetChain reads the store)
            lambda: value(scrape(ports["enricher"]), "deltastream_quotes_applied_total") > 0,
            WAIT_SECONDS,
            "the enricher never stored the chain",
        )
        _call_unary_methods(stub, underlying, first_update.chain.expiry)
        _call_rest_routes(ports["gateway"], tokens.token(Role.VIEWER), underlying)
        updates.cancel()
    _dead_letter_in_the_enricher(redis.Redis.from_url(urls.redis_url), underlying, ports)
    _wait_for_the_run_to_settle(ports)
    samples = {name: scrape(port) for name, port in ports.items()}
    processes.stop_all()  # the exporters flush as the processes exit
    return PlatformRun(underlying, first_update, first_push, samples, read_spans(files.values()))


def _start_services(
    processes: ServiceProcesses, underlying: str, files: dict[str, Path]
) -> Endpoints:
    """MarketData, the enricher, Alerts and the gateway, each serving once this returns."""
    ports = {name: free_port() for name in SERVICES}
    grpc_ports = {name: free_port() for name in ("marketdata", "alerts")}
    targets = {name: f"127.0.0.1:{port}" for name, port in grpc_ports.items()}
    interest = json.dumps([underlying])
    extra = {"marketdata": {}, "alerts": {"rules_refresh_seconds": "0.2", "block_ms": "100"}}
    for name, settings in extra.items():
        processes.start(
            f"deltastream.{name}",
            grpc_host="127.0.0.1",
            grpc_port=str(grpc_ports[name]),
            metrics_port=str(ports[name]),
            underlyings=interest,
            trace_file=str(files[name]),
            **settings,
        )
    processes.start(
        "deltastream.enricher",
        underlyings=interest,
        consumer_name="observed",
        metrics_port=str(ports["enricher"]),
        trace_file=str(files["enricher"]),
    )
    processes.start(
        "deltastream.gateway",
        http_host="127.0.0.1",
        http_port=str(ports["gateway"]),
        marketdata_target=targets["marketdata"],
        alerts_target=targets["alerts"],
        trace_file=str(files["gateway"]),
    )
    for target in targets.values():
        wait_serving(target)
    wait_for(lambda: answers(ports["gateway"]), WAIT_SECONDS, "the gateway never answered")
    return Endpoints(targets["marketdata"], targets["alerts"], ports)


def _replay(
    processes: ServiceProcesses, directory: Path, underlying: str, port: int, spans: Path
) -> None:
    replay = _recorded_session(directory, underlying)
    processes.start(  # the replay rate keeps the feed up (and scrapable) for a while
        "deltastream.feed",
        replay_path=str(replay),
        replay_rate="0.5",
        metrics_port=str(port),
        trace_file=str(spans),
    )


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


def _call_rest_routes(http_port: int, token: str, underlying: str) -> None:
    """The gateway's chain route: found, not found, and without a token."""
    assert http_status(http_port, f"/api/v1/chains/{underlying}", token) == 200
    assert http_status(http_port, "/api/v1/chains/NO_SUCH_UNDERLYING", token) == 404
    assert http_status(http_port, f"/api/v1/chains/{underlying}") == 401


def _dead_letter_in_the_enricher(
    client: redis.Redis, underlying: str, ports: dict[str, int]
) -> None:
    client.xadd(bus.ticks_stream(underlying), {"kind": "q", "und": underlying, "ts": "soon"})
    client.close()
    wait_for(
        lambda: value(scrape(ports["enricher"]), "deltastream_dead_letters_total") > 0,
        WAIT_SECONDS,
        "the enricher never dead-lettered the malformed entry",
    )


def _wait_for_the_run_to_settle(ports: dict[str, int]) -> None:
    """Both subscriptions ended (the test's cancelled, the gateway's when its WebSocket
    closed), the WebSocket counted as closed, and the alert fired."""
    wait_for(
        lambda: (
            value(
                scrape(ports["marketdata"]),
                "deltastream_grpc_server_handled_total",
                grpc_method="Subscribe",
            )
            == 2
        ),
        WAIT_SECONDS,
        "the ended subscriptions were never counted",
    )
    wait_for(
        lambda: value(scrape(ports["gateway"]), "deltastream_websocket_connections") == 0,
        WAIT_SECONDS,
        "the WebSocket never closed",
    )
    wait_for(
        lambda: value(scrape(ports["alerts"]), "deltastream_alerts_events_total") == 1,
        WAIT_SECONDS,
        "the rule never fired",
    )
