"""The enricher scales by its HPA (CPU and stream lag), and nothing else fights the HPA."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .manifests import Manifest, component_name, named, of_kind

ENRICHER = component_name("enricher")


def test_the_hpa_owns_the_enricher_replicas(renders: Callable[[str], list[Manifest]]) -> None:
    objects = renders("defaults")
    assert "replicas" not in named(objects, "Deployment", ENRICHER)["spec"]
    hpa = named(objects, "HorizontalPodAutoscaler", ENRICHER)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": ENRICHER,
    }
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_without_the_hpa_the_deployment_sets_replicas(
    renders: Callable[[str], list[Manifest]],
) -> None:
    objects = renders("hpa-off")
    assert named(objects, "Deployment", ENRICHER)["spec"]["replicas"] == 3
    assert of_kind(objects, "HorizontalPodAutoscaler") == []


def test_the_hpa_scales_on_cpu_and_on_stream_lag(renders: Callable[[str], list[Manifest]]) -> None:
    metrics = named(renders("defaults"), "HorizontalPodAutoscaler", ENRICHER)["spec"]["metrics"]
    by_type = {metric["type"]: metric for metric in metrics}
    assert by_type["Resource"]["resource"]["name"] == "cpu"
    assert by_type["Resource"]["resource"]["target"]["type"] == "Utilization"
    lag = by_type["External"]["external"]
    assert lag["metric"]["name"] == "deltastream_stream_lag_seconds"
    assert lag["metric"]["selector"] == {"matchLabels": {"group": "enricher"}}
    # Lag is shared work: the HPA divides it among the pods.
    assert lag["target"]["type"] == "AverageValue"


def test_the_lag_metric_can_be_turned_off(renders: Callable[[str], list[Manifest]]) -> None:
    metrics = named(renders("lag-metric-off"), "HorizontalPodAutoscaler", ENRICHER)["spec"][
        "metrics"
    ]
    assert [metric["type"] for metric in metrics] == ["Resource"]


@pytest.mark.parametrize("preset", ["defaults", "hpa-off", "everything-on"])
def test_enricher_consumers_are_named_after_their_pods(
    renders: Callable[[str], list[Manifest]], preset: str
) -> None:
    container = named(renders(preset), "Deployment", ENRICHER)["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = [var["name"] for var in container["env"]]
    # $(POD_NAME) expands only when POD_NAME is defined earlier in the list.
    assert env.index("POD_NAME") < env.index("DELTASTREAM_CONSUMER_NAME")
    consumer = next(var for var in container["env"] if var["name"] == "DELTASTREAM_CONSUMER_NAME")
    assert consumer["value"] == "$(POD_NAME)"
