"""The whole pipeline on this machine with embedded servers, each service its own process.

1. Sustained throughput: a backlog of synthetic ticks is published, then the enricher drains
   it (stored in MongoDB, published enriched) while MarketData fans updates out to a gRPC
   subscriber; quotes per second from the first read to an empty backlog.
2. Latency at a fixed rate: the feed publishes at 5,000 quotes/s; a gRPC subscriber measures
   tick-to-client latency (feed timestamp of the newest quote in each update to its arrival),
   with one enricher, then with two replicas (the chart's default) sharing the streams. Each
   update's time is also split where the enricher published it (the enriched stream entry's
   id is the millisecond Valkey appended it): tick to enriched publication (feed, stream hop,
   enricher) and publication to the client (MarketData's fan-out, gRPC, the client).
3. Enricher memory: resident set sampled every second during (2) with one enricher, its peak,
   and its trend after the first minute (least-squares slope: a leak shows as a steady
   growth, a one-off allocation does not); beside it, the most batches seen waiting for the
   chain writer (its gauge, read every 5 s), which is what the memory must stay flat through
   as the embedded database slows down with the history it holds.

MarketData checks tokens as in production: it verifies with the public half of a development
key made for the run (``DELTASTREAM_AUTH_PUBLIC_KEY``), and the subscriber sends a viewer's
access token signed by that key.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import grpc
import numpy as np
import redis
from cryptography.hazmat.primitives import serialization
from prometheus_client.parser import text_string_to_metric_families

from bench.report import Report
from deltastream import bus
from deltastream.auth import Role, TokenCheckSettings, bearer_metadata, generate_development_key
from deltastream.auth.keys import load_signing_key
from deltastream.auth.tokens import Audience, issue_access_token
from deltastream.embedded import EmbeddedUrls, embedded_servers, free_port
from deltastream.feed.market import SyntheticMarket, default_market_config
from deltastream.feed.publisher import TickPublisher
from deltastream.v1 import market_data_pb2, market_data_pb2_grpc

UNDERLYINGS = ("NIFTY", "BANKNIFTY", "FINNIFTY")
TOKEN_LIFETIME = dt.timedelta(hours=2)  # a subscription is checked once, when it starts
Metadata = tuple[tuple[str, str], ...]


class TokenIssuer:
    """A development signing key for one run: its public half for MarketData, and tokens."""

    def __init__(self) -> None:
        self._key = load_signing_key(generate_development_key())
        defaults = TokenCheckSettings.model_fields
        self._audience = Audience(
            defaults["auth_issuer"].default, defaults["auth_audience"].default
        )

    @property
    def public_pem(self) -> str:
        public = self._key.private_key.public_key()
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode()

    def viewer(self) -> Metadata:
        """The metadata of a call by a viewer (a token valid from now)."""
        token = issue_access_token(
            self._key,
            self._audience,
            subject="bench-subscriber",
            roles=frozenset({Role.VIEWER}),
            session_id=uuid.uuid4().hex,
            now=dt.datetime.now(dt.UTC),
            lifetime=TOKEN_LIFETIME,
        )
        return bearer_metadata(token)


LOGS = Path(__file__).resolve().parent.parent / "var" / "bench"
"""Where each benchmark run keeps its services' logs (``var/`` is not in version control)."""


def log_directory(benchmark: str) -> Path:
    """A new directory for the services' logs of one run of ``benchmark``, announced: an
    outlier in the figures can then be looked into afterwards."""
    directory = LOGS / f"{benchmark}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    directory.mkdir(parents=True, exist_ok=True)
    print(f"  (the services' logs: {directory})", flush=True)
    return directory


