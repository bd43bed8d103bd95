"""The CRD and the manifests in k8s/: Kubernetes' OpenAPI schemas, and the CRD's own schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no types-jsonschema in the project
import kubernetes_validate
import pytest
import yaml  # type: ignore[import-untyped]  # types-PyYAML is not a project dependency
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
