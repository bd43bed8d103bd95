"""Settings of the MarketData service (``DELTASTREAM_*`` environment variables), with those of
the token checks every API makes (``TokenCheckSettings``: where the keys come from, the
issuer and audience, the request budget)."""

from __future__ import annotations

from pydantic import Field

from deltastream.auth import TokenCheckSettings


class MarketDataSettings(TokenCheckSettings):
    grpc_host: str = Field(default="0.0.0.0", description="Interface the gRPC server binds.")  # noqa: S104
    grpc_port: int = Field(default=50051, ge=0, le=65535, description="0 picks a free port.")
    underlyings: list[str] = Field(
        default=[],
        description="Underlyings whose enriched streams are read from the start; any other is "
        "read from its first subscriber on.",
    )
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
