"""What the command-line client sends with every call: the API key of ``DELTASTREAM_API_KEY``
when one is set (a desk's service account), else the access token of the login session.

An access token lives minutes, a session hours: when the stored access token has expired, it is
renewed with Auth.Refresh first and the rotated pair is stored, under the store's lock, so that
two commands started together never spend the same refresh token (which would end the session).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from deltastream.cli.auth_client import connect_auth
from deltastream.cli.client import Connection, Metadata
from deltastream.cli.session import NotLoggedInError, Session, SessionStore

# The metadata the APIs read (docs/auth.md), written out here rather than imported from
# deltastream.auth, whose server-side dependencies would slow every command's start.
AUTHORIZATION = "authorization"
API_KEY = "x-api-key"


def bearer_metadata(access_token: str) -> Metadata:
    return ((AUTHORIZATION, f"Bearer {access_token}"),)


def api_key_metadata(key: str) -> Metadata:
    return ((API_KEY, key),)


@dataclass(frozen=True)
class Credentials:
    """The credential of this command: ``api_key`` if given, else the stored session's."""

    store: SessionStore
    api_key: str | None = field(default=None, repr=False)
    timeout_seconds: float = 5.0
    clock: Callable[[], float] = time.time

    @property
    def uses_api_key(self) -> bool:
        return bool(self.api_key)

    def metadata(self) -> Metadata:
        """The metadata of a call, refreshing the session first when it needs it."""
        if self.api_key:
            return api_key_metadata(self.api_key)
        return bearer_metadata(self.session().access_token)

    def session(self) -> Session:
        """The stored session with an access token that has not expired."""
        session = self.store.load()
        if session is None:
            raise NotLoggedInError()
        if not session.access_expired(self.clock()):
            return session
        with self.store.locked():
            return self._refreshed()

    def _refreshed(self) -> Session:
        session = self.store.load()  # read again: another command may have refreshed it
        now = self.clock()
        if session is None:
            raise NotLoggedInError()
        if not session.access_expired(now):
            return session
        if session.refresh_expired(now):
            self.store.delete()
            raise NotLoggedInError("the session has expired")
        with connect_auth(Connection(session.auth_target, self.timeout_seconds)) as client:
            try:
                tokens = client.refresh(session.refresh_token)
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNAUTHENTICATED:
                    raise
                self.store.delete()  # revoked, or spent elsewhere: the session is over
                raise NotLoggedInError("the session has ended") from None
        renewed = session.renewed(tokens, now)
        self.store.save(renewed)
        return renewed
