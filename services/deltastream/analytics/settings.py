"""Settings of the Analytics service (``DELTASTREAM_*`` environment variables), with those of
the token checks every API makes (``TokenCheckSettings``: where the keys come from, the
issuer and audience, the request budget)."""

from __future__ import annotations

from pydantic import Field

from deltastream.auth import TokenCheckSettings


class AnalyticsSettings(TokenCheckSettings):
    grpc_host: str = Field(default="0.0.0.0", description="Interface the gRPC server binds.")  # noqa: S104
    grpc_port: int = Field(default=50054, ge=0, le=65535, description="0 picks a free port.")
    iv_history_max_samples: int = Field(
        default=100_000,
        gt=0,
        description="IV rank and percentile use at most this many of the newest stored ATM IVs.",
    )
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
