"""A MarketHoursScaler's status: the decision applied, and the Ready/Degraded conditions.

Pure builders of the status patch, in the shape ``kubectl`` and ``kubectl wait
--for=condition=Ready`` expect (``metav1.Condition``). A condition keeps its
``lastTransitionTime`` while its status stays the same.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deltastream_operator.schedule import Decision

READY = "Ready"
DEGRADED = "Degraded"
APPLIED = "SessionApplied"
AS_EXPECTED = "AsExpected"
INVALID_SPEC = "InvalidSpec"


@dataclass(frozen=True)
class Recorded:
    """The part of a decision that, when it changes, makes a transition."""

    session: str
    phase: str
    min_replicas: int
    max_replicas: int

    @classmethod
    def of(cls, decision: Decision) -> Recorded:
        return cls(
            decision.session, decision.phase.value, decision.min_replicas, decision.max_replicas
        )

    @classmethod
    def from_status(cls, status: Mapping[str, Any]) -> Recorded | None:
        """What a previous run recorded in the resource's status, if anything."""
        try:
            return cls(
                str(status["activeSession"]),
                str(status["phase"]),
                int(status["minReplicas"]),
                int(status["maxReplicas"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def format_time(instant: datetime.datetime) -> str:
    """RFC 3339 in UTC to the second, as Kubernetes writes times."""
    return instant.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_condition(
    kind: str,
    status: bool,
    reason: str,
    message: str,
    *,
    now: datetime.datetime,
    generation: int | None,
    previous: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """A ``metav1.Condition``, keeping the previous transition time if the status is unchanged."""
    text = "True" if status else "False"
    since = format_time(now)
    for old in previous:
        if old.get("type") == kind and old.get("status") == text and old.get("lastTransitionTime"):
            since = str(old["lastTransitionTime"])
    condition: dict[str, Any] = {
        "type": kind,
        "status": text,
        "reason": reason,
        "message": message,
        "lastTransitionTime": since,
    }
    if generation is not None:
        condition["observedGeneration"] = generation
    return condition


def build_applied_status(
    decision: Decision,
    *,
    via: str,
    transitioned: bool,
    now: datetime.datetime,
    generation: int | None,
    previous: Mapping[str, Any],
) -> dict[str, Any]:
    """The status after a decision was applied to the target."""
    conditions = _conditions(previous)
    message = (
        f"{decision.session} ({decision.phase.value}): "
        f"{decision.min_replicas}..{decision.max_replicas} replicas via {via}"
    )
    status: dict[str, Any] = {
        "activeSession": decision.session,
        "phase": decision.phase.value,
        "minReplicas": decision.min_replicas,
        "maxReplicas": decision.max_replicas,
        "nextTransition": (
            format_time(decision.next_transition) if decision.next_transition else None
        ),
        "lastTransition": format_time(now) if transitioned else previous.get("lastTransition"),
        "conditions": [
            build_condition(
                READY, True, APPLIED, message, now=now, generation=generation, previous=conditions
            ),
            build_condition(
                DEGRADED,
                False,
                AS_EXPECTED,
                "",
                now=now,
                generation=generation,
                previous=conditions,
            ),
        ],
    }
    if generation is not None:
        status["observedGeneration"] = generation
    return status


def build_failed_status(
    reason: str,
    message: str,
    *,
    now: datetime.datetime,
    generation: int | None,
    previous: Mapping[str, Any],
) -> dict[str, Any]:
    """The status when the scaler cannot be applied: not Ready, Degraded for ``reason``."""
    conditions = _conditions(previous)
    status: dict[str, Any] = {
        "conditions": [
            build_condition(
                READY, False, reason, message, now=now, generation=generation, previous=conditions
            ),
            build_condition(
                DEGRADED,
                True,
                reason,
                message,
                now=now,
                generation=generation,
                previous=conditions,
            ),
        ],
    }
    if generation is not None:
        status["observedGeneration"] = generation
    return status


def needs_update(status: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """Whether writing ``status`` would change anything in ``current`` (both status dicts)."""
    return any(current.get(key) != value for key, value in status.items())


def _conditions(previous: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    conditions = previous.get("conditions") or []
    return [c for c in conditions if isinstance(c, Mapping)]
