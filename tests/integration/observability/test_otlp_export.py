"""A service exports its spans over OTLP, set up by the standard ``OTEL_*`` variables alone.

The feed runs as a process whose only tracing settings are ``OTEL_EXPORTER_OTLP_ENDPOINT``
(the receiver of the test), for gRPC ``OTEL_EXPORTER_OTLP_PROTOCOL``, and a batch delay long
enough that its spans can leave only when it stops: it replays a small recorded session, is
stopped with SIGTERM while it still waits to pace the replay, and the receiver must then hold
its PRODUCER span and the redis CLIENT span under it, whose traceparent is the one the stream
entries carry.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from deltastream import bus
from deltastream.embedded import EmbeddedUrls
from deltastream.feed.recording import tick_record
from deltastream.market.codec import traceparent_of
from deltastream.market.quotes import Tick
from deltastream.telemetry import TRACE_FILE_VARIABLE
from tests.conftest import TokenAuthority
from tests.e2e.platform import ServiceProcesses, wait_for
from tests.integration.observability.otlp_receiver import (
    OtlpGrpcReceiver,
    OtlpHttpReceiver,
    OtlpReceiver,
    ReceivedSpan,
)
from tests.integration.pipeline.chains import expiry_in, priced_chain, spot_tick
from tests.streams import stream_ticks

pytestmark = pytest.mark.integration

WAIT_SECONDS = 30
REPLAY_RATE = "0.01"
"""Ticks per second: the feed publishes its one batch, then waits far longer than the test."""
HELD_UNTIL_EXIT = {"OTEL_BSP_SCHEDULE_DELAY": "600000"}
"""The batch processor's delay (ms): no span leaves on the schedule while the test runs."""

HTTP = pytest.param(OtlpHttpReceiver, {}, id="http/protobuf")
HTTP_GZIP = pytest.param(
    OtlpHttpReceiver, {"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}, id="http/protobuf-gzip"
)
GRPC = pytest.param(OtlpGrpcReceiver, {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, id="grpc")


@dataclass(frozen=True)
class FeedProcesses:
    """Starts the feed as ``make run`` does, with no tracing settings but the ones given."""

    urls: EmbeddedUrls
    public_key: str
    directory: Path
    redis: redis.Redis
    monkeypatch: pytest.MonkeyPatch

    @contextmanager
    def replaying(
        self, ticks: list[Tick], otel: Mapping[str, str]
    ) -> Iterator[subprocess.Popen[bytes]]:
        """The feed replaying ``ticks``, once they are all in their stream; stopped with
        SIGTERM when the block ends."""
        with self.monkeypatch.context() as environment:
            for name in [name for name in os.environ if name.startswith("OTEL_")]:
                environment.delenv(name)
            environment.delenv(TRACE_FILE_VARIABLE, raising=False)
            for name, value in otel.items():
                environment.setenv(name, value)
            processes = ServiceProcesses(
                self.urls, f"test_{uuid.uuid4().hex[:12]}", self.directory, self.public_key
            )
        stream = bus.ticks_stream(ticks[0].underlying)
        try:
            feed = processes.start(
                "deltastream.feed",
                replay_path=str(self._recorded_session(ticks)),
                replay_rate=REPLAY_RATE,
            )
            wait_for(
                lambda: stream_ticks(self.redis, stream) == len(ticks),
                WAIT_SECONDS,
                "the feed never published the session",
            )
            yield feed
        finally:
            processes.stop_all()

    def _recorded_session(self, ticks: list[Tick]) -> Path:
        path = self.directory / f"session-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_text("".join(json.dumps(tick_record(tick)) + "\n" for tick in ticks))
        return path


@pytest.fixture
def feed_processes(
    server_urls: EmbeddedUrls,
    token_authority: TokenAuthority,
    tmp_path: Path,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> FeedProcesses:
    return FeedProcesses(
        server_urls, token_authority.public_pem, tmp_path, redis_client, monkeypatch
    )


@pytest.fixture
def session(underlying: str) -> list[Tick]:
    """A spot print and a small chain of one underlying: one batch of the feed."""
    return [spot_tick(underlying), *priced_chain(underlying, expiry_in(8), strikes=3)]


def _traceparents(client: redis.Redis, stream: str) -> list[str | None]:
    entries: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(stream)  # type: ignore[assignment]
    return [traceparent_of(fields) for _, fields in entries]


def _span_of(traceparent: str | None) -> tuple[str, str, bool]:
    """The trace id, span id and sampled flag of a W3C traceparent."""
    assert traceparent, "an entry without a traceparent"
    _, trace_id, span_id, flags = traceparent.split("-")
    return trace_id, span_id, bool(int(flags, 16) & 1)


def _one(spans: list[ReceivedSpan], description: str) -> ReceivedSpan:
    assert len(spans) == 1, f"expected one {description}, found {spans}"
    return spans[0]


@pytest.mark.parametrize(("receiver_type", "otel"), [HTTP, HTTP_GZIP, GRPC])
def test_the_feed_exports_its_spans_to_an_otlp_receiver_when_stopped(
    receiver_type: type[OtlpReceiver],
    otel: dict[str, str],
    feed_processes: FeedProcesses,
    session: list[Tick],
    redis_client: redis.Redis,
) -> None:
    with receiver_type() as receiver:
        settings = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, **HELD_UNTIL_EXIT, **otel}
        with feed_processes.replaying(session, settings) as feed:
            assert feed.poll() is None, "the feed is still pacing its replay when stopped"
            assert receiver.received.spans == [], "the spans are held until the feed stops"
        assert feed.returncode == 0
        spans = receiver.received.spans

    assert {span.service for span in spans} == {"feed"}
    publish = _one([s for s in spans if s.kind == "PRODUCER"], "send span")
    assert publish.name == "send md.ticks.*"
    assert publish.parent_id is None
    assert publish.attributes["messaging.batch.message_count"] == len(session)
    transaction = _one(
        [s for s in spans if s.kind == "CLIENT" and s.parent_id == publish.span_id], "XADDs"
    )
    assert transaction.trace_id == publish.trace_id
    assert set(transaction.name.split()) == {"XADD"}
    system = transaction.attributes.get("db.system", transaction.attributes.get("db.system.name"))
    assert system == "redis"

    carried = _traceparents(redis_client, bus.ticks_stream(session[0].underlying))
    assert {_span_of(traceparent) for traceparent in carried} == {
        (publish.trace_id, publish.span_id, True)
    }
    if isinstance(receiver, OtlpHttpReceiver):
        compression = otel.get("OTEL_EXPORTER_OTLP_COMPRESSION", "identity")
        assert receiver.content_encodings == {compression}


@pytest.mark.parametrize(("receiver_type", "otel"), [HTTP, GRPC])
def test_a_receiver_that_refuses_the_spans_neither_crashes_nor_holds_the_feed(
    receiver_type: type[OtlpReceiver],
    otel: dict[str, str],
    feed_processes: FeedProcesses,
    session: list[Tick],
) -> None:
    """503 or UNAVAILABLE is retried until the exporter's timeout (1 s here), then dropped:
    the feed still exits normally on SIGTERM (``stop_all`` kills a process that does not exit
    within 15 s, and a killed process has no exit code 0)."""
    with receiver_type(refuse=True) as receiver:
        settings = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_TIMEOUT": "1",
            **HELD_UNTIL_EXIT,
            **otel,
        }
        with feed_processes.replaying(session, settings) as feed:
            assert feed.poll() is None
        assert feed.returncode == 0
        assert receiver.received.refused >= 1, "the feed never tried to export"
        assert receiver.received.spans == []
