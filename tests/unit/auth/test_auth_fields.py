"""Validation of names, passwords, opaque credentials, roles and credential headers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from deltastream.auth import credentials, fields
from deltastream.auth.interceptor import method_roles
from deltastream.auth.roles import CredentialKind, Principal, Role, parse_roles
from deltastream.auth.settings import AuthSettings
from deltastream.auth.verifier import credential_from_headers
from deltastream.errors import InvalidArgumentError, UnauthenticatedError
from deltastream.v1 import auth_pb2


@pytest.mark.parametrize("name", ["asha", "desk-nifty-mm", "a.b_c-9", "x" * 64])
def test_good_names_pass(name: str) -> None:
    assert fields.name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "ab", "x" * 65, "Asha", "9lives", "-dash", "a b", "a$b", "a\x00b", "asha\n", 42, None],
)
def test_bad_names_are_invalid(name: object) -> None:
    with pytest.raises(InvalidArgumentError):
        fields.name(name)


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_an_accepted_name_holds_no_operator_or_control_character(text: str) -> None:
    try:
        accepted = fields.name(text)
    except InvalidArgumentError:
        return
    assert re.fullmatch(r"[a-z0-9._-]+", accepted)


@pytest.mark.parametrize(
    "password", ["short", " " * 20, "p" * (fields.PASSWORD_MAX_LENGTH + 1), None]
)
def test_weak_or_oversized_new_passwords_are_invalid(password: object) -> None:
    with pytest.raises(InvalidArgumentError):
        fields.new_password(password)


def test_an_offered_password_may_be_short_but_not_empty_or_huge() -> None:
    assert fields.offered_password("short") == "short"
    for password in ("", "p" * (fields.PASSWORD_MAX_LENGTH + 1)):
        with pytest.raises(InvalidArgumentError):
            fields.offered_password(password)


def test_an_api_key_parses_back_to_its_parts() -> None:
    made = credentials.new_api_key()
    parsed = credentials.parse_api_key(made.key)
    assert parsed == made
    assert credentials.matches(parsed.secret, credentials.digest(made.secret))
    assert not credentials.matches(parsed.secret + "x", credentials.digest(made.secret))
    assert made.secret not in repr(made)


@pytest.mark.parametrize("key", ["", "dsk_", "dsk_0123_abc", "xyz_0123456789abcdef_" + "a" * 43])
def test_a_malformed_api_key_is_unauthenticated(key: str) -> None:
    with pytest.raises(UnauthenticatedError):
        credentials.parse_api_key(key)


def test_refresh_tokens_are_new_each_time_and_of_the_checked_shape() -> None:
    first, second = credentials.new_refresh_token(), credentials.new_refresh_token()
    assert first != second
    assert credentials.refresh_token(first) == first
    with pytest.raises(InvalidArgumentError):
        credentials.refresh_token(first[:-1] + "$")


def test_roles_include_the_ones_below() -> None:
    trader = Principal("t", frozenset({Role.TRADER}), CredentialKind.ACCESS_TOKEN)
    assert trader.has_role(Role.VIEWER) and trader.has_role(Role.TRADER)
    assert not trader.has_role(Role.ADMIN)


def test_requested_roles_must_be_known_and_present() -> None:
    assert parse_roles([1, 3, 3]) == {Role.VIEWER, Role.ADMIN}
    for bad in ([], [0], [4]):
        with pytest.raises(InvalidArgumentError):
            parse_roles(bad)


def test_role_numbers_match_the_contract() -> None:
    for role in Role:
        assert auth_pb2.Role.Value(f"ROLE_{role.name}") == role.value


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("authorization", "Bearer abc")], (CredentialKind.ACCESS_TOKEN, "abc")),
        ([("Authorization", "bearer  abc ")], (CredentialKind.ACCESS_TOKEN, "abc")),
        ([("x-api-key", b"dsk_k")], (CredentialKind.API_KEY, "dsk_k")),
        ([("user-agent", "grpc")], None),
    ],
)
def test_the_credential_is_read_from_headers(
    headers: list[tuple[str, str | bytes]], expected: tuple[CredentialKind, str] | None
) -> None:
    credential = credential_from_headers(headers)
    assert (None if credential is None else (credential.kind, credential.value)) == expected


@pytest.mark.parametrize(
    "headers",
    [
        [("authorization", "Basic YTpi")],
        [("authorization", "Bearer a"), ("x-api-key", "dsk_k")],
        [("authorization", "Bearer a"), ("authorization", "Bearer b")],
    ],
)
def test_ambiguous_or_foreign_credentials_are_unauthenticated(
    headers: list[tuple[str, str | bytes]],
) -> None:
    with pytest.raises(UnauthenticatedError):
        credential_from_headers(headers)


def test_a_method_table_must_name_every_method_and_only_those() -> None:
    service = auth_pb2.DESCRIPTOR.services_by_name["Auth"]
    roles: dict[str, Role | None] = {method.name: Role.ADMIN for method in service.methods}
    assert len(method_roles(service, roles)) == len(roles)
    with pytest.raises(ValueError, match="missing \\['WhoAmI'\\]"):
        method_roles(service, {name: role for name, role in roles.items() if name != "WhoAmI"})
    with pytest.raises(ValueError, match="unknown \\['Lgoin'\\]"):
        method_roles(service, {**roles, "Lgoin": None})


def test_the_bootstrap_admin_needs_both_name_and_password() -> None:
    with pytest.raises(ValidationError):
        AuthSettings(auth_bootstrap_admin="root")
    with pytest.raises(ValidationError):
        AuthSettings(auth_bootstrap_password=SecretStr("a-long-password"))


def test_no_secret_has_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PRIVATE_KEY", "BOOTSTRAP_ADMIN", "BOOTSTRAP_PASSWORD"):
        monkeypatch.delenv(f"DELTASTREAM_AUTH_{name}", raising=False)
    settings = AuthSettings()
    assert settings.auth_private_key is None
    assert settings.auth_bootstrap_admin is None
    assert settings.auth_bootstrap_password is None
