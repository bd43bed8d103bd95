"""A typed, blocking MarketData client for the command line.

The generated stub carries no type information and no notion of a deadline per call; this
wraps it so every call has the same deadline and carries the caller's credential, the
connection is checked before the first call (an unreachable server is reported as such, not as
a confusing first-call failure), and history pages and live subscriptions are plain iterators.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

import grpc

from deltastream.errors import DeltaStreamError
from deltastream.v1 import market_data_pb2 as pb
from deltastream.v1 import market_data_pb2_grpc as pb_grpc
from deltastream.v1 import market_pb2

Stub: TypeAlias = Any  # the generated MarketDataStub; grpcio ships no type information
Metadata: TypeAlias = tuple[tuple[str, str], ...]

HISTORY_PAGE_SIZE = 200


class ServerUnreachableError(DeltaStreamError):
    """No ``service`` server answered at ``target`` within ``timeout_seconds``."""

    def __init__(self, target: str, timeout_seconds: float, service: str = "MarketData") -> None:
        super().__init__(f"no {service} server reachable at {target} within {timeout_seconds:g}s")
        self.target = target
        self.timeout_seconds = timeout_seconds
        self.service = service


@dataclass(frozen=True, slots=True)
class Connection:
    """Where the server is, and how long to wait for it and for each unary call."""

    target: str
    timeout_seconds: float


class MarketDataClient:
    def __init__(self, stub: Stub, timeout_seconds: float, metadata: Metadata = ()) -> None:
        self._stub = stub
        self._timeout = timeout_seconds
        self._metadata = metadata

    def chain(self, underlying: str, expiry: str = "") -> market_pb2.ChainSnapshot:
        """The latest chain; the nearest expiry when ``expiry`` is empty."""
        request = pb.GetChainRequest(underlying=underlying, expiry=expiry)
        response: pb.GetChainResponse = self._stub.GetChain(
            request, timeout=self._timeout, metadata=self._metadata
        )
        return response.chain

    def expiries(self, underlying: str) -> list[str]:
        request = pb.ListExpiriesRequest(underlying=underlying)
        response: pb.ListExpiriesResponse = self._stub.ListExpiries(
            request, timeout=self._timeout, metadata=self._metadata
        )
        return list(response.expiries)

    def history(
        self, underlying: str, expiry: str, start_ns: int, page_size: int = HISTORY_PAGE_SIZE
    ) -> Iterator[list[market_pb2.ChainSnapshot]]:
        """Stored snapshots from ``start_ns`` on, one page at a time, oldest first."""
        token = ""
        while True:
            request = pb.GetHistoryRequest(
                underlying=underlying,
                expiry=expiry,
                start_ns=start_ns,
                page_size=page_size,
                page_token=token,
            )
            response: pb.GetHistoryResponse = self._stub.GetHistory(
                request, timeout=self._timeout, metadata=self._metadata
            )
            yield list(response.snapshots)
            token = response.next_page_token
            if not token:
                return

    @contextlib.contextmanager
    def subscribe(
        self, underlyings: list[str], expiries: list[str]
    ) -> Iterator[Iterator[pb.ChainUpdate]]:
        """Live updates until the server ends the stream; leaving the block cancels the call."""
        request = pb.SubscribeRequest(underlyings=underlyings, expiries=expiries)
        call = self._stub.Subscribe(request, metadata=self._metadata)
        try:
            yield call
        finally:
            call.cancel()


@contextlib.contextmanager
def ready_channel(connection: Connection, service: str) -> Iterator[grpc.Channel]:
    """A channel that is ready, or ``ServerUnreachableError`` after the timeout."""
    with grpc.insecure_channel(connection.target) as channel:
        ready = grpc.channel_ready_future(channel)
        try:
            ready.result(timeout=connection.timeout_seconds)
        except grpc.FutureTimeoutError:
            ready.cancel()
            raise ServerUnreachableError(
                connection.target, connection.timeout_seconds, service
            ) from None
        yield channel


@contextlib.contextmanager
def connect(connection: Connection, metadata: Metadata = ()) -> Iterator[MarketDataClient]:
    """A client of a ready server whose calls carry ``metadata`` (the caller's credential)."""
    with ready_channel(connection, "MarketData") as channel:
        stub = pb_grpc.MarketDataStub(channel)  # type: ignore[no-untyped-call]
        yield MarketDataClient(stub, connection.timeout_seconds, metadata)
