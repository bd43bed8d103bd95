"""Render the chart through Helm's own SDK and check the objects it makes.

Built-in kinds are validated against the Kubernetes OpenAPI schemas that `kubernetes-validate`
ships. The custom kinds it cannot know (Prometheus Operator objects, our MarketHoursScaler) are
listed in ``CUSTOM_KIND_SCHEMAS`` and checked against a structural schema of our own instead:
a kind that is in neither place fails, it is never skipped silently.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema  # type: ignore[import-untyped]  # ships no type information
import kubernetes_validate
import yaml  # type: ignore[import-untyped]  # types-PyYAML is not a project dependency

REPOSITORY = Path(__file__).resolve().parents[3]
CHART_DIR = REPOSITORY / "charts" / "deltastream"
RELEASE = "ds"
NAMESPACE = "markets"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion is lower still, but 1.33 is
# the oldest minor with upstream support) and the newest one kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.33", kubernetes_validate.latest_version())

Manifest = dict[str, Any]

_NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
_METADATA = {
    "type": "object",
    "required": ["name", "namespace", "labels"],
    "properties": {"name": _NAME, "namespace": _NAME, "labels": {"type": "object"}},
}
_LABEL_SELECTOR = {
    "type": "object",
    "properties": {"matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}},
    "minProperties": 1,
}
SERVICE_MONITOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["selector", "endpoints"],
            "properties": {
                "selector": _LABEL_SELECTOR,
                "namespaceSelector": {"type": "object"},
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["port"],
                        "properties": {
                            "port": {"type": "string", "minLength": 1},
                            "path": {"type": "string", "pattern": "^/"},
                            "interval": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                            "scrapeTimeout": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                        },
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
    },
}
PROMETHEUS_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["groups"],
            "additionalProperties": False,
            "properties": {
                "groups": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "rules"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "rules": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["alert", "expr"],
                                    "properties": {
                                        "alert": {"type": "string", "pattern": "^[A-Za-z]+$"},
                                        "expr": {"type": "string", "minLength": 1},
                                        "for": {"type": "string", "pattern": "^[0-9]+[smh]$"},
                                        "labels": {"type": "object"},
                                        "annotations": {"type": "object"},
                                    },
                                    "additionalProperties": False,
                                },
                            },
                        },
                    },
                }
            },
        },
    },
}


def load_yaml_documents(text: str) -> list[Manifest]:
    """The non-empty YAML documents of a rendered template."""
    return [document for document in yaml.safe_load_all(text) if document]


def render(
    chart: helm.Chart, values: dict[str, Any], name: str = RELEASE, namespace: str = NAMESPACE
) -> list[Manifest]:
    """Every object the chart renders with ``values`` (NOTES.txt is text, not an object)."""
    rendered = chart.render(values, name=name, namespace=namespace, is_install=True)
    objects: list[Manifest] = []
    for path in sorted(rendered):
        if not path.endswith("NOTES.txt"):
            objects.extend(load_yaml_documents(rendered[path]))
    return objects


def of_kind(objects: Iterable[Manifest], kind: str) -> list[Manifest]:
    return [manifest for manifest in objects if manifest["kind"] == kind]


def named(objects: Iterable[Manifest], kind: str, name: str) -> Manifest:
    """The one object of ``kind`` called ``name``; KeyError names what is missing."""
    for manifest in of_kind(objects, kind):
        if manifest["metadata"]["name"] == name:
            return manifest
    raise KeyError(f"no {kind} named {name}")


def component_name(component: str) -> str:
    """The object name the chart gives a component in the test release."""
    return f"{RELEASE}-deltastream-{component}"


def pod_specs(objects: Iterable[Manifest]) -> Iterator[tuple[str, Manifest]]:
    """(workload name, pod spec) of every Deployment and StatefulSet."""
    for manifest in objects:
        if manifest["kind"] in {"Deployment", "StatefulSet"}:
            yield manifest["metadata"]["name"], manifest["spec"]["template"]["spec"]


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A CRD schema that rejects unknown fields, as the API server's strict field validation
    does (it prunes them otherwise), except where the CRD preserves unknown fields."""
    strict = dict(schema)
    if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
        strict["properties"] = {key: _strict(value) for key, value in schema["properties"].items()}
        strict.setdefault("additionalProperties", False)
    if isinstance(schema.get("items"), dict):
        strict["items"] = _strict(schema["items"])
    return strict


@functools.cache
def crd_schema(api_version: str, kind: str) -> dict[str, Any]:
    """The strict openAPIV3Schema of a CRD shipped in the chart's crds/ directory."""
    group, version = api_version.split("/")
    for path in sorted((CHART_DIR / "crds").glob("*.yaml")):
        for crd in load_yaml_documents(path.read_text()):
            if crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == kind:
                for served in crd["spec"]["versions"]:
                    if served["name"] == version:
                        schema = _strict(served["schema"]["openAPIV3Schema"])
                        # The API server owns apiVersion/kind/metadata; the CRD leaves them open.
                        schema["properties"].update(
                            apiVersion={"const": api_version}, kind={"const": kind}, metadata={}
                        )
                        return schema
    raise KeyError(f"no CRD in {CHART_DIR / 'crds'} defines {kind} {api_version}")


# The kinds kubernetes-validate does not know: they skip the OpenAPI validation, and each is
# checked against the schema given here instead.
CUSTOM_KINDS: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): lambda: SERVICE_MONITOR_SCHEMA,
    ("monitoring.coreos.com/v1", "PrometheusRule"): lambda: PROMETHEUS_RULE_SCHEMA,
    ("deltastream.io/v1alpha1", "MarketHoursScaler"): functools.partial(
        crd_schema, "deltastream.io/v1alpha1", "MarketHoursScaler"
    ),
    ("kopf.dev/v1", "ClusterKopfPeering"): functools.partial(
        crd_schema, "kopf.dev/v1", "ClusterKopfPeering"
    ),
    ("kopf.dev/v1", "KopfPeering"): functools.partial(crd_schema, "kopf.dev/v1", "KopfPeering"),
}


@functools.cache
def _problems_of(canonical: str, kubernetes_version: str) -> tuple[str, ...]:
    manifest: Manifest = json.loads(canonical)
    api_version, kind = manifest["apiVersion"], manifest["kind"]
    custom = CUSTOM_KINDS.get((api_version, kind))
    if custom is not None:
        validator = jsonschema.Draft202012Validator(custom())
        return tuple(
            f"{list(error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(manifest)
        )
    try:
        kubernetes_validate.validate(manifest, kubernetes_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        return (f"{list(error.absolute_path)}: {error.message}",)
    except kubernetes_validate.SchemaNotFoundError as error:
        return (error.message,)
    return ()


def problems(manifest: Manifest, kubernetes_version: str) -> tuple[str, ...]:
    """Why ``manifest`` is not a valid object for ``kubernetes_version`` (empty when it is).

    Identical objects recur across value sets; each distinct one is validated once.
    """
    return _problems_of(json.dumps(manifest, sort_keys=True), kubernetes_version)
