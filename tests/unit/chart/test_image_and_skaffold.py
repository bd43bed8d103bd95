"""The Dockerfile builds what the chart runs, and skaffold deploys the chart with that image.

There is no Docker engine or skaffold binary here: both files are read as data and checked
against the chart and the values they feed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import helm_python as helm
import pytest

from .conftest import SKAFFOLD_IMAGE
from .manifests import (
    CHART_DIR,
    REPOSITORY,
    Manifest,
    load_yaml_documents,
    named,
    of_kind,
    pod_specs,
    render,
)

Instruction = tuple[str, str]


def dockerfile_stages() -> list[list[Instruction]]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments), comments dropped."""
    text = (REPOSITORY / "Dockerfile").read_text()
    logical = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    stages: list[list[Instruction]] = []
    for line in logical.splitlines():
        if not line.strip():
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def instructions(stage: list[Instruction], name: str) -> list[str]:
    return [arguments for instruction, arguments in stage if instruction == name]


@pytest.fixture(scope="module")
def runtime_stage() -> list[Instruction]:
    return dockerfile_stages()[-1]


@pytest.fixture(scope="module")
def skaffold() -> dict[str, Any]:
    config: dict[str, Any] = load_yaml_documents((REPOSITORY / "skaffold.yaml").read_text())[0]
    return config


def test_the_image_is_built_in_stages_on_one_slim_base() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    bases = {instructions(stage, "FROM")[0].split()[0] for stage in stages}
    # The virtual environment is copied between stages: the interpreter must be the same.
    assert bases == {"${PYTHON_IMAGE}"}
    text = (REPOSITORY / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.MULTILINE)


def test_the_runtime_stage_runs_unprivileged_as_the_chart_expects(
    runtime_stage: list[Instruction], chart: helm.Chart
) -> None:
    user, _, group = instructions(runtime_stage, "USER")[-1].partition(":")
    pod = chart.values["podSecurityContext"]
    assert (int(user), int(group)) == (pod["runAsUser"], pod["runAsGroup"])
    assert int(user) != 0


def test_the_runtime_stage_has_a_health_check_and_no_build_tools(
    runtime_stage: list[Instruction],
) -> None:
    assert instructions(runtime_stage, "HEALTHCHECK")
    runs = " ".join(instructions(runtime_stage, "RUN"))
    assert "apt-get install" not in runs
    assert "pip install" not in runs
    assert "pip uninstall --yes pip setuptools wheel" in runs


def test_only_the_runtime_dependencies_are_installed() -> None:
    builds = " ".join(
        arguments for stage in dockerfile_stages() for arguments in instructions(stage, "RUN")
    )
    assert '["project"]["dependencies"]' in builds
    assert "--only-binary=:all:" in builds
    assert "[dev]" not in (REPOSITORY / "Dockerfile").read_text()
    assert "pip install --no-deps ." in builds


def test_the_image_exposes_every_port_the_chart_uses(
    runtime_stage: list[Instruction], renders: Callable[[str], list[Manifest]]
) -> None:
    exposed = {
        int(port) for ports in instructions(runtime_stage, "EXPOSE") for port in ports.split()
    }
    used = {
        port["containerPort"]
        for _, pod in pod_specs(renders("defaults"))
        for container in pod["containers"]
        for port in container.get("ports", [])
    }
    assert used <= exposed


def test_the_build_context_holds_only_the_package() -> None:
    lines = [
        line.strip()
        for line in (REPOSITORY / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {line.removeprefix("!") for line in lines if line.startswith("!")}
    assert allowed == {
        "pyproject.toml",
        "constraints.txt",
        "README.md",
        "LICENSE",
        "services",
        "operator",
    }
    copied = {
        source
        for line in (REPOSITORY / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for source in line.split()[1:-1]
        if source != "."
    }
    assert copied and copied <= allowed


def test_skaffold_builds_the_dockerfile_and_deploys_the_chart(skaffold: dict[str, Any]) -> None:
    assert skaffold["apiVersion"].startswith("skaffold/v4")
    (artifact,) = skaffold["build"]["artifacts"]
    assert (REPOSITORY / artifact["context"] / artifact["docker"]["dockerfile"]).is_file()
    (release,) = skaffold["deploy"]["helm"]["releases"]
    assert (REPOSITORY / release["chartPath"]).resolve() == CHART_DIR
    for values_file in release["valuesFiles"]:
        assert (REPOSITORY / values_file).is_file()
    templates = release["setValueTemplates"]
    image = artifact["image"]
    assert templates["image.repository"] == f"{{{{.IMAGE_REPO_{image}}}}}"
    assert templates["image.tag"] == f"{{{{.IMAGE_TAG_{image}}}}}@{{{{.IMAGE_DIGEST_{image}}}}}"


def test_the_dev_release_runs_the_image_skaffold_built(
    renders: Callable[[str], list[Manifest]],
) -> None:
    expected = f"{SKAFFOLD_IMAGE['repository']}:{SKAFFOLD_IMAGE['tag']}"
    images = {
        container["image"]
        for name, pod in pod_specs(renders("skaffold-dev"))
        for container in pod["containers"]
        if not name.endswith(("-redis", "-mongo"))
    }
    assert images == {expected}


def test_port_forwards_name_services_of_the_dev_release(
    skaffold: dict[str, Any], chart: helm.Chart
) -> None:
    (release,) = skaffold["deploy"]["helm"]["releases"]
    values = load_yaml_documents((CHART_DIR / "values-dev.yaml").read_text())[0]
    services = render(chart, values, name=release["name"], namespace=release["namespace"])
    for forward in skaffold["portForward"]:
        service = named(services, "Service", forward["resourceName"])
        assert forward["port"] in {port["port"] for port in service["spec"]["ports"]}
        assert forward["namespace"] == release["namespace"]


def test_the_deploy_hook_creates_the_secret_the_chart_reads(
    skaffold: dict[str, Any], chart: helm.Chart
) -> None:
    (hook,) = skaffold["deploy"]["helm"]["hooks"]["before"]
    script = " ".join(hook["host"]["command"])
    secret = chart.values["auth"]["privateKeySecret"]
    assert f"secret generic {secret['name']}" in script
    assert f"--from-file={secret['key']}=" in script


@pytest.mark.parametrize("profile", ["external-datastores"])
def test_profiles_set_values_the_schema_accepts(
    skaffold: dict[str, Any], chart: helm.Chart, profile: str
) -> None:
    (patch,) = next(item for item in skaffold["profiles"] if item["name"] == profile)["patches"]
    values: dict[str, Any] = {}
    for dotted, value in patch["value"].items():
        *parents, leaf = dotted.split(".")
        node = values
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    assert of_kind(render(chart, values), "StatefulSet") == []
