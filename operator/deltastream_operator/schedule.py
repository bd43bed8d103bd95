"""The trading-session schedule: which replica bounds apply at an instant, and until when.

A pure function of (schedule, holiday calendar, instant) with no I/O and no clock of its own,
so that every rule is tested over a table of instants:

- Regular sessions run on their weekdays, in the exchange's local wall-clock time (zoneinfo,
  so a DST-observing zone keeps its local hours). A session whose end is not after its start
  runs overnight into the next day; it belongs to the day it starts on.
- No regular session starts on an exchange holiday or on one of the resource's own holidays.
  Special sessions (one-off, on a date) run even on holidays.
- Pre-warm: a session's bounds apply from ``start - prewarm``, so the workload is ready when
  the session opens. Where windows overlap (a session still open while the next one is
  pre-warming, or two sessions at once), each bound is the largest of them: capacity is never
  taken away from a session that is still open.
- Outside every window, the off-hours bounds apply.
- A local time that does not exist (the hour skipped by a DST change) is taken as the same
  wall-clock reading before the change, i.e. shifted forward by the gap; an ambiguous one
  (the repeated hour) is its first occurrence.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from deltastream_operator.calendar import HolidayCalendar

UTC = datetime.UTC
OFF_HOURS = "off-hours"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# How far around an instant the schedule looks for sessions: two days back covers an overnight
# session started the day before yesterday's evening; sixteen days ahead covers long holiday
# stretches. Special sessions are looked at whatever their date.
_DAYS_BEHIND = 2
_DAYS_AHEAD = 16
_WINDOWS = 27  # x 16 days: the next transition is looked for up to about a year ahead
_RESOLUTION = datetime.timedelta(microseconds=1)


class Phase(enum.StrEnum):
    """Why the bounds are what they are."""

    SESSION = "Session"
    PREWARM = "PreWarm"
    OFF_HOURS = "OffHours"


@dataclass(frozen=True, order=True)
class Bounds:
    """An HPA's ``minReplicas``/``maxReplicas`` pair (or the range the replicas are kept in)."""

    min_replicas: int
    max_replicas: int

    def __post_init__(self) -> None:
        if not 0 <= self.min_replicas <= self.max_replicas or self.max_replicas < 1:
            raise ValueError(f"bad bounds {self.min_replicas}..{self.max_replicas}")

    def union(self, other: Bounds) -> Bounds:
        """The larger of each bound: what two overlapping windows need at once."""
        return Bounds(
            max(self.min_replicas, other.min_replicas), max(self.max_replicas, other.max_replicas)
        )


@dataclass(frozen=True)
class Session:
    """A weekly session: on ``days`` (0 = Monday), from ``start`` to ``end`` local time."""

    name: str
    days: frozenset[int]
    start: datetime.time
    end: datetime.time
    bounds: Bounds

    @property
    def overnight(self) -> bool:
        """True when the session ends on the day after it starts."""
        return self.end <= self.start


@dataclass(frozen=True)
class SpecialSession:
    """A one-off session on a local ``date``, held even when that date is a holiday."""

    name: str
    date: datetime.date
    start: datetime.time
    end: datetime.time
    bounds: Bounds


@dataclass(frozen=True)
class Schedule:
    """Everything the schedule function needs from a MarketHoursScaler's spec."""

    timezone: ZoneInfo
    sessions: tuple[Session, ...]
    off_hours: Bounds
    prewarm: datetime.timedelta = datetime.timedelta(0)
    holidays: frozenset[datetime.date] = frozenset()
    special_sessions: tuple[SpecialSession, ...] = ()


@dataclass(frozen=True)
class Decision:
    """What applies at an instant: the session, its phase, the bounds, and until when.

    ``next_transition`` is the first later instant at which any of the others changes (UTC),
    or None when no session is in sight.
    """

    session: str
    phase: Phase
    min_replicas: int
    max_replicas: int
    next_transition: datetime.datetime | None

    @property
    def bounds(self) -> Bounds:
        return Bounds(self.min_replicas, self.max_replicas)


@dataclass(frozen=True)
class Occurrence:
    """One session on one day, in absolute (UTC) time."""

    name: str
    start: datetime.datetime
    end: datetime.datetime
    bounds: Bounds
    special: bool


@dataclass(frozen=True)
class _State:
    session: str
    phase: Phase
    bounds: Bounds