class Platform:
    def __init__(self, urls: EmbeddedUrls, log_dir: Path, tokens: TokenIssuer) -> None:
        self.urls = urls
        self.tokens = tokens
        self._log_dir = log_dir
        self._processes: list[subprocess.Popen[bytes]] = []
        self._started = 0

    def start(self, module: str, **settings: str) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "DELTASTREAM_REDIS_URL": self.urls.redis_url,
            "DELTASTREAM_MONGO_URI": self.urls.mongo_uri,
            "DELTASTREAM_MONGO_DB": "bench",
            "DELTASTREAM_METRICS_PORT": "0",
            "DELTASTREAM_AUTH_PUBLIC_KEY": self.tokens.public_pem,
            **{f"DELTASTREAM_{k.upper()}": v for k, v in settings.items()},
        }
        self._started += 1  # numbered across stops: a later phase's logs are files of their own
        log = (self._log_dir / f"{self._started:02d}-{module}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", module], env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        self._processes.append(process)
        return process

    def stop(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self._processes:
            process.wait(timeout=30)
        self._processes.clear()


class Subscriber(threading.Thread):
    """Counts updates and records tick-to-client latency until stopped."""

    def __init__(self, target: str, metadata: Metadata) -> None:
        super().__init__(daemon=True)
        self._target = target
        self._metadata = metadata
        self.latencies_ms: list[float] = []
        self.published_ms: list[float] = []
        """Per live update, the part of its latency up to the enricher's publication."""
        self.updates = 0
        self._call: grpc.Future | None = None
        self.ready = threading.Event()

    def run(self) -> None:
        with grpc.insecure_channel(self._target) as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            stub = market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]
            self._call = stub.Subscribe(
                market_data_pb2.SubscribeRequest(underlyings=list(UNDERLYINGS)),
                metadata=self._metadata,
            )
            self.ready.set()
            try:
                for update in self._call:
                    self.updates += 1
                    if update.stream_id:  # live, not the initial state
                        tick_ms = update.chain.timestamp_ns / 1e6
                        self.latencies_ms.append(time.time_ns() / 1e6 - tick_ms)
                        self.published_ms.append(bus.stream_id(update.stream_id)[0] - tick_ms)
            except grpc.RpcError:
                return

    def stop(self) -> None:
        if self._call is not None:
            self._call.cancel()
        self.join(timeout=10)


def _backlog(redis_client: redis.Redis, count: int) -> None:
    market = SyntheticMarket(default_market_config(11), dt.datetime.now(dt.UTC))
    publisher = TickPublisher(redis_client, max_length=count * 2)
    for _ in range(0, count, 5000):
        publisher.publish(market.ticks(5000, time.time_ns()))


