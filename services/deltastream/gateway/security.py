"""Who is calling a REST route, and what the gateway forwards of it to the services.

Each route names its least role through ``Viewer``, ``Trader`` or ``Admin``; the check itself
is the platform's (``deltastream.auth.require``: 401, 403, 429, 503). The caller's credential
travels on to the gRPC services unchanged (``authorization: Bearer ...`` or ``x-api-key``), so
each service checks it again and knows the caller (the Alerts service owns rules by it).
The two security schemes are declared to FastAPI only so that the OpenAPI schema says how to
authenticate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from deltastream.auth import (
    Credential,
    CredentialKind,
    Principal,
    Role,
    api_key_metadata,
    bearer_metadata,
    credential_from_headers,
    require,
)

Metadata = tuple[tuple[str, str], ...]

_BEARER = HTTPBearer(
    auto_error=False, scheme_name="accessToken", description="An access token from /auth/login."
)
_API_KEY = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="apiKey", description="A desk's API key."
)


@dataclass(frozen=True, slots=True)
class Caller:
    """An admitted caller and the gRPC metadata that carries its credential onwards."""

    principal: Principal
    metadata: Metadata

    @property
    def subject(self) -> str:
        return self.principal.subject


def forwarded_metadata(credential: Credential) -> Metadata:
    """The credential as the services read it."""
    if credential.kind is CredentialKind.API_KEY:
        return api_key_metadata(credential.value)
    return bearer_metadata(credential.value)


def caller_with(role: Role) -> Callable[..., Awaitable[Caller]]:
    """A dependency admitting callers with ``role`` or above."""
    admit = require(role)

    async def admitted(
        request: Request,
        _token: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
        _key: Annotated[str | None, Security(_API_KEY)],
    ) -> Caller:
        principal = await admit(request)
        credential = credential_from_headers(request.headers.items())
        assert credential is not None  # noqa: S101 - admitted callers presented one
        return Caller(principal, forwarded_metadata(credential))

    return admitted


Viewer = Annotated[Caller, Depends(caller_with(Role.VIEWER))]
Trader = Annotated[Caller, Depends(caller_with(Role.TRADER))]
Admin = Annotated[Caller, Depends(caller_with(Role.ADMIN))]
