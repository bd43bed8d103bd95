"""The Kopf handlers of MarketHoursScaler: validate, follow the schedule, restore on deletion.

One daemon per resource applies the current decision, then sleeps until its next transition
(or until the spec changes, or the operator stops): it acts at transitions, not by polling.
Create/resume/update handlers validate the spec (an invalid one fails permanently, with the
reason in status) and wake the daemon. The delete handler puts the off-hours bounds back. A
per-resource lock (in Kopf's per-object memo) keeps the daemon and the delete handler from
writing at the same time.

Handlers are module-level functions that take the operator's ``OperatorContext`` as a keyword;
``register`` binds it and registers them in a given Kopf registry, so that tests can run
several operators in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import kopf

from deltastream_operator import kube
from deltastream_operator import status as scaler_status
from deltastream_operator.calendar import exchange_calendar
from deltastream_operator.errors import (
    InvalidSpecError,
    KubernetesApiError,
    TargetMismatchError,
    TargetNotFoundError,
)
from deltastream_operator.kube import KubeApi
from deltastream_operator.metrics import OperatorMetrics
from deltastream_operator.scaling import Applied, apply_bounds
from deltastream_operator.schedule import Decision, decide
from deltastream_operator.spec import parse_spec

RESOURCE = (kube.GROUP, kube.VERSION, kube.PLURAL)
FINALIZER = "deltastream.io/markethoursscaler"
TARGET_NOT_FOUND = "TargetNotFound"
TARGET_MISMATCH = "HPATargetMismatch"
API_ERROR = "KubernetesApiError"
_MEMO_KEY = "markethoursscaler"

logger = logging.getLogger(__name__)


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Timing:
    """How long the daemon may sleep, and how it backs off after failures (seconds)."""

    max_sleep: float = 3600.0
    """Re-check at least this often, even with no transition in sight."""
    retry_initial: float = 5.0
    """The first delay after a failure; it doubles on each further failure."""
    retry_max: float = 300.0
    """The longest delay between retries."""


@dataclass
class OperatorContext:
    """What every handler shares: metrics, timings, the clock, and the API connection."""

    metrics: OperatorMetrics
    timing: Timing = field(default_factory=Timing)
    clock: Callable[[], datetime.datetime] = _utc_now
    namespaces: tuple[str, ...] = ()
    """The namespaces served; empty when the operator serves the whole cluster."""
    api: KubeApi | None = None

    def kube(self) -> KubeApi:
        if self.api is None:
            raise RuntimeError(
                "the Kubernetes API is not connected (the startup handler has not run)"
            )
        return self.api


@dataclass
class ScalerState:
    """Per-resource state shared by its daemon and its handlers (kept in Kopf's memo)."""

    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    recorded: scaler_status.Recorded | None = None
    failure: str | None = None
    failures: int = 0


def scaler_state(memo: kopf.Memo) -> ScalerState:
    state = memo.get(_MEMO_KEY)
    if not isinstance(state, ScalerState):
        state = ScalerState()
        memo[_MEMO_KEY] = state
    return state


def register(registry: kopf.OperatorRegistry, context: OperatorContext) -> None:
    """Register every handler, bound to ``context``, in ``registry``."""
    bound = functools.partial
    kopf.on.login(registry=registry, id="login")(login)
    kopf.on.startup(registry=registry, id="connect")(bound(connect, context=context))
    kopf.on.cleanup(registry=registry, id="disconnect")(bound(disconnect, context=context))
    validator = bound(validate, context=context)
    kopf.on.create(*RESOURCE, registry=registry, id="validate")(validator)
    kopf.on.resume(*RESOURCE, registry=registry, id="validate-resumed")(validator)
    kopf.on.update(*RESOURCE, field="spec", registry=registry, id="validate-updated")(validator)
    kopf.daemon(*RESOURCE, registry=registry, id="schedule", cancellation_timeout=10.0)(
        bound(follow_schedule, context=context)
    )
    kopf.on.delete(*RESOURCE, registry=registry, id="restore-off-hours")(
        bound(restore_off_hours, context=context)
    )


async def login(**_: Any) -> kopf.ConnectionInfo:
    """Kopf's credentials: the same ones, from the same place, as the operator's own client."""
    configuration = await kube.load_configuration()
    header = await configuration.get_api_key_with_prefix("BearerToken") or ""
    scheme, _space, token = header.rpartition(" ")
    ca_data = configuration.ca_cert_data
    return kopf.ConnectionInfo(
        server=configuration.host,
        ca_path=configuration.ssl_ca_cert,
        ca_data=ca_data.encode() if isinstance(ca_data, str) else ca_data,
        insecure=not configuration.verify_ssl,
        username=configuration.username or None,
        password=configuration.password or None,
        scheme=scheme or None,
        token=token or None,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
    )


async def connect(
    *, context: OperatorContext, settings: kopf.OperatorSettings, logger: kopf.Logger, **_: Any
) -> None:
    """Open the API connection; make sure the peering object exists, if peering is on."""
    context.api = await KubeApi.connect()
    peering = settings.peering
    if peering.standalone or not peering.mandatory:
        return
    for namespace in context.namespaces or (None,):
        where = namespace or "the cluster"
        try:
            if await context.api.ensure_peering(peering.name, namespace):
                logger.info("Created the peering object %s in %s.", peering.name, where)
        except (TargetNotFoundError, KubernetesApiError) as exc:
            logger.warning(
                "No peering object %s in %s (%s): waiting for one.", peering.name, where, exc
            )


async def disconnect(*, context: OperatorContext, **_: Any) -> None:
    if context.api is not None:
        await context.api.close()
        context.api = None


async def validate(
    *,
    context: OperatorContext,
    spec: kopf.Spec,
    meta: kopf.Meta,
    status: kopf.Status,
    patch: kopf.Patch,
    body: kopf.Body,
    memo: kopf.Memo,
    **_: Any,
) -> None:
    """Reject an invalid spec with its reason in status; wake the daemon on a valid one."""
    try:
        parse_spec(spec)
    except InvalidSpecError as exc:
        message = str(exc)
        patch.status.update(
            _failed_status(context, scaler_status.INVALID_SPEC, message, meta, status)
        )
        context.metrics.record_error(
            _namespace(meta), str(meta.get("name")), scaler_status.INVALID_SPEC
        )
        kopf.event(body, type="Warning", reason=scaler_status.INVALID_SPEC, message=message)
        raise kopf.PermanentError(f"invalid spec: {message}") from exc
    scaler_state(memo).wakeup.set()


async def follow_schedule(
    *,
    context: OperatorContext,
    body: kopf.Body,
    memo: kopf.Memo,
    stopped: kopf.DaemonStopped,
    **_: Any,
) -> None:
    """Apply the current decision, sleep until the next transition, and again, until stopped."""
    state = scaler_state(memo)
    while not stopped:
        state.wakeup.clear()
        delay = await reconcile(context, body, state, stopped)
        await _sleep(delay, state.wakeup, stopped)


async def reconcile(
    context: OperatorContext, body: kopf.Body, state: ScalerState, stopped: kopf.DaemonStopped
) -> float | None:
    """One pass: returns how long to sleep (None: until woken, as the spec is invalid)."""
    try:
        spec = parse_spec(body.spec)
    except InvalidSpecError:
        return None  # the validating handler has reported it; wait for a new spec
    async with state.lock:
        if stopped:
            return None
        now = context.clock()
        decision = decide(spec.schedule, exchange_calendar(spec.calendar), now)
        try:
            applied = await apply_bounds(
                context.kube(), _namespace(body.meta), spec, decision.bounds
            )
            await _report_decision(context, body, state, decision, applied, now)
        except (TargetNotFoundError, TargetMismatchError, KubernetesApiError) as exc:
            return await _report_failure(context, body, state, exc, now)
    return _seconds_until(decision.next_transition, now, context.timing.max_sleep)


async def restore_off_hours(
    *,
    context: OperatorContext,
    spec: kopf.Spec,
    body: kopf.Body,
    meta: kopf.Meta,
    memo: kopf.Memo,
    logger: kopf.Logger,
    **_: Any,
) -> None:
    """On deletion, put the target back to its off-hours bounds."""
    try:
        parsed = parse_spec(spec)
    except InvalidSpecError:
        logger.info("The spec was never valid: nothing was applied, nothing to restore.")
        return
    namespace, name = _namespace(meta), str(meta.get("name"))
    async with scaler_state(memo).lock:
        try:
            applied = await apply_bounds(
                context.kube(), namespace, parsed, parsed.schedule.off_hours
            )
        except (TargetNotFoundError, TargetMismatchError) as exc:
            logger.info("Nothing to restore: %s", exc)
            return
        except KubernetesApiError as exc:
            raise kopf.TemporaryError(str(exc), delay=context.timing.retry_initial) from exc
    bounds = parsed.schedule.off_hours
    message = f"off-hours {bounds.min_replicas}..{bounds.max_replicas} replicas via {applied.via}"
    kopf.event(body, type="Normal", reason="OffHoursRestored", message=message)
    context.metrics.forget(namespace, name)


async def _report_decision(
    context: OperatorContext,
    body: kopf.Body,
    state: ScalerState,
    decision: Decision,
    applied: Applied,
    now: datetime.datetime,
) -> None:
    namespace, name = _namespace(body.meta), str(body.meta.get("name"))
    previous = state.recorded or scaler_status.Recorded.from_status(body.status)
    current = scaler_status.Recorded.of(decision)
    transitioned = previous != current
    new_status = scaler_status.build_applied_status(
        decision,
        via=applied.via,
        transitioned=transitioned,
        now=now,
        generation=body.meta.get("generation"),
        previous=body.status,
    )
    if state.failure is not None or scaler_status.needs_update(new_status, body.status):
        await context.kube().patch_scaler_status(namespace, name, new_status)
    state.recorded, state.failure, state.failures = current, None, 0
    context.metrics.record_decision(namespace, name, decision)
    if transitioned:
        context.metrics.record_transition(namespace, name, decision.session)
        kopf.event(
            body, type="Normal", reason="Transition", message=_describe(previous, decision, applied)
        )
        logger.info("%s/%s: %s", namespace, name, _describe(previous, decision, applied))


async def _report_failure(
    context: OperatorContext,
    body: kopf.Body,
    state: ScalerState,
    exc: Exception,
    now: datetime.datetime,
) -> float:
    namespace, name = _namespace(body.meta), str(body.meta.get("name"))
    reason = _reason(exc)
    context.metrics.record_error(namespace, name, reason)
    if state.failure != reason:
        kopf.event(body, type="Warning", reason=reason, message=str(exc))
        with contextlib.suppress(TargetNotFoundError, KubernetesApiError):
            await context.kube().patch_scaler_status(
                namespace,
                name,
                _failed_status(context, reason, str(exc), body.meta, body.status, now),
            )
    state.failure = reason
    state.failures += 1
    timing = context.timing
    backoff: float = timing.retry_initial * 2.0 ** (state.failures - 1)
    return min(timing.retry_max, backoff)


def _failed_status(
    context: OperatorContext,
    reason: str,
    message: str,
    meta: Mapping[str, Any],
    previous: Mapping[str, Any],
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    return scaler_status.build_failed_status(
        reason,
        message,
        now=now or context.clock(),
        generation=meta.get("generation"),
        previous=previous,
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, TargetNotFoundError):
        return TARGET_NOT_FOUND
    if isinstance(exc, TargetMismatchError):
        return TARGET_MISMATCH
    return API_ERROR


def _describe(previous: scaler_status.Recorded | None, decision: Decision, applied: Applied) -> str:
    before = f"{previous.session} ({previous.phase})" if previous else "nothing applied"
    until = (
        f" until {scaler_status.format_time(decision.next_transition)}"
        if decision.next_transition
        else ""
    )
    return (
        f"{before} -> {decision.session} ({decision.phase.value}): "
        f"{decision.min_replicas}..{decision.max_replicas} replicas via {applied.via}{until}"
    )


def _seconds_until(
    instant: datetime.datetime | None, now: datetime.datetime, longest: float
) -> float:
    if instant is None:
        return longest
    return min(longest, max(0.0, (instant - now).total_seconds()))


async def _sleep(delay: float | None, wakeup: asyncio.Event, stopped: kopf.DaemonStopped) -> None:
    """Sleep for ``delay`` seconds (None: forever) or until woken up or stopped."""
    waiters = {
        asyncio.ensure_future(wakeup.wait()),
        asyncio.ensure_future(stopped.wait()),
    }
    try:
        await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _namespace(meta: Mapping[str, Any]) -> str:
    return str(meta.get("namespace"))
