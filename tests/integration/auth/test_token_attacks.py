"""Access tokens that must not pass: expired, forged, tampered, for another audience or issuer,
unsigned, or signed with the public key as an HMAC secret. Each is sent to the running Auth
service (WhoAmI) over gRPC."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from deltastream.auth import Role, bearer_metadata, generate_development_key
from deltastream.auth.keys import SigningKey, load_signing_key
from deltastream.auth.tokens import Audience, issue_access_token
from deltastream.v1 import auth_pb2 as pb
from tests.integration.auth.conftest import AuthClient, status_of

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

Forge = Callable[[SigningKey, Audience], str]


def token(
    key: SigningKey,
    audience: Audience,
    *,
    age: dt.timedelta = dt.timedelta(0),
    lifetime: dt.timedelta = dt.timedelta(minutes=5),
) -> str:
    """A token issued ``age`` ago (negative: in the future)."""
    return issue_access_token(
        key,
        audience,
        subject="mallory",
        roles=frozenset({Role.ADMIN}),
        session_id="",
        now=dt.datetime.now(dt.UTC) - age,
        lifetime=lifetime,
    )


def expired(key: SigningKey, audience: Audience) -> str:
    return token(key, audience, age=dt.timedelta(hours=1))


def not_yet_valid(key: SigningKey, audience: Audience) -> str:
    return token(key, audience, age=-dt.timedelta(hours=1))


def other_audience(key: SigningKey, audience: Audience) -> str:
    return token(key, Audience(audience.issuer, "somebody-else"))


def other_issuer(key: SigningKey, audience: Audience) -> str:
    return token(key, Audience("https://evil.example", audience.audience))


def forged(key: SigningKey, audience: Audience) -> str:
    """Signed by another key that claims the service's key id."""
    impostor = load_signing_key(generate_development_key())
    return token(SigningKey(impostor.private_key, impostor.algorithm, key.key_id), audience)


def tampered(key: SigningKey, audience: Audience) -> str:
    """A genuine viewer token whose payload was edited to make the subject an admin."""
    header, payload, signature = issue_access_token(
        key,
        audience,
        subject="mallory",
        roles=frozenset({Role.VIEWER}),
        session_id="",
        now=dt.datetime.now(dt.UTC),
        lifetime=dt.timedelta(minutes=5),
    ).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["admin"]
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


def unsigned(key: SigningKey, audience: Audience) -> str:
    claims = jwt.decode(token(key, audience), options={"verify_signature": False})
    return jwt.encode(claims, "", algorithm="none", headers={"kid": key.key_id, "typ": "at+jwt"})


def hmac_with_public_key(key: SigningKey, audience: Audience) -> str:
    """The algorithm-confusion attack: HS256 with the public key's PEM as the secret."""
    claims = jwt.decode(token(key, audience), options={"verify_signature": False})
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": key.key_id, "typ": "at+jwt"}
    signing_input = b".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
        for part in (header, claims)
    )
    algorithm = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256)
    signature = algorithm.sign(signing_input, public_pem)
    return f"{signing_input.decode()}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def plain_jwt(key: SigningKey, audience: Audience) -> str:
    """Signed by the right key but not typed as an access token (``typ`` missing)."""
    claims = jwt.decode(token(key, audience), options={"verify_signature": False})
    return jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.key_id})


@pytest.mark.parametrize(
    "forge",
    [
        expired,
        not_yet_valid,
        other_audience,
        other_issuer,
        forged,
        tampered,
        unsigned,
        hmac_with_public_key,
        plain_jwt,
    ],
)
async def test_a_bad_access_token_is_unauthenticated(
    auth_client: AuthClient, signing_key: SecretStr, forge: Forge
) -> None:
    key = load_signing_key(signing_key)
    bad = forge(key, auth_client.settings.audience)
    call = auth_client.stub.WhoAmI(pb.WhoAmIRequest(), metadata=bearer_metadata(bad))
    assert await status_of(call) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_token_made_like_the_attacks_but_genuine_passes(
    auth_client: AuthClient, signing_key: SecretStr
) -> None:
    """The control: the same construction with nothing wrong is accepted, so the failures
    above are the attacks' doing."""
    good = token(load_signing_key(signing_key), auth_client.settings.audience)
    reply = await auth_client.stub.WhoAmI(pb.WhoAmIRequest(), metadata=bearer_metadata(good))
    assert reply.subject == "mallory"
