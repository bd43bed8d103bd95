"""Builds the Auth gRPC server: key, store, sessions, servicer, the shared interceptors
(tracing, metrics, error mapping) with its own token checks inside, health and reflection."""

from __future__ import annotations

from functools import partial
from typing import Any

import redis.asyncio
from pymongo import AsyncMongoClient

from deltastream.auth.admission import Admission
from deltastream.auth.bootstrap import ensure_admin, publish_api_keys
from deltastream.auth.interceptor import AuthInterceptor, method_roles
from deltastream.auth.keys import KeyConfigurationError, load_signing_key
from deltastream.auth.passwords import PasswordHasher
from deltastream.auth.ratelimit import RateLimiter
from deltastream.auth.registry import CredentialRegistry
from deltastream.auth.roles import Role
from deltastream.auth.servicer import AuthServicer
from deltastream.auth.sessions import Lifetimes, Sessions
from deltastream.auth.settings import AuthSettings
from deltastream.auth.store import AuthStore
from deltastream.auth.verifier import StaticKeys, Verifier
from deltastream.grpcutil import RunningServer, start_server
from deltastream.v1 import auth_pb2, auth_pb2_grpc

SERVICE = auth_pb2.DESCRIPTOR.services_by_name["Auth"]
METHOD_ROLES = method_roles(
    SERVICE,
    {
        "Login": None,
        "Refresh": None,
        "Logout": None,
        "GetJwks": None,
        "WhoAmI": Role.VIEWER,
        "CreateUser": Role.ADMIN,
        "CreateApiKey": Role.ADMIN,
        "ListApiKeys": Role.ADMIN,
        "RevokeApiKey": Role.ADMIN,
    },
)


async def create_server(settings: AuthSettings) -> RunningServer:
    """Start the server on ``settings.grpc_port`` (0 = a free port, see ``.port``)."""
    if settings.auth_private_key is None:
        raise KeyConfigurationError("DELTASTREAM_AUTH_PRIVATE_KEY is not set")
    key = load_signing_key(settings.auth_private_key)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url, decode_responses=False)
    store = AuthStore(mongo[settings.mongo_db])
    registry = CredentialRegistry(redis_client)
    passwords = PasswordHasher(settings.hash_cost)
    await store.ensure_indexes()
    await publish_api_keys(store, registry)
    await ensure_admin(
        store, passwords, settings.auth_bootstrap_admin, settings.auth_bootstrap_password
    )
    lifetimes = Lifetimes(settings.access_token_lifetime, settings.refresh_token_lifetime)
    servicer = AuthServicer(
        store,
        Sessions(store, registry, key, settings.audience, lifetimes),
        passwords,
        RateLimiter(redis_client, settings.login_limit, "login"),
        registry,
        (key, settings.jwks_max_age_seconds, settings.auth_issuer),
    )
    verifier = Verifier(StaticKeys([key.verification_key]), registry, settings.audience)
    checks = AuthInterceptor(
        Admission(verifier, RateLimiter(redis_client, settings.rate_limit, "auth")), METHOD_ROLES
    )
    server, port = await start_server(
        settings.grpc_host,
        settings.grpc_port,
        SERVICE,
        partial(auth_pb2_grpc.add_AuthServicer_to_server, servicer),
        checks,
    )
    return RunningServer(server, port, (mongo.close, redis_client.aclose))
