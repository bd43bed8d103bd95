"""Sessions: the refresh-token families that logins start, refreshes rotate and logouts end.

Every refresh spends the token presented (atomically, in MongoDB) and gives a new one of the
same family. A token presented a second time means that two parties hold it, the owner and a
thief, and nobody can tell which is which: the whole family is revoked, in MongoDB and, for its
access tokens still running, in the credential registry every service reads.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from deltastream.auth import credentials
from deltastream.auth.keys import SigningKey
from deltastream.auth.registry import CredentialRegistry
from deltastream.auth.roles import Role
from deltastream.auth.store import AuthStore, RefreshTokenRecord, SessionRecord, UserRecord
from deltastream.auth.tokens import Audience, issue_access_token
from deltastream.errors import UnauthenticatedError

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Lifetimes:
    access_token: dt.timedelta
    refresh_token: dt.timedelta


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    lifetimes: Lifetimes
    roles: frozenset[Role]

    def __repr__(self) -> str:
        return f"IssuedTokens(roles={sorted(self.roles)}, ***)"


class Sessions:
    def __init__(
        self,
        store: AuthStore,
        registry: CredentialRegistry,
        key: SigningKey,
        audience: Audience,
        lifetimes: Lifetimes,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._registry = registry
        self._key = key
        self._audience = audience
        self._lifetimes = lifetimes
        self._clock = clock

    async def start(self, user: UserRecord) -> IssuedTokens:
        """A new family for ``user`` (a login)."""
        now = self._clock()
        session = SessionRecord(
            uuid.uuid4().hex, user.username, now + self._lifetimes.refresh_token
        )
        await self._store.insert_session(session)
        return await self._issue(user, session.session_id, now)

    async def rotate(self, refresh_token: str) -> IssuedTokens:
        """Spend ``refresh_token`` for new tokens of its family; revoke the family on reuse."""
        now = self._clock()
        token, spent_now = await self._store.spend_refresh_token(
            credentials.digest(refresh_token), now
        )
        if token is None:
            raise UnauthenticatedError("unknown refresh token")
        if not spent_now:
            await self._revoke(token.session_id, now)
            log.warning("refresh token reused", extra={"subject": token.subject})
            raise UnauthenticatedError("refresh token reused: its session is revoked")
        user = await self._live_user(token, now)
        await self._store.extend_session(token.session_id, now + self._lifetimes.refresh_token)
        return await self._issue(user, token.session_id, now)

    async def end(self, refresh_token: str) -> None:
        """Revoke the family of ``refresh_token`` (a logout); again is no error."""
        record = await self._store.find_refresh_token(credentials.digest(refresh_token))
        if record is None:
            raise UnauthenticatedError("unknown refresh token")
        await self._revoke(record.session_id, self._clock())

    async def _live_user(self, token: RefreshTokenRecord, now: dt.datetime) -> UserRecord:
        if token.expires_at <= now:
            raise UnauthenticatedError("refresh token expired")
        session = await self._store.find_session(token.session_id)
        if session is None or session.revoked_at is not None:
            raise UnauthenticatedError("session revoked")
        user = await self._store.find_user(token.subject)
        if user is None:
            await self._revoke(token.session_id, now)
            raise UnauthenticatedError("the user no longer exists")
        return user

    async def _issue(self, user: UserRecord, session_id: str, now: dt.datetime) -> IssuedTokens:
        refresh_token = credentials.new_refresh_token()
        await self._store.insert_refresh_token(
            RefreshTokenRecord(
                credentials.digest(refresh_token),
                session_id,
                user.username,
                now + self._lifetimes.refresh_token,
            )
        )
        access_token = issue_access_token(
            self._key,
            self._audience,
            subject=user.username,
            roles=user.roles,
            session_id=session_id,
            now=now,
            lifetime=self._lifetimes.access_token,
        )
        return IssuedTokens(access_token, refresh_token, self._lifetimes, user.roles)

    async def _revoke(self, session_id: str, now: dt.datetime) -> None:
        await self._store.revoke_session(session_id, now)
        await self._registry.revoke_session(session_id, self._lifetimes.access_token)
