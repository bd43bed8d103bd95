"""The REST side of the token checks: a FastAPI dependency per least role.

The application keeps one ``Admission`` in ``app.state.auth_admission`` (built once at start by
``deltastream.auth.admission_for(settings, redis_client, scope="gateway")``); each route names the
least role it needs::

    Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]

    @router.get("/chains/{underlying}")
    async def chain(underlying: str, caller: Viewer) -> ...

Failures become 401 (with ``WWW-Authenticate: Bearer``), 403, 429 (with ``Retry-After``) or 503.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from deltastream.auth.admission import Admission
from deltastream.auth.roles import Principal, Role
from deltastream.errors import (
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
    UnavailableError,
)

STATE_ATTRIBUTE = "auth_admission"


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits callers holding ``role`` (or above) and gives their principal."""

    async def admitted(request: Request) -> Principal:
        admission: Admission = getattr(request.app.state, STATE_ATTRIBUTE)
        try:
            return await admission.admit(request.headers.items(), role)
        except UnauthenticatedError as exc:
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
        except PermissionDeniedError as exc:
            raise HTTPException(403, str(exc)) from None
        except RateLimitedError as exc:
            retry_after = str(math.ceil(exc.retry_after_seconds))
            raise HTTPException(429, str(exc), headers={"Retry-After": retry_after}) from None
        except UnavailableError as exc:
            raise HTTPException(503, str(exc)) from None

    return admitted
