"""Grafana dashboards and alert rules: real JSON, metrics the code exports, sidecar labels."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import promql_parser
import pytest

from .manifests import CHART_DIR, REPOSITORY, Manifest, of_kind

DASHBOARDS = sorted((CHART_DIR / "dashboards").glob("*.json"))
DECLARED = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"(deltastream_[a-z0-9_]+)\"")
SERIES_SUFFIXES = {"Histogram": ("_bucket", "_sum", "_count"), "Summary": ("_sum", "_count")}
# Series the dashboards use that our code does not declare: Prometheus's own, every Python
# process's (prometheus_client's process collector) and kube-state-metrics' (the operator board).
EXTERNAL_SERIES = frozenset(
    {
        "up",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "kube_horizontalpodautoscaler_status_desired_replicas",
        "kube_deployment_status_replicas_available",
    }
)


def exported_series() -> set[str]:
    """Every series name the services and the operator declare with prometheus_client."""
    series: set[str] = set(EXTERNAL_SERIES)
    for root in ("services", "operator"):
        for source in (REPOSITORY / root).rglob("*.py"):
            for kind, name in DECLARED.findall(source.read_text()):
                series.add(name)
                series.update(name + suffix for suffix in SERIES_SUFFIXES.get(kind, ()))
                if kind == "Counter" and not name.endswith("_total"):
                    series.add(name + "_total")  # prometheus_client appends it
    return series


def metric_names(expression: str) -> set[str]:
    """The metric names an expression selects; a PromQL syntax error raises ValueError."""
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expression), visit)
    return names


def expressions(dashboard: dict[str, Any]) -> Iterator[str]:
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield target["expr"]


def load(path: Path) -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(path.read_text())
    return dashboard


def test_the_pipeline_dashboard_exists() -> None:
    assert CHART_DIR / "dashboards" / "pipeline.json" in DASHBOARDS


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_dashboards_are_complete_grafana_json(path: Path) -> None:
    dashboard = load(path)
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all(list(expressions({"panels": [panel]})) for panel in dashboard["panels"])
    text = path.read_text()
    for placeholder in ("${DS_", "__inputs", "TODO", "FIXME", "changeme"):
        assert placeholder not in text


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_dashboards_query_the_data_source_they_define(path: Path) -> None:
    dashboard = load(path)
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}
    assert "datasource" in variables
    for panel in dashboard["panels"]:
        sources = [panel["datasource"]] + [target["datasource"] for target in panel["targets"]]
        assert all(source == {"type": "prometheus", "uid": "${datasource}"} for source in sources)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_dashboards_chart_only_metrics_the_code_exports(path: Path) -> None:
    used = {name for expr in expressions(load(path)) for name in metric_names(expr)}
    assert used
    assert used <= exported_series()


def test_the_pipeline_dashboard_shows_rate_lag_dead_letters_and_latency() -> None:
    exprs = list(expressions(load(CHART_DIR / "dashboards" / "pipeline.json")))
    joined = "\n".join(exprs)
    assert re.search(r"rate\(deltastream_ticks_consumed_total\{[^}]*\}\[1m\]\)", joined)
    assert "deltastream_stream_lag_seconds" in joined
    assert "deltastream_dead_letters_total" in joined
    assert any(
        "histogram_quantile" in expr and "deltastream_tick_to_enriched_seconds_bucket" in expr
        for expr in exprs
    )


def test_alert_rules_use_only_exported_metrics(renders: Callable[[str], list[Manifest]]) -> None:
    (rule,) = of_kind(renders("monitoring-on"), "PrometheusRule")
    used = {
        name
        for group in rule["spec"]["groups"]
        for alert in group["rules"]
        for name in metric_names(alert["expr"])
    }
    assert used
    assert used <= exported_series()


def test_dashboards_ship_as_sidecar_configmaps(renders: Callable[[str], list[Manifest]]) -> None:
    configmaps = of_kind(renders("monitoring-on"), "ConfigMap")
    assert len(configmaps) == len(DASHBOARDS)
    for configmap, path in zip(
        sorted(configmaps, key=lambda item: item["metadata"]["name"]), DASHBOARDS, strict=True
    ):
        assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert json.loads(configmap["data"][path.name]) == load(path)
    assert of_kind(renders("defaults"), "ConfigMap") == []
