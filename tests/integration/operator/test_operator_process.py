"""``python -m deltastream_operator`` as a process: env config, health, metrics, JSON logs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.integration.operator.conftest import HPAS, scaler, seed_enricher, wait_for
from tests.integration.operator.emulator import EmulatorThread

ALWAYS = [
    {
        "name": "always",
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "start": "00:00",
        "end": "00:00",  # ends when it starts: a whole day, every day
        "minReplicas": 3,
        "maxReplicas": 7,
    }
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - our own http port
            body: bytes = reply.read()
            return body.decode()
    except OSError:
        return None


def test_the_module_runs_the_operator(
    emulator: EmulatorThread, namespace: str, tmp_path: Path
) -> None:
    health, metrics = _free_port(), _free_port()
    env = {
        **os.environ,
        "DELTASTREAM_OPERATOR_HEALTH_HOST": "127.0.0.1",
        "DELTASTREAM_OPERATOR_HEALTH_PORT": str(health),
        "DELTASTREAM_METRICS_PORT": str(metrics),
        "DELTASTREAM_OPERATOR_PEERING": "not-seeded",  # the operator creates it
    }
    env.pop("KUBERNETES_SERVICE_HOST", None)
    seed_enricher(emulator, namespace)
    with (tmp_path / "operator.log").open("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "deltastream_operator"], env=env, stdout=log, stderr=log
        )
        labels = f'bound="max",name="deltastream-enricher",namespace="{namespace}"'
        sample = f"deltastream_operator_bounds_replicas{{{labels}}} 7.0"
        try:
            _scale(emulator, namespace, health)
            scraped = wait_for(
                lambda: sample in (_get(f"http://127.0.0.1:{metrics}/metrics") or ""),
                what="the bounds in the metrics",
            )
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
        log.seek(0)
        lines = [line for line in log.read().splitlines() if line.strip()]
    assert scraped
    assert code == 0  # SIGTERM: a clean stop
    records = [json.loads(line) for line in lines]
    assert records
    assert {record["service"] for record in records} == {"operator"}
    assert any("always" in record["message"] for record in records)
    assert emulator.get("kopf.dev/v1/clusterkopfpeerings", None, "not-seeded") is not None


def _scale(emulator: EmulatorThread, namespace: str, health: int) -> None:
    wait_for(lambda: _get(f"http://127.0.0.1:{health}/healthz"), timeout=30, what="health")
    emulator.create(
        f"/apis/deltastream.io/v1alpha1/namespaces/{namespace}/markethoursscalers",
        # no holidays either: on the example's 2026-12-25 "always" would not run (off-hours)
        scaler(sessions=ALWAYS, calendar=None, holidays=None, specialSessions=None),
    )

    def bounds() -> bool:
        hpa = emulator.get(HPAS, namespace, "deltastream-enricher") or {}
        return (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 7)

    wait_for(bounds, what="HPA bounds 3..7")
