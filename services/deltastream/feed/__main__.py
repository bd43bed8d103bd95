"""Run the feed: ``python -m deltastream.feed`` (synthetic market, or replay of a file)."""

from __future__ import annotations

import logging

from deltastream import bus
from deltastream.feed.publisher import TickPublisher
from deltastream.feed.runner import run_replay, run_synthetic
from deltastream.feed.settings import FeedSettings
from deltastream.runtime import start_service

log = logging.getLogger("deltastream.feed")


def main() -> None:
    settings = FeedSettings()
    stop = start_service("feed", settings)
    client = bus.connect(settings.redis_url)
    publisher = TickPublisher(client, settings.ticks_max_length)
    log.info("feed started", extra={"replay": str(settings.replay_path or "")})
    if settings.replay_path is not None:
        count = run_replay(settings, publisher, client, stop)
    else:
        count = run_synthetic(settings, publisher, stop)
    client.close()
    log.info("feed stopped", extra={"published": count})


if __name__ == "__main__":
    main()
