"""Text for a terminal from Alerts replies: the caller's rules as a table, a created rule, and
one line per event as it fires. Pure functions of the messages, tested without a server."""

from __future__ import annotations

import datetime as dt
import math

from deltastream.cli.render import MISSING, strike_text, timestamp_text
from deltastream.cli.render_analytics import aligned_table
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import market_pb2

KIND_NAMES = {
    pb.RULE_KIND_PRICE: "price",
    pb.RULE_KIND_PCR: "pcr",
    pb.RULE_KIND_IV: "iv",
    pb.RULE_KIND_ATM_IV: "atm-iv",
    pb.RULE_KIND_IV_CHANGE: "iv-change",
    pb.RULE_KIND_MAX_PAIN_MOVE: "max-pain-move",
    pb.RULE_KIND_OI_CHANGE: "oi-change",
}
DIRECTION_NAMES = {
    pb.ALERT_DIRECTION_ABOVE: "above",
    pb.ALERT_DIRECTION_BELOW: "below",
    pb.ALERT_DIRECTION_CROSSES: "crosses",
}
OPTION_SUFFIXES = {market_pb2.OPTION_TYPE_CALL: "CE", market_pb2.OPTION_TYPE_PUT: "PE"}
_RULE_COLUMNS = ["id", "kind", "underlying", "expiry", "option", "condition", "window", "cooldown"]


def kind_name(kind: int) -> str:
    name: str = KIND_NAMES.get(kind, MISSING)  # type: ignore[call-overload]
    return name


def condition_text(spec: pb.RuleSpec) -> str:
    """``above 24500``: the direction and the threshold."""
    direction = DIRECTION_NAMES.get(spec.direction, MISSING)
    return f"{direction} {spec.threshold:g}"


def instrument_text(strike: float, option_type: int) -> str:
    """``24000 CE`` for an option, ``-`` for the chain or the underlying."""
    suffix = OPTION_SUFFIXES.get(option_type)  # type: ignore[call-overload]
    return f"{strike_text(strike)} {suffix}" if suffix else MISSING


def seconds_text(seconds: float) -> str:
    """A duration in the units the command line takes: ``90s``, ``5m``, ``2h``; ``-`` for 0."""
    if not math.isfinite(seconds) or seconds <= 0:
        return MISSING
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def rules_table(rules: list[pb.Rule]) -> list[str]:
    """One line per rule, with a header and a rule line; webhooks and descriptions at the end."""
    body = [
        [
            rule.id,
            kind_name(rule.spec.kind),
            rule.spec.underlying,
            rule.spec.expiry or MISSING,
            instrument_text(rule.spec.strike, rule.spec.option_type),
            condition_text(rule.spec),
            seconds_text(rule.spec.window_seconds),
            seconds_text(rule.spec.cooldown_seconds),
        ]
        for rule in rules
    ]
    lines = [line.rstrip() for line in aligned_table(_RULE_COLUMNS, body)]
    notes = [_note(rule.spec) for rule in rules]
    notes = [f"{rule.id}: {note}" for rule, note in zip(rules, notes, strict=True) if note]
    return [*lines, *(["", *notes] if notes else [])]


def created_text(reply: pb.CreateRuleResponse) -> str:
    """What was created, and the webhook secret, which is shown this once only."""
    spec = reply.rule.spec
    what = " ".join(
        part
        for part in (
            spec.underlying,
            spec.expiry,
            instrument_text(spec.strike, spec.option_type).replace(MISSING, ""),
            kind_name(spec.kind),
            condition_text(spec),
        )
        if part
    )
    lines = [f"created rule {reply.rule.id}: {what}"]
    if reply.webhook_secret:
        lines.append(f"webhook secret (shown only now): {reply.webhook_secret}")
    return "\n".join(lines)


def event_line(event: pb.AlertEvent, zone: dt.tzinfo) -> str:
    """The time of the observation, the underlying and expiry, the rule, and the message."""
    return (
        f"{timestamp_text(event.timestamp_ns, zone)}  {event.underlying:<10}"
        f" {event.expiry or MISSING:<10}  {kind_name(event.kind):<13} rule {event.rule_id}"
        f"  {event.message}"
    )


def _note(spec: pb.RuleSpec) -> str:
    """The description and the webhook of a rule, if it has them."""
    webhook = f"webhook {spec.webhook_url}" if spec.webhook_url else ""
    return "; ".join(part for part in (spec.description, webhook) if part)
