"""A typed, blocking client of the Auth service for the command line: log in, refresh, log
out, and ask who the credential belongs to.

Every call has the connection's deadline; an unreachable server is ``ServerUnreachableError``;
a refusal is the ``grpc.RpcError`` of the call, for the command to report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, TypeAlias

from deltastream.cli.client import Connection, Metadata, ready_channel
from deltastream.cli.session import TokenPair
from deltastream.v1 import auth_pb2 as pb
from deltastream.v1 import auth_pb2_grpc as pb_grpc

Stub: TypeAlias = Any  # the generated AuthStub; grpcio ships no type information


def role_label(role: int) -> str:
    """``viewer``, ``trader`` or ``admin`` from a ``deltastream.v1.Role`` number."""
    return pb.Role.Name(role).removeprefix("ROLE_").lower()


class AuthClient:
    def __init__(self, stub: Stub, timeout_seconds: float) -> None:
        self._stub = stub
        self._timeout = timeout_seconds

    def login(self, username: str, password: str) -> TokenPair:
        request = pb.LoginRequest(username=username, password=password)
        return _token_pair(self._stub.Login(request, timeout=self._timeout))

    def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair; ``refresh_token`` is spent (never send it again)."""
        request = pb.RefreshRequest(refresh_token=refresh_token)
        return _token_pair(self._stub.Refresh(request, timeout=self._timeout))

    def logout(self, refresh_token: str) -> None:
        """End the session of ``refresh_token`` (its access tokens are revoked too)."""
        self._stub.Logout(pb.LogoutRequest(refresh_token=refresh_token), timeout=self._timeout)

    def whoami(self, metadata: Metadata) -> pb.WhoAmIResponse:
        reply: pb.WhoAmIResponse = self._stub.WhoAmI(
            pb.WhoAmIRequest(), metadata=metadata, timeout=self._timeout
        )
        return reply


def _token_pair(reply: pb.TokenPair) -> TokenPair:
    return TokenPair(
        access_token=reply.access_token,
        access_token_lifetime=float(reply.access_token_expires_in_seconds),
        refresh_token=reply.refresh_token,
        refresh_token_lifetime=float(reply.refresh_token_expires_in_seconds),
        roles=tuple(role_label(role) for role in reply.roles),
    )


@contextlib.contextmanager
def connect_auth(connection: Connection) -> Iterator[AuthClient]:
    """A client of a ready Auth server, or ``ServerUnreachableError`` after the timeout."""
    with ready_channel(connection, "Auth") as channel:
        stub = pb_grpc.AuthStub(channel)  # type: ignore[no-untyped-call]
        yield AuthClient(stub, connection.timeout_seconds)
