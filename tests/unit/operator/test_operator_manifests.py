"""The CRD and the manifests in k8s/: Kubernetes' OpenAPI schemas, and the CRD's own schema.

Built-in kinds are validated against the OpenAPI schemas of a current Kubernetes release
(kubernetes-validate, strict: unknown fields fail); custom resources against the
openAPIV3Schema of their CRD in k8s/crds/. The Deployment and RBAC are checked for what the
operator needs and for nothing more.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no types-jsonschema in the project
import kubernetes_validate
import pytest
import yaml  # type: ignore[import-untyped]  # types-PyYAML is not a project dependency

from deltastream_operator.config import OperatorConfig
from deltastream_operator.spec import parse_spec

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "k8s"
CRD_FILE = K8S / "crds" / "markethoursscalers.deltastream.io.yaml"
KUBERNETES_VERSION = kubernetes_validate.latest_version()


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _crd_schema() -> dict[str, Any]:
    (crd,) = _documents(CRD_FILE)
    (version,) = crd["spec"]["versions"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def _validator() -> jsonschema.Validator:
    schema = _crd_schema()
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def test_crd_validates_against_kubernetes() -> None:
    (crd,) = _documents(CRD_FILE)
    kubernetes_validate.validate(crd, KUBERNETES_VERSION, strict=True)
    assert crd["metadata"]["name"] == "markethoursscalers.deltastream.io"


def test_crd_has_status_subresource_and_printer_columns() -> None:
    (crd,) = _documents(CRD_FILE)
    (version,) = crd["spec"]["versions"]
    assert version["name"] == "v1alpha1"
    assert version["subresources"] == {"status": {}}
    columns = {column["name"]: column["jsonPath"] for column in version["additionalPrinterColumns"]}
    assert columns["Session"] == ".status.activeSession"
    assert columns["Next"] == ".status.nextTransition"


def _is_structural(schema: dict[str, Any], path: str = "") -> list[str]:
    """Every node of a structural schema has a type (or preserves unknown fields)."""
    problems: list[str] = []
    if "type" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
        problems.append(path or "<root>")
    for name, child in schema.get("properties", {}).items():
        problems += _is_structural(child, f"{path}.{name}")
    if "items" in schema:
        problems += _is_structural(schema["items"], f"{path}[]")
    return problems


def test_crd_schema_is_structural() -> None:
    assert _is_structural(_crd_schema()) == []


def _scaler(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "deltastream.io/v1alpha1",
        "kind": "MarketHoursScaler",
        "metadata": {"name": "x", "namespace": "deltastream"},
        "spec": spec,
    }


EXAMPLES = sorted((K8S / "examples").glob("*.yaml"))


def _example_scalers() -> list[dict[str, Any]]:
    return [doc for path in EXAMPLES for doc in _documents(path)]


def test_there_are_examples() -> None:
    assert len(_example_scalers()) >= 2


@pytest.mark.parametrize("scaler", _example_scalers(), ids=lambda doc: doc["metadata"]["name"])
def test_examples_validate_against_the_crd_schema(scaler: dict[str, Any]) -> None:
    assert scaler["kind"] == "MarketHoursScaler"
    _validator().validate(scaler)
    parse_spec(scaler["spec"])  # and the operator accepts them


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"timezone": None}, "timezone"),
        ({"target": {"kind": "Pod", "name": "x"}}, "kind"),
        ({"prewarmMinutes": 1000}, "prewarmMinutes"),
        ({"calendar": "nse"}, "calendar"),
        ({"holidays": ["25-12-2026"]}, "holidays"),
        ({"offHours": {"minReplicas": 1}}, "offHours"),
        (
            {
                "sessions": [
                    {
                        "name": "a",
                        "days": ["Sun", "Xyz"],
                        "start": "09:00",
                        "end": "10:00",
                        "minReplicas": 1,
                        "maxReplicas": 2,
                    }
                ]
            },
            "days",
        ),
        (
            {
                "sessions": [
                    {
                        "name": "a",
                        "days": ["Mon"],
                        "start": "9:00",
                        "end": "10:00",
                        "minReplicas": 1,
                        "maxReplicas": 2,
                    }
                ]
            },
            "start",
        ),
        ({"unknownField": 1}, "unknownField"),
    ],
)
def test_bad_resources_fail_the_crd_schema(change: dict[str, Any], where: str) -> None:
    example = _documents(K8S / "examples" / "enricher-nse.yaml")[0]["spec"]
    spec = {**example, **change}
    spec = {key: value for key, value in spec.items() if value is not None}
    schema = _crd_schema()
    schema["properties"]["spec"]["additionalProperties"] = False  # the API server prunes these
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    errors = list(validator.iter_errors(_scaler(spec)))
    assert errors
    assert any(where in str(list(error.absolute_path)) + error.message for error in errors)


def _all_documents() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, doc)
        for path in sorted(K8S.rglob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in _documents(path)
    ]


def _crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """openAPIV3Schema of every CRD in k8s/crds/, by (apiVersion, kind)."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted((K8S / "crds").glob("*.yaml")):
        for crd in _documents(path):
            for version in crd["spec"]["versions"]:
                api_version = f"{crd['spec']['group']}/{version['name']}"
                key = (api_version, crd["spec"]["names"]["kind"])
                schemas[key] = version["schema"]["openAPIV3Schema"]
    return schemas


