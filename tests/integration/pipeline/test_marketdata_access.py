"""Who may call MarketData: every method, the subscription included, needs a viewer's valid
token; health is open."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deltastream.auth import Role, bearer_metadata
from deltastream.v1 import market_data_pb2 as pb
from deltastream.v1 import market_data_pb2_grpc
from tests.conftest import Metadata, TokenAuthority, with_roles_rewritten
from tests.integration.analytics.serving import ServerThread

pytestmark = pytest.mark.integration

Stub = market_data_pb2_grpc.MarketDataStub
TIMEOUT = 10.0
UNARY: list[tuple[str, Message]] = [
    ("GetChain", pb.GetChainRequest(underlying="NIFTY")),
    ("ListExpiries", pb.ListExpiriesRequest(underlying="NIFTY")),
    ("GetHistory", pb.GetHistoryRequest(underlying="NIFTY", expiry="2030-01-31")),
]


@pytest.fixture
def channel(marketdata_server: ServerThread) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(marketdata_server.target) as channel:
        yield channel


@pytest.fixture
def stub(channel: grpc.Channel) -> Stub:
    return market_data_pb2_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]


def _code(stub: Stub, method: str, request: Message, metadata: Metadata) -> grpc.StatusCode:
    """The status of a unary call: OK, or the code it fails with."""
    try:
        getattr(stub, method)(request, metadata=metadata, timeout=TIMEOUT)
    except grpc.RpcError as failure:
        code: grpc.StatusCode = failure.code()
        return code
    return grpc.StatusCode.OK


def _subscribe_code(stub: Stub, metadata: Metadata, underlying: str) -> grpc.StatusCode:
    """How a subscription to a silent underlying ends within a short deadline: refused, or
    DEADLINE_EXCEEDED once admitted."""
    updates = stub.Subscribe(
        pb.SubscribeRequest(underlyings=[underlying]), metadata=metadata, timeout=1.0
    )
    with pytest.raises(grpc.RpcError) as failure:
        list(updates)
    code: grpc.StatusCode = failure.value.code()
    return code


@pytest.mark.parametrize(("method", "request_"), UNARY)
def test_every_method_needs_a_viewers_token(
    stub: Stub, token_authority: TokenAuthority, method: str, request_: Message
) -> None:
    assert _code(stub, method, request_, ()) == grpc.StatusCode.UNAUTHENTICATED
    roleless = token_authority.metadata()
    assert _code(stub, method, request_, roleless) == grpc.StatusCode.PERMISSION_DENIED
    viewer = token_authority.metadata(Role.VIEWER)
    # admitted: answered by the service (nothing is stored in this test's database)
    assert _code(stub, method, request_, viewer) in {grpc.StatusCode.OK, grpc.StatusCode.NOT_FOUND}


def test_a_subscription_needs_a_viewers_token(
    stub: Stub, token_authority: TokenAuthority, underlying: str
) -> None:
    assert _subscribe_code(stub, (), underlying) == grpc.StatusCode.UNAUTHENTICATED
    roleless = token_authority.metadata()
    assert _subscribe_code(stub, roleless, underlying) == grpc.StatusCode.PERMISSION_DENIED
    viewer = token_authority.metadata(Role.VIEWER)
    assert _subscribe_code(stub, viewer, underlying) == grpc.StatusCode.DEADLINE_EXCEEDED


def test_forged_edited_and_malformed_credentials_are_refused(
    stub: Stub, token_authority: TokenAuthority, underlying: str
) -> None:
    forged = bearer_metadata(token_authority.forged(Role.VIEWER))
    edited = bearer_metadata(with_roles_rewritten(token_authority.token(), Role.VIEWER))
    basic: Metadata = (("authorization", "Basic YWRtaW46YWRtaW4="),)
    for metadata in (forged, edited, basic):
        for method, request_ in UNARY:
            assert _code(stub, method, request_, metadata) == grpc.StatusCode.UNAUTHENTICATED
        assert _subscribe_code(stub, metadata, underlying) == grpc.StatusCode.UNAUTHENTICATED


def test_health_needs_no_token(channel: grpc.Channel) -> None:
    reply = health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service="deltastream.v1.MarketData"), timeout=TIMEOUT
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
