"""A typed, blocking client of the Analytics service for the command line: the analytics of a
chain and the fitted volatility surface, each call with the connection's deadline and the
caller's credential."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, TypeAlias

from deltastream.cli.client import Connection, Metadata, ready_channel
from deltastream.v1 import analytics_pb2 as pb
from deltastream.v1 import analytics_pb2_grpc as pb_grpc

Stub: TypeAlias = Any  # the generated AnalyticsStub; grpcio ships no type information


class AnalyticsClient:
    def __init__(self, stub: Stub, timeout_seconds: float, metadata: Metadata = ()) -> None:
        self._stub = stub
        self._timeout = timeout_seconds
        self._metadata = metadata

    def chain_analytics(self, underlying: str, expiry: str = "") -> pb.GetChainAnalyticsResponse:
        """Statistics of the latest chain; the nearest expiry when ``expiry`` is empty."""
        request = pb.GetChainAnalyticsRequest(underlying=underlying, expiry=expiry)
        reply: pb.GetChainAnalyticsResponse = self._stub.GetChainAnalytics(
            request, timeout=self._timeout, metadata=self._metadata
        )
        return reply

    def surface(self, underlying: str) -> pb.GetSurfaceResponse:
        """The SVI surface on the server's default grid."""
        request = pb.GetSurfaceRequest(underlying=underlying)
        reply: pb.GetSurfaceResponse = self._stub.GetSurface(
            request, timeout=self._timeout, metadata=self._metadata
        )
        return reply


@contextlib.contextmanager
def connect_analytics(connection: Connection, metadata: Metadata) -> Iterator[AnalyticsClient]:
    """A client of a ready Analytics server, or ``ServerUnreachableError`` after the timeout."""
    with ready_channel(connection, "Analytics") as channel:
        stub = pb_grpc.AnalyticsStub(channel)  # type: ignore[no-untyped-call]
        yield AnalyticsClient(stub, connection.timeout_seconds, metadata)
