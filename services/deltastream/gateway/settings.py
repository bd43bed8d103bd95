"""Settings of the gateway (``DELTASTREAM_*`` environment variables).

The gateway checks tokens itself (``TokenCheckSettings``: the Auth service's key set, the
request budget) and calls the four gRPC services; it reads no database. Its Prometheus metrics
are served on its own HTTP port at ``/metrics``, and on ``metrics_port`` as well unless it is 0.
"""

from __future__ import annotations

from pydantic import Field

from deltastream.auth.settings import TokenCheckSettings


class GatewaySettings(TokenCheckSettings):
    http_host: str = Field(default="0.0.0.0", description="Interface the HTTP server binds.")  # noqa: S104
    http_port: int = Field(default=8000, ge=0, le=65535, description="0 picks a free port.")
    marketdata_target: str = Field(
        default="127.0.0.1:50051", description="host:port of the MarketData gRPC service."
    )
    alerts_target: str = Field(
        default="127.0.0.1:50053", description="host:port of the Alerts gRPC service."
    )
    analytics_target: str = Field(
        default="127.0.0.1:50054", description="host:port of the Analytics gRPC service."
    )
    call_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Deadline of every unary gRPC call the gateway makes."
    )
    websocket_max_chains: int = Field(
        default=64,
        gt=0,
        description="Chains one WebSocket may follow; bounds the updates it holds while slow.",
    )
    websocket_max_alerts: int = Field(
        default=100,
        gt=0,
        description="Alert events held for a slow WebSocket; the oldest is dropped beyond.",
    )
    websocket_auth_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a new WebSocket may take to authenticate."
    )
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
