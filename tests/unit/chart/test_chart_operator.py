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

ENRICHER = component_name("enricher")
OPERATOR = component_name("operator")


def test_the_chart_crds_are_copies_of_the_sources_in_k8s() -> None:
    sources = {path.name: path for path in (REPOSITORY / "k8s" / "crds").glob("*.yaml")}
    copies = {path.name: path for path in (CHART_DIR / "crds").glob("*.yaml")}
    assert set(copies) == set(sources)
    for name, source in sources.items():
        assert copies[name].read_bytes() == source.read_bytes(), f"copy {source} to {copies[name]}"


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


@pytest.mark.parametrize("preset", ["defaults", "operator-namespaces", "operator-cluster-wide"])
def test_the_operator_replicas_share_the_peering_the_chart_creates(
    renders: Callable[[str], list[Manifest]], preset: str
) -> None:
    objects = renders(preset)
    container = named(objects, "Deployment", OPERATOR)["spec"]["template"]["spec"]["containers"][0]
    env = {var["name"]: var.get("value") for var in container["env"]}
    served = [name for name in env["DELTASTREAM_OPERATOR_NAMESPACES"].split(",") if name]
    if served:
        peerings = of_kind(objects, "KopfPeering")
        assert sorted(peering["metadata"]["namespace"] for peering in peerings) == sorted(served)
        assert of_kind(objects, "ClusterKopfPeering") == []
    else:
        peerings = of_kind(objects, "ClusterKopfPeering")
        assert of_kind(objects, "KopfPeering") == []
    assert {peering["metadata"]["name"] for peering in peerings} == {
        env["DELTASTREAM_OPERATOR_PEERING"]
    }
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


Grant = tuple[str, str, str]


def grants(role: Manifest) -> set[Grant]:
    """(API group, resource, verb) of every permission a Role or ClusterRole gives."""
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


@pytest.fixture(scope="module")
def reference_roles() -> dict[str, set[Grant]]:
    """The operator's least-privilege roles as k8s/ writes them, by kind."""
    roles = load_yaml_documents((REPOSITORY / "k8s" / "operator" / "rbac.yaml").read_text())
    return {role["kind"]: grants(role) for role in roles if role["kind"] in {"Role", "ClusterRole"}}


def test_the_operator_has_the_permissions_of_k8s_operator_in_its_namespace(
    renders: Callable[[str], list[Manifest]], reference_roles: dict[str, set[Grant]]
) -> None:
    objects = renders("defaults")
    assert grants(named(objects, "Role", OPERATOR)) == reference_roles["Role"]
    discovery = named(objects, "ClusterRole", f"{OPERATOR}-discovery")
    assert grants(discovery) == reference_roles["ClusterRole"]
    assert [role["metadata"]["name"] for role in of_kind(objects, "ClusterRole")] == [
        f"{OPERATOR}-discovery"
    ]
    pod = named(objects, "Deployment", OPERATOR)["spec"]["template"]["spec"]
    for binding in of_kind(objects, "RoleBinding") + of_kind(objects, "ClusterRoleBinding"):
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": pod["serviceAccountName"], "namespace": "markets"}
        ]


def test_cluster_wide_the_same_permissions_reach_every_namespace(
    renders: Callable[[str], list[Manifest]], reference_roles: dict[str, set[Grant]]
) -> None:
    objects = renders("operator-cluster-wide")
    expected = {
        (group, "clusterkopfpeerings" if resource == "kopfpeerings" else resource, verb)
        for group, resource, verb in reference_roles["Role"]
    }
    assert grants(named(objects, "ClusterRole", OPERATOR)) == expected
    assert named(objects, "ClusterRoleBinding", OPERATOR)["roleRef"]["name"] == OPERATOR
    assert of_kind(objects, "Role") == []


def test_only_the_operator_mounts_an_api_token(objects: list[Manifest]) -> None:
    for deployment in of_kind(objects, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is (deployment["metadata"]["name"] == OPERATOR)
