"""Settings of the token checks every API makes, and of the Auth service itself.

``TokenCheckSettings`` is the base of the settings of any service that checks tokens (it adds
where the keys come from, the expected issuer and audience, and the request budget);
``AuthSettings`` adds what only the issuer needs. Nothing secret has a default: the signing key
and the bootstrap admin's password come from the environment (a Kubernetes Secret).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr, model_validator

from deltastream.auth.passwords import HashCost
from deltastream.auth.ratelimit import RateLimit
from deltastream.auth.tokens import Audience
from deltastream.settings import ServiceSettings


class TokenCheckSettings(ServiceSettings):
    auth_target: str = Field(
        default="127.0.0.1:50052", description="The Auth service, whose GetJwks gives the keys."
    )
    auth_public_key: str | None = Field(
        default=None,
        description="A PEM public key to verify with instead of fetching the key set.",
    )
    auth_issuer: str = Field(default="deltastream-auth", description="The tokens' 'iss'.")
    auth_audience: str = Field(default="deltastream", description="The tokens' 'aud'.")
    rate_limit_requests: int = Field(
        default=600, ge=1, description="Requests per caller and window, per service."
    )
    rate_limit_window_seconds: float = Field(default=60.0, gt=0)

    @property
    def audience(self) -> Audience:
        return Audience(self.auth_issuer, self.auth_audience)

    @property
    def rate_limit(self) -> RateLimit:
        return RateLimit(
            self.rate_limit_requests, dt.timedelta(seconds=self.rate_limit_window_seconds)
        )


class AuthSettings(TokenCheckSettings):
    grpc_host: str = Field(default="0.0.0.0", description="Interface the gRPC server binds.")  # noqa: S104
    grpc_port: int = Field(default=50052, ge=0, le=65535, description="0 picks a free port.")
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
    auth_private_key: SecretStr | None = Field(
        default=None, description="PEM private key (EC P-256 or Ed25519) that signs tokens."
    )
    auth_bootstrap_admin: str | None = Field(
        default=None, description="An admin user to create at start when no admin exists."
    )
    auth_bootstrap_password: SecretStr | None = Field(default=None)
    access_token_ttl_seconds: int = Field(default=300, ge=1, le=3600)
    refresh_token_ttl_seconds: int = Field(default=12 * 3600, ge=60)
    jwks_max_age_seconds: int = Field(default=300, ge=1, description="Verifiers' cache time.")
    login_attempts: int = Field(default=10, ge=1, description="Logins per user name and window.")
    login_window_seconds: float = Field(default=300.0, gt=0)
    password_time_cost: int = Field(default=3, ge=1, description="Argon2id passes.")
    password_memory_kib: int = Field(default=65_536, ge=8, description="Argon2id memory.")
    password_parallelism: int = Field(default=4, ge=1, description="Argon2id lanes.")

    @model_validator(mode="after")
    def _bootstrap_complete(self) -> AuthSettings:
        if (self.auth_bootstrap_admin is None) != (self.auth_bootstrap_password is None):
            raise ValueError("set both DELTASTREAM_AUTH_BOOTSTRAP_ADMIN and _PASSWORD, or neither")
        return self

    @property
    def hash_cost(self) -> HashCost:
        return HashCost(
            self.password_time_cost, self.password_memory_kib, self.password_parallelism
        )

    @property
    def access_token_lifetime(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.access_token_ttl_seconds)

    @property
    def refresh_token_lifetime(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.refresh_token_ttl_seconds)

    @property
    def login_limit(self) -> RateLimit:
        return RateLimit(self.login_attempts, dt.timedelta(seconds=self.login_window_seconds))
