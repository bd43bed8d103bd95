"""Alert rules and events as stored in MongoDB, and their messages in the contract.

Collections:

- ``alert_rules``: ``_id`` = rule id (32 hex digits), the owner, the spec's fields, the webhook
  secret (never sent back after creation) and ``state``: the evaluator's memory of the rule
  (``side``, ``reference``, ``last_fired_ns``), so a restart neither fires a crossing again
  nor forgets one.
- ``alert_events``: ``_id`` = event id, derived from the rule and the chain version that fired
  it; ``published`` (written to the ``alerts.events`` stream yet?) and ``webhook`` (delivery
  state, attempts, next attempt) make this collection the outbox of both deliveries.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deltastream.alerts.observing import Scope
from deltastream.alerts.rules import Direction, Firing, RuleKind, RuleState, Trigger
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import market_pb2

RULES = "alert_rules"
EVENTS = "alert_events"
EVENTS_STREAM = "alerts.events"
NANOSECONDS = 10**9
WEBHOOK_NONE = "none"
WEBHOOK_PENDING = "pending"
WEBHOOK_DELIVERED = "delivered"
WEBHOOK_FAILED = "failed"

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A validated rule as a user asked for it."""

    scope: Scope
    direction: Direction
    threshold: float
    cooldown_seconds: float
    webhook_url: str = ""
    description: str = ""

    @property
    def trigger(self) -> Trigger:
        return Trigger(
            kind=self.scope.kind,
            direction=self.direction,
            threshold=self.threshold,
            window_ns=round(self.scope.window_seconds * NANOSECONDS),
            cooldown_ns=round(self.cooldown_seconds * NANOSECONDS),
        )


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    owner: str
    spec: RuleSpec
    created_at_ns: int
    webhook_secret: str = ""


def rule_document(rule: Rule) -> Document:
    scope, spec = rule.spec.scope, rule.spec
    return {
        "_id": rule.id,
        "owner": rule.owner,
        "kind": int(scope.kind),
        "underlying": scope.underlying,
        "expiry": scope.expiry,
        "strike": scope.strike,
        "option_type": scope.option_type,
        "window_seconds": scope.window_seconds,
        "direction": int(spec.direction),
        "threshold": spec.threshold,
        "cooldown_seconds": spec.cooldown_seconds,
        "webhook_url": spec.webhook_url,
        "webhook_secret": rule.webhook_secret,
        "description": spec.description,
        "created_at_ns": rule.created_at_ns,
        "state": state_document(RuleState()),
    }


def rule_from_document(document: Mapping[str, Any]) -> Rule:
    scope = Scope(
        kind=RuleKind(document["kind"]),
        underlying=document["underlying"],
        expiry=document.get("expiry", ""),
        strike=float(document.get("strike", 0.0)),
        option_type=int(document.get("option_type", 0)),
        window_seconds=float(document.get("window_seconds", 0.0)),
    )
    spec = RuleSpec(
        scope=scope,
        direction=Direction(document["direction"]),
        threshold=float(document["threshold"]),
        cooldown_seconds=float(document["cooldown_seconds"]),
        webhook_url=document.get("webhook_url", ""),
        description=document.get("description", ""),
    )
    return Rule(
        id=document["_id"],
        owner=document["owner"],
        spec=spec,
        created_at_ns=int(document["created_at_ns"]),
        webhook_secret=document.get("webhook_secret", ""),
    )


def rule_message(rule: Rule) -> pb.Rule:
    scope, spec = rule.spec.scope, rule.spec
    return pb.Rule(
        id=rule.id,
        owner=rule.owner,
        created_at_ns=rule.created_at_ns,
        spec=pb.RuleSpec(
            kind=int(scope.kind),  # type: ignore[arg-type]
            underlying=scope.underlying,
            expiry=scope.expiry,
            strike=scope.strike,
            option_type=scope.option_type,  # type: ignore[arg-type]
            threshold=spec.threshold,
            direction=int(spec.direction),  # type: ignore[arg-type]
            window_seconds=scope.window_seconds,
            cooldown_seconds=spec.cooldown_seconds,
            webhook_url=spec.webhook_url,
            description=spec.description,
        ),
    )


