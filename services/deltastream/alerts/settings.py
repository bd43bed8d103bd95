"""Settings of the Alerts service (``DELTASTREAM_*`` environment variables), with those of
the token checks every API makes (``TokenCheckSettings``: where the keys come from, the
issuer and audience, the request budget)."""

from __future__ import annotations

import os
import socket

from pydantic import Field

from deltastream.auth import TokenCheckSettings


def _default_consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class AlertsSettings(TokenCheckSettings):
    grpc_host: str = Field(default="0.0.0.0", description="Interface the gRPC server binds.")  # noqa: S104
    grpc_port: int = Field(default=50053, ge=0, le=65535, description="0 picks a free port.")
    underlyings: list[str] = Field(
        default=["NIFTY", "BANKNIFTY", "FINNIFTY"],
        description="Underlyings evaluated (and accepted in new rules).",
    )
    evaluate: bool = Field(
        default=True,
        description="Run the evaluator and webhook deliveries here; exactly one process may.",
    )
    consumer_name: str = Field(default_factory=_default_consumer)
    batch_size: int = Field(default=500, gt=0, description="Updates read per stream per call.")
    block_ms: int = Field(default=1000, gt=0, description="How long a read waits for updates.")
    rules_refresh_seconds: float = Field(
        default=2.0, ge=0, description="How often the evaluator reloads the rules."
    )
    default_cooldown_seconds: float = Field(
        default=60.0, gt=0, description="Cool-down of rules created without one."
    )
    events_max_length: int = Field(default=100_000, gt=0, description="Cap of alerts.events.")
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_max_attempts: int = Field(default=6, gt=0)
    webhook_backoff_seconds: float = Field(
        default=1.0, gt=0, description="Wait before the second attempt; doubles after each."
    )
    webhook_backoff_max_seconds: float = Field(default=300.0, gt=0)
    webhook_poll_seconds: float = Field(default=0.5, gt=0)
    webhook_allow_private_addresses: bool = Field(
        default=False,
        description="Allow webhooks to loopback and private addresses (development only).",
    )
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
