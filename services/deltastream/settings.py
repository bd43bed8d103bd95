"""Connection settings shared by every service, read from ``DELTASTREAM_*`` variables.

Each service has its own settings class deriving from ``ServiceSettings``; it is built once in
the service's ``__main__`` and passed down, never read from a module-level global.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from deltastream.market.enrichment import ExpiryConvention


class ServiceSettings(BaseSettings):
    """What every DeltaStream process needs to reach the bus, the database and its scraper."""

    model_config = SettingsConfigDict(env_prefix="DELTASTREAM_", extra="forbid", frozen=True)

    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="The Redis/Valkey server of the streams."
    )
    mongo_uri: SecretStr = Field(
        default=SecretStr("mongodb://127.0.0.1:27017/"),
        description="The MongoDB server; may carry credentials, so it is never logged.",
    )
    mongo_db: str = Field(default="deltastream", description="The database name.")
    metrics_port: int = Field(
        default=9100, ge=0, le=65535, description="Port of the Prometheus /metrics endpoint."
    )
    metrics_host: str = Field(
        default="0.0.0.0",  # noqa: S104 - scraped by Prometheus from another pod
        description="Interface the /metrics endpoint binds.",
    )
    log_level: str = Field(default="INFO", description="Python logging level name.")
    expiry_timezone: str = Field(default="Asia/Kolkata", description="The exchange's time zone.")
    expiry_close: dt.time = Field(
        default=dt.time(15, 30), description="Options expire at this local time of their date."
    )

    def expiry_convention(self) -> ExpiryConvention:
        return ExpiryConvention(close=self.expiry_close, timezone=self.expiry_timezone)
