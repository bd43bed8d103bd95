"""The operator, run for real over HTTP against the emulator: what it writes, and when.

The wall clock is moved with time-machine (ticking on), so that the schedule sees a chosen
trading day in India while the operator's event loop runs in real time; a boundary is crossed
by placing the clock a few seconds before it once the operator is up.
"""

from __future__ import annotations

import datetime
import socket
import urllib.request
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from tests.integration.operator.conftest import (
    DEPLOYMENTS,
    EVENTS,
    HPAS,
    PEERING,
    SCALERS,
    OperatorThread,
    scaler,
    seed_enricher,
    wait_for,
)
from tests.integration.operator.emulator import EmulatorThread

IST = ZoneInfo("Asia/Kolkata")
MONDAY_MORNING = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=IST)  # regular session, NSE open
BEFORE_THE_CLOSE = datetime.datetime(2026, 3, 2, 15, 29, 54, tzinfo=IST)  # closes at 15:30
NAME = "deltastream-enricher"
Start = Callable[..., OperatorThread]


def _scalers(namespace: str) -> str:
    return f"/apis/deltastream.io/v1alpha1/namespaces/{namespace}/markethoursscalers"


def _hpa_bounds(emulator: EmulatorThread, namespace: str) -> tuple[int, int] | None:
    hpa = emulator.get(HPAS, namespace, NAME)
    return None if hpa is None else (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"])


def _hpa_history(emulator: EmulatorThread, namespace: str) -> list[tuple[int, int]]:
    bounds = [
        (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"])
        for hpa in emulator.history(HPAS, namespace, NAME)
    ]
    return [b for index, b in enumerate(bounds) if index == 0 or bounds[index - 1] != b]


def _status(emulator: EmulatorThread, namespace: str) -> dict[str, Any]:
    resource = emulator.get(SCALERS, namespace, NAME) or {}
    return dict(resource.get("status") or {})


def _condition(emulator: EmulatorThread, namespace: str, kind: str) -> dict[str, Any] | None:
    for condition in _status(emulator, namespace).get("conditions") or []:
        if condition["type"] == kind:
            return dict(condition)
    return None


def _events(emulator: EmulatorThread, namespace: str, reason: str) -> list[dict[str, Any]]:
    return [e for e in emulator.list_objects(EVENTS, namespace) if e.get("reason") == reason]


def _peers(emulator: EmulatorThread) -> dict[str, Any]:
    peering = emulator.get("kopf.dev/v1/clusterkopfpeerings", None, PEERING) or {}
    return dict(peering.get("status") or {})


def _labels(namespace: str, **extra: str) -> dict[str, str]:
    return {"namespace": namespace, "name": NAME, **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_creating_a_scaler_sets_the_hpa_bounds_of_the_current_session(
    emulator: EmulatorThread, namespace: str, start_operator: Start
) -> None:
    health_port = _free_port()
    with time_machine.travel(MONDAY_MORNING, tick=True):
        seed_enricher(emulator, namespace, replicas=3)
        operator = start_operator(health_port=health_port)
        emulator.create(_scalers(namespace), scaler())

        wait_for(lambda: _hpa_bounds(emulator, namespace) == (4, 16), what="HPA bounds 4..16")
        ready = wait_for(lambda: _condition(emulator, namespace, "Ready"), what="Ready")
        assert (ready["status"], ready["reason"]) == ("True", "SessionApplied")
        status = _status(emulator, namespace)
        assert (status["activeSession"], status["phase"]) == ("regular", "Session")
        assert (status["minReplicas"], status["maxReplicas"]) == (4, 16)
        assert status["nextTransition"] == "2026-03-02T10:00:00Z"  # 15:30 IST
        assert status["observedGeneration"] == 1
        assert _condition(emulator, namespace, "Degraded") is not None
        # The HPA decides the replicas: the operator never wrote them.
        deployment = emulator.get(DEPLOYMENTS, namespace, NAME) or {}
        assert deployment["spec"]["replicas"] == 3
        assert not [
            path for verb, path in emulator.requests() if verb == "PATCH" and "/scale" in path
        ]
        events = wait_for(lambda: _events(emulator, namespace, "Transition"), what="an Event")
        assert "regular" in events[0]["message"]
        assert events[0]["involvedObject"]["name"] == NAME
        metric = "deltastream_operator_bounds_replicas"
        assert operator.sample(metric, _labels(namespace, bound="max")) == 16
        with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/healthz", timeout=5) as reply:
            assert reply.status == 200


def test_crossing_a_boundary_moves_the_bounds_again_and_posts_an_event(
    emulator: EmulatorThread, namespace: str, start_operator: Start
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=True) as traveller:
        seed_enricher(emulator, namespace)
        operator = start_operator()
        traveller.move_to(BEFORE_THE_CLOSE)
        emulator.create(_scalers(namespace), scaler())

        wait_for(lambda: _hpa_bounds(emulator, namespace) == (4, 16), what="session bounds")
        wait_for(lambda: _hpa_bounds(emulator, namespace) == (1, 2), what="off-hours bounds")

        assert _hpa_history(emulator, namespace) == [(1, 5), (4, 16), (1, 2)]
        closing = wait_for(
            lambda: [
                e for e in _events(emulator, namespace, "Transition") if "off-hours" in e["message"]
            ],
            what="the closing Event",
        )
        assert "regular (Session) -> off-hours (OffHours)" in closing[0]["message"]
        opening = [e for e in _events(emulator, namespace, "Transition") if e not in closing]
        assert "-> regular (Session)" in opening[0]["message"]
        assert "until 2026-03-02T10:00:00Z" in opening[0]["message"]  # 15:30 IST
        status = wait_for(
            lambda: (
                _status(emulator, namespace).get("activeSession") == "off-hours"
                and _status(emulator, namespace)
            ),
            what="off-hours status",
        )
        assert status["nextTransition"] == "2026-03-04T03:20:00Z"  # Wed 08:50 IST: Tue is Holi
        transitions = "deltastream_operator_transitions_total"
        assert operator.sample(transitions, _labels(namespace, session="off-hours")) == 1


def test_without_an_hpa_the_scale_subresource_is_used(
    emulator: EmulatorThread, namespace: str, start_operator: Start
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=True):
        seed_enricher(emulator, namespace, replicas=1, hpa=False)
        start_operator()
        emulator.create(_scalers(namespace), scaler(hpa=None))

        def replicas() -> int:
            return int((emulator.get(DEPLOYMENTS, namespace, NAME) or {})["spec"]["replicas"])

        wait_for(lambda: replicas() == 4, what="replicas clamped up to the session minimum")
        scale = f"/apis/apps/v1/namespaces/{namespace}/deployments/{NAME}/scale"
        assert ("PATCH", scale) in emulator.requests()
        ready = wait_for(lambda: _condition(emulator, namespace, "Ready"), what="Ready")
        assert "Deployment/deltastream-enricher scale" in ready["message"]


def test_a_missing_target_is_degraded_and_retried(
    emulator: EmulatorThread, namespace: str, start_operator: Start
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=True):
        operator = start_operator()
        emulator.create(_scalers(namespace), scaler())

        degraded = wait_for(
            lambda: (
                (c := _condition(emulator, namespace, "Degraded")) and c["status"] == "True" and c
            ),
            what="Degraded",
        )
        assert degraded["reason"] == "TargetNotFound"
        assert f"Deployment {namespace}/{NAME}" in degraded["message"]
        assert _condition(emulator, namespace, "Ready")["status"] == "False"  # type: ignore[index]
        assert wait_for(lambda: _events(emulator, namespace, "TargetNotFound"), what="a Warning")
        errors = "deltastream_operator_errors_total"
        wait_for(
            lambda: (
                (operator.sample(errors, _labels(namespace, reason="TargetNotFound")) or 0) >= 2
            ),
            what="retries",
        )

        seed_enricher(emulator, namespace)
        wait_for(lambda: _hpa_bounds(emulator, namespace) == (4, 16), what="bounds after retry")
        ready = wait_for(
            lambda: (c := _condition(emulator, namespace, "Ready")) and c["status"] == "True" and c,
            what="Ready after retry",
        )
        assert ready["reason"] == "SessionApplied"
        assert _condition(emulator, namespace, "Degraded")["status"] == "False"  # type: ignore[index]


def test_an_invalid_spec_is_rejected_with_a_message(
    emulator: EmulatorThread, namespace: str, start_operator: Start
) -> None:
    good = scaler()["spec"]["sessions"]
    bad = [good[0], {**good[1], "minReplicas": 20}]  # above its maxReplicas of 16
    with time_machine.travel(MONDAY_MORNING, tick=True):
        seed_enricher(emulator, namespace)
        start_operator()
        emulator.create(_scalers(namespace), scaler(sessions=bad))

        degraded = wait_for(lambda: _condition(emulator, namespace, "Degraded"), what="Degraded")
        assert (degraded["status"], degraded["reason"]) == ("True", "InvalidSpec")
        assert "sessions[1]" in degraded["message"]
        assert "exceeds maxReplicas" in degraded["message"]
        assert wait_for(lambda: _events(emulator, namespace, "InvalidSpec"), what="a Warning")
        assert _hpa_bounds(emulator, namespace) == (1, 5)  # untouched

        emulator.patch(f"{_scalers(namespace)}/{NAME}", {"spec": {"sessions": good}})
        wait_for(lambda: _hpa_bounds(emulator, namespace) == (4, 16), what="bounds once fixed")
        ready = wait_for(
            lambda: (c := _condition(emulator, namespace, "Ready")) and c["status"] == "True" and c,
            what="Ready once fixed",
        )
        assert ready["observedGeneration"] == 2


def test_deleting_the_scaler_restores_off_hours_bounds(
    emulator: EmulatorThread, namespace: str, start_operator: Start
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=True):
        seed_enricher(emulator, namespace)
        start_operator()
        emulator.create(_scalers(namespace), scaler())
        wait_for(lambda: _hpa_bounds(emulator, namespace) == (4, 16), what="session bounds")
        wait_for(lambda: _condition(emulator, namespace, "Ready"), what="Ready")

        emulator.delete(f"{_scalers(namespace)}/{NAME}")
        wait_for(lambda: emulator.get(SCALERS, namespace, NAME) is None, what="the finalizer")
        assert _hpa_bounds(emulator, namespace) == (1, 2)
        restored = wait_for(lambda: _events(emulator, namespace, "OffHoursRestored"), what="Event")
        assert "1..2" in restored[0]["message"]


def test_a_restarted_operator_changes_nothing_already_applied(
    emulator: EmulatorThread, namespace: str, start_operator: Start
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=True):
        seed_enricher(emulator, namespace)
        first = start_operator()
        emulator.create(_scalers(namespace), scaler())
        wait_for(lambda: _hpa_bounds(emulator, namespace) == (4, 16), what="session bounds")
        wait_for(lambda: _events(emulator, namespace, "Transition"), what="an Event")
        first.stop()
        writes = len(emulator.history(HPAS, namespace, NAME))

        second = start_operator()
        metric = "deltastream_operator_bounds_replicas"
        wait_for(lambda: second.sample(metric, _labels(namespace, bound="min")), what="resumed")
        assert len(emulator.history(HPAS, namespace, NAME)) == writes
        assert len(_events(emulator, namespace, "Transition")) == 1


def test_with_peering_only_the_highest_priority_replica_acts(
    emulator: EmulatorThread, namespace: str, start_operator: Start
) -> None:
    metric = "deltastream_operator_bounds_replicas"
    with time_machine.travel(MONDAY_MORNING, tick=True):
        seed_enricher(emulator, namespace)
        active = start_operator(priority=200)
        wait_for(lambda: len(_peers(emulator)) == 1, what="the first replica's peering record")
        standby = start_operator(priority=100)
        wait_for(lambda: len(_peers(emulator)) == 2, what="both peering records")
        emulator.create(_scalers(namespace), scaler())
        wait_for(lambda: _hpa_bounds(emulator, namespace) == (4, 16), what="session bounds")
        wait_for(lambda: active.sample(metric, _labels(namespace, bound="max")), what="active")
        assert standby.sample(metric, _labels(namespace, bound="max")) is None

        active.stop()  # a clean exit withdraws it from the peering object: the standby takes over
        wait_for(lambda: standby.sample(metric, _labels(namespace, bound="max")), what="takeover")
