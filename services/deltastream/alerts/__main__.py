"""Run the Alerts service: ``python -m deltastream.alerts``.

The gRPC server runs on the event loop; the evaluator and the webhook deliverer (unless
``DELTASTREAM_EVALUATE=false``) each run in a thread with their own blocking clients.
"""

from __future__ import annotations

import asyncio
import logging
import threading
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
            threading.Thread(target=evaluator.run, args=(stop,), name="evaluator"),
            threading.Thread(
                target=deliverer.run, args=(stop, settings.webhook_poll_seconds), name="webhooks"
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


def main() -> None:
    asyncio.run(serve(AlertsSettings()))


if __name__ == "__main__":
    main()