def decide(schedule: Schedule, calendar: HolidayCalendar, instant: datetime.datetime) -> Decision:
    """The bounds that apply at ``instant`` (timezone-aware) and the next time they change."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("the instant must be timezone-aware")
    instant = instant.astimezone(UTC)
    state = _state_at(list(occurrences_around(schedule, calendar, instant)), schedule, instant)
    following = _next_change(schedule, calendar, instant, state)
    return Decision(
        session=state.session,
        phase=state.phase,
        min_replicas=state.bounds.min_replicas,
        max_replicas=state.bounds.max_replicas,
        next_transition=following,
    )


def occurrences_around(
    schedule: Schedule, calendar: HolidayCalendar, instant: datetime.datetime
) -> Iterator[Occurrence]:
    """Every session occurrence that can matter at ``instant`` or in the days after it."""
    today = instant.astimezone(schedule.timezone).date()
    first = today - datetime.timedelta(days=_DAYS_BEHIND)
    for offset in range(_DAYS_BEHIND + _DAYS_AHEAD + 1):
        day = first + datetime.timedelta(days=offset)
        if not (day in schedule.holidays or calendar.is_holiday(day)):
            yield from _regular_on(schedule, day)
    for special in schedule.special_sessions:
        if special.date >= first:
            yield _occurrence(schedule.timezone, special.name, special.date, special, True)


def _regular_on(schedule: Schedule, day: datetime.date) -> Iterator[Occurrence]:
    for session in schedule.sessions:
        if day.weekday() in session.days:
            yield _occurrence(schedule.timezone, session.name, day, session, False)


def _occurrence(
    zone: ZoneInfo, name: str, day: datetime.date, times: Session | SpecialSession, special: bool
) -> Occurrence:
    end_day = day + datetime.timedelta(days=1) if times.end <= times.start else day
    return Occurrence(
        name=name,
        start=local_instant(zone, day, times.start),
        end=local_instant(zone, end_day, times.end),
        bounds=times.bounds,
        special=special,
    )


def local_instant(zone: ZoneInfo, day: datetime.date, time: datetime.time) -> datetime.datetime:
    """The UTC instant of a local wall-clock reading (see the module notes on DST gaps)."""
    return datetime.datetime.combine(day, time, tzinfo=zone).astimezone(UTC)


def _state_at(
    occurrences: list[Occurrence], schedule: Schedule, instant: datetime.datetime
) -> _State:
    open_now = [o for o in occurrences if o.start <= instant < o.end]
    warming = [o for o in occurrences if o.start - schedule.prewarm <= instant < o.start]
    if not open_now and not warming:
        return _State(OFF_HOURS, Phase.OFF_HOURS, schedule.off_hours)
    bounds = _union(o.bounds for o in open_now + warming)
    if open_now:
        # The special session wins the name; between two regular ones, the later-started one.
        named = max(open_now, key=lambda o: (o.special, o.start))
        return _State(named.name, Phase.SESSION, bounds)
    named = min(warming, key=lambda o: (o.start, not o.special))
    return _State(named.name, Phase.PREWARM, bounds)


def _union(bounds: Iterable[Bounds]) -> Bounds:
    merged: Bounds | None = None
    for each in bounds:
        merged = each if merged is None else merged.union(each)
    if merged is None:
        raise ValueError("no bounds to merge")
    return merged


def _next_change(
    schedule: Schedule, calendar: HolidayCalendar, instant: datetime.datetime, state: _State
) -> datetime.datetime | None:
    """The first boundary after ``instant`` at which the state is not ``state`` any more.

    The search walks forward window by window (about two weeks each, up to about a year), so
    a schedule of special sessions only, or a long run of holidays, still has a next transition.
    """
    lower = instant
    for _ in range(_WINDOWS):
        occurrences = list(occurrences_around(schedule, calendar, lower))
        upper = _reliable_until(schedule, lower)
        points = {p for o in occurrences for p in _boundaries(o, schedule.prewarm)}
        for point in sorted(p for p in points if lower < p < upper):
            if _state_at(occurrences, schedule, point) != state:
                return point
        lower = upper - _RESOLUTION
    return None


def _boundaries(
    occurrence: Occurrence, prewarm: datetime.timedelta
) -> tuple[datetime.datetime, ...]:
    return (occurrence.start - prewarm, occurrence.start, occurrence.end)


def _reliable_until(schedule: Schedule, instant: datetime.datetime) -> datetime.datetime:
    """Up to when ``occurrences_around(instant)`` holds every window that can be open."""
    today = instant.astimezone(schedule.timezone).date()
    first_missing = today + datetime.timedelta(days=_DAYS_AHEAD + 1)
    return local_instant(schedule.timezone, first_missing, datetime.time()) - schedule.prewarm
