"""Every render of the chart is valid Kubernetes and keeps the platform's invariants."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import helm_python as helm
import pytest

from .conftest import VALUE_SETS
from .manifests import (
    CUSTOM_KINDS,
    KUBERNETES_VERSIONS,
    NAMESPACE,
    Manifest,
    component_name,
    named,
    of_kind,
    pod_specs,
    problems,
    render,
)

SERVICES = ("feed", "enricher", "marketdata", "analytics", "gateway", "auth", "alerts")
CLUSTER_SCOPED = {"ClusterRole", "ClusterRoleBinding", "ClusterKopfPeering"}


@pytest.mark.parametrize("kubernetes_version", KUBERNETES_VERSIONS)
def test_every_object_is_valid(objects: list[Manifest], kubernetes_version: str) -> None:
    invalid = {
        f"{manifest['kind']}/{manifest['metadata']['name']}": found
        for manifest in objects
        if (found := problems(manifest, kubernetes_version))
    }
    assert invalid == {}


def test_custom_kinds_are_the_only_ones_outside_the_openapi_schemas(
    renders: Callable[[str], list[Manifest]],
) -> None:
    rendered_kinds = {
        (manifest["apiVersion"], manifest["kind"])
        for value_set in VALUE_SETS
        for manifest in renders(value_set)
    }
    custom_groups = {api_version.split("/")[0] for api_version, _ in CUSTOM_KINDS}
    outside = {kind for kind in rendered_kinds if kind[0].split("/")[0] in custom_groups}
    assert outside <= set(CUSTOM_KINDS)
    assert ("monitoring.coreos.com/v1", "ServiceMonitor") in outside


def test_objects_are_namespaced_and_uniquely_named(objects: list[Manifest], value_set: str) -> None:
    namespaced = [manifest for manifest in objects if manifest["kind"] not in CLUSTER_SCOPED]
    served = VALUE_SETS[value_set].get("operator", {}).get("namespaces", [])
    assert {manifest["metadata"].get("namespace") for manifest in namespaced} == {
        NAMESPACE,
        *served,
    }
    names = Counter(
        (manifest["kind"], manifest["metadata"].get("namespace"), manifest["metadata"]["name"])
        for manifest in objects
    )
    assert [key for key, count in names.items() if count > 1] == []


def test_every_container_is_locked_down(objects: list[Manifest]) -> None:
    for workload, pod in pod_specs(objects):
        assert pod["securityContext"]["runAsNonRoot"] is True, workload
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", workload
        for container in pod["containers"] + pod.get("initContainers", []):
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, workload
            assert security["readOnlyRootFilesystem"] is True, workload
            assert security["allowPrivilegeEscalation"] is False, workload
            assert "ALL" in security["capabilities"]["drop"], workload
            assert not security["capabilities"].get("add"), workload


def test_every_container_has_bounded_resources_and_probes(objects: list[Manifest]) -> None:
    for workload, pod in pod_specs(objects):
        for container in pod["containers"]:
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) >= {"cpu", "memory"}, workload
            assert "readinessProbe" in container, workload
            assert "livenessProbe" in container, workload


def test_grpc_services_use_grpc_probes_and_the_gateway_healthz(objects: list[Manifest]) -> None:
    deployments = {
        manifest["metadata"]["name"]: manifest for manifest in of_kind(objects, "Deployment")
    }
    expected = {"marketdata": 50051, "auth": 50052, "alerts": 50053, "analytics": 50054}
    for service, port in expected.items():
        if (name := component_name(service)) in deployments:
            container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
            assert container["readinessProbe"]["grpc"] == {"port": port}
            assert container["livenessProbe"]["grpc"] == {"port": port}
            env = {var["name"]: var.get("value") for var in container["env"]}
            assert env["DELTASTREAM_GRPC_PORT"] == str(port)
            assert {"name": "grpc", "containerPort": port, "protocol": "TCP"} in container["ports"]
    gateway = deployments[component_name("gateway")]["spec"]["template"]["spec"]["containers"][0]
    assert gateway["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_every_deployment_has_a_disruption_budget(objects: list[Manifest]) -> None:
    budgets = of_kind(objects, "PodDisruptionBudget")
    for deployment in of_kind(objects, "Deployment"):
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [
            budget
            for budget in budgets
            if budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        ]
        assert len(covering) == 1, deployment["metadata"]["name"]


def test_services_select_pods_and_target_their_ports(objects: list[Manifest]) -> None:
    pods = [
        manifest["spec"]["template"]
        for manifest in objects
        if manifest["kind"] in {"Deployment", "StatefulSet"}
    ]
    for service in of_kind(objects, "Service"):
        selector = service["spec"]["selector"].items()
        selected = [pod for pod in pods if selector <= pod["metadata"]["labels"].items()]
        assert len(selected) == 1, service["metadata"]["name"]
        port_names = {
            port["name"]
            for container in selected[0]["spec"]["containers"]
            for port in container["ports"]
        }
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= port_names


def test_no_secret_carries_literal_data(objects: list[Manifest]) -> None:
    secrets = of_kind(objects, "Secret")
    assert [secret for secret in secrets if secret.get("data") or secret.get("stringData")] == []


def test_secret_settings_are_referenced_not_inlined(
    renders: Callable[[str], list[Manifest]],
) -> None:
    objects = renders("defaults")
    for name in ("enricher", "auth"):
        deployment = named(objects, "Deployment", component_name(name))
        env = {
            var["name"]: var
            for var in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        assert env["DELTASTREAM_MONGO_URI"]["valueFrom"]["secretKeyRef"] == {
            "name": "deltastream-mongo",
            "key": "uri",
        }
    auth = named(objects, "Deployment", component_name("auth"))
    env = {var["name"]: var for var in auth["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "value" not in env["DELTASTREAM_AUTH_PRIVATE_KEY"]
    assert (
        env["DELTASTREAM_AUTH_PRIVATE_KEY"]["valueFrom"]["secretKeyRef"]["name"]
        == "deltastream-auth"
    )


def test_each_container_runs_its_own_service(renders: Callable[[str], list[Manifest]]) -> None:
    objects = renders("defaults")
    for service in SERVICES:
        deployment = named(objects, "Deployment", component_name(service))
        command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
        assert command == ["python", "-m", f"deltastream.{service}"]
    operator = named(objects, "Deployment", component_name("operator"))
    assert (
        operator["spec"]["template"]["spec"]["containers"][0]["command"][-1]
        == "deltastream_operator"
    )


def test_disabled_services_render_nothing(renders: Callable[[str], list[Manifest]]) -> None:
    objects = renders("everything-off")
    names = {manifest["metadata"]["name"] for manifest in objects}
    assert not any(
        name.startswith((component_name("feed"), component_name("operator"))) for name in names
    )
    assert of_kind(objects, "NetworkPolicy") == []
    assert of_kind(objects, "HorizontalPodAutoscaler") == []


def test_dev_datastores_replace_the_external_urls(renders: Callable[[str], list[Manifest]]) -> None:
    objects = renders("dev-datastores")
    assert {store["metadata"]["name"] for store in of_kind(objects, "StatefulSet")} == {
        component_name("redis"),
        component_name("mongo"),
    }
    enricher = named(objects, "Deployment", component_name("enricher"))
    env = {var["name"]: var for var in enricher["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DELTASTREAM_REDIS_URL"]["value"] == f"redis://{component_name('redis')}:6379/0"
    assert env["DELTASTREAM_MONGO_URI"]["value"].startswith(
        f"mongodb://{component_name('mongo')}:27017"
    )
    assert of_kind(renders("defaults"), "StatefulSet") == []


def test_every_api_finds_the_auth_key_set(renders: Callable[[str], list[Manifest]]) -> None:
    objects = renders("defaults")
    for service in ("marketdata", "analytics", "alerts", "gateway"):
        deployment = named(objects, "Deployment", component_name(service))
        env = {
            var["name"]: var.get("value")
            for var in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        assert env["DELTASTREAM_AUTH_TARGET"] == f"{component_name('auth')}:50052", service


def test_every_api_gets_the_request_budget_of_the_values(chart: helm.Chart) -> None:
    objects = render(chart, {"rateLimit": {"requests": 6000, "windowSeconds": 30}})
    for service in ("marketdata", "analytics", "alerts", "gateway", "auth", "feed", "enricher"):
        deployment = named(objects, "Deployment", component_name(service))
        env = {
            var["name"]: var.get("value")
            for var in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        if service in ("feed", "enricher"):  # no callers
            assert "DELTASTREAM_RATE_LIMIT_REQUESTS" not in env
            continue
        assert env["DELTASTREAM_RATE_LIMIT_REQUESTS"] == "6000", service
        assert env["DELTASTREAM_RATE_LIMIT_WINDOW_SECONDS"] == "30", service


def test_the_alert_evaluator_never_runs_twice(renders: Callable[[str], list[Manifest]]) -> None:
    alerts = named(renders("defaults"), "Deployment", component_name("alerts"))["spec"]
    assert alerts["replicas"] == 1
    # A rollout stops the old pod before it starts the new one.
    assert alerts["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}


def test_the_bootstrap_admin_password_comes_from_a_secret(chart: helm.Chart) -> None:
    values = {"auth": {"bootstrapAdmin": {"user": "root", "passwordSecret": {"name": "admin"}}}}
    auth = named(render(chart, values), "Deployment", component_name("auth"))
    env = {var["name"]: var for var in auth["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DELTASTREAM_AUTH_BOOTSTRAP_ADMIN"]["value"] == "root"
    assert env["DELTASTREAM_AUTH_BOOTSTRAP_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "admin",
        "key": "password",
    }
