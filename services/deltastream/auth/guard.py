"""One call that gives a service its token checks: ``auth_interceptor(settings, redis, roles)``
for gRPC, ``admission_for(settings, redis, scope=...)`` for the REST dependency.

It picks the key source (a public key from the settings, or the Auth service's key set over
gRPC), and wires the verifier, the credential registry and the per-caller rate limit together.
A gRPC service closes its interceptor (``await interceptor.close()``) when it stops.
"""

from __future__ import annotations

import redis.asyncio

from deltastream.auth.admission import Admission
from deltastream.auth.interceptor import AuthInterceptor, MethodRoles
from deltastream.auth.keys import public_key_from_pem
from deltastream.auth.ratelimit import RateLimiter
from deltastream.auth.registry import CredentialRegistry
from deltastream.auth.settings import TokenCheckSettings
from deltastream.auth.verifier import JwksClient, KeySource, StaticKeys, Verifier


def verifier(settings: TokenCheckSettings, redis_client: redis.asyncio.Redis) -> Verifier:
    """A verifier with the key source the settings name (see ``TokenCheckSettings``)."""
    return Verifier(key_source(settings), CredentialRegistry(redis_client), settings.audience)


def key_source(settings: TokenCheckSettings) -> KeySource:
    if settings.auth_public_key:
        return StaticKeys([public_key_from_pem(settings.auth_public_key)])
    return JwksClient(settings.auth_target)


def auth_interceptor(
    settings: TokenCheckSettings,
    redis_client: redis.asyncio.Redis,
    roles: MethodRoles,
    *,
    scope: str,
) -> AuthInterceptor:
    """The interceptor of a service named ``scope`` (its request budgets are its own)."""
    checks = admission_for(settings, redis_client, scope=scope)
    keys = checks.verifier.keys
    on_close = keys.close if isinstance(keys, JwksClient) else None
    return AuthInterceptor(checks, roles, on_close)


def admission_for(
    settings: TokenCheckSettings, redis_client: redis.asyncio.Redis, *, scope: str
) -> Admission:
    """The checks of a service named ``scope``, for an interceptor or a REST dependency."""
    limiter = RateLimiter(redis_client, settings.rate_limit, scope)
    return Admission(verifier(settings, redis_client), limiter)
