"""Fixtures for running the operator for real (Kopf, over HTTP) against the kmock emulator.

Each test gets its own emulator on a random port, a kubeconfig pointing at it, and an operator
started in a thread by the same ``running.run`` as ``python -m deltastream_operator``, with
peering on (a ClusterKopfPeering object is seeded), cluster-wide (kmock cannot list namespaces
for a namespaced operator), and short retry delays.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from prometheus_client import CollectorRegistry

from deltastream_operator.config import OperatorConfig
from deltastream_operator.running import run
from tests.integration.operator.emulator import EmulatorThread

T = TypeVar("T")
PEERING = "deltastream-operator"
SCALERS = "deltastream.io/v1alpha1/markethoursscalers"
DEPLOYMENTS = "apps/v1/deployments"
HPAS = "autoscaling/v2/horizontalpodautoscalers"
EVENTS = "v1/events"


class OperatorThread:
    """One operator process-in-a-thread, with its own metrics registry."""

    def __init__(self, config: OperatorConfig) -> None:
        self.config = config
        self.metrics = CollectorRegistry()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name="operator", daemon=True)

    def start(self) -> OperatorThread:
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError(f"the operator did not start: {self._errors}")
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        if self._thread.is_alive():
            raise RuntimeError("the operator did not stop")
        if self._errors:
            raise self._errors[0]

    def sample(self, metric: str, labels: dict[str, str]) -> float | None:
        """A sample of this operator's metrics, or None when it has none with those labels."""
        value: float | None = self.metrics.get_sample_value(metric, labels)
        return value

    def _run(self) -> None:
        try:
            asyncio.run(
                run(
                    self.config,
                    metrics_registry=self.metrics,
                    stop_flag=self._stop,
                    ready_flag=self._ready,
                )
            )
        except BaseException as exc:  # reported by stop(), in the test's thread
            self._errors.append(exc)
            self._ready.set()


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorThread]:
    server = EmulatorThread()
    server.start()
    monkeypatch.setenv("KUBECONFIG", str(server.write_kubeconfig(tmp_path / "kubeconfig")))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    server.create(
        "/apis/kopf.dev/v1/clusterkopfpeerings",
        {"apiVersion": "kopf.dev/v1", "kind": "ClusterKopfPeering", "metadata": {"name": PEERING}},
    )
    yield server
    server.stop()


@pytest.fixture
def namespace() -> str:
    return f"ns-{uuid.uuid4().hex[:8]}"


def operator_config(priority: int = 100, health_port: int = 0) -> OperatorConfig:
    return OperatorConfig(
        operator_peering=PEERING,
        operator_priority=priority,
        operator_health_host="127.0.0.1",
        operator_health_port=health_port,
        operator_retry_seconds=0.5,
        operator_retry_max_seconds=2.0,
        metrics_port=0,
    )


@pytest.fixture
def start_operator(emulator: EmulatorThread) -> Iterator[Callable[..., OperatorThread]]:
    started: list[OperatorThread] = []

    def start(priority: int = 100, health_port: int = 0) -> OperatorThread:
        operator = OperatorThread(operator_config(priority, health_port)).start()
        started.append(operator)
        return operator

    yield start
    for operator in reversed(started):
        if operator.running:
            operator.stop()


def wait_for(check: Callable[[], T | None], timeout: float = 20.0, what: str = "") -> T:
    """Poll until ``check`` returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or check}: last seen {last!r}")


def seed_enricher(
    emulator: EmulatorThread, namespace: str, *, replicas: int = 3, hpa: bool = True
) -> None:
    """The chart's enricher: a Deployment and (optionally) its HPA on CPU."""
    emulator.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment(replicas))
    if hpa:
        emulator.create(
            f"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers", enricher_hpa()
        )


def deployment(replicas: int, name: str = "deltastream-enricher") -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": "deltastream", "app.kubernetes.io/component": "enricher"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "enricher", "image": "deltastream:latest"}]},
            },
        },
        "status": {"replicas": replicas},
    }


def enricher_hpa() -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "deltastream-enricher"},
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "deltastream-enricher",
            },
            "minReplicas": 1,
            "maxReplicas": 5,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }


def scaler(name: str = "deltastream-enricher", **changes: Any) -> dict[str, Any]:
    """The example MarketHoursScaler of docs/operator.md, with ``changes`` to its spec
    (None drops a key)."""
    spec: dict[str, Any] = {
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
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    return {
        "apiVersion": "deltastream.io/v1alpha1",
        "kind": "MarketHoursScaler",
        "metadata": {"name": name},
        "spec": spec,
    }
