"""What the Auth service puts in place at start: the first admin, and the API keys every
verifier reads from Redis (rebuilt from MongoDB, which is their record)."""

from __future__ import annotations

import logging

import pymongo.errors
from pydantic import SecretStr

from deltastream.auth import fields
from deltastream.auth.passwords import PasswordHasher
from deltastream.auth.registry import ApiKeyEntry, CredentialRegistry
from deltastream.auth.roles import Role
from deltastream.auth.sessions import utc_now
from deltastream.auth.store import AuthStore, UserRecord
from deltastream.errors import AlreadyExistsError

log = logging.getLogger(__name__)


async def ensure_admin(
    store: AuthStore,
    passwords: PasswordHasher,
    username: str | None,
    password: SecretStr | None,
) -> bool:
    """Create ``username`` as an admin when no admin exists and both are given; True if it did.

    Replicas starting together may race: the loser finds the name taken, which is fine.
    """
    if await store.admin_exists():
        return False
    if username is None or password is None:
        log.warning("no admin user exists; set DELTASTREAM_AUTH_BOOTSTRAP_ADMIN and _PASSWORD")
        return False
    name = fields.name(username, "DELTASTREAM_AUTH_BOOTSTRAP_ADMIN")
    secret = fields.new_password(password.get_secret_value(), "DELTASTREAM_AUTH_BOOTSTRAP_PASSWORD")
    user = UserRecord(
        name, await passwords.hash_in_thread(secret), frozenset({Role.ADMIN}), utc_now()
    )
    try:
        await store.insert_user(user)
    except (AlreadyExistsError, pymongo.errors.DuplicateKeyError):
        return False
    log.info("bootstrap admin created", extra={"username": name})
    return True


async def publish_api_keys(store: AuthStore, registry: CredentialRegistry) -> int:
    """Make the registry agree with MongoDB: active keys in, revoked keys out. Returns how many
    keys are active."""
    records = await store.all_api_keys()
    active = [
        ApiKeyEntry(record.key_id, record.secret_digest, record.name, record.roles)
        for record in records
        if record.revoked_at is None
    ]
    revoked = [record.key_id for record in records if record.revoked_at is not None]
    await registry.publish_api_keys(active, revoked)
    return len(active)
