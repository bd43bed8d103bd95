"""The MarketHoursScaler operator: scales DeltaStream's enricher to the exchange's sessions.

A Kopf operator. The schedule is a pure function (``schedule.decide``) of the resource's spec
(``spec.parse_spec``), an exchange-holiday calendar (``calendar``) and an instant; the handlers
(``handlers``) apply its decision to an HPA's bounds or to a workload's scale subresource
(``scaling``), at each transition, and report it in status, Events and metrics.
"""

from __future__ import annotations

from deltastream_operator.schedule import Bounds, Decision, Phase, Schedule, decide
from deltastream_operator.spec import ScalerSpec, TargetRef, parse_spec

__all__ = [
    "Bounds",
    "Decision",
    "Phase",
    "ScalerSpec",
    "Schedule",
    "TargetRef",
    "decide",
    "parse_spec",
]
