"""Who may call Analytics: every method needs a viewer's valid token; health is open."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deltastream.auth import Role, bearer_metadata
from deltastream.v1 import analytics_pb2 as pb
from deltastream.v1 import analytics_pb2_grpc
from tests.conftest import Metadata, TokenAuthority, with_roles_rewritten
from tests.integration.analytics.serving import ServerThread

pytestmark = pytest.mark.integration

TIMEOUT = 10.0
CALLS = [
    ("GetChainAnalytics", pb.GetChainAnalyticsRequest(underlying="NIFTY")),
    ("GetHistory", pb.GetAnalyticsHistoryRequest(underlying="NIFTY", expiry="2030-01-31")),
    ("GetTermStructure", pb.GetTermStructureRequest(underlying="NIFTY")),
    ("GetSurface", pb.GetSurfaceRequest(underlying="NIFTY")),
]


@pytest.fixture
def plain(analytics_server: ServerThread) -> Iterator[analytics_pb2_grpc.AnalyticsStub]:
    """A stub whose calls carry only the metadata each test gives."""
    with grpc.insecure_channel(analytics_server.target) as channel:
        yield analytics_pb2_grpc.AnalyticsStub(channel)  # type: ignore[no-untyped-call]


def _code(
    stub: analytics_pb2_grpc.AnalyticsStub, method: str, request: Message, metadata: Metadata
) -> grpc.StatusCode:
    """The status of a call: OK, or the code it fails with."""
    try:
        getattr(stub, method)(request, metadata=metadata, timeout=TIMEOUT)
    except grpc.RpcError as failure:
        code: grpc.StatusCode = failure.code()
        return code
    return grpc.StatusCode.OK


@pytest.mark.parametrize(("method", "request_"), CALLS)
def test_every_method_refuses_a_call_without_a_token(
    plain: analytics_pb2_grpc.AnalyticsStub, method: str, request_: Message
) -> None:
    assert _code(plain, method, request_, ()) == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(("method", "request_"), CALLS)
def test_every_method_needs_the_viewer_role(
    plain: analytics_pb2_grpc.AnalyticsStub,
    token_authority: TokenAuthority,
    method: str,
    request_: Message,
) -> None:
    roleless = token_authority.metadata()
    assert _code(plain, method, request_, roleless) == grpc.StatusCode.PERMISSION_DENIED
    viewer = token_authority.metadata(Role.VIEWER)
    # admitted: answered by the service (nothing is stored for NIFTY in this database)
    assert _code(plain, method, request_, viewer) in {grpc.StatusCode.OK, grpc.StatusCode.NOT_FOUND}


def test_forged_and_edited_tokens_are_refused(
    plain: analytics_pb2_grpc.AnalyticsStub, token_authority: TokenAuthority
) -> None:
    method, request_ = CALLS[0]
    forged = token_authority.forged(Role.ADMIN)
    edited = with_roles_rewritten(token_authority.token(), Role.ADMIN)
    for token in (forged, edited, "not-a-token"):
        code = _code(plain, method, request_, bearer_metadata(token))
        assert code == grpc.StatusCode.UNAUTHENTICATED


def test_health_needs_no_token(analytics_server: ServerThread) -> None:
    with grpc.insecure_channel(analytics_server.target) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="deltastream.v1.Analytics"), timeout=TIMEOUT
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
