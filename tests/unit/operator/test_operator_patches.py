"""The pure builders: patches for HPAs and scale subresources, status and its conditions."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

import pytest

from deltastream_operator.config import OperatorConfig
from deltastream_operator.errors import TargetMismatchError, TargetNotFoundError
from deltastream_operator.scaling import (
    apply_bounds,
    build_hpa_patch,
    build_scale_patch,
    clamp_replicas,
    hpa_bounds,
)
from deltastream_operator.schedule import Bounds, Decision, Phase
from deltastream_operator.spec import parse_spec
from deltastream_operator.status import (
    Recorded,
    build_applied_status,
    build_failed_status,
    needs_update,
)

NOW = datetime.datetime(2026, 3, 2, 4, 30, tzinfo=datetime.UTC)
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion in a thread of its own, with its own event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


LATER = NOW + datetime.timedelta(hours=1)


def test_hpa_patch_moves_only_the_bounds() -> None:
    assert build_hpa_patch(Bounds(4, 16)) == {"spec": {"minReplicas": 4, "maxReplicas": 16}}
    assert build_scale_patch(3) == {"spec": {"replicas": 3}}


@pytest.mark.parametrize(
    ("current", "expected"), [(0, 2), (1, 2), (2, 2), (4, 4), (6, 6), (7, 6), (50, 6)]
)
def test_replicas_are_clamped_into_the_bounds(current: int, expected: int) -> None:
    assert clamp_replicas(current, Bounds(2, 6)) == expected


def test_an_hpa_without_min_replicas_has_kubernetes_default_of_one() -> None:
    assert hpa_bounds({"spec": {"maxReplicas": 5}}) == (1, 5)


class StubApi:
    """A hand-written stand-in for the API: a dict of objects, and a log of patches."""

    def __init__(self, objects: dict[tuple[str, str], dict[str, Any]]) -> None:
        self.objects = objects
        self.patches: list[tuple[str, str, Mapping[str, Any]]] = []

    async def read_hpa(self, namespace: str, name: str) -> dict[str, Any]:
        return self._get("HorizontalPodAutoscaler", namespace, name)

    async def patch_hpa(
        self, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        self.patches.append(("HorizontalPodAutoscaler", name, patch))
        return {}

    async def read_scale(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        return self._get(kind, namespace, name)

    async def patch_scale(
        self, kind: str, namespace: str, name: str, patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        self.patches.append((kind, name, patch))
        return {}

    def _get(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        if (kind, name) not in self.objects:
            raise TargetNotFoundError(kind, namespace, name)
        return self.objects[kind, name]


def _spec(hpa: str | None) -> Any:
    raw: dict[str, Any] = {
        "target": {"kind": "Deployment", "name": "enricher"},
        "timezone": "UTC",
        "offHours": {"minReplicas": 1, "maxReplicas": 2},
    }
    if hpa:
        raw["hpa"] = hpa
    return parse_spec(raw)


def _hpa(target: str = "enricher", low: int = 1, high: int = 2) -> dict[str, Any]:
    return {
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": target},
            "minReplicas": low,
            "maxReplicas": high,
        }
    }


def test_apply_patches_the_hpa_once_and_then_nothing() -> None:
    api = StubApi(
        {
            ("Deployment", "enricher"): {"spec": {"replicas": 3}},
            ("HorizontalPodAutoscaler", "h"): _hpa(),
        }
    )
    applied = _run(apply_bounds(api, "ns", _spec("h"), Bounds(4, 16)))
    assert applied.changed
    assert api.patches == [("HorizontalPodAutoscaler", "h", build_hpa_patch(Bounds(4, 16)))]
    api.objects["HorizontalPodAutoscaler", "h"] = _hpa(low=4, high=16)
    again = _run(apply_bounds(api, "ns", _spec("h"), Bounds(4, 16)))
    assert not again.changed
    assert len(api.patches) == 1


def test_apply_refuses_an_hpa_of_another_workload() -> None:
    api = StubApi(
        {("Deployment", "enricher"): {"spec": {}}, ("HorizontalPodAutoscaler", "h"): _hpa("feed")}
    )
    with pytest.raises(TargetMismatchError, match="Deployment/feed"):
        _run(apply_bounds(api, "ns", _spec("h"), Bounds(4, 16)))
    assert api.patches == []


def test_apply_reports_a_missing_target_even_when_the_hpa_exists() -> None:
    api = StubApi({("HorizontalPodAutoscaler", "h"): _hpa()})
    with pytest.raises(TargetNotFoundError):
        _run(apply_bounds(api, "ns", _spec("h"), Bounds(4, 16)))


def test_apply_without_an_hpa_clamps_replicas_through_scale() -> None:
    api = StubApi({("Deployment", "enricher"): {"spec": {"replicas": 9}}})
    applied = _run(apply_bounds(api, "ns", _spec(None), Bounds(1, 2)))
    assert applied.via == "Deployment/enricher scale"
    assert api.patches == [("Deployment", "enricher", {"spec": {"replicas": 2}})]


def _decision(session: str = "regular", low: int = 4, high: int = 16) -> Decision:
    return Decision(session, Phase.SESSION, low, high, LATER)


def test_applied_status_reports_the_decision_and_ready() -> None:
    status = build_applied_status(
        _decision(), via="HPA h", transitioned=True, now=NOW, generation=3, previous={}
    )
    assert status["activeSession"] == "regular"
    assert (status["minReplicas"], status["maxReplicas"]) == (4, 16)
    assert status["nextTransition"] == "2026-03-02T05:30:00Z"
    assert status["lastTransition"] == "2026-03-02T04:30:00Z"
    assert status["observedGeneration"] == 3
    ready, degraded = status["conditions"]
    assert (ready["type"], ready["status"], ready["reason"]) == ("Ready", "True", "SessionApplied")
    assert (degraded["type"], degraded["status"]) == ("Degraded", "False")
    assert Recorded.from_status(status) == Recorded.of(_decision())


def test_conditions_keep_their_transition_time_while_unchanged() -> None:
    first = build_applied_status(
        _decision(), via="HPA h", transitioned=True, now=NOW, generation=1, previous={}
    )
    second = build_applied_status(
        _decision("closing", 2, 6),
        via="HPA h",
        transitioned=True,
        now=LATER,
        generation=1,
        previous=first,
    )
    assert second["conditions"][0]["lastTransitionTime"] == "2026-03-02T04:30:00Z"
    assert second["lastTransition"] == "2026-03-02T05:30:00Z"
    failed = build_failed_status("TargetNotFound", "gone", now=LATER, generation=1, previous=second)
    ready, degraded = failed["conditions"]
    assert (ready["status"], ready["lastTransitionTime"]) == ("False", "2026-03-02T05:30:00Z")
    assert (degraded["status"], degraded["reason"]) == ("True", "TargetNotFound")
    assert "activeSession" not in failed  # the last applied decision stays as it was


def test_needs_update_only_when_something_differs() -> None:
    status = build_applied_status(
        _decision(), via="HPA h", transitioned=False, now=NOW, generation=1, previous={}
    )
    assert not needs_update(status, {**status, "extra": 1})
    assert needs_update(status, {**status, "maxReplicas": 15})


def test_config_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTASTREAM_OPERATOR_NAMESPACES", "deltastream, trading")
    monkeypatch.setenv("DELTASTREAM_OPERATOR_HEALTH_PORT", "0")
    config = OperatorConfig()
    assert config.namespaces == ("deltastream", "trading")
    assert config.liveness_endpoint is None
    assert (
        OperatorConfig(operator_health_port=8080).liveness_endpoint == "http://0.0.0.0:8080/healthz"
    )
