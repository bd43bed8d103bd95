"""MongoDB storage of users, refresh-token families (sessions) and API keys.

Collections:

- ``auth_users``: ``_id`` = user name; the Argon2id hash, role labels, creation time.
- ``auth_sessions``: ``_id`` = session (refresh-token family) id; subject, ``expires_at`` (moved
  forward by each refresh; TTL), ``revoked_at``.
- ``auth_refresh_tokens``: ``_id`` = SHA-256 of the token; session id, ``expires_at`` (TTL),
  ``spent_at`` once exchanged. Spent tokens stay until they expire so that their reuse is seen.
- ``auth_api_keys``: ``_id`` = key id; SHA-256 of the secret, service-account name, roles,
  creator, creation and revocation times.

Every filter value is a validated name, a key id or a hex digest made here: never a request's
raw value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pymongo
import pymongo.errors
from pymongo.asynchronous.database import AsyncDatabase

from deltastream.auth.roles import Role, role_labels, roles_from_labels
from deltastream.errors import AlreadyExistsError, NotFoundError

Document = dict[str, Any]
USERS = "auth_users"
SESSIONS = "auth_sessions"
REFRESH_TOKENS = "auth_refresh_tokens"
API_KEYS = "auth_api_keys"
_LIST_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class UserRecord:
    username: str
    password_hash: str
    roles: frozenset[Role]
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    key_id: str
    secret_digest: str
    name: str
    roles: frozenset[Role]
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    """A refresh token as stored; ``spent_at`` is set once it has been exchanged."""

    digest: str
    session_id: str
    subject: str
    expires_at: dt.datetime
    spent_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    session_id: str
    subject: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None


class AuthStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def ensure_indexes(self) -> None:
        """The TTL indexes that drop expired sessions and refresh tokens, and the lookups."""
        await self._db[SESSIONS].create_index("expires_at", expireAfterSeconds=0)
        await self._db[REFRESH_TOKENS].create_index("expires_at", expireAfterSeconds=0)
        await self._db[REFRESH_TOKENS].create_index("session_id")
        await self._db[USERS].create_index("roles")
        await self._db[API_KEYS].create_index([("name", pymongo.ASCENDING)])

    # users

    async def insert_user(self, user: UserRecord) -> None:
        document = {
            "_id": user.username,
            "password_hash": user.password_hash,
            "roles": role_labels(user.roles),
            "created_at": user.created_at,
        }
        try:
            await self._db[USERS].insert_one(document)
        except pymongo.errors.DuplicateKeyError:
            raise AlreadyExistsError(f"user {user.username}") from None

    async def find_user(self, username: str) -> UserRecord | None:
        document = await self._db[USERS].find_one({"_id": username})
        if document is None:
            return None
        return UserRecord(
            document["_id"],
            document["password_hash"],
            roles_from_labels(document["roles"]),
            document["created_at"],
        )

    async def set_password_hash(self, username: str, password_hash: str) -> None:
        await self._db[USERS].update_one(
            {"_id": username}, {"$set": {"password_hash": password_hash}}
        )

    async def admin_exists(self) -> bool:
        return await self._db[USERS].find_one({"roles": Role.ADMIN.label}) is not None

    # sessions and refresh tokens

    async def insert_session(self, session: SessionRecord) -> None:
        await self._db[SESSIONS].insert_one(
            {
                "_id": session.session_id,
                "subject": session.subject,
                "expires_at": session.expires_at,
                "revoked_at": None,
            }
        )

    async def find_session(self, session_id: str) -> SessionRecord | None:
        document = await self._db[SESSIONS].find_one({"_id": session_id})
        if document is None:
            return None
        return SessionRecord(
            document["_id"], document["subject"], document["expires_at"], document["revoked_at"]
        )

    async def extend_session(self, session_id: str, expires_at: dt.datetime) -> None:
        await self._db[SESSIONS].update_one(
            {"_id": session_id}, {"$max": {"expires_at": expires_at}}
        )

    async def revoke_session(self, session_id: str, now: dt.datetime) -> None:
        """Mark the session revoked and spend all its refresh tokens."""
        await self._db[SESSIONS].update_one(
            {"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )
        await self._db[REFRESH_TOKENS].update_many(
            {"session_id": session_id, "spent_at": None}, {"$set": {"spent_at": now}}
        )

    async def insert_refresh_token(self, token: RefreshTokenRecord) -> None:
        await self._db[REFRESH_TOKENS].insert_one(
            {
                "_id": token.digest,
                "session_id": token.session_id,
                "subject": token.subject,
                "expires_at": token.expires_at,
                "spent_at": None,
            }
        )

    async def spend_refresh_token(
        self, digest: str, now: dt.datetime
    ) -> tuple[RefreshTokenRecord | None, bool]:
        """Mark the token spent, atomically. Returns the token as it was and whether this call
        spent it (False: unknown, or spent before)."""
        document = await self._db[REFRESH_TOKENS].find_one_and_update(
            {"_id": digest, "spent_at": None}, {"$set": {"spent_at": now}}
        )
        if document is not None:
            return _refresh_token(document), True
        document = await self._db[REFRESH_TOKENS].find_one({"_id": digest})
        return (None if document is None else _refresh_token(document)), False

    async def find_refresh_token(self, digest: str) -> RefreshTokenRecord | None:
        document = await self._db[REFRESH_TOKENS].find_one({"_id": digest})
        return None if document is None else _refresh_token(document)

    # API keys

    async def insert_api_key(self, key: ApiKeyRecord) -> None:
        await self._db[API_KEYS].insert_one(_api_key_document(key))

    async def list_api_keys(self, name: str | None, include_revoked: bool) -> list[ApiKeyRecord]:
        query: Document = {} if name is None else {"name": name}
        if not include_revoked:
            query["revoked_at"] = None
        cursor = self._db[API_KEYS].find(query).sort("created_at", pymongo.ASCENDING)
        return [_api_key(document) async for document in cursor.limit(_LIST_LIMIT)]

    async def revoke_api_key(self, key_id: str, now: dt.datetime) -> ApiKeyRecord:
        """Mark the key revoked (once); NOT_FOUND for an unknown id."""
        await self._db[API_KEYS].update_one(
            {"_id": key_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )
        document = await self._db[API_KEYS].find_one({"_id": key_id})
        if document is None:
            raise NotFoundError(f"API key {key_id}")
        return _api_key(document)

    async def all_api_keys(self) -> list[ApiKeyRecord]:
        """Every key, active or revoked, for rebuilding what the services see."""
        return [_api_key(document) async for document in self._db[API_KEYS].find({})]


def _refresh_token(document: Document) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        document["_id"],
        document["session_id"],
        document["subject"],
        document["expires_at"],
        document["spent_at"],
    )


def _api_key_document(key: ApiKeyRecord) -> Document:
    return {
        "_id": key.key_id,
        "secret_digest": key.secret_digest,
        "name": key.name,
        "roles": role_labels(key.roles),
        "created_by": key.created_by,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def _api_key(document: Document) -> ApiKeyRecord:
    return ApiKeyRecord(
        document["_id"],
        document["secret_digest"],
        document["name"],
        roles_from_labels(document["roles"]),
        document["created_by"],
        document["created_at"],
        document["revoked_at"],
    )
