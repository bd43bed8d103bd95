"""The Auth gRPC servicer: validates, delegates to sessions and the store, converts."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeAlias

from deltastream.auth import credentials, fields
from deltastream.auth.interceptor import current_principal, set_retry_after
from deltastream.auth.keys import SigningKey, jwks_json
from deltastream.auth.passwords import PasswordHasher
from deltastream.auth.ratelimit import RateLimiter
from deltastream.auth.registry import ApiKeyEntry, CredentialRegistry
from deltastream.auth.roles import CredentialKind, Role, parse_roles
from deltastream.auth.sessions import IssuedTokens, Sessions, utc_now
from deltastream.auth.store import ApiKeyRecord, AuthStore, UserRecord
from deltastream.errors import RateLimitedError, UnauthenticatedError
from deltastream.v1 import auth_pb2 as pb
from deltastream.v1 import auth_pb2_grpc as pb_grpc

Context: TypeAlias = Any  # grpc.aio.ServicerContext; grpcio ships no type information

_CREDENTIAL_KIND = {
    CredentialKind.ACCESS_TOKEN: pb.CREDENTIAL_KIND_ACCESS_TOKEN,
    CredentialKind.API_KEY: pb.CREDENTIAL_KIND_API_KEY,
}


class AuthServicer(pb_grpc.AuthServicer):
    def __init__(
        self,
        store: AuthStore,
        sessions: Sessions,
        passwords: PasswordHasher,
        login_limiter: RateLimiter,
        registry: CredentialRegistry,
        jwks: tuple[SigningKey, int, str],
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._passwords = passwords
        self._login_limiter = login_limiter
        self._registry = registry
        self._key, self._jwks_max_age, self._issuer = jwks

    async def Login(self, request: pb.LoginRequest, context: Context) -> pb.TokenPair:
        username = fields.name(request.username, "username")
        password = fields.offered_password(request.password)
        try:
            await self._login_limiter.acquire(f"user:{username}")
        except RateLimitedError as exc:
            set_retry_after(context, exc)
            raise
        user = await self._store.find_user(username)
        stored_hash = None if user is None else user.password_hash
        if not await self._passwords.verify_in_thread(stored_hash, password) or user is None:
            raise UnauthenticatedError("wrong user name or password")
        if self._passwords.needs_rehash(user.password_hash):
            new_hash = await self._passwords.hash_in_thread(password)
            await self._store.set_password_hash(username, new_hash)
        return _token_pair(await self._sessions.start(user))

    async def Refresh(self, request: pb.RefreshRequest, context: Context) -> pb.TokenPair:
        token = credentials.refresh_token(request.refresh_token)
        return _token_pair(await self._sessions.rotate(token))

    async def Logout(self, request: pb.LogoutRequest, context: Context) -> pb.LogoutResponse:
        await self._sessions.end(credentials.refresh_token(request.refresh_token))
        return pb.LogoutResponse()

    async def GetJwks(self, request: pb.GetJwksRequest, context: Context) -> pb.GetJwksResponse:
        return pb.GetJwksResponse(
            jwks_json=jwks_json([self._key.verification_key]),
            max_age_seconds=self._jwks_max_age,
            issuer=self._issuer,
        )

    async def WhoAmI(self, request: pb.WhoAmIRequest, context: Context) -> pb.WhoAmIResponse:
        principal = current_principal()
        return pb.WhoAmIResponse(
            subject=principal.subject,
            roles=_roles(principal.roles),
            credential=_CREDENTIAL_KIND[principal.credential],
        )

    async def CreateUser(self, request: pb.CreateUserRequest, context: Context) -> pb.User:
        username = fields.name(request.username, "username")
        password = fields.new_password(request.password)
        roles = parse_roles(request.roles)
        user = UserRecord(
            username, await self._passwords.hash_in_thread(password), roles, utc_now()
        )
        await self._store.insert_user(user)
        return pb.User(
            username=username, roles=_roles(roles), created_at_seconds=_seconds(user.created_at)
        )

    async def CreateApiKey(
        self, request: pb.CreateApiKeyRequest, context: Context
    ) -> pb.CreateApiKeyResponse:
        name = fields.name(request.name, "name")
        roles = parse_roles(request.roles)
        secret = credentials.new_api_key()
        record = ApiKeyRecord(
            secret.key_id,
            credentials.digest(secret.secret),
            name,
            roles,
            current_principal().subject,
            utc_now(),
        )
        await self._store.insert_api_key(record)
        await self._registry.publish_api_keys([_entry(record)])
        return pb.CreateApiKeyResponse(api_key=_api_key(record), key=secret.key)

    async def ListApiKeys(
        self, request: pb.ListApiKeysRequest, context: Context
    ) -> pb.ListApiKeysResponse:
        name = fields.name(request.name, "name") if request.name else None
        records = await self._store.list_api_keys(name, request.include_revoked)
        return pb.ListApiKeysResponse(api_keys=[_api_key(record) for record in records])

    async def RevokeApiKey(
        self, request: pb.RevokeApiKeyRequest, context: Context
    ) -> pb.RevokeApiKeyResponse:
        key_id = credentials.key_id(request.key_id)
        record = await self._store.revoke_api_key(key_id, utc_now())
        await self._registry.withdraw_api_key(key_id)
        return pb.RevokeApiKeyResponse(api_key=_api_key(record))


def _token_pair(tokens: IssuedTokens) -> pb.TokenPair:
    return pb.TokenPair(
        access_token=tokens.access_token,
        token_type="Bearer",  # noqa: S106 - the OAuth token type, not a secret
        access_token_expires_in_seconds=int(tokens.lifetimes.access_token.total_seconds()),
        refresh_token=tokens.refresh_token,
        refresh_token_expires_in_seconds=int(tokens.lifetimes.refresh_token.total_seconds()),
        roles=_roles(tokens.roles),
    )


def _roles(roles: frozenset[Role]) -> list[str]:
    """Roles as the contract's enum names (their numbers are the same as ``Role``'s)."""
    return [f"ROLE_{role.name}" for role in sorted(roles)]


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _entry(record: ApiKeyRecord) -> ApiKeyEntry:
    return ApiKeyEntry(record.key_id, record.secret_digest, record.name, record.roles)


def _api_key(record: ApiKeyRecord) -> pb.ApiKey:
    return pb.ApiKey(
        key_id=record.key_id,
        name=record.name,
        roles=_roles(record.roles),
        created_by=record.created_by,
        created_at_seconds=_seconds(record.created_at),
        revoked_at_seconds=0 if record.revoked_at is None else _seconds(record.revoked_at),
    )
