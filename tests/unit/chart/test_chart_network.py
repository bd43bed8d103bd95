"""The NetworkPolicies open the paths of the data flow and nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import VALUE_SETS
from .manifests import NAMESPACE, RELEASE, Manifest, of_kind, pod_specs
from .networkflow import Endpoint, allows

CLIENT = Endpoint("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
SCRAPER = Endpoint("monitoring", {"app.kubernetes.io/name": "prometheus"})
DNS = Endpoint("kube-system", {"k8s-app": "kube-dns"})
STRANGER = Endpoint("default", {"app": "curl"})
EXTERNAL_REDIS = Endpoint(address="10.20.1.5")
EXTERNAL_MONGO = Endpoint(address="10.30.1.5")
KUBE_API = Endpoint(address="10.0.0.1")
INTERNET = Endpoint(address="1.1.1.1")
REDIS, MONGO = 6379, 27017
GRPC = {"marketdata": 50051, "auth": 50052, "alerts": 50053, "analytics": 50054}
METRICS = {"feed": 9100, "enricher": 9100, "marketdata": 9100, "analytics": 9100}
METRICS |= {"auth": 9100, "alerts": 9100}
METRICS |= {"gateway": 8000, "operator": 9100}
# Who calls whom, from the design: the data flow, and every API checking tokens (the key set
# from auth, revocations and rate limits in Redis).
DATA_FLOW = {
    "feed": {"redis"},
    "enricher": {"redis", "mongo"},
    "marketdata": {"redis", "mongo", "auth"},
    "analytics": {"redis", "mongo", "auth"},
    "alerts": {"redis", "mongo", "auth"},
    "auth": {"redis", "mongo"},
    "gateway": {"redis", "marketdata", "analytics", "alerts", "auth"},
    "operator": set(),
}
CALLS_DATASTORES = {
    component: {port for name, port in (("redis", REDIS), ("mongo", MONGO)) if name in calls}
    for component, calls in DATA_FLOW.items()
}


def pod(component: str) -> Endpoint:
    return Endpoint(
        NAMESPACE,
        {
            "app.kubernetes.io/name": "deltastream",
            "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/component": component,
        },
    )


@pytest.fixture(scope="module")
def policies(renders: Callable[[str], list[Manifest]]) -> list[Manifest]:
    return of_kind(renders("defaults"), "NetworkPolicy")


def test_every_pod_is_selected_by_exactly_one_policy(
    objects: list[Manifest], value_set: str
) -> None:
    policies = of_kind(objects, "NetworkPolicy")
    enabled = VALUE_SETS[value_set].get("networkPolicy", {}).get("enabled", True)
    assert bool(policies) == enabled
    if not enabled:
        return
    for workload, _ in pod_specs(objects):
        component = workload.removeprefix(f"{RELEASE}-deltastream-")
        labels = pod(component).labels
        selecting = [
            policy
            for policy in policies
            if policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(selecting) == 1, workload
        assert selecting[0]["spec"]["policyTypes"] == ["Ingress", "Egress"]


@pytest.mark.parametrize("component", sorted(CALLS_DATASTORES))
def test_every_pod_resolves_names(policies: list[Manifest], component: str) -> None:
    assert allows(policies, pod(component), DNS, 53)


@pytest.mark.parametrize(("component", "ports"), sorted(CALLS_DATASTORES.items()))
def test_only_the_data_flow_reaches_the_datastores(
    policies: list[Manifest], component: str, ports: set[int]
) -> None:
    assert allows(policies, pod(component), EXTERNAL_REDIS, REDIS) == (REDIS in ports)
    assert allows(policies, pod(component), EXTERNAL_MONGO, MONGO) == (MONGO in ports)


@pytest.mark.parametrize(("service", "port"), sorted(GRPC.items()))
def test_clients_and_the_data_flow_reach_the_grpc_services(
    policies: list[Manifest], service: str, port: int
) -> None:
    assert allows(policies, CLIENT, pod(service), port)
    assert not allows(policies, STRANGER, pod(service), port)
    for caller, calls in DATA_FLOW.items():
        assert allows(policies, pod(caller), pod(service), port) == (service in calls), caller


def test_clients_reach_the_gateway_but_not_the_workers(policies: list[Manifest]) -> None:
    assert allows(policies, CLIENT, pod("gateway"), 8000)
    assert not allows(policies, STRANGER, pod("gateway"), 8000)
    for worker in ("feed", "enricher", "operator"):
        assert not allows(policies, CLIENT, pod(worker), METRICS[worker]), worker


@pytest.mark.parametrize(("component", "port"), sorted(METRICS.items()))
def test_monitoring_scrapes_every_metrics_port(
    policies: list[Manifest], component: str, port: int
) -> None:
    assert allows(policies, SCRAPER, pod(component), port)
    assert not allows(policies, STRANGER, pod(component), port)


def test_only_the_operator_reaches_the_kubernetes_api(policies: list[Manifest]) -> None:
    assert allows(policies, pod("operator"), KUBE_API, 443)
    for component in ("feed", "enricher", "marketdata", "analytics", "gateway", "auth", "alerts"):
        assert not allows(policies, pod(component), KUBE_API, 443), component
        assert not allows(policies, pod(component), INTERNET, 443), component


def test_dev_datastores_accept_only_their_callers(
    renders: Callable[[str], list[Manifest]],
) -> None:
    policies = of_kind(renders("dev-datastores"), "NetworkPolicy")
    for component, ports in CALLS_DATASTORES.items():
        assert allows(policies, pod(component), pod("redis"), REDIS) == (REDIS in ports)
        assert allows(policies, pod(component), pod("mongo"), MONGO) == (MONGO in ports)
    assert not allows(policies, CLIENT, pod("redis"), REDIS)
    assert not allows(policies, pod("redis"), INTERNET, 443)


def test_datastore_peers_can_be_narrowed(renders: Callable[[str], list[Manifest]]) -> None:
    policies = of_kind(renders("everything-on"), "NetworkPolicy")
    assert allows(policies, pod("enricher"), EXTERNAL_REDIS, REDIS)
    assert not allows(policies, pod("enricher"), Endpoint(address="10.99.0.1"), REDIS)
    assert allows(policies, pod("operator"), KUBE_API, 443)
    assert not allows(policies, pod("operator"), INTERNET, 443)
    collector = Endpoint("observability", {"app": "otel-collector"})
    assert allows(policies, pod("feed"), collector, 4317)


def test_traces_are_blocked_until_a_collector_is_configured(policies: list[Manifest]) -> None:
    collector = Endpoint("observability", {"app": "otel-collector"})
    assert not allows(policies, pod("feed"), collector, 4317)
