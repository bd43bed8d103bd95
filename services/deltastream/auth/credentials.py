"""Opaque credentials: refresh tokens and API keys, made from a CSPRNG and stored only as hashes.

Both carry 256 random bits, so a fast hash (SHA-256) is enough to store them: a memory-hard
hash is for low-entropy secrets such as passwords. An API key reads ``dsk_<key id>_<secret>``;
the key id is public and finds the record, the secret is compared by its hash in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from deltastream.errors import InvalidArgumentError, UnauthenticatedError

_TOKEN_BYTES = 32
_REFRESH_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_API_KEY = re.compile(r"dsk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


def digest(secret: str) -> str:
    """The stored form of a refresh token or API-key secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    """Constant-time comparison of a presented secret with a stored digest."""
    return hmac.compare_digest(digest(secret), stored_digest)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def refresh_token(value: object, field: str = "refresh_token") -> str:
    """A refresh token as issued; anything else is refused before any lookup."""
    if not isinstance(value, str) or not _REFRESH_TOKEN.fullmatch(value):
        raise InvalidArgumentError(field, "not a refresh token")
    return value


@dataclass(frozen=True, slots=True)
class ApiKeySecret:
    """A whole API key, as given to its owner once."""

    key_id: str
    secret: str

    @property
    def key(self) -> str:
        return f"dsk_{self.key_id}_{self.secret}"

    def __repr__(self) -> str:
        return f"ApiKeySecret(key_id={self.key_id!r}, secret=***)"


def new_api_key() -> ApiKeySecret:
    return ApiKeySecret(secrets.token_hex(8), secrets.token_urlsafe(_TOKEN_BYTES))


def parse_api_key(value: str) -> ApiKeySecret:
    """An API key from a request's metadata; UNAUTHENTICATED when it has not the shape."""
    match = _API_KEY.fullmatch(value)
    if match is None:
        raise UnauthenticatedError("malformed API key")
    return ApiKeySecret(match[1], match[2])


def key_id(value: object, field: str = "key_id") -> str:
    if not isinstance(value, str) or not _KEY_ID.fullmatch(value):
        raise InvalidArgumentError(field, "not an API key id (16 hexadecimal digits)")
    return value
