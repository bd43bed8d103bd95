"""Parsing a MarketHoursScaler's spec: the documented example, and each kind of invalid spec."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest

from deltastream_operator.calendar import ExchangeCalendar, NoHolidays, exchange_calendar
from deltastream_operator.errors import InvalidSpecError, UnknownCalendarError
from deltastream_operator.schedule import Bounds
from deltastream_operator.spec import TargetRef, parse_spec

EXAMPLE: dict[str, Any] = {
    "target": {"kind": "Deployment", "name": "deltastream-enricher"},
    "hpa": "deltastream-enricher",
    "timezone": "Asia/Kolkata",
    "sessions": [
        {
            "name": "pre-open",
            "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
            "start": "09:00",
            "end": "09:15",
            "minReplicas": 2,
            "maxReplicas": 4,
        },
        {
            "name": "regular",
            "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
            "start": "09:15",
            "end": "15:30",
            "minReplicas": 4,
            "maxReplicas": 16,
        },
    ],
    "offHours": {"minReplicas": 1, "maxReplicas": 2},
    "prewarmMinutes": 10,
    "calendar": "NSE",
    "holidays": ["2026-12-25"],
    "specialSessions": [
        {
            "name": "muhurat",
            "date": "2026-11-08",
            "start": "18:00",
            "end": "19:15",
            "minReplicas": 3,
            "maxReplicas": 8,
        }
    ],
}


def test_the_issue_example_parses() -> None:
    spec = parse_spec(EXAMPLE)
    assert spec.target == TargetRef("Deployment", "deltastream-enricher")
    assert spec.hpa == "deltastream-enricher"
    assert spec.calendar == "NSE"
    schedule = spec.schedule
    assert str(schedule.timezone) == "Asia/Kolkata"
    assert [s.name for s in schedule.sessions] == ["pre-open", "regular"]
    assert schedule.sessions[1].days == frozenset({0, 1, 2, 3, 4})
    assert schedule.sessions[1].start == datetime.time(9, 15)
    assert schedule.sessions[1].bounds == Bounds(4, 16)
    assert schedule.off_hours == Bounds(1, 2)
    assert schedule.prewarm == datetime.timedelta(minutes=10)
    assert schedule.holidays == frozenset({datetime.date(2026, 12, 25)})
    assert schedule.special_sessions[0].date == datetime.date(2026, 11, 8)


def test_optional_fields_default() -> None:
    minimal = {
        "target": {"kind": "StatefulSet", "name": "x"},
        "timezone": "UTC",
        "offHours": {"minReplicas": 0, "maxReplicas": 1},
    }
    spec = parse_spec(minimal)
    assert spec.hpa is None
    assert spec.calendar is None
    assert spec.schedule.sessions == ()
    assert spec.schedule.prewarm == datetime.timedelta(0)


def test_seconds_are_allowed_in_times() -> None:
    raw = copy.deepcopy(EXAMPLE)
    raw["sessions"][0]["start"] = "08:59:30"
    assert parse_spec(raw).schedule.sessions[0].start == datetime.time(8, 59, 30)


def _with(path: str, value: object) -> dict[str, Any]:
    raw = copy.deepcopy(EXAMPLE)
    node: Any = raw
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is _DELETE:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return raw


_DELETE = object()

INVALID = [
    ("target.kind", "Pod", "target.kind"),
    ("target", _DELETE, "target"),
    ("timezone", "Asia/Bombay-ish", "timezone"),
    ("timezone", _DELETE, "timezone"),
    ("calendar", "XXXX", "calendar"),
    ("sessions.0.days", ["Mon", "Funday"], "sessions[0].days"),
    ("sessions.0.days", [], "sessions[0].days"),
    ("sessions.1.start", "9:15", "sessions[1].start"),
    ("sessions.1.end", "24:00", "sessions[1].end"),
    ("sessions.1.minReplicas", 20, "sessions[1]"),
    ("sessions.1.maxReplicas", 0, "sessions[1].maxReplicas"),
    ("sessions.1.minReplicas", True, "sessions[1].minReplicas"),
    ("sessions.1.name", "pre-open", "sessions"),
    ("offHours.minReplicas", -1, "offHours.minReplicas"),
    ("prewarmMinutes", 721, "prewarmMinutes"),
    ("prewarmMinutes", "10", "prewarmMinutes"),
    ("holidays", ["2026-13-01"], "holidays[0]"),
    ("holidays", "2026-12-25", "holidays"),
    ("specialSessions.0.date", "08/11/2026", "specialSessions[0].date"),
]


@pytest.mark.parametrize(("path", "value", "field"), INVALID)
def test_invalid_specs_name_the_field(path: str, value: object, field: str) -> None:
    with pytest.raises(InvalidSpecError) as caught:
        parse_spec(_with(path, value))
    assert caught.value.field == field
    assert field in str(caught.value)


def test_an_unknown_calendar_lists_the_known_ones() -> None:
    with pytest.raises(UnknownCalendarError) as caught:
        parse_spec(_with("calendar", "MOON"))
    assert caught.value.name == "MOON"
    assert "XNSE" in caught.value.known
    assert "XNSE" in str(caught.value)


def test_nse_calendar_comes_from_the_library() -> None:
    nse = exchange_calendar("NSE")
    assert isinstance(nse, ExchangeCalendar)
    assert nse.is_holiday(datetime.date(2026, 1, 26))  # Republic Day
    assert nse.is_holiday(datetime.date(2025, 10, 21))  # Diwali Lakshmi Puja
    assert nse.is_holiday(datetime.date(2026, 3, 3))  # Holi, as in NSE's 2026 circular
    assert not nse.is_holiday(datetime.date(2026, 3, 4))
    assert not nse.is_holiday(datetime.date(2026, 1, 27))
    assert exchange_calendar("XNSE").is_holiday(datetime.date(2026, 1, 26))
    assert isinstance(exchange_calendar(None), NoHolidays)
