"""The operator's Prometheus metrics: which session each scaler is in, its bounds, its changes.

One instance per operator, registered in the registry it is given (the process's default one
in production, a fresh one in tests), so that several operators can run in one process.
"""

from __future__ import annotations

import contextlib

from prometheus_client import CollectorRegistry, Counter, Gauge

from deltastream_operator.schedule import Decision

_LABELS = ("namespace", "name")


class OperatorMetrics:
    """Gauges of the current decision per scaler, counters of transitions and errors."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.active_session = Gauge(
            "deltastream_operator_active_session",
            "1 for the session (or off-hours) each MarketHoursScaler is in.",
            [*_LABELS, "session", "phase"],
            registry=registry,
        )
        self.bounds = Gauge(
            "deltastream_operator_bounds_replicas",
            "The replica bounds applied to each scaler's target.",
            [*_LABELS, "bound"],
            registry=registry,
        )
        self.next_transition = Gauge(
            "deltastream_operator_next_transition_timestamp_seconds",
            "When each scaler's bounds change next (Unix time).",
            _LABELS,
            registry=registry,
        )
        self.transitions = Counter(
            "deltastream_operator_transitions",
            "Moves of a scaler to another session or other bounds.",
            [*_LABELS, "session"],
            registry=registry,
        )
        self.errors = Counter(
            "deltastream_operator_errors",
            "Failures to apply a scaler, by reason.",
            [*_LABELS, "reason"],
            registry=registry,
        )
        self._sessions: dict[tuple[str, str], tuple[str, str]] = {}

    def record_decision(self, namespace: str, name: str, decision: Decision) -> None:
        """Set the gauges to what was just applied."""
        key = (namespace, name)
        current = (decision.session, decision.phase.value)
        previous = self._sessions.get(key)
        if previous is not None and previous != current:
            self.active_session.remove(namespace, name, *previous)
        self._sessions[key] = current
        self.active_session.labels(namespace, name, *current).set(1)
        self.bounds.labels(namespace, name, "min").set(decision.min_replicas)
        self.bounds.labels(namespace, name, "max").set(decision.max_replicas)
        if decision.next_transition is not None:
            self.next_transition.labels(namespace, name).set(decision.next_transition.timestamp())

    def record_transition(self, namespace: str, name: str, session: str) -> None:
        self.transitions.labels(namespace, name, session).inc()

    def record_error(self, namespace: str, name: str, reason: str) -> None:
        self.errors.labels(namespace, name, reason).inc()

    def forget(self, namespace: str, name: str) -> None:
        """Drop the gauges of a deleted scaler (counters stay, as Prometheus expects)."""
        previous = self._sessions.pop((namespace, name), None)
        if previous is not None:
            self.active_session.remove(namespace, name, *previous)
        for bound in ("min", "max"):
            self._remove(self.bounds, namespace, name, bound)
        self._remove(self.next_transition, namespace, name)

    @staticmethod
    def _remove(gauge: Gauge, *labels: str) -> None:
        with contextlib.suppress(KeyError):  # never set: nothing to drop
            gauge.remove(*labels)
