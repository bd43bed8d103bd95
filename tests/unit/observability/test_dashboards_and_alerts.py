"""The Grafana boards and alert rules the contract names exist, parse as PromQL, and each
alert has its runbook in docs/observability.md."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.observability.queries import (
    CHART_DIR,
    DASHBOARDS,
    Query,
    alert_rules,
    dashboard,
    dashboard_queries,
    rule_queries,
    selections,
)

RUNBOOK = CHART_DIR.parents[1] / "docs" / "observability.md"
BOARD_QUERIES = [query for path in DASHBOARDS for query in dashboard_queries(path)]


@pytest.fixture(scope="module")
def rules() -> dict[str, Any]:
    return alert_rules()


def _metrics(path_name: str) -> set[str]:
    return {
        selection.metric
        for query in dashboard_queries(CHART_DIR / "dashboards" / path_name)
        for selection in selections(query.expression)
    }


@pytest.mark.parametrize("query", BOARD_QUERIES, ids=lambda query: query.source)
def test_every_board_expression_parses_and_its_legend_names_labels_it_has(query: Query) -> None:
    selected = selections(query.expression)
    assert selected
    labels = {label for selection in selected for label in selection.labels}
    assert query.legend_labels <= labels | {"job", "pod", "instance"}


def test_every_alert_expression_parses(rules: dict[str, Any]) -> None:
    queries = list(rule_queries(rules))
    assert len(queries) >= 5
    assert all(selections(query.expression) for query in queries)


def test_the_four_boards_show_what_the_contract_asks() -> None:
    assert {path.stem for path in DASHBOARDS} >= {"overview", "pipeline", "api", "operator"}
    assert {
        "deltastream_ticks_published_total",
        "deltastream_grpc_server_handled_total",
        "deltastream_tick_to_client_seconds_bucket",
        "process_cpu_seconds_total",
        "up",
    } <= _metrics("overview.json")
    assert {
        "deltastream_ticks_consumed_total",
        "deltastream_stream_lag_seconds",
        "deltastream_stream_pending_entries",
        "deltastream_dead_letters_total",
        "deltastream_tick_to_enriched_seconds_bucket",
        "deltastream_tick_to_client_seconds_bucket",
    } <= _metrics("pipeline.json")
    assert {
        "deltastream_grpc_server_started_total",
        "deltastream_grpc_server_handled_total",
        "deltastream_grpc_server_handling_seconds_bucket",
        "deltastream_marketdata_subscribers",
    } <= _metrics("api.json")
    assert {
        "deltastream_operator_active_session",
        "deltastream_operator_bounds_replicas",
        "deltastream_operator_transitions_total",
        "kube_deployment_status_replicas_available",
    } <= _metrics("operator.json")


def test_board_uids_are_unique_and_panels_do_not_overlap() -> None:
    assert len({dashboard(path)["uid"] for path in DASHBOARDS}) == len(DASHBOARDS)
    for path in DASHBOARDS:
        cells: set[tuple[int, int]] = set()
        for panel in dashboard(path)["panels"]:
            grid = panel["gridPos"]
            area = {
                (x, y)
                for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])
            }
            assert grid["x"] + grid["w"] <= 24
            assert not cells & area, f"{path.name}: {panel['title']} overlaps another panel"
            cells |= area


def test_the_alerts_the_contract_names_exist_with_a_runbook(rules: dict[str, Any]) -> None:
    alerts = {
        alert["alert"]: alert for group in rules["spec"]["groups"] for alert in group["rules"]
    }
    expressions = {name: alert["expr"] for name, alert in alerts.items()}
    assert "deriv(deltastream_stream_lag_seconds" in expressions["DeltaStreamStreamLagGrowing"]
    assert "deltastream_stream_lag_seconds" in expressions["DeltaStreamStreamLagHigh"]
    assert (
        "deltastream_tick_to_client_seconds_bucket"
        in (expressions["DeltaStreamTickToClientLatencyHigh"])
    )
    assert "grpc_code=~" in expressions["DeltaStreamErrorBudgetBurn"]
    assert "deltastream_dead_letters_total" in expressions["DeltaStreamDeadLetters"]
    assert "deltastream_operator_errors_total" in expressions["DeltaStreamOperatorDegraded"]
    headings = {
        _anchor(line.lstrip("#").strip())
        for line in RUNBOOK.read_text().splitlines()
        if line.startswith("#")
    }
    for name, alert in alerts.items():
        assert alert["labels"]["severity"] in {"warning", "critical"}
        page, _, anchor = alert["annotations"]["runbook"].partition("#")
        assert page == "docs/observability.md"
        assert anchor == _anchor(name)
        assert anchor in headings, f"no runbook section for {name}"


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
