"""The signing key, its key id and the published key set."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from deltastream.auth.keys import (
    KeyConfigurationError,
    generate_development_key,
    jwks_json,
    load_signing_key,
    public_key_from_pem,
    thumbprint,
    verification_keys,
)


def pem_of(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> SecretStr:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SecretStr(data.decode())


def test_thumbprint_of_the_rfc_8037_example_key() -> None:
    """RFC 8037, appendix A.3: the thumbprint of its Ed25519 example public key."""
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_the_key_id_is_the_same_wherever_the_key_is_loaded() -> None:
    pem = generate_development_key()
    assert load_signing_key(pem).key_id == load_signing_key(pem).key_id
    assert load_signing_key(pem).key_id != load_signing_key(generate_development_key()).key_id


def test_the_published_set_round_trips_without_the_private_part() -> None:
    key = load_signing_key(generate_development_key())
    document = jwks_json([key.verification_key])
    (entry,) = json.loads(document)["keys"]
    assert entry["kid"] == key.key_id
    assert entry["alg"] == "ES256"
    assert entry["use"] == "sig"
    assert "d" not in entry
    assert verification_keys(document) == {key.key_id: key.verification_key}


def test_a_public_key_from_pem_has_the_key_id_of_its_private_key() -> None:
    key = load_signing_key(generate_development_key())
    pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public_key_from_pem(pem.decode()) == key.verification_key


def test_keys_for_other_uses_or_algorithms_are_left_out() -> None:
    key = load_signing_key(generate_development_key())
    entry = json.loads(jwks_json([key.verification_key]))["keys"][0]
    document = {"keys": [{**entry, "use": "enc"}, {**entry, "alg": "HS256"}, {**entry, "kid": "k"}]}
    assert list(verification_keys(document)) == ["k"]


@pytest.mark.parametrize(
    "pem",
    [
        SecretStr("not a key"),
        pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        pem_of(ec.generate_private_key(ec.SECP384R1())),
    ],
    ids=["garbage", "rsa", "p-384"],
)
def test_a_key_that_cannot_sign_our_tokens_is_refused(pem: SecretStr) -> None:
    with pytest.raises(KeyConfigurationError):
        load_signing_key(pem)


def test_the_signing_key_never_shows_in_its_repr() -> None:
    pem = generate_development_key()
    key = load_signing_key(pem)
    assert "PRIVATE" not in repr(key)
    assert "PRIVATE" not in repr(pem)