def state_document(state: RuleState) -> Document:
    """What of a rule's state survives a restart (not the change kinds' window)."""
    return {"side": state.side, "reference": state.reference, "last_fired_ns": state.last_fired_ns}


def state_from_document(document: Mapping[str, Any] | None) -> RuleState:
    stored = document or {}
    return RuleState(
        side=stored.get("side"),
        reference=stored.get("reference"),
        last_fired_ns=stored.get("last_fired_ns"),
    )


def event_id(rule_id: str, underlying: str, expiry: str, chain_version: int) -> str:
    """The same rule fired by the same chain version always gives the same id."""
    text = f"{rule_id}|{underlying}|{expiry}|{chain_version}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def event_document(
    rule: Rule, chain: market_pb2.ChainSnapshot, firing: Firing, created_at_ns: int
) -> Document:
    scope, spec = rule.spec.scope, rule.spec
    return {
        "_id": event_id(rule.id, chain.underlying, chain.expiry, chain.version),
        "rule_id": rule.id,
        "owner": rule.owner,
        "kind": int(scope.kind),
        "underlying": chain.underlying,
        "expiry": chain.expiry,
        "strike": scope.strike,
        "option_type": scope.option_type,
        "direction": int(spec.direction),
        "threshold": spec.threshold,
        "value": firing.value,
        "reference_value": firing.reference_value,
        "timestamp_ns": chain.timestamp_ns,
        "chain_version": chain.version,
        "message": describe(rule, chain.underlying, firing),
        "created_at_ns": created_at_ns,
        "published": False,
        "webhook": {
            "state": WEBHOOK_PENDING if spec.webhook_url else WEBHOOK_NONE,
            "url": spec.webhook_url,
            "attempts": 0,
            "next_attempt_ns": created_at_ns,
            "last_error": "",
        },
    }


def event_message(document: Mapping[str, Any], stream_id: str = "") -> pb.AlertEvent:
    return pb.AlertEvent(
        id=document["_id"],
        rule_id=document["rule_id"],
        kind=document["kind"],
        underlying=document["underlying"],
        expiry=document["expiry"],
        strike=document["strike"],
        option_type=document["option_type"],
        direction=document["direction"],
        threshold=document["threshold"],
        value=_number(document["value"]),
        reference_value=_number(document["reference_value"]),
        timestamp_ns=document["timestamp_ns"],
        chain_version=document["chain_version"],
        message=document["message"],
        stream_id=stream_id,
    )


_WHAT = {
    RuleKind.PRICE: "price",
    RuleKind.PCR: "PCR",
    RuleKind.IV: "IV",
    RuleKind.ATM_IV: "ATM IV",
    RuleKind.IV_CHANGE: "IV change",
    RuleKind.MAX_PAIN_MOVE: "max pain",
    RuleKind.OI_CHANGE: "OI change %",
}
_VERB = {Direction.ABOVE: "above", Direction.BELOW: "below", Direction.CROSSES: "across"}


def describe(rule: Rule, underlying: str, firing: Firing) -> str:
    """A sentence for people, e.g. ``NIFTY price 24105 crossed above 24100``."""
    scope, spec = rule.spec.scope, rule.spec
    subject = underlying
    if scope.instrument:
        side = "C" if scope.option_type == market_pb2.OPTION_TYPE_CALL else "P"
        subject += f" {scope.expiry} {scope.strike:g}{side}"
    what = _WHAT[scope.kind]
    if scope.kind is RuleKind.MAX_PAIN_MOVE:
        return f"{subject} {what} moved from {firing.reference_value:g} to {firing.value:g}"
    return f"{subject} {what} {firing.value:.6g} crossed {_VERB[spec.direction]} {spec.threshold:g}"


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)
