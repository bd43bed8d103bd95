"""The rule state machine on scripted paths, and against obviously-correct references on
random ones: once per crossing, re-armed only back across the level and after the cool-down."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.alerts.rules import (
    Direction,
    Firing,
    RuleKind,
    RuleState,
    Trigger,
    change_of,
    step,
)

SECOND = 10**9


def run(
    trigger: Trigger, path: Sequence[float], times: Sequence[int] | None = None
) -> list[tuple[int, Firing]]:
    """Feed ``path`` (one value per second unless ``times`` says otherwise); the events as
    (index, firing)."""
    state = RuleState()
    events = []
    for index, value in enumerate(path):
        timestamp_ns = index * SECOND if times is None else times[index]
        state, firing = step(trigger, state, timestamp_ns, value)
        if firing is not None:
            events.append((index, firing))
    return events


def level(direction: Direction, threshold: float = 100.0, cooldown_s: float = 0) -> Trigger:
    return Trigger(RuleKind.PRICE, direction, threshold, cooldown_ns=int(cooldown_s * SECOND))


def indices(events: list[tuple[int, Firing]]) -> list[int]:
    return [index for index, _ in events]


def test_above_fires_once_per_upward_crossing() -> None:
    path = [99, 101, 102, 150, 99, 98, 101, 100, 101]
    assert indices(run(level(Direction.ABOVE), path)) == [1, 6, 8]


def test_a_new_rule_is_armed_so_a_value_already_above_fires() -> None:
    assert indices(run(level(Direction.ABOVE), [105, 106, 99, 104])) == [0, 3]


def test_below_mirrors_above() -> None:
    path = [101, 99, 98, 100, 101, 99]
    assert indices(run(level(Direction.BELOW), path)) == [1, 5]


def test_crosses_fires_on_every_change_of_side_but_not_on_the_first_value() -> None:
    path = [99, 101, 102, 99, 99, 100, 98]
    events = run(level(Direction.CROSSES), path)
    assert indices(events) == [1, 3, 5, 6]
    assert [firing.value for _, firing in events] == [101, 99, 100, 98]
    assert all(math.isnan(firing.reference_value) for _, firing in events)


def test_touching_the_level_is_not_above_but_is_a_crossing_up() -> None:
    assert run(level(Direction.ABOVE), [99, 100, 100]) == []
    assert indices(run(level(Direction.CROSSES), [99, 100])) == [1]


def test_cool_down_delays_a_new_crossing_until_it_has_passed() -> None:
    trigger = level(Direction.ABOVE, cooldown_s=10)
    path = [101, 99, 101, 101, 101]
    times = [0, 1 * SECOND, 2 * SECOND, 9 * SECOND, 10 * SECOND]
    # back below at 1 s re-arms, but the crossing at 2 s is inside the cool-down: it fires at
    # 10 s, the first observation after the cool-down that is still above
    assert indices(run(trigger, path, times)) == [0, 4]


def test_cool_down_swallows_a_round_trip() -> None:
    trigger = level(Direction.CROSSES, cooldown_s=60)
    path = [99, 101, 99, 101, 99, 99]
    times = [t * SECOND for t in (0, 1, 2, 3, 4, 62)]
    # up at 1 s fires; the trips within 60 s end where they started (below at 4 s is a change
    # from the last event's side, but inside the cool-down); below at 62 s fires
    assert indices(run(trigger, path, times)) == [1, 5]


def test_gaps_in_the_data_neither_fire_nor_rearm() -> None:
    path = [101, math.nan, math.inf, 101, -math.inf, 102]
    assert indices(run(level(Direction.ABOVE), path)) == [0]


def test_max_pain_moves_are_measured_from_the_last_event() -> None:
    trigger = Trigger(RuleKind.MAX_PAIN_MOVE, Direction.CROSSES, 50.0)
    path = [24_000, 24_050, 24_100, 24_100, 24_000, 24_000]
    events = run(trigger, path)
    assert indices(events) == [2, 4]
    assert [(f.reference_value, f.value) for _, f in events] == [(24_000, 24_100), (24_100, 24_000)]


def test_max_pain_moves_in_one_direction_only() -> None:
    up = Trigger(RuleKind.MAX_PAIN_MOVE, Direction.ABOVE, 0.0)
    down = Trigger(RuleKind.MAX_PAIN_MOVE, Direction.BELOW, 0.0)
    path = [100, 100, 110, 90, 95]
    # each measured from the value at its own last event (100, then 110 or 90)
    assert indices(run(up, path)) == [2]
    assert indices(run(down, path)) == [3]


def test_iv_change_is_measured_over_the_window() -> None:
    trigger = Trigger(RuleKind.IV_CHANGE, Direction.ABOVE, 0.02, window_ns=10 * SECOND)
    path = [0.20, 0.21, 0.215, 0.225, 0.225, 0.225]
    times = [0, 5, 8, 12, 20, 40]
    events = run(trigger, path, [t * SECOND for t in times])
    # 2.5 points since 0 s, but at 12 s the window (>= 2 s) starts at 0.21 (5 s): +1.5 points;
    # at 20 s it starts at 0.225 (12 s). Only a rise of more than 2 points within 10 s fires.
    assert events == []
    faster = run(trigger, [0.20, 0.21, 0.225, 0.20], [0, 4 * SECOND, 9 * SECOND, 30 * SECOND])
    assert indices(faster) == [2]
    _, firing = faster[0]
    assert firing.value == pytest.approx(0.025)
    assert firing.reference_value == 0.20


def test_oi_change_over_a_window_is_in_percent() -> None:
    trigger = Trigger(RuleKind.OI_CHANGE, Direction.BELOW, -10.0, window_ns=60 * SECOND)
    events = run(trigger, [1000, 950, 880, 870], [0, 10 * SECOND, 20 * SECOND, 30 * SECOND])
    assert indices(events) == [2]
    assert events[0][1].value == pytest.approx(-12.0)
    assert change_of(RuleKind.OI_CHANGE, 0.0, 5.0) != change_of(RuleKind.OI_CHANGE, 0.0, 5.0)


def test_without_a_window_the_change_kinds_compare_the_value_itself() -> None:
    trigger = Trigger(RuleKind.OI_CHANGE, Direction.ABOVE, 5.0)
    assert indices(run(trigger, [1.0, 6.0, 7.0, 2.0, 8.0])) == [1, 4]


# References: the same rules written the obvious way, one boolean or one side at a time.


def reference_above(values: list[int], times: list[int], threshold: int, cooldown: int) -> int:
    armed, last_fire, count = True, None, 0
    for value, time in zip(values, times, strict=True):
        if value <= threshold:
            armed = True
        elif armed and (last_fire is None or time - last_fire >= cooldown):
            armed, last_fire, count = False, time, count + 1
    return count


def reference_crosses(values: list[int], times: list[int], threshold: int, cooldown: int) -> int:
    side, last_fire, count = None, None, 0
    for value, time in zip(values, times, strict=True):
        now = value >= threshold
        if side is None:
            side = now
        elif now != side and (last_fire is None or time - last_fire >= cooldown):
            side, last_fire, count = now, time, count + 1
    return count


paths = st.lists(st.integers(96, 104), min_size=1, max_size=60)
steps = st.lists(st.integers(0, 20), min_size=60, max_size=60)


@given(values=paths, gaps=steps, cooldown=st.sampled_from([0, 5, 30]))
@settings(max_examples=200, deadline=None)
def test_above_matches_the_reference(values: list[int], gaps: list[int], cooldown: int) -> None:
    times = [sum(gaps[: i + 1]) * SECOND for i in range(len(values))]
    trigger = level(Direction.ABOVE, 100, cooldown)
    events = run(trigger, [float(v) for v in values], times)
    assert len(events) == reference_above(values, times, 100, cooldown * SECOND)
    fired = [times[i] for i in indices(events)]
    assert all(b - a >= cooldown * SECOND for a, b in itertools.pairwise(fired))
    assert all(firing.value > 100 for _, firing in events)


@given(values=paths, gaps=steps, cooldown=st.sampled_from([0, 5, 30]))
@settings(max_examples=200, deadline=None)
def test_crosses_matches_the_reference(values: list[int], gaps: list[int], cooldown: int) -> None:
    times = [sum(gaps[: i + 1]) * SECOND for i in range(len(values))]
    events = run(level(Direction.CROSSES, 100, cooldown), [float(v) for v in values], times)
    assert len(events) == reference_crosses(values, times, 100, cooldown * SECOND)
    sides = [firing.value >= 100 for _, firing in events]
    assert all(a != b for a, b in itertools.pairwise(sides))


@given(values=paths)
@settings(max_examples=200, deadline=None)
def test_without_cool_down_crosses_fires_exactly_once_per_crossing(values: list[int]) -> None:
    sides = [v >= 100 for v in values]
    crossings = sum(1 for a, b in itertools.pairwise(sides) if a != b)
    assert len(run(level(Direction.CROSSES), [float(v) for v in values])) == crossings


@given(values=paths)
@settings(max_examples=100, deadline=None)
def test_replaying_a_path_from_its_state_fires_nothing_new(values: list[int]) -> None:
    """A redelivered observation (same time, same value) never fires again."""
    trigger = level(Direction.CROSSES)
    state = RuleState()
    for index, value in enumerate(values):
        state, _ = step(trigger, state, index * SECOND, float(value))
        again, firing = step(trigger, state, index * SECOND, float(value))
        assert firing is None
        assert again == state
