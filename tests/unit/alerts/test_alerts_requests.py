"""Validation of rule specs, ids, stream positions and the caller: refusals name the field."""

from __future__ import annotations

import math

import pytest

from deltastream.alerts import model, requests, webhooks
from deltastream.alerts.rules import Direction, Firing, RuleKind
from deltastream.errors import InvalidArgumentError, UnauthenticatedError
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import market_pb2

CALL = market_pb2.OPTION_TYPE_CALL


def _spec(**fields: object) -> pb.RuleSpec:
    base: dict[str, object] = {
        "kind": pb.RULE_KIND_PCR,
        "underlying": "NIFTY",
        "expiry": "2030-01-31",
        "threshold": 1.2,
        "direction": pb.ALERT_DIRECTION_ABOVE,
    }
    base.update(fields)
    return pb.RuleSpec(**base)  # type: ignore[arg-type]


def _validate(spec: pb.RuleSpec, *, allow_private: bool = False) -> model.RuleSpec:
    return requests.rule_spec(
        spec, default_cooldown_seconds=60.0, allow_private_webhooks=allow_private
    )


def test_a_valid_spec_with_the_default_cool_down() -> None:
    spec = _validate(_spec(underlying="nifty"))
    assert spec.scope.underlying == "NIFTY"
    assert spec.scope.kind is RuleKind.PCR
    assert spec.direction is Direction.ABOVE
    assert spec.cooldown_seconds == 60.0
    assert spec.trigger.cooldown_ns == 60 * 10**9


def test_a_price_rule_on_the_underlying_needs_no_expiry() -> None:
    spec = _validate(_spec(kind=pb.RULE_KIND_PRICE, expiry="", threshold=24_100))
    assert spec.scope.expiry == ""


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": pb.RULE_KIND_UNSPECIFIED}, "rule.kind"),
        ({"kind": 99}, "rule.kind"),
        ({"direction": pb.ALERT_DIRECTION_UNSPECIFIED}, "rule.direction"),
        ({"underlying": '{"$gt": ""}'}, "rule.underlying"),
        ({"underlying": "$where"}, "rule.underlying"),
        ({"expiry": "tomorrow"}, "rule.expiry"),
        ({"expiry": ""}, "rule.expiry"),
        ({"threshold": math.nan}, "rule.threshold"),
        ({"threshold": math.inf}, "rule.threshold"),
        ({"strike": 24_000.0, "option_type": CALL}, "rule.strike"),  # PCR is a chain's
        ({"kind": pb.RULE_KIND_IV}, "rule.strike"),  # IV is an option's
        ({"kind": pb.RULE_KIND_IV, "strike": 24_000.0}, "rule.option_type"),
        ({"kind": pb.RULE_KIND_PRICE, "option_type": CALL}, "rule.option_type"),
        ({"kind": pb.RULE_KIND_PRICE, "strike": -1.0, "option_type": CALL}, "rule.strike"),
        ({"kind": pb.RULE_KIND_IV_CHANGE}, "rule.window_seconds"),
        ({"window_seconds": -1.0}, "rule.window_seconds"),
        ({"cooldown_seconds": 1e9}, "rule.cooldown_seconds"),
        ({"kind": pb.RULE_KIND_MAX_PAIN_MOVE, "threshold": -50}, "rule.threshold"),
        ({"description": "x" * 201}, "rule.description"),
        ({"webhook_url": "ftp://example.com/hook"}, "rule.webhook_url"),
        ({"webhook_url": "http:///no-host"}, "rule.webhook_url"),
        ({"webhook_url": "http://127.0.0.1:8080/hook"}, "rule.webhook_url"),
        ({"webhook_url": "http://localhost/hook"}, "rule.webhook_url"),
        ({"webhook_url": "http://169.254.169.254/latest"}, "rule.webhook_url"),
        ({"webhook_url": "http://[::1]/hook"}, "rule.webhook_url"),
        ({"webhook_url": "http://10.0.0.8/hook"}, "rule.webhook_url"),
    ],
)
def test_bad_specs_are_refused_by_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        _validate(_spec(**fields))
    assert error.value.field == field


def test_private_webhooks_only_when_allowed() -> None:
    spec = _validate(_spec(webhook_url="http://127.0.0.1:8080/hook"), allow_private=True)
    assert spec.webhook_url == "http://127.0.0.1:8080/hook"
    assert _validate(_spec(webhook_url="https://hooks.example.com/x")).webhook_url


@pytest.mark.parametrize("value", ["", "x" * 31, "G" * 32, '{"$gt": ""}', "a" * 33, "A" * 32])
def test_rule_ids_are_32_lower_case_hex_digits(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        requests.rule_id(value)
    assert error.value.field == "rule_id"


@pytest.mark.parametrize("value", ["$", "0", "1-", "-1", "1-2-3", '{"$gt": ""}'])
def test_stream_positions_are_entry_ids(value: str) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        requests.stream_id(value)
    assert error.value.field == "after_stream_id"
    assert requests.stream_id("1700000000000-3") == "1700000000000-3"
    assert requests.stream_id("") == ""


def test_the_owner_is_the_authenticated_caller_and_nobody_outside_a_call() -> None:
    with pytest.raises(UnauthenticatedError):
        requests.owner()


def test_rules_round_trip_through_their_documents() -> None:
    spec = _validate(_spec(kind=pb.RULE_KIND_IV, strike=24_000.0, option_type=CALL))
    rule = model.Rule("a" * 32, "desk", spec, 5, "secret")
    assert model.rule_from_document(model.rule_document(rule)) == rule
    message = model.rule_message(rule)
    assert message.spec.strike == 24_000.0
    assert message.spec.kind == pb.RULE_KIND_IV


def test_event_ids_depend_on_rule_chain_and_version_only() -> None:
    first = model.event_id("a" * 32, "NIFTY", "2030-01-31", 7)
    assert first == model.event_id("a" * 32, "NIFTY", "2030-01-31", 7)
    assert len({first, model.event_id("a" * 32, "NIFTY", "2030-01-31", 8)}) == 2
    assert len({first, model.event_id("b" * 32, "NIFTY", "2030-01-31", 7)}) == 2


def test_events_carry_a_readable_message() -> None:
    spec = _validate(_spec(kind=pb.RULE_KIND_PRICE, expiry="", threshold=24_100))
    rule = model.Rule("a" * 32, "desk", spec, 5)
    chain = market_pb2.ChainSnapshot(underlying="NIFTY", expiry="2030-01-31", version=3)
    document = model.event_document(rule, chain, Firing(24_105.0, math.nan), 9)
    assert document["message"] == "NIFTY price 24105 crossed above 24100"
    assert document["webhook"]["state"] == model.WEBHOOK_NONE
    event = model.event_message(document)
    assert event.chain_version == 3
    assert math.isnan(event.reference_value)


def test_webhook_signature_is_hmac_sha256_of_the_body() -> None:
    # RFC 4231, test case 2
    assert webhooks.signature("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_webhook_back_off_doubles_up_to_its_cap() -> None:
    policy = webhooks.WebhookPolicy(backoff_seconds=1.0, backoff_max_seconds=5.0)
    delays = [policy.delay_ns(attempts) / 1e9 for attempts in range(1, 6)]
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0]
