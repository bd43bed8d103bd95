"""Serving MarketData to desks: unary latency and streaming fan-out, on this machine with
embedded servers and each service its own process.

1. ``GetChain`` latency: with chains stored (a backlog of synthetic ticks drained by the
   enricher, which is then idle), a fixed number of calls at concurrency 1 and 8 (a thread
   pool of blocking stubs on one channel); p50 and p99, and calls per second.
2. Fan-out: N = 1, 10 and 50 subscribers (each its own channel and thread, all subscribed to
   every underlying) count the updates they receive while the feed runs at 2,000 quotes/s;
   updates per second delivered in total and per subscriber. The subscribers share this
   process, so at 50 the client side's own CPU is part of what is measured.

MarketData checks tokens as in production: the calls carry a viewer's token signed by a
development key made for the run, whose public half MarketData is given.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import numpy as np
import redis

from bench.pipeline import (
    UNDERLYINGS,
    Metadata,
    Platform,
    Subscriber,
    TokenIssuer,
    log_directory,
)
from bench.report import Report
from deltastream import bus
from deltastream.embedded import embedded_servers, free_port
from deltastream.feed.market import SyntheticMarket, default_market_config
from deltastream.feed.publisher import TickPublisher
from deltastream.v1 import market_data_pb2, market_data_pb2_grpc

BACKLOG_TICKS = 20_000
FEED_RATE = 2_000
WARM_UP_SECONDS = 3.0
READY_SECONDS = 60.0
# The per-caller budget would refuse a benchmark's thousands of calls: this measures serving.
RATE_LIMIT_OFF = str(10**9)


def _store_chains(platform: Platform, redis_client: redis.Redis) -> None:
    """Publish a backlog, have the enricher store its chains, and wait until it is idle."""
    market = SyntheticMarket(default_market_config(11), dt.datetime.now(dt.UTC))
    publisher = TickPublisher(redis_client, max_length=BACKLOG_TICKS * 2)
    for _ in range(0, BACKLOG_TICKS, 5_000):
        publisher.publish(market.ticks(5_000, time.time_ns()))
    platform.start("deltastream.enricher", consumer_name="bench-serving")
    deadline = time.monotonic() + READY_SECONDS
    while not _drained(redis_client):
        if time.monotonic() > deadline:
            raise TimeoutError("the enricher did not drain the backlog")
        time.sleep(0.05)


def _drained(redis_client: redis.Redis) -> bool:
    """Whether the enricher's group has read and acknowledged every tick."""
    for underlying in UNDERLYINGS:
        groups = redis_client.xinfo_groups(bus.ticks_stream(underlying))
        ours = [group for group in groups if group["name"] == bus.ENRICHER_GROUP.encode()]
        if not ours or int(ours[0].get("lag") or 0) or int(ours[0]["pending"]):
            return False
    return True


def _wait_for_chain(stub: market_data_pb2_grpc.MarketDataStub, metadata: Metadata) -> None:
    request = market_data_pb2.GetChainRequest(underlying=UNDERLYINGS[0])
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            stub.GetChain(request, metadata=metadata, timeout=5)
            return
        except grpc.RpcError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def get_chain_latency(
    target: str, metadata: Metadata, report: Report, requests: int, concurrency: int
) -> None:
    """``requests`` GetChain calls spread over ``concurrency`` threads on one channel."""
    with grpc.insecure_channel(target) as channel:
        stub = market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]
        _wait_for_chain(stub, metadata)

        def call(index: int) -> float:
            request = market_data_pb2.GetChainRequest(
                underlying=UNDERLYINGS[index % len(UNDERLYINGS)]
            )
            started = time.perf_counter()
            stub.GetChain(request, metadata=metadata, timeout=10)
            return (time.perf_counter() - started) * 1e3

        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(call, range(concurrency * 10)))  # warm-up: connection, caches
            started = time.perf_counter()
            latencies = np.array(list(pool.map(call, range(requests))))
            elapsed = time.perf_counter() - started
    name = f"GetChain at concurrency {concurrency}"
    report.add(f"{name}: p50", float(np.percentile(latencies, 50)), "ms")
    report.add(f"{name}: p99", float(np.percentile(latencies, 99)), "ms")
    report.add(f"{name}: throughput", requests / elapsed, "calls/s")


def fan_out(platform: Platform, target: str, report: Report, count: int, seconds: float) -> None:
    """Updates delivered to ``count`` subscribers while the feed runs at ``FEED_RATE``."""
    subscribers = [Subscriber(target, platform.tokens.viewer()) for _ in range(count)]
    for subscriber in subscribers:
        subscriber.start()
    for subscriber in subscribers:
        subscriber.ready.wait(READY_SECONDS)
    feed = platform.start("deltastream.feed", quotes_per_second=str(FEED_RATE), seed="11")
    try:
        time.sleep(WARM_UP_SECONDS)
        before = sum(subscriber.updates for subscriber in subscribers)
        time.sleep(seconds)
        delivered = sum(subscriber.updates for subscriber in subscribers) - before
    finally:
        feed.terminate()
        feed.wait(timeout=30)
        for subscriber in subscribers:
            subscriber.stop()
    report.add(f"fan-out to {count} subscribers: total", delivered / seconds, "updates/s")
    report.add(f"fan-out to {count} subscribers: each", delivered / seconds / count, "updates/s")


def run(report: Report, *, quick: bool = False) -> None:
    requests, seconds = (500, 5.0) if quick else (2_000, 15.0)
    with (
        tempfile.TemporaryDirectory(prefix="deltastream-bench-") as tmp,
        embedded_servers(Path(tmp) / "servers") as urls,
    ):
        redis_client = bus.connect(urls.redis_url)
        platform = Platform(urls, log_directory("serving"), TokenIssuer())
        target = f"127.0.0.1:{free_port()}"
        try:
            platform.start(
                "deltastream.marketdata",
                grpc_port=target.rsplit(":", 1)[1],
                rate_limit_requests=RATE_LIMIT_OFF,
            )
            _store_chains(platform, redis_client)
            viewer = platform.tokens.viewer()
            for concurrency in (1, 8):
                get_chain_latency(target, viewer, report, requests, concurrency)
            for count in (1, 10, 50):
                fan_out(platform, target, report, count, seconds)
        finally:
            platform.stop()
            redis_client.close()
