"""The rule a user asks for on the command line, as the ``RuleSpec`` Alerts expects: kinds by
their short names (``price``, ``pcr``, ``iv``, ``atm-iv``, ``iv-change``, ``max-pain-move``,
``oi-change``), one of ``--above``/``--below``/``--crosses`` for the direction and threshold,
and durations in seconds. The server validates the whole rule; this only translates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deltastream.cli.render_alerts import DIRECTION_NAMES, KIND_NAMES
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import market_pb2

KINDS = {name: kind for kind, name in KIND_NAMES.items()}
DIRECTIONS = {name: direction for direction, name in DIRECTION_NAMES.items()}
OPTION_TYPES = {"call": market_pb2.OPTION_TYPE_CALL, "put": market_pb2.OPTION_TYPE_PUT}


@dataclass(frozen=True, slots=True)
class RuleRequest:
    """A rule as given on the command line; ``None`` and empty mean not given."""

    underlying: str
    kind: str
    direction: str
    threshold: float
    expiry: str = ""
    strike: float | None = None
    option_type: str | None = None
    window: dt.timedelta | None = None
    cooldown: dt.timedelta | None = None
    webhook_url: str = ""
    description: str = ""


def rule_spec(request: RuleRequest) -> pb.RuleSpec:
    """The ``RuleSpec`` of ``request`` (unknown kind or direction names raise ``KeyError``)."""
    return pb.RuleSpec(
        kind=KINDS[request.kind],
        underlying=request.underlying,
        expiry=request.expiry,
        strike=request.strike or 0.0,
        option_type=_option_type(request.option_type),
        threshold=request.threshold,
        direction=DIRECTIONS[request.direction],
        window_seconds=request.window.total_seconds() if request.window else 0.0,
        cooldown_seconds=request.cooldown.total_seconds() if request.cooldown else 0.0,
        webhook_url=request.webhook_url,
        description=request.description,
    )


def _option_type(name: str | None) -> market_pb2.OptionType:
    return OPTION_TYPES[name] if name else market_pb2.OPTION_TYPE_UNSPECIFIED
