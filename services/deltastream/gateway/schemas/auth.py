"""Auth: logging in and out, refreshing tokens, and who the caller is."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field

from deltastream.gateway.schemas.conversion import label_of
from deltastream.v1 import auth_pb2


class RoleLabel(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    VIEWER = "viewer"
    TRADER = "trader"
    ADMIN = "admin"


class CredentialLabel(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    ACCESS_TOKEN = "access_token"  # noqa: S105 - a label, not a secret
    API_KEY = "api_key"


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str


class RefreshToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str


class TokenPair(BaseModel):
    """Send the access token as ``Authorization: Bearer <access_token>``; refresh it before it
    expires, keeping only the newest refresh token (each is good for one use)."""

    access_token: str
    token_type: str = Field(description='Always "Bearer".')
    access_token_expires_in_seconds: int
    refresh_token: str
    refresh_token_expires_in_seconds: int
    roles: list[RoleLabel]


class Me(BaseModel):
    subject: str = Field(description="The user name, or the API key's service account.")
    roles: list[RoleLabel]
    credential: CredentialLabel


def _roles(values: list[int]) -> list[RoleLabel]:
    return [label_of(RoleLabel, auth_pb2.Role, value) for value in values]


def token_pair(message: auth_pb2.TokenPair) -> TokenPair:
    return TokenPair(
        access_token=message.access_token,
        token_type=message.token_type,
        access_token_expires_in_seconds=message.access_token_expires_in_seconds,
        refresh_token=message.refresh_token,
        refresh_token_expires_in_seconds=message.refresh_token_expires_in_seconds,
        roles=_roles(list(message.roles)),
    )


def me(message: auth_pb2.WhoAmIResponse) -> Me:
    return Me(
        subject=message.subject,
        roles=_roles(list(message.roles)),
        credential=label_of(CredentialLabel, auth_pb2.CredentialKind, message.credential),
    )
