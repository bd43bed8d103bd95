"""When an alert rule fires: a pure state machine per rule, fed one observed value at a time.

A rule fires once per crossing, never in storms:

- ``ABOVE`` (``BELOW``) fires when the value is above (below) the threshold while the rule is
  armed. A new rule is armed. After it fires it re-arms only once the value has been seen back
  across the level (at or below it, for ``ABOVE``) *and* the cool-down since the last event has
  passed; the next observation on the firing side then fires again. A value that stays above
  fires once, however long it stays.
- ``CROSSES`` remembers the side (at-or-above, or below) where the value was at the last event
  (or when first seen) and fires when it is seen on the other side after the cool-down. A path
  that crosses and comes back within the cool-down fires nothing for that round trip.
- ``MAX_PAIN_MOVE`` fires when the value has moved more than the threshold from its value at
  the last event (or when first seen): up for ``ABOVE``, down for ``BELOW``, either way for
  ``CROSSES``; the event's value becomes the new reference.
- The change kinds (``IV_CHANGE``, and ``OI_CHANGE`` with a window) apply the level logic to
  the change over the window: the value now minus (for open interest: the percent change from)
  the oldest observation no older than the window.

Time is the observation's own (the chain's newest quote), never the wall clock, so a replay
of the same stream gives the same events.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass

MAX_WINDOW_OBSERVATIONS = 2048


class RuleKind(enum.IntEnum):
    """What a rule watches; the numbers are the contract's ``RuleKind``."""

    PRICE = 1
    PCR = 2
    IV = 3
    ATM_IV = 4
    IV_CHANGE = 5
    MAX_PAIN_MOVE = 6
    OI_CHANGE = 7


class Direction(enum.IntEnum):
    """The contract's ``AlertDirection``."""

    ABOVE = 1
    BELOW = 2
    CROSSES = 3


ABOVE_SIDE = 1
BELOW_SIDE = -1


@dataclass(frozen=True, slots=True)
class Trigger:
    """The part of a rule that decides when it fires."""

    kind: RuleKind
    direction: Direction
    threshold: float
    window_ns: int = 0
    cooldown_ns: int = 0

    @property
    def windowed(self) -> bool:
        return self.kind in {RuleKind.IV_CHANGE, RuleKind.OI_CHANGE} and self.window_ns > 0


@dataclass(frozen=True, slots=True)
class RuleState:
    """What a rule remembers between observations.

    ``side``: the level kinds' reference side (+1 above, -1 below): where the value was at the
    last event, or where it was last seen once it came back across. ``reference``: the value a
    max-pain move is measured from. ``window``: recent ``(timestamp_ns, value)`` of the change
    kinds, oldest first.
    """

    side: int | None = None
    reference: float | None = None
    last_fired_ns: int | None = None
    window: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Firing:
    """An event to emit: the value that fired and what it was measured from (NaN for levels)."""

    value: float
    reference_value: float


def step(
    trigger: Trigger, state: RuleState, timestamp_ns: int, value: float
) -> tuple[RuleState, Firing | None]:
    """The rule's next state after observing ``value`` at ``timestamp_ns``, and its event."""
    if not math.isfinite(value):
        return state, None
    if trigger.kind is RuleKind.MAX_PAIN_MOVE:
        return _move_step(trigger, state, timestamp_ns, value)
    if trigger.windowed:
        return _change_step(trigger, state, timestamp_ns, value)
    return _level_step(trigger, state, timestamp_ns, value, math.nan)


def side_of(trigger: Trigger, value: float) -> int:
    """+1 or -1: which side of the level ``value`` is on, as the direction counts it."""
    if trigger.direction is Direction.ABOVE:
        return ABOVE_SIDE if value > trigger.threshold else BELOW_SIDE
    if trigger.direction is Direction.BELOW:
        return BELOW_SIDE if value < trigger.threshold else ABOVE_SIDE
    return ABOVE_SIDE if value >= trigger.threshold else BELOW_SIDE


def _firing_side(direction: Direction) -> int:
    return BELOW_SIDE if direction is Direction.BELOW else ABOVE_SIDE


def _cooled(trigger: Trigger, state: RuleState, timestamp_ns: int) -> bool:
    last = state.last_fired_ns
    return last is None or timestamp_ns - last >= trigger.cooldown_ns


def _level_step(
    trigger: Trigger, state: RuleState, timestamp_ns: int, value: float, reference_value: float
) -> tuple[RuleState, Firing | None]:
    side = side_of(trigger, value)
    crosses = trigger.direction is Direction.CROSSES
    if state.side is not None:
        reference = state.side
    else:
        reference = side if crosses else -_firing_side(trigger.direction)
    if side == reference:
        return dataclasses.replace(state, side=reference), None
    if not crosses and side != _firing_side(trigger.direction):
        return dataclasses.replace(state, side=side), None  # back across the level: re-armed
    if not _cooled(trigger, state, timestamp_ns):
        return dataclasses.replace(state, side=reference), None
    fired = dataclasses.replace(state, side=side, last_fired_ns=timestamp_ns)
    return fired, Firing(value=value, reference_value=reference_value)


def _move_step(
    trigger: Trigger, state: RuleState, timestamp_ns: int, value: float
) -> tuple[RuleState, Firing | None]:
    if state.reference is None:
        return dataclasses.replace(state, reference=value), None
    move = value - state.reference
    moved = {
        Direction.ABOVE: move > trigger.threshold,
        Direction.BELOW: move < -trigger.threshold,
        Direction.CROSSES: abs(move) > trigger.threshold,
    }[trigger.direction]
    if not moved or not _cooled(trigger, state, timestamp_ns):
        return state, None
    fired = dataclasses.replace(state, reference=value, last_fired_ns=timestamp_ns)
    return fired, Firing(value=value, reference_value=state.reference)


def _change_step(
    trigger: Trigger, state: RuleState, timestamp_ns: int, value: float
) -> tuple[RuleState, Firing | None]:
    horizon = timestamp_ns - trigger.window_ns
    kept = [(t, v) for t, v in state.window if t >= horizon and t <= timestamp_ns]
    window = (*kept, (timestamp_ns, value))[-MAX_WINDOW_OBSERVATIONS:]
    state = dataclasses.replace(state, window=window)
    base = window[0][1]
    change = change_of(trigger.kind, base, value)
    if not math.isfinite(change):
        return state, None
    return _level_step(trigger, state, timestamp_ns, change, base)


def change_of(kind: RuleKind, before: float, after: float) -> float:
    """Open interest changes in percent of the earlier value; the others in their own unit."""
    if kind is RuleKind.OI_CHANGE:
        return 100.0 * (after - before) / before if before > 0 else math.nan
    return after - before
