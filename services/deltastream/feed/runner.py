"""The feed's two modes: the synthetic market at a steady rate, or the replay of a file."""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import redis

from deltastream import bus
from deltastream.feed.market import SyntheticMarket, default_market_config
from deltastream.feed.publisher import TickPublisher
from deltastream.feed.replay import ReplayError, read_ticks
from deltastream.feed.settings import FeedSettings
from deltastream.market.quotes import Tick
from deltastream.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)

_REPLAY_BATCH = 500


@dataclass(frozen=True, slots=True)
class Release:
    """Ticks the synthetic feed publishes together, ``offset_seconds`` after it starts."""

    offset_seconds: float
    count: int


def release_schedule(
    quotes_per_second: float, interval_seconds: float, max_ticks: int = 0
) -> Iterator[Release]:
    """A release every ``interval_seconds`` of the ticks due by then and not yet released, so
    that every release ends with the count the rate gives (never ahead of it); ending after
    ``max_ticks`` ticks (0: never). An interval in which no whole tick falls due has none."""
    per_interval = quotes_per_second * interval_seconds
    released = 0
    step = 0
    while not _reached(max_ticks, released):
        step = max(step + 1, math.ceil((released + 1) / per_interval))  # the next tick's
        offset = step * interval_seconds
        count = int(offset * quotes_per_second) - released
        if max_ticks:
            count = min(count, max_ticks - released)
        if count > 0:
            yield Release(offset, count)
            released += count


Encoded = TypeVar("Encoded")


class Publisher(Protocol[Encoded]):
    """Where the synthetic feed's releases go: a ``TickPublisher`` in the service."""

    def encode(self, ticks: Sequence[Tick]) -> Encoded: ...

    def send(self, batch: Encoded) -> int: ...


def run_synthetic(settings: FeedSettings, publisher: Publisher[Any], stop: threading.Event) -> int:
    """Publish the synthetic market at the configured rate until stopped; returns the count.

    The ticks of a release are made and encoded ahead of it, bear the instant it is due, and
    are sent at that instant: a tick's time is when it enters the stream, not the start of the
    market model's pricing before it, and a release sent late keeps the instant it was due, so
    its lateness counts in the tick-to-client latency. The releases keep to the clock, their
    publication's own time included.
    """
    market = SyntheticMarket(default_market_config(settings.seed), dt.datetime.now(dt.UTC))
    published = 0
    started, started_ns = time.monotonic(), time.time_ns()
    schedule = release_schedule(
        settings.quotes_per_second, settings.publish_interval_seconds, settings.max_ticks
    )
    for release in schedule:
        ticks = market.ticks(release.count, started_ns + round(release.offset_seconds * 1e9))
        batch = publisher.encode(ticks)
        if stop.wait(max(started + release.offset_seconds - time.monotonic(), 0.0)):
            break
        published += publisher.send(batch)
    return published


def run_replay(
    settings: FeedSettings,
    publisher: TickPublisher,
    client: redis.Redis,
    stop: threading.Event,
) -> int:
    """Publish the ticks of a recorded file; bad lines go to the dead-letter stream."""
    assert settings.replay_path is not None  # noqa: S101 - checked by the caller
    published = 0
    started = time.monotonic()
    for batch in _batches(read_ticks(settings.replay_path), _REPLAY_BATCH):
        if stop.is_set():
            break
        ticks = [item for item in batch if not isinstance(item, ReplayError)]
        errors = [item for item in batch if isinstance(item, ReplayError)]
        _dead_letter(client, settings, errors)
        published += publisher.publish(ticks)
        if settings.replay_rate:
            ahead = published / settings.replay_rate - (time.monotonic() - started)
            stop.wait(max(ahead, 0.0))
    return published


def _dead_letter(client: redis.Redis, settings: FeedSettings, errors: list[ReplayError]) -> None:
    if not errors:
        return
    path = str(settings.replay_path)
    bus.publish(
        client,
        bus.DEAD_LETTER_STREAM,
        [
            {"source": f"{path}:{error.line_number}", "reason": error.reason, "raw": error.raw}
            for error in errors
        ],
        max_length=settings.dead_letter_max_length,
    )
    DEAD_LETTERS.labels("replay").inc(len(errors))
    log.warning("replay lines dead-lettered", extra={"count": len(errors), "path": path})


def _batches(items: Iterable[Tick | ReplayError], size: int) -> Iterator[list[Tick | ReplayError]]:
    batch: list[Tick | ReplayError] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _reached(limit: int, count: int) -> bool:
    return bool(limit) and count >= limit
