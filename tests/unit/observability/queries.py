"""The PromQL of the chart's dashboards and alert rules, and what each expression selects.

Shared by the unit checks (every expression parses, every board and alert the contract names
exists) and the integration check that every selected metric is exported with its labels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python as helm
import promql_parser

from tests.unit.chart.manifests import of_kind, render

CHART_DIR = Path(__file__).resolve().parents[3] / "charts" / "deltastream"
DASHBOARDS = sorted((CHART_DIR / "dashboards").glob("*.json"))

TARGET_LABELS = frozenset({"namespace", "job", "instance", "pod", "service", "container"})
"""Labels Prometheus attaches to every scraped series (from the ServiceMonitor's target)."""

EXTERNAL_METRICS = {
    "up": "Prometheus, for every scrape target",
    "kube_horizontalpodautoscaler_status_desired_replicas": "kube-state-metrics",
    "kube_deployment_status_replicas_available": "kube-state-metrics",
}
"""Metrics the boards use that no DeltaStream process exports, and who does."""

_GRAFANA_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")
_LEGEND_LABEL = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class Query:
    """One expression of a board panel or an alert, with the labels its legend names."""

    source: str
    expression: str
    legend_labels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Selection:
    """A metric an expression reads, and the labels it matches on or groups by."""

    metric: str
    labels: frozenset[str]


def dashboard(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text())
    return board


def dashboard_queries(path: Path) -> Iterator[Query]:
    for panel in dashboard(path)["panels"]:
        for target in panel.get("targets", []):
            yield Query(
                f"{path.name}: {panel['title']}",
                _GRAFANA_VARIABLE.sub("x", target["expr"]),
                frozenset(_LEGEND_LABEL.findall(target.get("legendFormat", ""))),
            )


def alert_rules() -> dict[str, Any]:
    """The chart's PrometheusRule, rendered with the rules enabled."""
    with helm.Chart.load(CHART_DIR) as chart:
        (rule,) = of_kind(render(chart, {"prometheusRule": {"enabled": True}}), "PrometheusRule")
    return rule


def rule_queries(rule: dict[str, Any]) -> Iterator[Query]:
    for group in rule["spec"]["groups"]:
        for alert in group["rules"]:
            yield Query(f"alert {alert['alert']}", alert["expr"])


def selections(expression: str) -> list[Selection]:
    """What ``expression`` selects; a PromQL syntax error raises ``ValueError``."""
    tree = promql_parser.parse(expression)
    grouped: dict[str, set[str]] = {}

    def visit(node: promql_parser.Expr) -> None:
        if not isinstance(node, promql_parser.AggregateExpr) or node.modifier is None:
            return
        if node.modifier.type == promql_parser.AggModifierType.By:
            for metric in _metrics_under(node.expr):
                grouped.setdefault(metric, set()).update(node.modifier.labels)

    promql_parser.walk(tree, visit)
    found: list[Selection] = []

    def select(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            matched = {matcher.name for matcher in node.matchers.matchers}
            found.append(Selection(node.name, frozenset(matched | grouped.get(node.name, set()))))

    promql_parser.walk(tree, select)
    return found


def _metrics_under(node: promql_parser.Expr) -> set[str]:
    names: set[str] = set()

    def visit(child: promql_parser.Expr) -> None:
        if isinstance(child, promql_parser.VectorSelector) and child.name:
            names.add(child.name)

    promql_parser.walk(node, visit)
    return names
