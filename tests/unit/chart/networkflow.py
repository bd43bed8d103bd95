"""A small evaluator of NetworkPolicies: may this pod open a TCP connection to that one?

It follows the Kubernetes semantics the chart relies on: a pod selected by no policy of a
direction is open in that direction; once selected, only the union of the rules lets traffic
through; a rule without peers matches every peer, one without ports every port; a peer's
podSelector alone means the policy's namespace, a namespaceSelector matches namespace labels
(``kubernetes.io/metadata.name`` is always set). ipBlock peers are outside the cluster: they
match only an ``Endpoint`` that is outside too and whose address the test names.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    """A pod (namespace and labels) or, with ``address``, a host outside the cluster."""

    namespace: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    address: str = ""


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if selector.get("matchExpressions"):
        raise NotImplementedError("matchExpressions are not evaluated here")
    wanted: Mapping[str, str] = selector.get("matchLabels") or {}
    return all(labels.get(key) == value for key, value in wanted.items())


def _peer_matches(peer: Mapping[str, Any], policy_namespace: str, endpoint: Endpoint) -> bool:
    if "ipBlock" in peer:
        network = ipaddress.ip_network(peer["ipBlock"]["cidr"])
        return bool(endpoint.address) and ipaddress.ip_address(endpoint.address) in network
    if endpoint.address:
        return False
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": endpoint.namespace}
        if not _selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif endpoint.namespace != policy_namespace:
        return False
    return _selects(peer.get("podSelector") or {}, endpoint.labels)


def _rule_matches(
    rule: Mapping[str, Any], peers_key: str, namespace: str, peer: Endpoint, port: int
) -> bool:
    peers = rule.get(peers_key)
    if peers and not any(_peer_matches(candidate, namespace, peer) for candidate in peers):
        return False
    ports = rule.get("ports")
    return not ports or any(entry.get("port") == port for entry in ports)


def _direction_allows(
    policies: Iterable[Manifest], direction: str, subject: Endpoint, peer: Endpoint, port: int
) -> bool:
    rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [
        policy
        for policy in policies
        if policy["metadata"]["namespace"] == subject.namespace
        and not subject.address
        and direction in policy["spec"].get("policyTypes", [])
        and _selects(policy["spec"]["podSelector"], subject.labels)
    ]
    if not selecting:
        return True
    return any(
        _rule_matches(rule, peers_key, policy["metadata"]["namespace"], peer, port)
        for policy in selecting
        for rule in policy["spec"].get(rules_key) or []
    )


def allows(policies: list[Manifest], source: Endpoint, destination: Endpoint, port: int) -> bool:
    """Whether the policies let ``source`` connect to ``destination`` on TCP ``port``."""
    return _direction_allows(policies, "Egress", source, destination, port) and _direction_allows(
        policies, "Ingress", destination, source, port
    )
