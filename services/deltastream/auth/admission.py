"""The one check every API makes before serving a caller, for gRPC and REST alike: read the
credential from the headers, verify it, count the request against the caller's budget, and
compare its roles with the least role the operation needs."""

from __future__ import annotations

from collections.abc import Iterable

from deltastream.auth.ratelimit import RateLimiter
from deltastream.auth.roles import Principal, Role
from deltastream.auth.verifier import Verifier, credential_from_headers
from deltastream.errors import PermissionDeniedError, UnauthenticatedError


class Admission:
    def __init__(self, verifier: Verifier, rate_limiter: RateLimiter | None = None) -> None:
        self.verifier = verifier
        self._rate_limiter = rate_limiter

    async def admit(self, headers: Iterable[tuple[str, str | bytes]], required: Role) -> Principal:
        """The caller, once authenticated, within budget and holding ``required``.

        A refused call still counts against the budget: probing is not free.
        """
        credential = credential_from_headers(headers)
        if credential is None:
            raise UnauthenticatedError("send 'authorization: Bearer <access token>' or x-api-key")
        principal = await self.verifier.authenticate(credential)
        if self._rate_limiter is not None:
            await self._rate_limiter.acquire(principal.rate_key)
        if not principal.has_role(required):
            raise PermissionDeniedError(principal.subject, required.label)
        return principal
