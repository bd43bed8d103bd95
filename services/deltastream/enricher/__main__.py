"""Run the enricher: ``python -m deltastream.enricher``."""

from __future__ import annotations

import datetime as dt
import logging

import pymongo

from deltastream import bus, store
from deltastream.enricher.ownership import Membership
from deltastream.enricher.processing import Enricher, EnrichmentParameters
from deltastream.enricher.service import EnricherLoop
from deltastream.enricher.settings import EnricherSettings
from deltastream.runtime import start_service

log = logging.getLogger("deltastream.enricher")


def main() -> None:
    settings = EnricherSettings()
    stop = start_service("enricher", settings)
    redis_client = bus.connect(settings.redis_url)
    mongo: pymongo.MongoClient[store.Document] = pymongo.MongoClient(
        settings.mongo_uri.get_secret_value(), tz_aware=True
    )
    db = mongo[settings.mongo_db]
    store.ensure_indexes(
        db,
        snapshot_retention=dt.timedelta(days=settings.snapshot_retention_days),
        analytics_retention=dt.timedelta(days=settings.analytics_retention_days),
    )
    parameters = EnrichmentParameters(
        risk_free_rate=settings.risk_free_rate,
        convention=settings.expiry_convention(),
        snapshot_interval_seconds=settings.snapshot_interval_seconds,
        enriched_max_length=settings.enriched_max_length,
        dead_letter_max_length=settings.dead_letter_max_length,
    )
    enricher = Enricher(redis_client, store.ChainStore(db), parameters)
    reader = bus.ConsumerGroupReader(
        redis_client,
        [bus.ticks_stream(underlying) for underlying in settings.underlyings],
        bus.ENRICHER_GROUP,
        settings.consumer_name,
    )
    loop = EnricherLoop(
        reader,
        enricher,
        batch_size=settings.batch_size,
        block_ms=settings.block_ms,
        claim_idle_ms=settings.claim_idle_ms,
        claim_interval_seconds=settings.claim_interval_seconds,
        discover_interval_seconds=(
            None if settings.underlyings else settings.discover_interval_seconds
        ),
        write_behind=True,
        store_interval_seconds=settings.store_interval_seconds,
        membership=Membership(redis_client, settings.consumer_name, settings.ownership_ttl_seconds),
        rebalance_interval_seconds=settings.rebalance_interval_seconds,
    )
    log.info("enricher started", extra={"consumer": settings.consumer_name})
    loop.run(stop)  # returns once the batches it prepared are stored and acknowledged
    enricher.close()
    mongo.close()
    redis_client.close()
    log.info("enricher stopped")


if __name__ == "__main__":
    main()
