"""``alerts`` on the command line: the rule each flag combination asks for, and the rules
table, created rule and event lines, from hand-built messages."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from deltastream.cli import parsers, render_alerts
from deltastream.cli.__main__ import build_parser
from deltastream.cli.alert_rules import rule_spec
from deltastream.cli.settings import ClientSettings
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import market_pb2


def _spec(*argv: str) -> pb.RuleSpec:
    args = build_parser(ClientSettings()).parse_args(["alerts", "add", *argv])
    return rule_spec(parsers.rule_request(args))


def test_a_price_rule_above_a_level_with_a_cooldown_and_a_webhook() -> None:
    spec = _spec(
        "NIFTY", "--kind", "price", "--above", "24500", "--cooldown", "5m",
        "--webhook", "https://desk.example/hook",
    )  # fmt: skip
    assert spec == pb.RuleSpec(
        kind=pb.RULE_KIND_PRICE,
        underlying="NIFTY",
        threshold=24_500.0,
        direction=pb.ALERT_DIRECTION_ABOVE,
        cooldown_seconds=300.0,
        webhook_url="https://desk.example/hook",
    )


def test_an_option_iv_change_rule_with_a_window() -> None:
    spec = _spec(
        "BANKNIFTY", "--kind", "iv-change", "--crosses", "0.02", "--expiry", "2026-12-01",
        "--strike", "52000", "--put", "--window", "15m", "--description", "vol spike",
    )  # fmt: skip
    assert (spec.kind, spec.direction) == (pb.RULE_KIND_IV_CHANGE, pb.ALERT_DIRECTION_CROSSES)
    assert (spec.expiry, spec.strike, spec.option_type) == (
        "2026-12-01",
        52_000.0,
        market_pb2.OPTION_TYPE_PUT,
    )
    assert (spec.threshold, spec.window_seconds, spec.cooldown_seconds) == (0.02, 900.0, 0.0)
    assert spec.description == "vol spike"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("pcr", pb.RULE_KIND_PCR),
        ("iv", pb.RULE_KIND_IV),
        ("atm-iv", pb.RULE_KIND_ATM_IV),
        ("max-pain-move", pb.RULE_KIND_MAX_PAIN_MOVE),
        ("oi-change", pb.RULE_KIND_OI_CHANGE),
    ],
)
def test_every_kind_has_a_name(kind: str, expected: int) -> None:
    spec = _spec("NIFTY", "--kind", kind, "--below", "1", "--expiry", "2026-12-01")
    assert (spec.kind, spec.direction) == (expected, pb.ALERT_DIRECTION_BELOW)
    assert render_alerts.kind_name(spec.kind) == kind


@pytest.mark.parametrize(
    "argv",
    [
        ["NIFTY", "--kind", "price"],  # no direction
        ["NIFTY", "--kind", "price", "--above", "1", "--below", "2"],
        ["NIFTY", "--kind", "vega", "--above", "1"],
        ["NIFTY", "--kind", "iv", "--above", "1", "--call", "--put"],
        ["NIFTY", "--kind", "price", "--above", "1", "--cooldown", "soon"],
    ],
)
def test_a_bad_rule_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser(ClientSettings()).parse_args(["alerts", "add", *argv])
    assert exited.value.code == 2


def test_alerts_targets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTASTREAM_ALERTS_TARGET", "alerts.internal:7000")
    monkeypatch.delenv("DELTASTREAM_ANALYTICS_TARGET", raising=False)
    parser = build_parser(ClientSettings())
    assert parser.parse_args(["alerts", "list"]).target == "alerts.internal:7000"
    assert parser.parse_args(["surface", "NIFTY"]).target == "localhost:50054"
    args = parser.parse_args(["alerts", "watch", "NIFTY", "--count", "1", "--target", "h:1"])
    assert (args.underlyings, args.count, args.target) == (["NIFTY"], 1, "h:1")


def _rule(rule_id: str, **spec: object) -> pb.Rule:
    return pb.Rule(id=rule_id, owner="asha", spec=pb.RuleSpec(**spec))  # type: ignore[arg-type]


def test_the_rules_table_has_one_line_per_rule_and_notes_after() -> None:
    rules = [
        _rule(
            "r1", kind=pb.RULE_KIND_PRICE, underlying="NIFTY", threshold=24_500.0,
            direction=pb.ALERT_DIRECTION_ABOVE, cooldown_seconds=300.0,
        ),
        _rule(
            "r2", kind=pb.RULE_KIND_IV, underlying="NIFTY", expiry="2026-12-01",
            strike=24_000.0, option_type=market_pb2.OPTION_TYPE_CALL, threshold=0.25,
            direction=pb.ALERT_DIRECTION_CROSSES, window_seconds=90.0,
            webhook_url="https://h/x", description="call vol",
        ),
    ]  # fmt: skip
    lines = render_alerts.rules_table(rules)
    assert re.split(r" {2,}", lines[0].strip()) == [
        "id", "kind", "underlying", "expiry", "option", "condition", "window", "cooldown",
    ]  # fmt: skip
    assert re.split(r" {2,}", lines[2].strip()) == [
        "r1", "price", "NIFTY", "-", "-", "above 24500", "-", "5m",
    ]  # fmt: skip
    assert re.split(r" {2,}", lines[3].strip()) == [
        "r2", "iv", "NIFTY", "2026-12-01", "24000 CE", "crosses 0.25", "90s", "-",
    ]  # fmt: skip
    assert lines[4:] == ["", "r2: call vol; webhook https://h/x"]


def test_a_created_rule_shows_its_webhook_secret_once() -> None:
    reply = pb.CreateRuleResponse(
        rule=_rule(
            "r9", kind=pb.RULE_KIND_PCR, underlying="NIFTY", expiry="2026-12-01",
            threshold=1.2, direction=pb.ALERT_DIRECTION_ABOVE,
        ),
        webhook_secret="s3cret",  # noqa: S106 - a made-up secret
    )  # fmt: skip
    lines = render_alerts.created_text(reply).splitlines()
    assert lines == [
        "created rule r9: NIFTY 2026-12-01 pcr above 1.2",
        "webhook secret (shown only now): s3cret",
    ]
    reply.webhook_secret = ""
    assert "\n" not in render_alerts.created_text(reply)


def test_an_event_line() -> None:
    event = pb.AlertEvent(
        rule_id="r1",
        kind=pb.RULE_KIND_PRICE,
        underlying="NIFTY",
        timestamp_ns=int(dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC).timestamp()) * 10**9,
        message="NIFTY price 24150 crossed above 24100",
    )
    line = render_alerts.event_line(event, dt.UTC)
    assert line.startswith("2026-11-25 04:00:00.000  NIFTY")
    assert "price" in line
    assert line.endswith("rule r1  NIFTY price 24150 crossed above 24100")


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.0, "-"), (90.0, "90s"), (300.0, "5m"), (7200.0, "2h"), (1.5, "1.5s")]
)
def test_seconds_text(seconds: float, text: str) -> None:
    assert render_alerts.seconds_text(seconds) == text
