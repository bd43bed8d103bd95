"""Settings of the command-line client (``DELTASTREAM_*`` environment variables); a flag on
the command line wins over the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ClientSettings(BaseSettings):
    # Ignore the other services' DELTASTREAM_* variables that share a developer's shell.
    model_config = SettingsConfigDict(env_prefix="DELTASTREAM_", extra="ignore", frozen=True)

    marketdata_target: str = Field(
        default="localhost:50051", description="host:port of the MarketData gRPC server."
    )
    marketdata_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long to wait for the server and for each call."
    )
    analytics_target: str = Field(
        default="localhost:50054", description="host:port of the Analytics gRPC server."
    )
    alerts_target: str = Field(
        default="localhost:50053", description="host:port of the Alerts gRPC server."
    )
    auth_target: str = Field(
        default="localhost:50052", description="host:port of the Auth gRPC server (login)."
    )
    user: str = Field(default="admin", description="Who `deltastream login` logs in.")
    api_key: SecretStr | None = Field(
        default=None,
        description="An API key (a service account's) to send instead of the login session.",
    )
