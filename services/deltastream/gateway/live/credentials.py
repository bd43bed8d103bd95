"""The credential of one WebSocket client: admitted as a viewer by the platform's checks,
replaced when the client sends a fresh token (of the same caller), and the time it expires.
A refusal ends the session with the close code of its kind (``Closing``)."""

from __future__ import annotations

import math

import jwt

from deltastream.auth import Admission, CredentialKind, Principal, Role
from deltastream.errors import (
    DeltaStreamError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
)
from deltastream.gateway.live import protocol
from deltastream.gateway.security import Metadata


class Closing(Exception):  # noqa: N818 - a signal to end the session, not a failure
    """End the session with a WebSocket close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Credentials:
    """The caller's current credential: admitted once, replaced by a fresh token."""

    def __init__(self, admission: Admission) -> None:
        self._admission = admission
        self.principal: Principal | None = None
        self.metadata: Metadata = ()
        self.expires_at = math.inf

    async def admit(self, message: protocol.Auth) -> Principal:
        if message.token:
            metadata: Metadata = (("authorization", f"Bearer {message.token}"),)
        elif message.api_key:
            metadata = (("x-api-key", message.api_key),)
        else:
            raise Closing(protocol.CLOSE_UNAUTHENTICATED, "send a token or an API key")
        principal = await self._checked(metadata)
        if self.principal is not None and principal.subject != self.principal.subject:
            raise Closing(protocol.CLOSE_UNAUTHENTICATED, "a fresh token of another caller")
        self.principal, self.metadata = principal, metadata
        is_token = principal.credential is CredentialKind.ACCESS_TOKEN
        self.expires_at = _expiry_of(message.token) if is_token and message.token else math.inf
        return principal

    async def _checked(self, metadata: Metadata) -> Principal:
        try:
            return await self._admission.admit(metadata, Role.VIEWER)
        except PermissionDeniedError as exc:
            raise Closing(protocol.CLOSE_FORBIDDEN, str(exc)) from None
        except RateLimitedError as exc:
            raise Closing(protocol.CLOSE_RATE_LIMITED, str(exc)) from None
        except UnavailableError as exc:
            raise Closing(protocol.CLOSE_TRY_AGAIN, str(exc)) from None
        except DeltaStreamError as exc:
            raise Closing(protocol.CLOSE_UNAUTHENTICATED, str(exc)) from None


def _expiry_of(token: str) -> float:
    """The ``exp`` of a token the admission has just verified (so unverified decoding is
    enough here)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims.get("exp", math.inf))
