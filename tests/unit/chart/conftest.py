"""The chart, and its renders with each value set that matters (rendered once per session)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import helm_python as helm
import kubernetes_validate.utils
import pytest

from .manifests import CHART_DIR, Manifest, load_yaml_documents, render

# What skaffold passes for the image it built (see skaffold.yaml setValueTemplates).
SKAFFOLD_IMAGE = {"repository": "registry.local/deltastream", "tag": "0a1b2c3@sha256:" + "cd" * 32}

# Each toggle on and off, alone and together. Names say what differs from the defaults.
VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "hpa-off": {"enricher": {"autoscaling": {"enabled": False}, "replicas": 3}},
    "lag-metric-off": {"enricher": {"autoscaling": {"streamLag": {"enabled": False}}}},
    "dev-datastores": {
        "redis": {"inCluster": {"enabled": True}},
        "mongo": {"inCluster": {"enabled": True}},
    },
    "dev-redis-only": {"redis": {"inCluster": {"enabled": True}}},
    "network-policy-off": {"networkPolicy": {"enabled": False}},
    "monitoring-on": {
        "serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}},
        "prometheusRule": {"enabled": True},
        "dashboards": {"enabled": True},
    },
    "operator-off": {"operator": {"enabled": False}},
    "operator-namespaces": {"operator": {"namespaces": ["markets", "desks"]}},
    "operator-cluster-wide": {"operator": {"clusterWide": True}},
    "scaler-on": {"operator": {"scaler": {"enabled": True}}},
    "everything-on": {
        "image": {"digest": "sha256:" + "ab" * 32},
        "commonLabels": {"team": "desks"},
        "redis": {"urlSecret": {"name": "deltastream-redis"}},
        "otel": {
            "endpoint": "http://otel-collector.observability:4317",
            "resourceAttributes": {"cluster": "mumbai-1"},
        },
        "networkPolicy": {
            "redis": {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]},
            "mongo": {"to": [{"ipBlock": {"cidr": "10.30.0.0/16"}}]},
            "kubeApi": {"to": [{"ipBlock": {"cidr": "10.0.0.1/32"}}]},
            "otel": {
                "to": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "observability"}
                        }
                    }
                ]
            },
        },
        "serviceMonitor": {"enabled": True},
        "prometheusRule": {"enabled": True},
        "dashboards": {"enabled": True},
        "enricher": {"pdb": {"minAvailable": 1}},
        "operator": {
            "scaler": {
                "enabled": True,
                "holidays": ["2025-12-25"],
                "specialSessions": [
                    {
                        "name": "muhurat",
                        "date": "2025-10-21",
                        "start": "18:00",
                        "end": "19:00",
                        "minReplicas": 2,
                        "maxReplicas": 6,
                    }
                ],
            }
        },
    },
    "everything-off": {
        "feed": {"enabled": False},
        "enricher": {"autoscaling": {"enabled": False}},
        "operator": {"enabled": False},
        "networkPolicy": {"enabled": False},
    },
    "skaffold-dev": {
        **load_yaml_documents((CHART_DIR / "values-dev.yaml").read_text())[0],
        "image": SKAFFOLD_IMAGE,
    },
}


@pytest.fixture(scope="session", autouse=True)
def _read_kubernetes_schemas_once() -> Iterator[None]:
    """kubernetes-validate reads its schema files (1.8 MB of definitions) on every call; they
    never change, so each is read once for the session."""
    with pytest.MonkeyPatch.context() as patch:
        read = functools.cache(kubernetes_validate.utils.schema_contents)
        patch.setattr(kubernetes_validate.utils, "schema_contents", read)
        yield


@pytest.fixture(scope="session")
def chart() -> Iterator[helm.Chart]:
    with helm.Chart.load(CHART_DIR) as loaded:
        yield loaded


@pytest.fixture(scope="session")
def renders(chart: helm.Chart) -> Callable[[str], list[Manifest]]:
    """Objects rendered for a named value set, each set rendered once."""
    cache: dict[str, list[Manifest]] = {}

    def objects_of(value_set: str) -> list[Manifest]:
        if value_set not in cache:
            cache[value_set] = render(chart, VALUE_SETS[value_set])
        return cache[value_set]

    return objects_of


@pytest.fixture(scope="session", params=sorted(VALUE_SETS))
def value_set(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def objects(renders: Callable[[str], list[Manifest]], value_set: str) -> list[Manifest]:
    """The objects of each value set in turn."""
    return renders(value_set)
