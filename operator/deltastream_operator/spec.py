"""Parsing a MarketHoursScaler's spec into typed, validated values.

The CRD's schema already rejects most malformed resources at the API server; this module
checks what a schema cannot (a time zone that exists, a calendar the library knows, bounds in
order) and gives every problem as an ``InvalidSpecError`` naming the field, which the handlers
report as a permanent failure.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from deltastream_operator.calendar import exchange_calendar
from deltastream_operator.errors import InvalidSpecError
from deltastream_operator.schedule import WEEKDAYS, Bounds, Schedule, Session, SpecialSession

TARGET_KINDS = ("Deployment", "StatefulSet")
MAX_PREWARM_MINUTES = 720
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")


@dataclass(frozen=True)
class TargetRef:
    """The workload whose replicas follow the schedule (an ``apps/v1`` kind)."""

    kind: str
    name: str


@dataclass(frozen=True)
class ScalerSpec:
    """A MarketHoursScaler's spec: what to scale, through which HPA, on which schedule."""

    target: TargetRef
    hpa: str | None
    schedule: Schedule
    calendar: str | None


def parse_spec(raw: Mapping[str, Any]) -> ScalerSpec:
    """Validate and convert a resource's ``spec``; raises ``InvalidSpecError`` on any problem."""
    calendar = _optional_str(raw, "calendar")
    exchange_calendar(calendar)  # raises UnknownCalendarError for a name the library lacks
    return ScalerSpec(
        target=_parse_target(_mapping(raw, "target", "target")),
        hpa=_optional_str(raw, "hpa"),
        schedule=_parse_schedule(raw),
        calendar=calendar,
    )


def _parse_schedule(raw: Mapping[str, Any]) -> Schedule:
    sessions = tuple(
        _parse_session(item, f"sessions[{index}]")
        for index, item in enumerate(_sequence(raw, "sessions", "sessions"))
    )
    specials = tuple(
        _parse_special(item, f"specialSessions[{index}]")
        for index, item in enumerate(_sequence(raw, "specialSessions", "specialSessions"))
    )
    _unique((s.name for s in sessions), "sessions")
    _unique((f"{s.name}@{s.date}" for s in specials), "specialSessions")
    return Schedule(
        timezone=_parse_timezone(raw.get("timezone")),
        sessions=sessions,
        off_hours=_parse_bounds(_mapping(raw, "offHours", "offHours"), "offHours"),
        prewarm=_parse_prewarm(raw.get("prewarmMinutes", 0)),
        holidays=frozenset(
            _parse_date(day, f"holidays[{index}]")
            for index, day in enumerate(_sequence(raw, "holidays", "holidays"))
        ),
        special_sessions=specials,
    )


def _parse_target(raw: Mapping[str, Any]) -> TargetRef:
    kind = raw.get("kind")
    if kind not in TARGET_KINDS:
        raise InvalidSpecError("target.kind", f"must be one of {', '.join(TARGET_KINDS)}")
    return TargetRef(kind=kind, name=_required_str(raw, "name", "target.name"))


def _parse_session(raw: object, field: str) -> Session:
    item = _as_mapping(raw, field)
    return Session(
        name=_required_str(item, "name", f"{field}.name"),
        days=_parse_days(item.get("days"), f"{field}.days"),
        start=_parse_time(item.get("start"), f"{field}.start"),
        end=_parse_time(item.get("end"), f"{field}.end"),
        bounds=_parse_bounds(item, field),
    )


def _parse_special(raw: object, field: str) -> SpecialSession:
    item = _as_mapping(raw, field)
    return SpecialSession(
        name=_required_str(item, "name", f"{field}.name"),
        date=_parse_date(item.get("date"), f"{field}.date"),
        start=_parse_time(item.get("start"), f"{field}.start"),
        end=_parse_time(item.get("end"), f"{field}.end"),
        bounds=_parse_bounds(item, field),
    )


def _parse_bounds(raw: Mapping[str, Any], field: str) -> Bounds:
    low, high = raw.get("minReplicas"), raw.get("maxReplicas")
    if not _is_int(low) or low < 0:
        raise InvalidSpecError(f"{field}.minReplicas", "must be an integer of at least 0")
    if not _is_int(high) or high < 1:
        raise InvalidSpecError(f"{field}.maxReplicas", "must be an integer of at least 1")
    if low > high:
        raise InvalidSpecError(field, f"minReplicas {low} exceeds maxReplicas {high}")
    return Bounds(low, high)


def _parse_days(raw: object, field: str) -> frozenset[int]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise InvalidSpecError(field, "must be a non-empty list of Mon..Sun")
    unknown = [day for day in raw if day not in WEEKDAYS]
    if unknown:
        raise InvalidSpecError(field, f"unknown days {unknown}; use {', '.join(WEEKDAYS)}")
    return frozenset(WEEKDAYS.index(day) for day in raw)


def _parse_time(raw: object, field: str) -> datetime.time:
    match = _TIME.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise InvalidSpecError(field, f"{raw!r} is not a local time HH:MM or HH:MM:SS")
    hour, minute, second = match.groups()
    return datetime.time(int(hour), int(minute), int(second or 0))


def _parse_date(raw: object, field: str) -> datetime.date:
    try:
        if isinstance(raw, str) and len(raw) == len("YYYY-MM-DD"):
            return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidSpecError(field, f"{raw!r} is not a date YYYY-MM-DD") from exc
    raise InvalidSpecError(field, f"{raw!r} is not a date YYYY-MM-DD")


def _parse_timezone(raw: object) -> ZoneInfo:
    if not isinstance(raw, str) or not raw:
        raise InvalidSpecError("timezone", "is required, e.g. Asia/Kolkata")
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidSpecError("timezone", f"unknown time zone {raw!r}") from exc


def _parse_prewarm(raw: object) -> datetime.timedelta:
    if not _is_int(raw) or not 0 <= raw <= MAX_PREWARM_MINUTES:
        raise InvalidSpecError(
            "prewarmMinutes", f"must be an integer from 0 to {MAX_PREWARM_MINUTES}"
        )
    return datetime.timedelta(minutes=raw)


def _unique(names: Iterable[str], field: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidSpecError(field, f"{name!r} appears twice")
        seen.add(name)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _required_str(raw: Mapping[str, Any], key: str, field: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidSpecError(field, "is required")
    return value


def _optional_str(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidSpecError(key, "must be a string")
    return value


def _mapping(raw: Mapping[str, Any], key: str, field: str) -> Mapping[str, Any]:
    return _as_mapping(raw.get(key), field)


def _as_mapping(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidSpecError(field, "is required and must be an object")
    return value


def _sequence(raw: Mapping[str, Any], key: str, field: str) -> Sequence[Any]:
    value = raw.get(key, [])
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidSpecError(field, "must be a list")
    return value
