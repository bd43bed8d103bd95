"""The schedule function over a table of instants, worked out by hand from the session rules.

The NSE example of docs/operator.md: pre-open 09:00-09:15 (2..4), regular 09:15-15:30 (4..16),
off-hours 1..2, a ten-minute pre-warm, the library's NSE calendar (Holi on Tue 2026-03-03,
Republic Day on Mon 2026-01-26), an extra holiday on Tue 2026-03-10, a muhurat session on
Sunday 2026-11-08 and a drill on the Holi holiday. India keeps no DST; New York does (clocks
go forward on Sun 2026-03-08 and back on Sun 2026-11-01).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream_operator.calendar import NoHolidays, exchange_calendar
from deltastream_operator.schedule import (
    OFF_HOURS,
    Bounds,
    Phase,
    Schedule,
    Session,
    SpecialSession,
    decide,
)

IST = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")
UTC = datetime.UTC
WEEKDAYS = frozenset(range(5))
NSE = exchange_calendar("NSE")


def t(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def ist(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=IST)


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


NSE_SCHEDULE = Schedule(
    timezone=IST,
    sessions=(
        Session("pre-open", WEEKDAYS, t("09:00"), t("09:15"), Bounds(2, 4)),
        Session("regular", WEEKDAYS, t("09:15"), t("15:30"), Bounds(4, 16)),
    ),
    off_hours=Bounds(1, 2),
    prewarm=datetime.timedelta(minutes=10),
    holidays=frozenset({datetime.date(2026, 3, 10)}),
    special_sessions=(
        SpecialSession("muhurat", datetime.date(2026, 11, 8), t("18:00"), t("19:15"), Bounds(3, 8)),
        SpecialSession("drill", datetime.date(2026, 3, 3), t("11:00"), t("12:00"), Bounds(2, 3)),
    ),
)

# instant (IST), session, phase, min, max, next transition (IST)
NSE_TABLE = [
    # A plain Monday, second by second around every boundary.
    ("2026-03-02 08:49:59", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-02 08:50:00"),
    ("2026-03-02 08:50:00", "pre-open", Phase.PREWARM, 2, 4, "2026-03-02 09:00:00"),
    ("2026-03-02 08:59:59", "pre-open", Phase.PREWARM, 2, 4, "2026-03-02 09:00:00"),
    ("2026-03-02 09:00:00", "pre-open", Phase.SESSION, 2, 4, "2026-03-02 09:05:00"),
    # Pre-open is still open while the regular session pre-warms: the larger bounds.
    ("2026-03-02 09:05:00", "pre-open", Phase.SESSION, 4, 16, "2026-03-02 09:15:00"),
    ("2026-03-02 09:14:59", "pre-open", Phase.SESSION, 4, 16, "2026-03-02 09:15:00"),
    ("2026-03-02 09:15:00", "regular", Phase.SESSION, 4, 16, "2026-03-02 15:30:00"),
    ("2026-03-02 15:29:59", "regular", Phase.SESSION, 4, 16, "2026-03-02 15:30:00"),
    ("2026-03-02 15:30:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-03 10:50:00"),
    # The weekend: from Friday's close to Monday's pre-warm.
    ("2026-03-06 16:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-09 08:50:00"),
    ("2026-03-07 12:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-09 08:50:00"),
    ("2026-03-08 23:59:59", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-09 08:50:00"),
    # Holi (the library's NSE calendar) has no regular session, only the special drill.
    ("2026-03-03 09:30:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-03 10:50:00"),
    ("2026-03-03 10:50:00", "drill", Phase.PREWARM, 2, 3, "2026-03-03 11:00:00"),
    ("2026-03-03 11:30:00", "drill", Phase.SESSION, 2, 3, "2026-03-03 12:00:00"),
    ("2026-03-03 12:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-04 08:50:00"),
    ("2026-03-03 16:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-04 08:50:00"),
    # The resource's own holiday (Tue 2026-03-10): Monday's close waits for Wednesday.
    ("2026-03-09 15:30:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-11 08:50:00"),
    ("2026-03-10 10:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-03-11 08:50:00"),
    # Republic Day, a Monday in the library's calendar.
    ("2026-01-26 10:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-01-27 08:50:00"),
    # The muhurat session on a Sunday evening.
    ("2026-11-08 17:49:59", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-11-08 17:50:00"),
    ("2026-11-08 17:50:00", "muhurat", Phase.PREWARM, 3, 8, "2026-11-08 18:00:00"),
    ("2026-11-08 18:30:00", "muhurat", Phase.SESSION, 3, 8, "2026-11-08 19:15:00"),
    ("2026-11-08 19:15:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-11-09 08:50:00"),
    # Saturday before the muhurat: the next thing is the special session, not Monday.
    ("2026-11-07 12:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 2, "2026-11-08 17:50:00"),
]


@pytest.mark.parametrize(("instant", "session", "phase", "low", "high", "following"), NSE_TABLE)
def test_nse_table(
    instant: str, session: str, phase: Phase, low: int, high: int, following: str
) -> None:
    decision = decide(NSE_SCHEDULE, NSE, ist(instant))
    assert (decision.session, decision.phase) == (session, phase)
    assert (decision.min_replicas, decision.max_replicas) == (low, high)
    assert decision.next_transition == ist(following)


def test_the_same_instant_in_any_zone_gives_the_same_decision() -> None:
    local = decide(NSE_SCHEDULE, NSE, ist("2026-03-02 09:15:00"))
    assert decide(NSE_SCHEDULE, NSE, utc("2026-03-02 03:45:00")) == local
    assert decide(NSE_SCHEDULE, NSE, utc("2026-03-02 03:44:59")).session == "pre-open"


def test_next_transition_is_utc() -> None:
    decision = decide(NSE_SCHEDULE, NSE, ist("2026-03-02 09:15:00"))
    assert decision.next_transition is not None
    assert decision.next_transition.utcoffset() == datetime.timedelta(0)
    assert decision.next_transition == utc("2026-03-02 10:00:00")


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(NSE_SCHEDULE, NSE, datetime.datetime(2026, 3, 2, 9, 0))


# Pre-warm across midnight, and an overnight session (Mon-Fri 18:00 to 02:00 next day).
NIGHT_SCHEDULE = Schedule(
    timezone=IST,
    sessions=(
        Session("asia-open", frozenset({1}), t("00:05"), t("01:00"), Bounds(3, 6)),  # Tuesdays
        Session("night", WEEKDAYS, t("18:00"), t("02:00"), Bounds(2, 5)),
    ),
    off_hours=Bounds(1, 1),
    prewarm=datetime.timedelta(minutes=10),
)

NIGHT_TABLE = [
    # Monday's night session is open past midnight; Tuesday's asia-open pre-warms from 23:55.
    ("2026-03-02 23:54:59", "night", Phase.SESSION, 2, 5, "2026-03-02 23:55:00"),
    ("2026-03-02 23:55:00", "night", Phase.SESSION, 3, 6, "2026-03-03 00:05:00"),
    ("2026-03-03 00:05:00", "asia-open", Phase.SESSION, 3, 6, "2026-03-03 01:00:00"),
    ("2026-03-03 01:00:00", "night", Phase.SESSION, 2, 5, "2026-03-03 02:00:00"),
    ("2026-03-03 02:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 1, "2026-03-03 17:50:00"),
    # Friday's night session runs into Saturday; nothing starts on Saturday or Sunday.
    ("2026-03-07 01:59:59", "night", Phase.SESSION, 2, 5, "2026-03-07 02:00:00"),
    ("2026-03-08 01:00:00", OFF_HOURS, Phase.OFF_HOURS, 1, 1, "2026-03-09 17:50:00"),
]


@pytest.mark.parametrize(("instant", "session", "phase", "low", "high", "following"), NIGHT_TABLE)
def test_overnight_and_prewarm_across_midnight(
    instant: str, session: str, phase: Phase, low: int, high: int, following: str
) -> None:
    decision = decide(NIGHT_SCHEDULE, NoHolidays(), ist(instant))
    assert (decision.session, decision.phase) == (session, phase)
    assert (decision.min_replicas, decision.max_replicas) == (low, high)
    assert decision.next_transition == ist(following)


def test_prewarm_across_midnight_is_skipped_when_the_session_day_is_a_holiday() -> None:
    schedule = Schedule(
        timezone=IST,
        sessions=NIGHT_SCHEDULE.sessions[:1],
        off_hours=Bounds(1, 1),
        prewarm=datetime.timedelta(minutes=10),
        holidays=frozenset({datetime.date(2026, 3, 3)}),
    )
    decision = decide(schedule, NoHolidays(), ist("2026-03-02 23:56:00"))
    assert decision.session == OFF_HOURS
    assert decision.next_transition == ist("2026-03-09 23:55:00")


# NYSE hours in New York, whose UTC offset changes from -5 to -4 on Sun 2026-03-08 and back
# on Sun 2026-11-01, with a thirty-minute pre-warm and the library's NYSE calendar.
NYSE_SCHEDULE = Schedule(
    timezone=NEW_YORK,
    sessions=(Session("regular", WEEKDAYS, t("09:30"), t("16:00"), Bounds(3, 9)),),
    off_hours=Bounds(1, 2),
    prewarm=datetime.timedelta(minutes=30),
)

NYSE_TABLE = [
    ("2026-03-06 14:30:00", "regular", Phase.SESSION, "2026-03-06 21:00:00"),  # EST
    ("2026-03-06 21:00:00", OFF_HOURS, Phase.OFF_HOURS, "2026-03-09 13:00:00"),  # over the change
    ("2026-03-09 12:59:59", OFF_HOURS, Phase.OFF_HOURS, "2026-03-09 13:00:00"),
    ("2026-03-09 13:00:00", "regular", Phase.PREWARM, "2026-03-09 13:30:00"),  # EDT
    ("2026-03-09 13:30:00", "regular", Phase.SESSION, "2026-03-09 20:00:00"),
    ("2026-10-30 20:00:00", OFF_HOURS, Phase.OFF_HOURS, "2026-11-02 14:00:00"),  # and back
    ("2026-11-02 14:30:00", "regular", Phase.SESSION, "2026-11-02 21:00:00"),
    # Good Friday 2026-04-03 is an NYSE holiday.
    ("2026-04-02 20:00:00", OFF_HOURS, Phase.OFF_HOURS, "2026-04-06 13:00:00"),
]


@pytest.mark.parametrize(("instant", "session", "phase", "following"), NYSE_TABLE)
def test_dst_observing_zone(instant: str, session: str, phase: Phase, following: str) -> None:
    decision = decide(NYSE_SCHEDULE, exchange_calendar("XNYS"), utc(instant))
    assert (decision.session, decision.phase) == (session, phase)
    assert decision.next_transition == utc(following)


def test_overnight_session_over_the_dst_change_is_an_hour_shorter() -> None:
    # Sat 22:00 EST (03:00 UTC) to Sun 04:00 EDT (08:00 UTC): five hours, not six.
    schedule = Schedule(
        timezone=NEW_YORK,
        sessions=(Session("weekend", frozenset({5}), t("22:00"), t("04:00"), Bounds(2, 2)),),
        off_hours=Bounds(1, 1),
    )
    assert decide(schedule, NoHolidays(), utc("2026-03-08 02:59:59")).session == OFF_HOURS
    opened = decide(schedule, NoHolidays(), utc("2026-03-08 03:00:00"))
    assert opened.session == "weekend"
    assert opened.next_transition == utc("2026-03-08 08:00:00")


def test_a_start_in_the_skipped_hour_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist in New York on 2026-03-08: it is read as 02:30 EST = 03:30 EDT.
    schedule = Schedule(
        timezone=NEW_YORK,
        sessions=(Session("odd", frozenset({6}), t("02:30"), t("05:00"), Bounds(2, 2)),),
        off_hours=Bounds(1, 1),
    )
    decision = decide(schedule, NoHolidays(), utc("2026-03-08 06:00:00"))
    assert decision.next_transition == utc("2026-03-08 07:30:00")


def test_no_sessions_means_off_hours_forever() -> None:
    schedule = Schedule(timezone=IST, sessions=(), off_hours=Bounds(1, 3))
    decision = decide(schedule, NoHolidays(), ist("2026-03-02 10:00:00"))
    assert (decision.session, decision.min_replicas, decision.max_replicas) == (OFF_HOURS, 1, 3)
    assert decision.next_transition is None


def test_a_special_session_months_ahead_is_the_next_transition() -> None:
    schedule = Schedule(
        timezone=IST,
        sessions=(),
        off_hours=Bounds(1, 1),
        special_sessions=NSE_SCHEDULE.special_sessions[:1],
    )
    decision = decide(schedule, NoHolidays(), ist("2026-04-20 10:00:00"))
    assert decision.next_transition == ist("2026-11-08 18:00:00")


def test_overlapping_special_and_regular_sessions_take_the_larger_bounds() -> None:
    special = SpecialSession(
        "budget", datetime.date(2026, 3, 2), t("10:00"), t("11:00"), Bounds(8, 20)
    )
    schedule = Schedule(
        timezone=IST,
        sessions=NSE_SCHEDULE.sessions,
        off_hours=Bounds(1, 2),
        special_sessions=(special,),
    )
    decision = decide(schedule, NoHolidays(), ist("2026-03-02 10:30:00"))
    assert (decision.session, decision.min_replicas, decision.max_replicas) == ("budget", 8, 20)
    assert decision.next_transition == ist("2026-03-02 11:00:00")


INSTANTS = st.datetimes(
    min_value=datetime.datetime(2026, 1, 1),
    max_value=datetime.datetime(2027, 12, 31),
    timezones=st.just(UTC),
)


@settings(max_examples=150, deadline=None)
@given(INSTANTS)
def test_decision_holds_until_the_next_transition_and_changes_there(
    instant: datetime.datetime,
) -> None:
    decision = decide(NSE_SCHEDULE, NSE, instant)
    following = decision.next_transition
    assert following is not None
    assert following > instant
    just_before = following - datetime.timedelta(microseconds=1)
    middle = instant + (following - instant) / 2
    for moment in (middle, just_before):
        same = decide(NSE_SCHEDULE, NSE, moment)
        assert (same.session, same.phase, same.bounds) == (
            decision.session,
            decision.phase,
            decision.bounds,
        )
    after = decide(NSE_SCHEDULE, NSE, following)
    assert (after.session, after.phase, after.bounds) != (
        decision.session,
        decision.phase,
        decision.bounds,
    )


def _expected_nse(local: datetime.datetime) -> tuple[int, int] | None:
    """The NSE example's bounds by reading the rules straight off the calendar, or None."""
    day, clock = local.date(), local.time()
    if day == datetime.date(2026, 11, 8) and t("17:50") <= clock < t("19:15"):
        return (3, 8)
    if day == datetime.date(2026, 3, 3) and t("10:50") <= clock < t("12:00"):
        return (2, 3)
    trading = local.weekday() < 5 and not NSE.is_holiday(day) and day != datetime.date(2026, 3, 10)
    if not trading or not t("08:50") <= clock < t("15:30"):
        return None
    return (2, 4) if clock < t("09:05") else (4, 16)


@settings(max_examples=300, deadline=None)
@given(INSTANTS)
def test_bounds_agree_with_the_rules_read_off_the_calendar(instant: datetime.datetime) -> None:
    decision = decide(NSE_SCHEDULE, NSE, instant)
    expected = _expected_nse(instant.astimezone(IST))
    if expected is None:
        assert decision.session == OFF_HOURS
        assert (decision.min_replicas, decision.max_replicas) == (1, 2)
    else:
        assert decision.session != OFF_HOURS
        assert (decision.min_replicas, decision.max_replicas) == expected
