"""Settings of the enricher (``DELTASTREAM_*`` environment variables)."""

from __future__ import annotations

import os
import socket

from pydantic import Field

from deltastream.settings import ServiceSettings


def _default_consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class EnricherSettings(ServiceSettings):
    underlyings: list[str] = Field(
        default=[],
        description="Underlyings whose tick streams this enricher consumes; empty: every "
        "md.ticks.* stream, discovered as it appears.",
    )
    discover_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often new tick streams are looked for."
    )
    consumer_name: str = Field(
        default_factory=_default_consumer,
        description="Name in the consumer group; the pod name in Kubernetes.",
    )
    batch_size: int = Field(
        default=2000,
        gt=0,
        description="Ticks read per stream per call, about: as many entries as hold that many.",
    )
    block_ms: int = Field(default=200, gt=0, description="How long a read waits for entries.")
    claim_idle_ms: int = Field(
        default=30_000, gt=0, description="Take over entries pending this long in a dead consumer."
    )
    claim_interval_seconds: float = Field(default=5.0, gt=0)
    ownership_ttl_seconds: float = Field(
        default=5.0, gt=0, description="A replica not heard from this long gives up its streams."
    )
    rebalance_interval_seconds: float = Field(
        default=1.0, gt=0, description="How often a replica renews its heartbeat and ownership."
    )
    store_interval_seconds: float = Field(
        default=0.25,
        ge=0,
        description="Least time between two writes of the latest chains: the batches in between "
        "are stored (and acknowledged) together, each chain's newest version once.",
    )
    risk_free_rate: float = Field(default=0.065, description="Continuously compounded rate.")
    snapshot_interval_seconds: float = Field(
        default=1.0, ge=0, description="At most one history snapshot per chain this often."
    )
    snapshot_retention_days: float = Field(default=7.0, gt=0)
    analytics_retention_days: float = Field(default=90.0, gt=0)
    enriched_max_length: int = Field(default=2000, gt=0, description="Cap of md.enriched.*")
    dead_letter_max_length: int = Field(default=100_000, gt=0, description="Cap of md.deadletter")
