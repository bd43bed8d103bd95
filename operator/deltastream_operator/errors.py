"""The operator's errors: what went wrong with a MarketHoursScaler, with the fields to report it.

Handlers turn them into Kopf's outcomes and into status conditions: an ``InvalidSpecError`` is
permanent (``kopf.PermanentError``, condition reason ``InvalidSpec``); a missing target or a
failing API call is retried with back-off (condition ``Degraded``).
"""

from __future__ import annotations

from deltastream.errors import DeltaStreamError, InvalidArgumentError, NotFoundError


class InvalidSpecError(InvalidArgumentError):
    """The resource's spec cannot be scheduled; ``field`` is its path, e.g. ``sessions[1].end``."""


class UnknownCalendarError(InvalidSpecError):
    """The ``calendar`` names no exchange calendar that the holidays library knows."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(
            "calendar", f"unknown exchange calendar {name!r}; known: {', '.join(known)}"
        )
        self.name = name
        self.known = known


class TargetNotFoundError(NotFoundError):
    """The workload or the HPA that a scaler names does not exist (yet)."""

    def __init__(self, kind: str, namespace: str, name: str) -> None:
        super().__init__(f"{kind} {namespace}/{name}")
        self.kind = kind
        self.namespace = namespace
        self.name = name


class TargetMismatchError(DeltaStreamError):
    """The named HPA scales another workload than the scaler's target."""

    def __init__(self, hpa: str, expected: str, actual: str) -> None:
        super().__init__(f"HPA {hpa} scales {actual}, not {expected}")
        self.hpa = hpa
        self.expected = expected
        self.actual = actual


class KubernetesApiError(DeltaStreamError):
    """The Kubernetes API refused or failed a call that is worth retrying later."""

    def __init__(self, operation: str, status: int, reason: str) -> None:
        super().__init__(f"{operation}: HTTP {status} {reason}")
        self.operation = operation
        self.status = status
        self.reason = reason
