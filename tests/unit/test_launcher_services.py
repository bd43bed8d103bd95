"""``make run``'s services: each listens on this machine only unless ``DELTASTREAM_BIND_HOST``
says otherwise, on every endpoint it has (gRPC or HTTP, and metrics)."""

from __future__ import annotations

from itertools import count
from pathlib import Path

import pytest

from deltastream.launcher import DevelopmentSecrets, auth_service, platform_services

_HOST_SETTINGS = ("DELTASTREAM_GRPC_HOST", "DELTASTREAM_HTTP_HOST", "DELTASTREAM_METRICS_HOST")


def _hosts(tmp_path: Path) -> dict[str, dict[str, str]]:
    """Each service's interface settings, by service name."""
    ports = iter(count(9200))
    secrets = DevelopmentSecrets.kept_in(tmp_path / "auth")
    services = [auth_service(ports, 50052, secrets), *platform_services(ports, 50051, "x:1")]
    return {
        service.name: {k: v for k, v in service.environment.items() if k in _HOST_SETTINGS}
        for service in services
    }


def test_every_endpoint_listens_on_loopback_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DELTASTREAM_BIND_HOST", raising=False)
    hosts = _hosts(tmp_path)
    assert set(hosts) == {
        "auth", "marketdata", "alerts", "analytics", "enricher", "feed", "gateway",
    }  # fmt: skip
    assert all(hosts[name]["DELTASTREAM_GRPC_HOST"] == "127.0.0.1" for name in (
        "auth", "marketdata", "alerts", "analytics",
    ))  # fmt: skip
    assert hosts["gateway"]["DELTASTREAM_HTTP_HOST"] == "127.0.0.1"
    assert all(settings["DELTASTREAM_METRICS_HOST"] == "127.0.0.1" for settings in hosts.values())
    assert "DELTASTREAM_GRPC_HOST" not in hosts["enricher"]  # it serves no API


def test_the_bind_host_opens_every_endpoint_to_other_machines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELTASTREAM_BIND_HOST", "0.0.0.0")  # noqa: S104 - what is tested
    values = {value for settings in _hosts(tmp_path).values() for value in settings.values()}
    assert values == {"0.0.0.0"}  # noqa: S104
