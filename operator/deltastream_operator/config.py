"""The operator's settings, from ``DELTASTREAM_*`` environment variables (built once in main)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OperatorConfig(BaseSettings):
    """Where the operator serves, how replicas of it coordinate, and where it reports."""

    model_config = SettingsConfigDict(env_prefix="DELTASTREAM_", extra="forbid", frozen=True)

    operator_namespaces: str = Field(
        default="",
        description="Comma-separated namespaces to serve; empty serves the whole cluster.",
    )
    operator_peering: str = Field(
        default="deltastream-operator",
        description="The Kopf peering object (ClusterKopfPeering cluster-wide, KopfPeering in "
        "each namespace otherwise) through which replicas agree that one of them acts.",
    )
    operator_standalone: bool = Field(
        default=False, description="Run without peering (a single replica, or development)."
    )
    operator_priority: int | None = Field(
        default=None,
        description="Peering priority; unset draws a random one, so that replicas differ and "
        "the highest acts while the others stand by.",
    )
    operator_health_host: str = Field(
        default="0.0.0.0",  # noqa: S104 - the kubelet probes the pod's address
        description="Address of Kopf's liveness endpoint.",
    )
    operator_health_port: int = Field(
        default=8080,
        ge=0,
        le=65535,
        description="Port of Kopf's liveness endpoint (/healthz); 0 serves none.",
    )
    operator_max_sleep_seconds: float = Field(
        default=3600.0, gt=0, description="Re-check a scaler at least this often."
    )
    operator_retry_seconds: float = Field(
        default=5.0, gt=0, description="First delay before retrying a failed scaler (doubles)."
    )
    operator_retry_max_seconds: float = Field(
        default=300.0, gt=0, description="Longest delay between retries of a failed scaler."
    )
    metrics_port: int = Field(
        default=9100, ge=0, le=65535, description="Port of the Prometheus /metrics endpoint."
    )
    log_level: str = Field(default="INFO", description="Python logging level name.")

    @property
    def namespaces(self) -> tuple[str, ...]:
        """The namespaces to serve; empty for the whole cluster."""
        return tuple(name.strip() for name in self.operator_namespaces.split(",") if name.strip())

    @property
    def liveness_endpoint(self) -> str | None:
        if not self.operator_health_port:
            return None
        return f"http://{self.operator_health_host}:{self.operator_health_port}/healthz"
