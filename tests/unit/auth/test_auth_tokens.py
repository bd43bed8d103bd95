"""Access tokens: issue and verify as pure functions, with the clock as a parameter."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.auth.keys import (
    SigningKey,
    generate_development_key,
    jwks_json,
    load_signing_key,
    verification_keys,
)
from deltastream.auth.roles import Role
from deltastream.auth.tokens import (
    MAX_TOKEN_LENGTH,
    Audience,
    issue_access_token,
    verify_access_token,
)
from deltastream.errors import UnauthenticatedError

AUDIENCE = Audience("https://auth.test", "deltastream-test")


def current_second() -> dt.datetime:
    """Now, to the second (the resolution of the time claims); read per test, never at import,
    so a test that runs late in a long session sees the same token ages."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


KEY = load_signing_key(generate_development_key())
KEYS = {KEY.key_id: KEY.verification_key}


def issue(
    key: SigningKey = KEY,
    audience: Audience = AUDIENCE,
    *,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = dt.timedelta(minutes=5),
    roles: frozenset[Role] = frozenset({Role.TRADER}),
) -> str:
    return issue_access_token(
        key,
        audience,
        subject="asha",
        roles=roles,
        session_id="s1",
        now=now or current_second(),
        lifetime=lifetime,
    )


def reason(token: str, audience: Audience = AUDIENCE) -> str:
    with pytest.raises(UnauthenticatedError) as failure:
        verify_access_token(token, KEYS, audience)
    return failure.value.reason


def test_a_token_verifies_to_what_was_issued() -> None:
    now = current_second()
    claims = verify_access_token(issue(now=now), KEYS, AUDIENCE)
    assert claims.subject == "asha"
    assert claims.roles == {Role.TRADER}
    assert claims.session_id == "s1"
    assert claims.expires_at == now + dt.timedelta(minutes=5)


def test_the_header_names_the_key_and_the_token_type() -> None:
    header = jwt.get_unverified_header(issue())
    assert header == {"alg": "ES256", "kid": KEY.key_id, "typ": "at+jwt"}


def test_every_token_has_its_own_id() -> None:
    assert verify_access_token(issue(), KEYS, AUDIENCE).token_id != (
        verify_access_token(issue(), KEYS, AUDIENCE).token_id
    )


def test_an_ed25519_key_signs_eddsa_tokens() -> None:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: PLC0415
    from pydantic import SecretStr  # noqa: PLC0415

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = load_signing_key(SecretStr(pem.decode()))
    published = verification_keys(jwks_json([key.verification_key]))
    assert key.algorithm == "EdDSA"
    assert verify_access_token(issue(key), published, AUDIENCE).subject == "asha"


def test_an_expired_token_is_refused() -> None:
    assert reason(issue(now=current_second() - dt.timedelta(minutes=10))) == "access token expired"


def test_the_leeway_covers_small_clock_skew_only() -> None:
    """Expired two seconds ago passes (replica clocks differ); a minute ago does not."""
    just = issue(now=current_second() - dt.timedelta(minutes=5, seconds=2))
    assert verify_access_token(just, KEYS, AUDIENCE).subject == "asha"
    assert reason(issue(now=current_second() - dt.timedelta(minutes=6))) == "access token expired"


def test_a_token_from_the_future_is_refused() -> None:
    assert (
        reason(issue(now=current_second() + dt.timedelta(minutes=2)))
        == "access token not valid yet"
    )


def test_another_audience_or_issuer_is_refused() -> None:
    assert reason(issue(), Audience(AUDIENCE.issuer, "other")) == (
        "access token for another audience"
    )
    assert reason(issue(), Audience("https://other", AUDIENCE.audience)) == (
        "access token from another issuer"
    )


def test_a_signature_by_another_key_with_our_key_id_is_refused() -> None:
    impostor = load_signing_key(generate_development_key())
    forged = issue(SigningKey(impostor.private_key, impostor.algorithm, KEY.key_id))
    assert reason(forged) == "access token signature does not verify"


def test_an_unknown_key_id_is_refused() -> None:
    other = load_signing_key(generate_development_key())
    assert reason(issue(other)) == "access token signed by an unknown key"


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "a.b.c", "x" * (MAX_TOKEN_LENGTH + 1)],
    ids=["empty", "word", "abc", "long"],
)
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(UnauthenticatedError):
        verify_access_token(token, KEYS, AUDIENCE)


def test_a_token_with_an_unknown_role_is_refused() -> None:
    claims = jwt.decode(issue(), options={"verify_signature": False})
    claims["roles"] = ["root"]
    headers = {"kid": KEY.key_id, "typ": "at+jwt"}
    token = jwt.encode(claims, KEY.private_key, algorithm="ES256", headers=headers)
    assert reason(token) == "access token names an unknown role"


@pytest.mark.parametrize("claim", ["exp", "aud", "sub", "jti"])
def test_a_token_missing_a_required_claim_is_refused(claim: str) -> None:
    claims = jwt.decode(issue(), options={"verify_signature": False})
    del claims[claim]
    headers = {"kid": KEY.key_id, "typ": "at+jwt"}
    token = jwt.encode(claims, KEY.private_key, algorithm="ES256", headers=headers)
    with pytest.raises(UnauthenticatedError):
        verify_access_token(token, KEYS, AUDIENCE)


@settings(max_examples=25, deadline=None)
@given(
    roles=st.frozensets(st.sampled_from(list(Role)), min_size=1),
    lifetime=st.integers(min_value=10, max_value=3600),
)
def test_roles_and_expiry_survive_the_round_trip(roles: frozenset[Role], lifetime: int) -> None:
    now = current_second()
    token = issue(now=now, roles=roles, lifetime=dt.timedelta(seconds=lifetime))
    claims = verify_access_token(token, KEYS, AUDIENCE)
    assert claims.roles == roles
    assert claims.expires_at == now + dt.timedelta(seconds=lifetime)
