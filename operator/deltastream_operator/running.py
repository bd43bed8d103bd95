"""Running the operator: Kopf's settings, the handlers, peering, and the liveness endpoint.

``run`` is what ``python -m deltastream_operator`` runs, and what the integration tests run in
a thread against the Kubernetes emulator: the same code, given a config.
"""

from __future__ import annotations

import logging
import secrets
import threading

import kopf
from prometheus_client import CollectorRegistry

from deltastream_operator.config import OperatorConfig
from deltastream_operator.handlers import FINALIZER, OperatorContext, Timing, register
from deltastream_operator.metrics import OperatorMetrics

ANNOTATIONS_PREFIX = "deltastream.io"
_PRIORITY_RANGE = 1_000_000


def kopf_settings() -> kopf.OperatorSettings:
    """Kopf's settings: our finalizer and annotations; status left to the CRD's own schema."""
    settings = kopf.OperatorSettings()
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(
        prefix=ANNOTATIONS_PREFIX
    )
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=ANNOTATIONS_PREFIX, key="last-handled-configuration"
    )
    settings.posting.level = logging.WARNING
    settings.peering.stealth = True
    return settings


def peering_priority(config: OperatorConfig) -> int:
    """The configured priority, or a random one so that two replicas never tie (and both pause)."""
    if config.operator_priority is not None:
        return config.operator_priority
    return 1 + secrets.randbelow(_PRIORITY_RANGE)


def timing(config: OperatorConfig) -> Timing:
    return Timing(
        max_sleep=config.operator_max_sleep_seconds,
        retry_initial=config.operator_retry_seconds,
        retry_max=config.operator_retry_max_seconds,
    )


async def run(
    config: OperatorConfig,
    *,
    metrics_registry: CollectorRegistry,
    stop_flag: threading.Event | None = None,
    ready_flag: threading.Event | None = None,
) -> None:
    """Run the operator until stopped (by a signal in the main thread, or by ``stop_flag``)."""
    context = OperatorContext(
        metrics=OperatorMetrics(metrics_registry),
        timing=timing(config),
        namespaces=config.namespaces,
    )
    registry = kopf.OperatorRegistry()
    register(registry, context)
    namespaces = config.namespaces
    await kopf.operator(
        registry=registry,
        settings=kopf_settings(),
        clusterwide=not namespaces,
        namespaces=namespaces,
        standalone=config.operator_standalone,
        peering_name=None if config.operator_standalone else config.operator_peering,
        priority=peering_priority(config),
        liveness_endpoint=config.liveness_endpoint,
        stop_flag=stop_flag,
        ready_flag=ready_flag,
    )
