"""The Alerts API over real gRPC: rules created, listed, paged and deleted per owner, and
every bad parameter refused with INVALID_ARGUMENT naming it."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import alerts_pb2_grpc, market_pb2
from tests.conftest import Metadata, subject_of
from tests.integration.analytics.serving import ServerThread

pytestmark = pytest.mark.integration

Stub = alerts_pb2_grpc.AlertsStub
TIMEOUT = 10.0


def _pcr_rule(underlying: str = "NIFTY", **fields: object) -> pb.RuleSpec:
    spec: dict[str, object] = {
        "kind": pb.RULE_KIND_PCR,
        "underlying": underlying,
        "expiry": "2030-01-31",
        "threshold": 1.2,
        "direction": pb.ALERT_DIRECTION_CROSSES,
        "cooldown_seconds": 30,
    }
    spec.update(fields)
    return pb.RuleSpec(**spec)  # type: ignore[arg-type]


def _create(stub: Stub, metadata: Metadata, spec: pb.RuleSpec) -> pb.CreateRuleResponse:
    reply: pb.CreateRuleResponse = stub.CreateRule(
        pb.CreateRuleRequest(rule=spec), metadata=metadata, timeout=TIMEOUT
    )
    return reply


def test_rules_are_created_listed_and_deleted_by_their_owner(
    alerts: Stub, desk: Metadata, other_desk: Metadata
) -> None:
    created = _create(alerts, desk, _pcr_rule(description="PCR above 1.2"))
    rule = created.rule
    assert len(rule.id) == 32
    assert rule.owner == subject_of(desk)
    assert rule.spec.cooldown_seconds == 30
    assert created.webhook_secret == ""

    listed = alerts.ListRules(pb.ListRulesRequest(), metadata=desk, timeout=TIMEOUT)
    assert [r.id for r in listed.rules] == [rule.id]
    assert listed.rules[0].spec == rule.spec

    assert alerts.ListRules(pb.ListRulesRequest(), metadata=other_desk, timeout=TIMEOUT).rules == []
    with pytest.raises(grpc.RpcError) as error:
        alerts.DeleteRule(
            pb.DeleteRuleRequest(rule_id=rule.id), metadata=other_desk, timeout=TIMEOUT
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND

    alerts.DeleteRule(pb.DeleteRuleRequest(rule_id=rule.id), metadata=desk, timeout=TIMEOUT)
    assert alerts.ListRules(pb.ListRulesRequest(), metadata=desk, timeout=TIMEOUT).rules == []
    with pytest.raises(grpc.RpcError) as error:
        alerts.DeleteRule(pb.DeleteRuleRequest(rule_id=rule.id), metadata=desk, timeout=TIMEOUT)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_the_owner_is_the_token_subject_whatever_the_headers_say(
    alerts: Stub, desk: Metadata, other_desk: Metadata
) -> None:
    claimed = (*desk, ("x-deltastream-subject", subject_of(other_desk)))
    created = _create(alerts, claimed, _pcr_rule())
    assert created.rule.owner == subject_of(desk)
    listed = alerts.ListRules(pb.ListRulesRequest(), metadata=other_desk, timeout=TIMEOUT)
    assert listed.rules == []


def test_a_webhook_rule_gets_its_secret_once(alerts: Stub, desk: Metadata) -> None:
    created = _create(alerts, desk, _pcr_rule(webhook_url="http://127.0.0.1:9/hook"))
    assert len(created.webhook_secret) >= 32
    listed = alerts.ListRules(pb.ListRulesRequest(), metadata=desk, timeout=TIMEOUT)
    assert created.webhook_secret not in str(listed)
    assert listed.rules[0].spec.webhook_url == "http://127.0.0.1:9/hook"


def test_rules_page_in_creation_order_and_filter_by_underlying(
    alerts: Stub, desk: Metadata
) -> None:
    ids = [_create(alerts, desk, _pcr_rule(threshold=1.0 + i)).rule.id for i in range(5)]
    other = _create(alerts, desk, _pcr_rule("BANKNIFTY")).rule.id
    seen: list[str] = []
    token = ""
    for _ in range(5):
        reply = alerts.ListRules(
            pb.ListRulesRequest(underlying="nifty", page_size=2, page_token=token),
            metadata=desk,
            timeout=TIMEOUT,
        )
        seen.extend(r.id for r in reply.rules)
        token = reply.next_page_token
        if not token:
            break
    assert seen == ids
    assert other not in seen


INJECTIONS = ['{"$gt": ""}', "$where", "NIFTY'; db.dropDatabase(); '", "^NIFTY", "a\x00"]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize(
    ("method", "make", "field"),
    [
        ("CreateRule", lambda v: pb.CreateRuleRequest(rule=_pcr_rule(v)), "rule.underlying"),
        (
            "CreateRule",
            lambda v: pb.CreateRuleRequest(rule=_pcr_rule(expiry=v)),
            "rule.expiry",
        ),
        ("ListRules", lambda v: pb.ListRulesRequest(underlying=v), "underlying"),
        ("ListRules", lambda v: pb.ListRulesRequest(page_token=v), "page_token"),
        ("DeleteRule", lambda v: pb.DeleteRuleRequest(rule_id=v), "rule_id"),
        ("ListEvents", lambda v: pb.ListEventsRequest(rule_id=v), "rule_id"),
        ("ListEvents", lambda v: pb.ListEventsRequest(underlying=v), "underlying"),
        ("ListEvents", lambda v: pb.ListEventsRequest(page_token=v), "page_token"),
    ],
)
def test_operator_injection_is_refused_in_every_filter_parameter(
    alerts: Stub, desk: Metadata, method: str, make: object, field: str, value: str
) -> None:
    assert callable(make)
    with pytest.raises(grpc.RpcError) as error:
        getattr(alerts, method)(make(value), metadata=desk, timeout=TIMEOUT)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith(f"{field}:")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.StreamEventsRequest(rule_ids=['{"$ne": null}']), "rule_ids"),
        (pb.StreamEventsRequest(underlyings=["$where"]), "underlyings"),
        (pb.StreamEventsRequest(after_stream_id="$"), "after_stream_id"),
    ],
)
def test_stream_parameters_are_validated(
    alerts: Stub, desk: Metadata, request_: pb.StreamEventsRequest, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as error:
        next(iter(alerts.StreamEvents(request_, metadata=desk, timeout=TIMEOUT)))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith(f"{field}:")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (_pcr_rule(kind=pb.RULE_KIND_UNSPECIFIED), "rule.kind"),
        (_pcr_rule(direction=pb.ALERT_DIRECTION_UNSPECIFIED), "rule.direction"),
        (_pcr_rule(expiry=""), "rule.expiry"),
        (_pcr_rule(kind=pb.RULE_KIND_IV), "rule.strike"),
        (
            _pcr_rule(kind=pb.RULE_KIND_IV, strike=24_000.0),
            "rule.option_type",
        ),
        (_pcr_rule(kind=pb.RULE_KIND_IV_CHANGE), "rule.window_seconds"),
        (_pcr_rule(threshold=float("nan")), "rule.threshold"),
        (_pcr_rule(cooldown_seconds=-1), "rule.cooldown_seconds"),
        (_pcr_rule(webhook_url="file:///etc/passwd"), "rule.webhook_url"),
    ],
)
def test_bad_rules_name_their_field(
    alerts: Stub, desk: Metadata, spec: pb.RuleSpec, field: str
) -> None:
    with pytest.raises(grpc.RpcError) as error:
        _create(alerts, desk, spec)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith(f"{field}:")


def test_an_instrument_rule_is_accepted(alerts: Stub, desk: Metadata) -> None:
    spec = _pcr_rule(
        kind=pb.RULE_KIND_IV,
        strike=24_000.0,
        option_type=market_pb2.OPTION_TYPE_PUT,
        threshold=0.25,
        direction=pb.ALERT_DIRECTION_ABOVE,
    )
    assert _create(alerts, desk, spec).rule.spec.option_type == market_pb2.OPTION_TYPE_PUT


def test_a_rule_on_an_underlying_not_evaluated_is_refused(alerts: Stub, desk: Metadata) -> None:
    with pytest.raises(grpc.RpcError) as error:
        _create(alerts, desk, _pcr_rule("FINNIFTY"))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith("rule.underlying: FINNIFTY is not evaluated here")


def test_a_stream_ends_at_its_deadline(alerts: Stub, desk: Metadata) -> None:
    with pytest.raises(grpc.RpcError) as error:
        list(alerts.StreamEvents(pb.StreamEventsRequest(), metadata=desk, timeout=0.5))
    assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_health(alerts_server: ServerThread) -> None:
    with grpc.insecure_channel(alerts_server.target) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="deltastream.v1.Alerts"), timeout=TIMEOUT
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
