"""Access tokens: short-lived JWTs (RFC 9068 profile) signed by the Auth service's key.

Pure functions of their inputs (the clock is a parameter), so expiry and forgery are tested
without waiting or a server. Claims: ``iss``, ``aud``, ``sub``, ``roles`` (labels), ``sid``
(the refresh-token family, so that a logout can revoke its access tokens), ``jti``, ``iat``,
``nbf``, ``exp``; the header carries ``kid`` and ``typ: at+jwt``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from deltastream.auth.keys import SigningKey, VerificationKey
from deltastream.auth.roles import Role, role_labels, roles_from_labels
from deltastream.errors import UnauthenticatedError

TOKEN_TYPE = "at+jwt"  # noqa: S105 - the JWT "typ" of access tokens (RFC 9068), not a secret
MAX_TOKEN_LENGTH = 4096
_REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti"]
_LEEWAY = dt.timedelta(seconds=5)  # clock skew between replicas


@dataclass(frozen=True, slots=True)
class Audience:
    """Who issues tokens and for whom: the ``iss`` and ``aud`` every verifier insists on."""

    issuer: str
    audience: str


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified content of an access token."""

    subject: str
    roles: frozenset[Role]
    session_id: str
    token_id: str
    expires_at: dt.datetime


def issue_access_token(
    key: SigningKey,
    audience: Audience,
    *,
    subject: str,
    roles: frozenset[Role],
    session_id: str,
    now: dt.datetime,
    lifetime: dt.timedelta,
) -> str:
    """A signed access token for ``subject`` valid from ``now`` for ``lifetime``."""
    claims: dict[str, Any] = {
        "iss": audience.issuer,
        "aud": audience.audience,
        "sub": subject,
        "roles": role_labels(roles),
        "sid": session_id,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    headers = {"kid": key.key_id, "typ": TOKEN_TYPE}
    return jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers=headers)


def verify_access_token(
    token: str, keys: Mapping[str, VerificationKey], audience: Audience
) -> AccessClaims:
    """The claims of a genuine, current token for ``audience``; UNAUTHENTICATED otherwise."""
    key = keys.get(key_id_of(token))
    if key is None:
        raise UnauthenticatedError("access token signed by an unknown key")
    try:
        claims = jwt.decode(
            token,
            key.public_key,
            algorithms=[key.algorithm],
            audience=audience.audience,
            issuer=audience.issuer,
            leeway=_LEEWAY,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise UnauthenticatedError(_reason(exc)) from None
    return _access_claims(claims)


def key_id_of(token: str) -> str:
    """The ``kid`` of a token's header (unverified: it only picks the key to verify with)."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise UnauthenticatedError("access token too long")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise UnauthenticatedError("malformed access token") from None
    if header.get("typ") != TOKEN_TYPE or not isinstance(header.get("kid"), str):
        raise UnauthenticatedError("not an access token")
    key_id: str = header["kid"]
    return key_id


def _access_claims(claims: Mapping[str, Any]) -> AccessClaims:
    subject, labels, session_id = claims["sub"], claims.get("roles"), claims.get("sid", "")
    if not isinstance(subject, str) or not isinstance(session_id, str):
        raise UnauthenticatedError("malformed access token claims")
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise UnauthenticatedError("malformed access token roles")
    try:
        roles = roles_from_labels(labels)
    except ValueError:
        raise UnauthenticatedError("access token names an unknown role") from None
    expires_at = dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
    return AccessClaims(subject, roles, session_id, str(claims["jti"]), expires_at)


def _reason(error: jwt.PyJWTError) -> str:
    reasons: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
        (jwt.ExpiredSignatureError, "access token expired"),
        (jwt.ImmatureSignatureError, "access token not valid yet"),
        (jwt.InvalidAudienceError, "access token for another audience"),
        (jwt.InvalidIssuerError, "access token from another issuer"),
        (jwt.InvalidSignatureError, "access token signature does not verify"),
        (jwt.MissingRequiredClaimError, "access token lacks a required claim"),
    )
    for error_type, reason in reasons:
        if isinstance(error, error_type):
            return reason
    return "malformed access token"
