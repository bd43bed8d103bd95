"""The feed's two modes: the synthetic market at a steady rate, or the replay of a file."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator

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


def run_synthetic(settings: FeedSettings, publisher: TickPublisher, stop: threading.Event) -> int:
    """Publish the synthetic market at the configured rate until stopped; returns the count."""
    market = SyntheticMarket(default_market_config(settings.seed), dt.datetime.now(dt.UTC))
    published = 0
    started = time.monotonic()
    while not stop.is_set() and not _reached(settings.max_ticks, published):
        due = int((time.monotonic() - started) * settings.quotes_per_second) - published
        if settings.max_ticks:
            due = min(due, settings.max_ticks - published)
        if due > 0:
            published += publisher.publish(market.ticks(due, time.time_ns()))
        stop.wait(settings.publish_interval_seconds)
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
