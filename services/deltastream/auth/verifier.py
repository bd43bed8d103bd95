"""Local verification of a caller's credential: an access token against the Auth service's
public keys, or an API key against the registry in Redis. No call to the Auth service per
request: its key set is fetched once (``GetJwks``), cached, and fetched again only when a token
names a key not seen yet (a key rotation) or the cache has aged out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import grpc

from deltastream.auth import credentials
from deltastream.auth.keys import VerificationKey, verification_keys
from deltastream.auth.registry import CredentialRegistry
from deltastream.auth.roles import CredentialKind, Principal
from deltastream.auth.tokens import Audience, key_id_of, verify_access_token
from deltastream.errors import UnauthenticatedError, UnavailableError
from deltastream.v1 import auth_pb2, auth_pb2_grpc

log = logging.getLogger(__name__)

AUTHORIZATION = "authorization"
API_KEY = "x-api-key"
_BEARER = "bearer "
_FETCH_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Credential:
    """What a caller presented: an access token or an API key."""

    kind: CredentialKind
    value: str

    def __repr__(self) -> str:
        return f"Credential({self.kind.name}, ***)"


def credential_from_headers(headers: Iterable[tuple[str, str | bytes]]) -> Credential | None:
    """The credential in gRPC metadata or HTTP headers (names in any case); None when there is
    none. Both kinds at once, or an ``authorization`` that is not ``Bearer``, are refused."""
    found: list[Credential] = []
    for name, value in headers:
        text = value.decode(errors="replace") if isinstance(value, bytes) else value
        if name.lower() == AUTHORIZATION:
            if not text.lower().startswith(_BEARER):
                raise UnauthenticatedError("authorization must be 'Bearer <access token>'")
            found.append(Credential(CredentialKind.ACCESS_TOKEN, text[len(_BEARER) :].strip()))
        elif name.lower() == API_KEY:
            found.append(Credential(CredentialKind.API_KEY, text.strip()))
    if len(found) > 1:
        raise UnauthenticatedError("send one credential: an access token or an API key")
    return found[0] if found else None


class KeySource(Protocol):
    """Where the public keys come from."""

    async def key(self, key_id: str) -> VerificationKey | None: ...


class StaticKeys:
    """Keys known up front: the Auth service's own, or a public key from the settings."""

    def __init__(self, keys: Iterable[VerificationKey]) -> None:
        self._keys = {key.key_id: key for key in keys}

    async def key(self, key_id: str) -> VerificationKey | None:
        return self._keys.get(key_id)


class JwksClient:
    """The Auth service's key set over gRPC, cached for ``max_age`` seconds (or what the
    service advises); fetched again at most every ``min_interval`` seconds for an unknown key
    or after a failure, which keeps the cached keys in use."""

    def __init__(self, target: str, *, max_age: float = 300.0, min_interval: float = 10.0) -> None:
        self._channel = grpc.aio.insecure_channel(target)
        self._stub = auth_pb2_grpc.AuthStub(self._channel)  # type: ignore[no-untyped-call]
        self._max_age = max_age
        self._min_interval = min_interval
        self._keys: dict[str, VerificationKey] = {}
        self._fresh_until = 0.0
        self._next_fetch = 0.0
        self._lock = asyncio.Lock()

    async def key(self, key_id: str) -> VerificationKey | None:
        # A caller arriving while a fetch is in flight waits for it rather than finding no keys.
        if self._due(key_id) or self._lock.locked():
            async with self._lock:
                if self._due(key_id):
                    await self._fetch()
        if not self._keys:
            raise UnavailableError("the Auth service's public keys")
        return self._keys.get(key_id)

    def _due(self, key_id: str) -> bool:
        now = time.monotonic()
        return now >= self._next_fetch and (now >= self._fresh_until or key_id not in self._keys)

    async def _fetch(self) -> None:
        started = time.monotonic()
        self._next_fetch = started + self._min_interval
        try:
            response: auth_pb2.GetJwksResponse = await self._stub.GetJwks(
                auth_pb2.GetJwksRequest(), timeout=_FETCH_TIMEOUT_SECONDS
            )
        except grpc.aio.AioRpcError as exc:
            log.warning("fetching the Auth service's public keys failed: %s", exc.code())
            return
        self._keys = verification_keys(response.jwks_json)
        if response.max_age_seconds > 0:
            self._max_age = float(response.max_age_seconds)
        self._fresh_until = started + self._max_age

    async def close(self) -> None:
        await self._channel.close()


class Verifier:
    """Turns a presented credential into a ``Principal``, or raises UnauthenticatedError."""

    def __init__(self, keys: KeySource, registry: CredentialRegistry, audience: Audience) -> None:
        self.keys = keys
        self._registry = registry
        self._audience = audience

    async def authenticate(self, credential: Credential) -> Principal:
        if credential.kind is CredentialKind.API_KEY:
            return await self.verify_api_key(credential.value)
        return await self.verify_access_token(credential.value)

    async def verify_access_token(self, token: str) -> Principal:
        key = await self.keys.key(key_id_of(token))
        keys: Mapping[str, VerificationKey] = {} if key is None else {key.key_id: key}
        claims = verify_access_token(token, keys, self._audience)
        if claims.session_id and await self._registry.is_session_revoked(claims.session_id):
            raise UnauthenticatedError("access token of a revoked session")
        return Principal(
            claims.subject, claims.roles, CredentialKind.ACCESS_TOKEN, claims.session_id
        )

    async def verify_api_key(self, key: str) -> Principal:
        presented = credentials.parse_api_key(key)
        entry = await self._registry.api_key(presented.key_id)
        if entry is None or not credentials.matches(presented.secret, entry.secret_digest):
            raise UnauthenticatedError("unknown or revoked API key")
        return Principal(entry.name, entry.roles, CredentialKind.API_KEY)
