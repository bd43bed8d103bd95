"""Fixtures shared by every test layer.

Servers are real: an embedded Valkey and SecantusDB are started once per session, unless
``DELTASTREAM_REDIS_URL`` and ``DELTASTREAM_MONGO_URI`` name real ones, in which case the same
tests run against those. Tests never flush a server: each uses its own database and its own
underlying symbols, so they can share one server, even a real one.

Every API checks tokens. ``token_authority`` holds the session's signing key: a service a test
starts is given its public half (``auth_public_key=token_authority.public_pem`` in process,
``DELTASTREAM_AUTH_PUBLIC_KEY`` in a child process), and the test mints the tokens it calls
with. ``authorized(channel, metadata)`` sends a credential with every call of a channel.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pymongo
import pytest
import redis
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from deltastream import bus
from deltastream.auth import Role, TokenCheckSettings, bearer_metadata, generate_development_key
from deltastream.auth.keys import SigningKey, load_signing_key
from deltastream.auth.roles import role_labels
from deltastream.auth.tokens import Audience, issue_access_token
from deltastream.embedded import EmbeddedUrls, embedded_servers

Metadata = tuple[tuple[str, str], ...]
TOKEN_LIFETIME = dt.timedelta(hours=1)


def pytest_configure() -> None:
    """Keep sync and async tests from leaking event loops into each other.

    looptime's pytest plugin asks the event loop policy for the current loop in every test, and
    in a sync test on the main thread, with no loop set yet, Python 3.11's policy quietly creates
    one. The next pytest-asyncio test replaces that loop without closing it, and its
    ResourceWarning (an error here) then fails whichever test is running when it is collected.
    With the loop explicitly unset, the policy raises instead of creating one, which the plugin
    expects.
    """
    asyncio.set_event_loop(None)


@pytest.fixture(scope="session")
def server_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedUrls]:
    redis_url = os.environ.get("DELTASTREAM_REDIS_URL")
    mongo_uri = os.environ.get("DELTASTREAM_MONGO_URI")
    if redis_url and mongo_uri:
        yield EmbeddedUrls(redis_url=redis_url, mongo_uri=mongo_uri)
        return
    data_dir: Path = tmp_path_factory.mktemp("servers")
    with embedded_servers(data_dir) as urls:
        yield urls


@pytest.fixture
def redis_client(server_urls: EmbeddedUrls) -> Iterator[redis.Redis]:
    client = bus.connect(server_urls.redis_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def mongo_client(server_urls: EmbeddedUrls) -> Iterator[pymongo.MongoClient[dict[str, Any]]]:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        server_urls.mongo_uri, tz_aware=True
    )
    yield client
    client.close()


@pytest.fixture
def mongo_db_name(mongo_client: pymongo.MongoClient[dict[str, Any]]) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    mongo_client.drop_database(name)


@pytest.fixture
def underlying() -> str:
    """A symbol no other test uses, so its streams are this test's own."""
    return f"T{uuid.uuid4().hex[:10].upper()}"


@pytest.fixture(scope="session")
def token_authority() -> TokenAuthority:
    return TokenAuthority.generate()


@pytest.fixture
def server_settings(
    server_urls: EmbeddedUrls, mongo_db_name: str, token_authority: TokenAuthority
) -> dict[str, Any]:
    """What every in-process gRPC server of a test is given: the test's servers and database,
    a free port on loopback, no metrics port, and the test session's token key."""
    return {
        "redis_url": server_urls.redis_url,
        "mongo_uri": SecretStr(server_urls.mongo_uri),
        "mongo_db": mongo_db_name,
        "grpc_host": "127.0.0.1",
        "grpc_port": 0,
        "metrics_port": 0,
        "auth_public_key": token_authority.public_pem,
    }


@dataclass(frozen=True)
class TokenAuthority:
    """Signs access tokens as the Auth service does, with a development key of the test session.

    A token is valid from the moment it is minted (never at import: a late test of a long
    session would get an expired one). Without a ``subject``, each token is a caller of its
    own, whose request budget no other test spends.
    """

    private_pem: SecretStr
    key: SigningKey
    audience: Audience

    @classmethod
    def generate(cls) -> TokenAuthority:
        defaults = TokenCheckSettings.model_fields
        audience = Audience(defaults["auth_issuer"].default, defaults["auth_audience"].default)
        pem = generate_development_key()
        return cls(pem, load_signing_key(pem), audience)

    @property
    def public_pem(self) -> str:
        public = self.key.private_key.public_key()
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode()

    def token(self, *roles: Role, subject: str | None = None) -> str:
        """A valid access token with ``roles`` (none at all when none are given)."""
        return self._sign(self.key, roles, subject)

    def metadata(self, *roles: Role, subject: str | None = None) -> Metadata:
        """The gRPC metadata of a call with a new token."""
        return bearer_metadata(self.token(*roles, subject=subject))

    def forged(self, *roles: Role, subject: str | None = None) -> str:
        """A token that names this authority's key but is signed by another one."""
        impostor = load_signing_key(generate_development_key()).private_key
        return self._sign(SigningKey(impostor, self.key.algorithm, self.key.key_id), roles, subject)

    def _sign(self, key: SigningKey, roles: tuple[Role, ...], subject: str | None) -> str:
        return issue_access_token(
            key,
            self.audience,
            subject=subject or f"tester-{uuid.uuid4().hex[:10]}",
            roles=frozenset(roles),
            session_id=uuid.uuid4().hex,
            now=dt.datetime.now(dt.UTC),
            lifetime=TOKEN_LIFETIME,
        )


def subject_of(metadata: Metadata) -> str:
    """The subject of the token in ``metadata`` (read, not verified)."""
    token = dict(metadata)["authorization"].removeprefix("Bearer ")
    subject: str = _claims(token)["sub"]
    return subject


def with_roles_rewritten(token: str, *roles: Role) -> str:
    """``token`` with its ``roles`` claim edited and its signature left as it was."""
    header, _, signature = token.split(".")
    claims = _claims(token)
    claims["roles"] = role_labels(roles)
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


_Fields = collections.namedtuple(
    "_Fields", ["method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"]
)


class _CallDetails(_Fields, grpc.ClientCallDetails):  # type: ignore[misc] # grpc is untyped
    """The details of a call, with other metadata."""


class _SendCredential(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """Adds a credential to the metadata of every call that carries none of its own."""

    def __init__(self, metadata: Metadata) -> None:
        self._metadata = metadata

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def _details(self, details: Any) -> Any:
        given = tuple(details.metadata or ())
        if any(name in {"authorization", "x-api-key"} for name, _ in given):
            return details
        return _CallDetails(
            details.method,
            details.timeout,
            (*given, *self._metadata),
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )


def authorized(channel: grpc.Channel, metadata: Metadata) -> grpc.Channel:
    """``channel`` sending ``metadata`` with every call that carries no credential of its own."""
    return grpc.intercept_channel(channel, _SendCredential(metadata))
