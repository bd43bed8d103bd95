"""The synthetic feed's schedule: releases that keep to the rate and the clock, made ahead
and stamped with the instant they are due, published no earlier than that instant."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deltastream.feed.runner import Release, release_schedule, run_synthetic
from deltastream.feed.settings import FeedSettings
from deltastream.market.quotes import Tick


def test_each_interval_releases_the_ticks_due_by_its_end() -> None:
    releases = list(release_schedule(1000.0, 0.05, max_ticks=200))
    assert releases == [Release(0.05 * step, 50) for step in range(1, 5)]


def test_an_interval_without_a_whole_tick_due_releases_nothing() -> None:
    releases = list(release_schedule(3.0, 0.25, max_ticks=3))
    assert [release.count for release in releases] == [1, 1, 1]
    assert [release.offset_seconds for release in releases] == [0.5, 0.75, 1.0]


@given(
    rate=st.floats(min_value=0.5, max_value=50_000),
    interval=st.floats(min_value=0.001, max_value=1.0),
    limit=st.integers(min_value=1, max_value=5_000),
)
def test_the_releases_never_run_ahead_of_the_rate_nor_lag_a_tick_behind(
    rate: float, interval: float, limit: int
) -> None:
    released = 0
    for release in release_schedule(rate, interval, max_ticks=limit):
        released += release.count
        assert release.count > 0
        assert released <= release.offset_seconds * rate
        assert released >= min(int(release.offset_seconds * rate), limit)
    assert released == limit


class _Recorder:
    """Keeps each publication's ticks and the wall-clock time it was sent, and counts the
    releases encoded."""

    def __init__(self) -> None:
        self.publications: list[tuple[int, list[Tick]]] = []
        self.encoded = 0

    def encode(self, ticks: Sequence[Tick]) -> list[Tick]:
        self.encoded += 1
        return list(ticks)

    def send(self, ticks: list[Tick]) -> int:
        self.publications.append((time.time_ns(), ticks))
        return len(ticks)


def test_the_feed_publishes_each_release_at_the_instant_its_ticks_bear() -> None:
    settings = FeedSettings(
        quotes_per_second=4000, publish_interval_seconds=0.02, max_ticks=400, metrics_port=0
    )
    recorder = _Recorder()
    published = run_synthetic(settings, recorder, threading.Event())

    assert published == 400 == sum(len(ticks) for _, ticks in recorder.publications)
    assert [len(ticks) for _, ticks in recorder.publications] == [80] * 5
    stamps = []
    for published_ns, ticks in recorder.publications:
        (stamp,) = {tick.timestamp_ns for tick in ticks}
        assert published_ns >= stamp  # never in the stream before its time
        stamps.append(stamp)
    assert [b - a for a, b in itertools.pairwise(stamps)] == [20_000_000] * 4


def test_a_stop_ends_the_feed_before_its_next_release() -> None:
    stop = threading.Event()
    stop.set()
    recorder = _Recorder()
    settings = FeedSettings(quotes_per_second=1000, publish_interval_seconds=0.05, metrics_port=0)
    assert run_synthetic(settings, recorder, stop) == 0
    assert recorder.publications == []
    assert recorder.encoded == 1  # the next release is encoded while it is waited for


@pytest.mark.parametrize("interval", [0.01, 0.1])
def test_the_releases_keep_to_the_clock(interval: float) -> None:
    settings = FeedSettings(
        quotes_per_second=1000, publish_interval_seconds=interval, max_ticks=50, metrics_port=0
    )
    recorder = _Recorder()
    started = time.monotonic()
    run_synthetic(settings, recorder, threading.Event())
    assert time.monotonic() - started >= 0.05  # 50 ticks at 1,000/s take 50 ms of clock
