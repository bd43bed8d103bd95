"""Who may call Alerts: a viewer reads its own rules and events, a trader also creates and
deletes rules; nobody gets in without a valid token."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.message import Message

from deltastream.auth import Role, bearer_metadata
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import alerts_pb2_grpc
from tests.conftest import Metadata, TokenAuthority, with_roles_rewritten

pytestmark = pytest.mark.integration

Stub = alerts_pb2_grpc.AlertsStub
TIMEOUT = 10.0
RULE = pb.RuleSpec(
    kind=pb.RULE_KIND_PCR,
    underlying="NIFTY",
    expiry="2030-01-31",
    threshold=1.2,
    direction=pb.ALERT_DIRECTION_ABOVE,
)
RULE_ID = "0" * 32
READS: list[tuple[str, Message]] = [
    ("ListRules", pb.ListRulesRequest()),
    ("ListEvents", pb.ListEventsRequest()),
]
WRITES: list[tuple[str, Message]] = [
    ("CreateRule", pb.CreateRuleRequest(rule=RULE)),
    ("DeleteRule", pb.DeleteRuleRequest(rule_id=RULE_ID)),
]


def _code(stub: Stub, method: str, request: Message, metadata: Metadata) -> grpc.StatusCode:
    """The status of a unary call: OK, or the code it fails with."""
    try:
        getattr(stub, method)(request, metadata=metadata, timeout=TIMEOUT)
    except grpc.RpcError as failure:
        code: grpc.StatusCode = failure.code()
        return code
    return grpc.StatusCode.OK


def _stream_code(stub: Stub, metadata: Metadata) -> grpc.StatusCode:
    """How StreamEvents ends within a short deadline: refused, or DEADLINE_EXCEEDED once it
    has waited for events that never came."""
    stream = stub.StreamEvents(pb.StreamEventsRequest(), metadata=metadata, timeout=1.0)
    with pytest.raises(grpc.RpcError) as failure:
        list(stream)
    code: grpc.StatusCode = failure.value.code()
    return code


@pytest.mark.parametrize(("method", "request_"), READS + WRITES)
def test_every_method_refuses_a_call_without_a_token(
    alerts: Stub, method: str, request_: Message
) -> None:
    assert _code(alerts, method, request_, ()) == grpc.StatusCode.UNAUTHENTICATED


def test_a_stream_of_events_needs_a_token(alerts: Stub, token_authority: TokenAuthority) -> None:
    assert _stream_code(alerts, ()) == grpc.StatusCode.UNAUTHENTICATED
    assert _stream_code(alerts, token_authority.metadata()) == grpc.StatusCode.PERMISSION_DENIED
    viewer = token_authority.metadata(Role.VIEWER)
    assert _stream_code(alerts, viewer) == grpc.StatusCode.DEADLINE_EXCEEDED


@pytest.mark.parametrize(("method", "request_"), READS)
def test_a_viewer_reads_its_own_rules_and_events(
    alerts: Stub, token_authority: TokenAuthority, method: str, request_: Message
) -> None:
    viewer = token_authority.metadata(Role.VIEWER)
    assert _code(alerts, method, request_, viewer) == grpc.StatusCode.OK
    roleless = token_authority.metadata()
    assert _code(alerts, method, request_, roleless) == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(("method", "request_"), WRITES)
def test_creating_and_deleting_rules_takes_a_trader(
    alerts: Stub, token_authority: TokenAuthority, method: str, request_: Message
) -> None:
    viewer = token_authority.metadata(Role.VIEWER)
    assert _code(alerts, method, request_, viewer) == grpc.StatusCode.PERMISSION_DENIED
    trader = token_authority.metadata(Role.TRADER)
    expected = grpc.StatusCode.OK if method == "CreateRule" else grpc.StatusCode.NOT_FOUND
    assert _code(alerts, method, request_, trader) == expected
    admin = token_authority.metadata(Role.ADMIN)
    assert _code(alerts, method, request_, admin) == expected


def test_forged_and_edited_tokens_are_refused(
    alerts: Stub, token_authority: TokenAuthority
) -> None:
    forged = token_authority.forged(Role.TRADER)
    edited = with_roles_rewritten(token_authority.token(Role.VIEWER), Role.TRADER)
    for token in (forged, edited):
        for method, request_ in READS + WRITES:
            code = _code(alerts, method, request_, bearer_metadata(token))
            assert code == grpc.StatusCode.UNAUTHENTICATED, method
