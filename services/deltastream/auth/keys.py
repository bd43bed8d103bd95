"""The token signing key and the JSON Web Key Set that publishes its public half.

The private key comes from ``DELTASTREAM_AUTH_PRIVATE_KEY`` (a PEM, kept as ``SecretStr``): an
EC P-256 key signs ES256, an Ed25519 key signs EdDSA. The key id (``kid``) is the key's RFC 7638
thumbprint, so it is the same on every replica without configuration. Verifiers build their
keys from the published set, with the algorithm pinned by the key and never by a token.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm
from pydantic import SecretStr

from deltastream.errors import DeltaStreamError

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}


class KeyConfigurationError(DeltaStreamError):
    """The configured key cannot sign tokens (not a PEM, or not EC P-256 / Ed25519)."""


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A public key with the one algorithm it verifies."""

    key_id: str
    algorithm: str
    public_key: PublicKey


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The private key that signs access tokens, its algorithm and key id."""

    private_key: PrivateKey = field(repr=False)
    algorithm: str
    key_id: str

    @property
    def verification_key(self) -> VerificationKey:
        return VerificationKey(self.key_id, self.algorithm, self.private_key.public_key())

    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.verification_key)


def load_signing_key(pem: SecretStr) -> SigningKey:
    """The signing key from a PEM private key (PKCS#8 or traditional, unencrypted)."""
    try:
        key = serialization.load_pem_private_key(pem.get_secret_value().encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyConfigurationError("the auth private key is not an unencrypted PEM key") from exc
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = "ES256"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        algorithm = "EdDSA"
    else:
        raise KeyConfigurationError("the auth private key must be EC P-256 or Ed25519")
    return SigningKey(key, algorithm, thumbprint(_bare_jwk(key.public_key())))


def generate_development_key() -> SecretStr:
    """A fresh EC P-256 private key as PEM, for a developer's machine and tests."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SecretStr(pem.decode())


def public_jwk(key: VerificationKey) -> dict[str, str]:
    return {**_bare_jwk(key.public_key), "kid": key.key_id, "alg": key.algorithm, "use": "sig"}


def jwks_json(keys: Iterable[VerificationKey]) -> str:
    """The JSON Web Key Set of ``keys``."""
    return json.dumps({"keys": [public_jwk(key) for key in keys]}, sort_keys=True)


def verification_keys(document: str | Mapping[str, Any]) -> dict[str, VerificationKey]:
    """The signature keys of a JWKS (a JSON text or its parsed form), by key id.

    Keys without a ``kid`` or an ``alg``, or of other algorithms, are left out.
    """
    data = json.loads(document) if isinstance(document, str) else document
    keys: dict[str, VerificationKey] = {}
    for entry in data.get("keys", []):
        if entry.get("use", "sig") != "sig" or entry.get("alg") not in ("ES256", "EdDSA"):
            continue
        try:
            jwk = jwt.PyJWK.from_dict(entry)
        except jwt.PyJWKError as exc:
            raise KeyConfigurationError(f"a key of the JWKS is unusable: {exc}") from exc
        if jwk.key_id and isinstance(jwk.key, PublicKey):
            keys[jwk.key_id] = VerificationKey(jwk.key_id, entry["alg"], jwk.key)
    return keys


def public_key_from_pem(pem: str) -> VerificationKey:
    """A verification key from a PEM public key (for a service given the key directly)."""
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise KeyConfigurationError("the auth public key is not a PEM public key") from exc
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return VerificationKey(thumbprint(_bare_jwk(key)), "ES256", key)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return VerificationKey(thumbprint(_bare_jwk(key)), "EdDSA", key)
    raise KeyConfigurationError("the auth public key must be EC P-256 or Ed25519")


def thumbprint(jwk: Mapping[str, str]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK, base64url without padding."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def _bare_jwk(key: PublicKey) -> dict[str, str]:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return dict(ECAlgorithm.to_jwk(key, as_dict=True))
    return dict(OKPAlgorithm.to_jwk(key, as_dict=True))
