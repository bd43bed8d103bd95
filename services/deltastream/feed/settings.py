"""Settings of the feed (``DELTASTREAM_*`` environment variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from deltastream.settings import ServiceSettings


class FeedSettings(ServiceSettings):
    quotes_per_second: float = Field(default=2000.0, gt=0, description="Synthetic tick rate.")
    seed: int = Field(default=7, description="Seed of the synthetic market.")
    publish_interval_seconds: float = Field(
        default=0.05, gt=0, description="Ticks due are published in one round trip this often."
    )
    replay_path: Path | None = Field(
        default=None, description="Replay recorded ticks from this CSV/JSONL file instead."
    )
    replay_rate: float = Field(
        default=0.0, ge=0, description="Replay ticks/s; 0 = as fast as possible."
    )
    ticks_max_length: int = Field(
        default=5_000,
        gt=0,
        description=(
            "Cap of each md.ticks.* stream in entries (approximate MAXLEN); an entry is one"
            " release of the underlying: about 4 minutes of releases at the default interval."
        ),
    )
    dead_letter_max_length: int = Field(default=100_000, gt=0)
    max_ticks: int = Field(default=0, ge=0, description="Stop after this many ticks; 0 = never.")