def _group_state(redis_client: redis.Redis) -> tuple[int, int, int]:
    """(entries read, lag, pending) of the enricher group over all tick streams."""
    read = lag = pending = 0
    for underlying in UNDERLYINGS:
        for group in redis_client.xinfo_groups(bus.ticks_stream(underlying)):
            if group["name"] == bus.ENRICHER_GROUP.encode():
                read += int(group.get("entries-read") or 0)
                lag += int(group.get("lag") or 0)
                pending += int(group["pending"])
    return read, lag, pending


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _gauge(port: int, name: str) -> float:
    """A gauge's value from a service's ``/metrics``, read as Prometheus reads it."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    raise LookupError(f"{name} is not exported on port {port}")


def throughput(platform: Platform, redis_client: redis.Redis, report: Report, count: int) -> None:
    _backlog(redis_client, count)
    target = f"127.0.0.1:{free_port()}"
    platform.start("deltastream.marketdata", grpc_port=target.rsplit(":", 1)[1])
    subscriber = Subscriber(target, platform.tokens.viewer())
    subscriber.start()
    subscriber.ready.wait(30)
    platform.start("deltastream.enricher", consumer_name="bench", batch_size="2000")
    while _group_state(redis_client)[0] == 0:
        time.sleep(0.01)
    started = time.perf_counter()
    while True:
        _, lag, pending = _group_state(redis_client)
        if lag == 0 and pending == 0:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    subscriber.stop()
    platform.stop()
    report.add("pipeline: sustained throughput", count / elapsed, "quotes/s")
    report.add(
        "pipeline: updates delivered to a subscriber", subscriber.updates / elapsed, "updates/s"
    )


def latency(
    platform: Platform, report: Report, rate: int, seconds: float, enrichers: int = 1
) -> None:
    target = f"127.0.0.1:{free_port()}"
    platform.start("deltastream.marketdata", grpc_port=target.rsplit(":", 1)[1])
    metrics_port = free_port()
    enricher, *_ = [
        platform.start(
            "deltastream.enricher",
            consumer_name=f"bench-latency-{replica}",
            **({"metrics_port": str(metrics_port)} if replica == 0 else {}),
        )
        for replica in range(enrichers)
    ]
    subscriber = Subscriber(target, platform.tokens.viewer())
    subscriber.start()
    subscriber.ready.wait(30)
    platform.start("deltastream.feed", quotes_per_second=str(rate), seed="5")
    time.sleep(min(5.0, seconds / 4))  # warm-up: imports, first chains, caches
    subscriber.latencies_ms.clear()
    subscriber.published_ms.clear()
    rss: list[int] = []
    store_waiting: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rss.append(_rss_kib(enricher.pid))
        if len(rss) % 5 == 0:
            store_waiting.append(_gauge(metrics_port, "deltastream_enricher_store_waiting_batches"))
        time.sleep(1.0)
    peak = _rss_kib(enricher.pid, "VmHWM")
    subscriber.stop()
    platform.stop()
    count = min(len(subscriber.latencies_ms), len(subscriber.published_ms))
    latencies = np.array(subscriber.latencies_ms[:count])
    published = np.array(subscriber.published_ms[:count])
    name = f"latency at {rate:,} quotes/s" + (f", {enrichers} enrichers" if enrichers > 1 else "")
    report.add(f"{name}: p50", float(np.percentile(latencies, 50)), "ms")
    report.add(f"{name}: p99", float(np.percentile(latencies, 99)), "ms")
    for part, values in (
        ("tick→publish", published),
        ("publish→client", latencies - published),
    ):
        for percent in (50, 99):
            report.add(f"{name}: {part} p{percent}", float(np.percentile(values, percent)), "ms")
    if enrichers > 1:
        return
    report.add("enricher memory: first sample", rss[0] / 1024, "MiB")
    report.add(f"enricher memory: after {seconds:.0f} s", rss[-1] / 1024, "MiB")
    report.add("enricher memory: peak", peak / 1024, "MiB")
    report.add("enricher memory: most batches waiting for the store", max(store_waiting), "batches")
    if seconds >= 120:  # a slope over a minute or more
        report.add("enricher memory: trend after the first minute", _trend(rss), "MiB/hour")


def _trend(rss_kib: list[int], interval_seconds: float = 1.0, skip_seconds: float = 60.0) -> float:
    """The least-squares slope of resident memory sampled every ``interval_seconds``, from
    ``skip_seconds`` on (start-up allocations are not a trend), in MiB per hour."""
    samples = np.array(rss_kib[int(skip_seconds / interval_seconds) :], dtype=np.float64) / 1024
    hours = np.arange(samples.size) * interval_seconds / 3600
    return float(np.polyfit(hours, samples, 1)[0])


def run(report: Report, *, quick: bool = False) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="deltastream-bench-") as tmp,
        embedded_servers(Path(tmp) / "servers") as urls,
    ):
        redis_client = bus.connect(urls.redis_url)
        platform = Platform(urls, log_directory("pipeline"), TokenIssuer())
        try:
            throughput(platform, redis_client, report, 60_000 if quick else 200_000)
            for underlying in UNDERLYINGS:
                redis_client.delete(bus.ticks_stream(underlying), bus.enriched_stream(underlying))
            for enrichers in (1, 2):
                latency(platform, report, 5_000, 30.0 if quick else 600.0, enrichers)
                for underlying in UNDERLYINGS:
                    redis_client.delete(bus.ticks_stream(underlying))
        finally:
            platform.stop()
            redis_client.close()
