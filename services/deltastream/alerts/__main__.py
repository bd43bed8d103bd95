"""Run the Alerts service: ``python -m deltastream.alerts``.

The gRPC server runs on the event loop; the evaluator and the webhook deliverer (unless
``DELTASTREAM_EVALUATE=false``) each run in a thread with their own blocking clients.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import pymongo

from deltastream import bus
from deltastream.alerts.server import create_deliverer, create_evaluator, create_server
from deltastream.alerts.settings import AlertsSettings
from deltastream.runtime import start_service

log = logging.getLogger("deltastream.alerts")


async def serve(settings: AlertsSettings) -> None:
    stop = start_service("alerts", settings)
    running = await create_server(settings)
    log.info("alerts listening", extra={"port": running.port})
    workers: list[threading.Thread] = []
    mongo: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    redis_client = bus.connect(settings.redis_url)
    if settings.evaluate:
        db = mongo[settings.mongo_db]
        evaluator = create_evaluator(settings, db, redis_client)
        deliverer = create_deliverer(settings, db)
        workers = [
            threading.Thread(target=_or_stop, args=(stop, evaluator.run, stop), name="evaluator"),
            threading.Thread(
                target=_or_stop,
                args=(stop, deliverer.run, stop, settings.webhook_poll_seconds),
                name="webhooks",
            ),
        ]
    for worker in workers:
        worker.start()
    await asyncio.to_thread(stop.wait)
    await running.stop(settings.shutdown_grace_seconds)
    for worker in workers:
        worker.join()
    mongo.close()
    redis_client.close()
    log.info("alerts stopped")


def _or_stop(stop: threading.Event, work: Callable[..., None], *args: Any) -> None:
    """Run a worker; if it dies of an unexpected error, stop the process (and let its
    supervisor restart it) rather than serve the API with no evaluation behind it."""
    try:
        work(*args)
    except Exception:
        log.exception("a worker failed; stopping")
        stop.set()
        raise


def main() -> None:
    asyncio.run(serve(AlertsSettings()))


if __name__ == "__main__":
    main()
