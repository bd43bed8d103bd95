"""Helm lints the chart cleanly, and values.schema.json turns a wrong value away by its path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import pytest

from .conftest import VALUE_SETS
from .manifests import CHART_DIR, NAMESPACE, load_yaml_documents

WARNING = 2


@pytest.mark.parametrize("value_set", sorted(VALUE_SETS))
def test_helm_lints_the_chart_without_warnings(value_set: str) -> None:
    report = helm.lint(
        CHART_DIR,
        VALUE_SETS[value_set],
        strict=True,
        namespace=NAMESPACE,
        kube_version="v1.33.0",
    )
    assert report["errors"] == []
    assert [message for message in report["messages"] if message["severity"] >= WARNING] == []


def test_the_default_values_satisfy_the_schema(chart: helm.Chart) -> None:
    defaults = load_yaml_documents((CHART_DIR / "values.yaml").read_text())[0]
    chart.validate_schema(defaults)


@pytest.mark.parametrize(
    ("values", "path", "reason"),
    [
        ({"enricher": {"replicas": "two"}}, "/enricher/replicas", "want integer"),
        ({"replicaCount": 3}, "''", "'replicaCount' not allowed"),
        (
            {"enricher": {"autoscaling": {"maxReplicas": 0}}},
            "/enricher/autoscaling/maxReplicas",
            "minimum",
        ),
        ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy", "must be one of"),
        ({"image": {"digest": "latest"}}, "/image/digest", "does not match pattern"),
        ({"redis": {"url": "http://redis:6379"}}, "/redis/url", "does not match pattern"),
        (
            {"containerSecurityContext": {"readOnlyRootFilesystem": False}},
            "readOnlyRootFilesystem",
            "true",
        ),
        (
            {"podSecurityContext": {"runAsNonRoot": False}},
            "/podSecurityContext/runAsNonRoot",
            "true",
        ),
        (
            {"gateway": {"resources": {"requests": {"cpu": "fast"}}}},
            "/gateway/resources/requests/cpu",
            "pattern",
        ),
        ({"gateway": {"resources": {"limits": None}}}, "/gateway/resources", "limits"),
        (
            {"auth": {"pdb": {"minAvailable": 1, "maxUnavailable": 1}}},
            "/auth/pdb",
            "maxProperties: got 2, want 1",
        ),
        ({"networkPolicy": {"enabled": "yes"}}, "/networkPolicy/enabled", "want boolean"),
        ({"alerts": {"replicas": 2}}, "/alerts/replicas", "maximum"),
        (
            {"networkPolicy": {"clients": [{"namespace": "edge"}]}},
            "/networkPolicy/clients/0",
            "'namespace'",
        ),
        ({"serviceMonitor": {"interval": "often"}}, "/serviceMonitor/interval", "pattern"),
        ({"mongo": {"uriSecret": {"key": "a uri"}}}, "/mongo/uriSecret/key", "pattern"),
    ],
)
def test_the_schema_rejects_a_wrong_value_by_its_path(
    chart: helm.Chart, values: dict[str, Any], path: str, reason: str
) -> None:
    with pytest.raises(helm.HelmValuesError) as rejected:
        chart.render(values, name="ds", namespace=NAMESPACE)
    message = str(rejected.value)
    assert path in message
    assert reason in message


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            {"enricher": {"autoscaling": {"minReplicas": 8, "maxReplicas": 4}}},
            "enricher.autoscaling.minReplicas (8) must not exceed "
            "enricher.autoscaling.maxReplicas (4)",
        ),
        ({"redis": {"url": ""}}, "set redis.url or redis.urlSecret.name"),
        ({"mongo": {"uriSecret": {"name": ""}}}, "set mongo.uriSecret.name"),
        ({"auth": {"privateKeySecret": {"name": ""}}}, "set auth.privateKeySecret.name"),
        (
            {"auth": {"bootstrapAdmin": {"user": "root"}}},
            "auth.bootstrapAdmin.user needs auth.bootstrapAdmin.passwordSecret.name",
        ),
    ],
)
def test_contradicting_values_fail_with_the_key_to_change(
    chart: helm.Chart, values: dict[str, Any], reason: str
) -> None:
    with pytest.raises(helm.HelmRenderError) as rejected:
        chart.render(values, name="ds", namespace=NAMESPACE)
    assert reason in str(rejected.value)


def test_development_datastores_need_no_urls(chart: helm.Chart) -> None:
    values = {
        "redis": {"url": "", "inCluster": {"enabled": True}},
        "mongo": {"uriSecret": {"name": ""}, "inCluster": {"enabled": True}},
    }
    assert chart.render(values, name="ds", namespace=NAMESPACE)


def test_the_chart_ships_no_secret_template() -> None:
    templates = (CHART_DIR / "templates").rglob("*")
    assert [path.name for path in templates if _defines_a_secret(path)] == []


def _defines_a_secret(path: Path) -> bool:
    return path.is_file() and "kind: Secret" in path.read_text()