@pytest.mark.parametrize(
    ("path", "document"),
    _all_documents(),
    ids=lambda value: value.name if isinstance(value, Path) else value["kind"],
)
def test_every_manifest_validates(path: Path, document: dict[str, Any]) -> None:
    custom = _crd_schemas().get((document["apiVersion"], document["kind"]))
    if custom is not None:
        checker = jsonschema.Draft7Validator.FORMAT_CHECKER
        jsonschema.Draft7Validator(custom, format_checker=checker).validate(document)
    else:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    assert document["metadata"]["name"]


def test_kustomization_lists_every_manifest() -> None:
    (kustomization,) = _documents(K8S / "kustomization.yaml")
    listed = {K8S / resource for resource in kustomization["resources"]}
    on_disk = {path for path, _ in _all_documents()}
    assert listed == on_disk
    assert kustomization["namespace"] == "deltastream"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl renders kustomizations")
def test_kustomization_renders_and_validates() -> None:
    rendered = subprocess.run(  # noqa: S603 - a fixed command on our own files
        ["kubectl", "kustomize", str(K8S)],  # noqa: S607 - kubectl from PATH
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
    kinds = sorted({doc["kind"] for doc in documents})
    assert "MarketHoursScaler" in kinds
    assert "Deployment" in kinds
    for doc in documents:
        if (doc["apiVersion"], doc["kind"]) not in _crd_schemas():
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def _one(kind: str) -> dict[str, Any]:
    (document,) = [doc for _, doc in _all_documents() if doc["kind"] == kind]
    return document


def test_the_deployment_runs_the_operator_hardened() -> None:
    deployment = _one("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "deltastream:latest"
    assert container["command"] == ["python", "-m", "deltastream_operator"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert pod["serviceAccountName"] == _one("ServiceAccount")["metadata"]["name"]
    assert deployment["spec"]["replicas"] >= 2  # peering: one acts, one stands by


def test_probes_and_env_match_the_operator_settings() -> None:
    (container,) = _one("Deployment")["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    fields = {f"DELTASTREAM_{name.upper()}" for name in OperatorConfig.model_fields}
    assert {name for name in env if name.startswith("DELTASTREAM_")} <= fields
    config = OperatorConfig(
        operator_health_port=int(env["DELTASTREAM_OPERATOR_HEALTH_PORT"]["value"]),
        metrics_port=int(env["DELTASTREAM_METRICS_PORT"]["value"]),
    )
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"health": config.operator_health_port, "metrics": config.metrics_port}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert config.liveness_endpoint is not None
    assert config.liveness_endpoint.endswith(f":{config.operator_health_port}/healthz")
    # Namespaced: it serves its own namespace, and peers through a KopfPeering there.
    assert env["DELTASTREAM_OPERATOR_NAMESPACES"]["valueFrom"]["fieldRef"] == {
        "fieldPath": "metadata.namespace"
    }
    peering = _one("KopfPeering")
    assert peering["metadata"]["name"] == env["DELTASTREAM_OPERATOR_PEERING"]["value"]


def _rules(kind: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = _one(kind)["rules"]
    return rules


def _allowed(rules: list[dict[str, Any]], group: str, resource: str, verb: str) -> bool:
    return any(
        group in rule["apiGroups"] and resource in rule["resources"] and verb in rule["verbs"]
        for rule in rules
    )


NEEDED = [
    ("deltastream.io", "markethoursscalers", "watch"),
    ("deltastream.io", "markethoursscalers", "patch"),
    ("deltastream.io", "markethoursscalers/status", "patch"),
    ("autoscaling", "horizontalpodautoscalers", "get"),
    ("autoscaling", "horizontalpodautoscalers", "patch"),
    ("apps", "deployments/scale", "get"),
    ("apps", "deployments/scale", "patch"),
    ("apps", "statefulsets/scale", "patch"),
    ("", "events", "create"),
    ("kopf.dev", "kopfpeerings", "patch"),
    ("kopf.dev", "kopfpeerings", "create"),
]


@pytest.mark.parametrize(("group", "resource", "verb"), NEEDED)
def test_the_role_grants_what_the_operator_calls(group: str, resource: str, verb: str) -> None:
    assert _allowed(_rules("Role"), group, resource, verb)


def test_rbac_grants_nothing_more() -> None:
    for kind in ("Role", "ClusterRole"):
        for rule in _rules(kind):
            assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"]
            assert not {"delete", "deletecollection", "escalate", "bind", "impersonate"} & set(
                rule["verbs"]
            )
    role = _rules("Role")
    assert not _allowed(role, "apps", "deployments", "patch")  # replicas only via scale
    assert not _allowed(role, "", "secrets", "get")
    cluster = {
        (g, r, v)
        for rule in _rules("ClusterRole")
        for g in rule["apiGroups"]
        for r in rule["resources"]
        for v in rule["verbs"]
    }
    assert {v for _, _, v in cluster} <= {"list", "watch"}  # cluster-wide, read-only discovery


def test_the_chart_copy_of_the_crd_is_this_one() -> None:
    chart_copy = ROOT / "charts" / "deltastream" / "crds" / CRD_FILE.name
    if chart_copy.exists():
        assert yaml.safe_load(chart_copy.read_text()) == yaml.safe_load(CRD_FILE.read_text())
