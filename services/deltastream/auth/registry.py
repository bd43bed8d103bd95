"""What every service must learn at once about credentials, kept in Redis.

The Auth service writes, every verifier reads (one round trip, no call to Auth):

- ``auth:api-keys``: a hash from key id to ``{"digest", "name", "roles"}`` of each active API
  key. MongoDB stays the record; the Auth service writes it there first and rebuilds these
  entries from it at start.
- ``auth:revoked-session:<session id>``: present for as long as an access token of a revoked
  session could still be unexpired, so a logout takes effect at once and not at token expiry.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import redis.asyncio

from deltastream.auth.roles import Role, role_labels, roles_from_labels

log = logging.getLogger(__name__)

API_KEYS = "auth:api-keys"
REVOKED_SESSION_PREFIX = "auth:revoked-session:"


@dataclass(frozen=True, slots=True)
class ApiKeyEntry:
    """An active API key as a verifier sees it."""

    key_id: str
    secret_digest: str
    name: str
    roles: frozenset[Role]


class CredentialRegistry:
    def __init__(self, client: redis.asyncio.Redis) -> None:
        self._client = client

    async def publish_api_keys(
        self, active: Iterable[ApiKeyEntry], revoked_key_ids: Iterable[str] = ()
    ) -> None:
        """Make ``active`` keys usable and ``revoked_key_ids`` unusable, in one transaction."""
        entries = {entry.key_id: _encode(entry) for entry in active}
        revoked = list(revoked_key_ids)
        async with self._client.pipeline(transaction=True) as pipe:
            if revoked:
                pipe.hdel(API_KEYS, *revoked)
            if entries:
                pipe.hset(API_KEYS, mapping=entries)  # type: ignore[arg-type]
            await pipe.execute()

    async def withdraw_api_key(self, key_id: str) -> None:
        await self._client.hdel(API_KEYS, key_id)

    async def api_key(self, key_id: str) -> ApiKeyEntry | None:
        raw = await self._client.hget(API_KEYS, key_id)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            roles = roles_from_labels(data["roles"])
            return ApiKeyEntry(key_id, str(data["digest"]), str(data["name"]), roles)
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable API key entry in Redis; refused", extra={"key_id": key_id})
            return None

    async def revoke_session(self, session_id: str, lifetime: dt.timedelta) -> None:
        """Refuse the session's access tokens for ``lifetime`` (the access-token lifetime)."""
        seconds = max(1, int(lifetime.total_seconds()) + 1)
        await self._client.set(f"{REVOKED_SESSION_PREFIX}{session_id}", b"1", ex=seconds)

    async def is_session_revoked(self, session_id: str) -> bool:
        return bool(await self._client.exists(f"{REVOKED_SESSION_PREFIX}{session_id}"))


def _encode(entry: ApiKeyEntry) -> str:
    return json.dumps(
        {"digest": entry.secret_digest, "name": entry.name, "roles": role_labels(entry.roles)}
    )
