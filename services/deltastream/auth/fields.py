"""Validation of the auth requests' fields before they reach a database filter.

Only plain strings of a strict shape get through, so a name like ``{"$gt": ""}`` or
``admin\\u0000`` is refused with INVALID_ARGUMENT rather than interpreted.
"""

from __future__ import annotations

import re

from deltastream.errors import InvalidArgumentError

_NAME = re.compile(r"[a-z][a-z0-9._-]{2,63}")
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256  # hashing cost grows with the length: bound what a caller can send


def name(value: object, field: str = "username") -> str:
    """A user or service-account name: 3 to 64 of ``a-z 0-9 . _ -``, starting with a letter."""
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(field, "a name is required")
    if not _NAME.fullmatch(value):
        raise InvalidArgumentError(
            field, "3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter"
        )
    return value


def new_password(value: object, field: str = "password") -> str:
    """A password for a new user: 12 to 256 characters, not only white space."""
    if not isinstance(value, str):
        raise InvalidArgumentError(field, "a password is required")
    if not PASSWORD_MIN_LENGTH <= len(value) <= PASSWORD_MAX_LENGTH or not value.strip():
        raise InvalidArgumentError(
            field, f"must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters"
        )
    return value


def offered_password(value: object, field: str = "password") -> str:
    """A password offered at login: any non-empty string up to the maximum length."""
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(field, "a password is required")
    if len(value) > PASSWORD_MAX_LENGTH:
        raise InvalidArgumentError(field, f"at most {PASSWORD_MAX_LENGTH} characters")
    return value
