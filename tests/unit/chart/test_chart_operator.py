"""The operator's CRD, permissions and example MarketHoursScaler in the chart."""

from __future__ import annotations

from collections.abc import Callable

import helm_python as helm
import pytest
from deltastream_operator.spec import parse_spec

from .manifests import (
    CHART_DIR,
    KUBERNETES_VERSIONS,
    REPOSITORY,
    Manifest,
    component_name,
    load_yaml_documents,
    named,
    of_kind,
    problems,
)

CRD_FILE = "markethoursscalers.deltastream.io.yaml"
ENRICHER = component_name("enricher")
OPERATOR = component_name("operator")


def test_the_chart_crd_is_a_copy_of_the_source_in_k8s() -> None:
    source = REPOSITORY / "k8s" / "crds" / CRD_FILE
    copy = CHART_DIR / "crds" / CRD_FILE
    assert copy.read_bytes() == source.read_bytes(), f"copy {source} to {copy}"


def test_helm_installs_the_crds(chart: helm.Chart) -> None:
    crds = [document for crd in chart.crds for document in load_yaml_documents(crd["data"])]
    assert sorted(crd["metadata"]["name"] for crd in crds) == [
        "clusterkopfpeerings.kopf.dev",
        "kopfpeerings.kopf.dev",
        "markethoursscalers.deltastream.io",
    ]
    for crd in crds:
        for version in KUBERNETES_VERSIONS:
            assert problems(crd, version) == (), crd["metadata"]["name"]


def test_the_operator_replicas_share_the_peering_the_chart_creates(
    renders: Callable[[str], list[Manifest]],
) -> None:
    objects = renders("defaults")
    container = named(objects, "Deployment", OPERATOR)["spec"]["template"]["spec"]["containers"][0]
    env = {var["name"]: var.get("value") for var in container["env"]}
    assert named(objects, "ClusterKopfPeering", env["DELTASTREAM_OPERATOR_PEERING"])
    assert env["POD_ID"] == "$(POD_NAME)"
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    health = next(port for port in container["ports"] if port["name"] == "health")
    assert env["DELTASTREAM_OPERATOR_HEALTH_PORT"] == str(health["containerPort"])


def test_the_scaler_moves_the_enricher_hpa_in_nse_sessions(
    renders: Callable[[str], list[Manifest]],
) -> None:
    objects = renders("scaler-on")
    scaler = named(objects, "MarketHoursScaler", ENRICHER)["spec"]
    assert scaler["target"] == {"kind": "Deployment", "name": ENRICHER}
    assert named(objects, "HorizontalPodAutoscaler", scaler["hpa"])
    assert named(objects, "Deployment", scaler["target"]["name"])
    assert scaler["timezone"] == "Asia/Kolkata"
    sessions = {
        session["name"]: (session["start"], session["end"]) for session in scaler["sessions"]
    }
    assert sessions == {"pre-open": ("09:00", "09:15"), "regular": ("09:15", "15:30")}


@pytest.mark.parametrize("preset", ["scaler-on", "everything-on", "skaffold-dev"])
def test_the_operator_accepts_the_rendered_scaler(
    renders: Callable[[str], list[Manifest]], preset: str
) -> None:
    (scaler,) = of_kind(renders(preset), "MarketHoursScaler")
    parsed = parse_spec(scaler["spec"])
    assert parsed.hpa == ENRICHER
    assert [session.name for session in parsed.schedule.sessions] == ["pre-open", "regular"]


def test_the_scaler_is_off_by_default(renders: Callable[[str], list[Manifest]]) -> None:
    assert of_kind(renders("defaults"), "MarketHoursScaler") == []


def _granted(role: Manifest, group: str, resource: str) -> set[str]:
    return {
        verb
        for rule in role["rules"]
        if group in rule["apiGroups"] and resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_the_operator_may_do_what_it_does(renders: Callable[[str], list[Manifest]]) -> None:
    objects = renders("defaults")
    role = named(objects, "ClusterRole", OPERATOR)
    needs = {
        ("deltastream.io", "markethoursscalers"): {"get", "list", "watch", "patch"},
        ("deltastream.io", "markethoursscalers/status"): {"patch"},
        ("autoscaling", "horizontalpodautoscalers"): {"get", "list", "watch", "patch"},
        ("apps", "deployments/scale"): {"get", "patch"},
        ("", "events"): {"create"},
        ("kopf.dev", "kopfpeerings"): {"get", "list", "watch", "patch"},
        ("kopf.dev", "clusterkopfpeerings"): {"get", "list", "watch", "patch"},
        ("apiextensions.k8s.io", "customresourcedefinitions"): {"list", "watch"},
    }
    for (group, resource), verbs in needs.items():
        assert verbs <= _granted(role, group, resource), f"{group}/{resource}"
    assert not any("*" in rule["verbs"] or "*" in rule["resources"] for rule in role["rules"])
    binding = named(objects, "ClusterRoleBinding", OPERATOR)
    assert binding["roleRef"]["name"] == OPERATOR
    pod = named(objects, "Deployment", OPERATOR)["spec"]["template"]["spec"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": pod["serviceAccountName"], "namespace": "markets"}
    ]


def test_only_the_operator_mounts_an_api_token(objects: list[Manifest]) -> None:
    for deployment in of_kind(objects, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is (deployment["metadata"]["name"] == OPERATOR)
