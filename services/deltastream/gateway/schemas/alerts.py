"""Alerts: rules (what a user asks to watch) and the events they fire."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field

from deltastream.gateway.schemas.conversion import finite, label_of, proto_value
from deltastream.gateway.schemas.market import OptionType
from deltastream.v1 import alerts_pb2, market_pb2


class RuleKind(enum.StrEnum):
    PRICE = "price"
    PCR = "pcr"
    IV = "iv"
    ATM_IV = "atm_iv"
    IV_CHANGE = "iv_change"
    MAX_PAIN_MOVE = "max_pain_move"
    OI_CHANGE = "oi_change"


class Direction(enum.StrEnum):
    ABOVE = "above"
    BELOW = "below"
    CROSSES = "crosses"


class RuleSpec(BaseModel):
    """What a rule watches; see docs/alerts.md for each kind's meaning."""

    model_config = ConfigDict(extra="forbid")

    kind: RuleKind
    underlying: str
    expiry: str = Field(default="", description="ISO date; required except for a price rule.")
    strike: float | None = Field(default=None, description="With option_type: one option.")
    option_type: OptionType | None = None
    threshold: float
    direction: Direction
    window_seconds: float = Field(default=0.0, description="Look-back of the change kinds.")
    cooldown_seconds: float = Field(default=0.0, description="0: the service's default.")
    webhook_url: str = Field(default="", description="Receives each event as a signed POST.")
    description: str = ""


class Rule(BaseModel):
    id: str
    owner: str
    spec: RuleSpec
    created_at_ns: int


class CreatedRule(BaseModel):
    rule: Rule
    webhook_secret: str = Field(description="Key of the webhook's signatures; shown only here.")


class RulePage(BaseModel):
    rules: list[Rule]
    next_page_token: str = Field(description="Empty on the last page.")


class AlertEvent(BaseModel):
    id: str
    rule_id: str
    kind: RuleKind
    underlying: str
    expiry: str
    strike: float | None
    option_type: OptionType | None
    direction: Direction
    threshold: float | None
    value: float | None
    reference_value: float | None
    timestamp_ns: int
    chain_version: int
    message: str
    stream_id: str = Field(description="Position in the event stream (streamed events only).")


class EventPage(BaseModel):
    events: list[AlertEvent]
    next_page_token: str = Field(description="Empty on the last page.")


def _option_type(value: int) -> OptionType | None:
    if value == market_pb2.OPTION_TYPE_CALL:
        return OptionType.CALL
    if value == market_pb2.OPTION_TYPE_PUT:
        return OptionType.PUT
    return None


def _option_type_value(option_type: OptionType | None) -> int:
    if option_type is None:
        return market_pb2.OPTION_TYPE_UNSPECIFIED
    return proto_value(market_pb2.OptionType, option_type)


def rule_spec_message(spec: RuleSpec) -> alerts_pb2.RuleSpec:
    return alerts_pb2.RuleSpec(
        kind=proto_value(alerts_pb2.RuleKind, spec.kind),  # type: ignore[arg-type]
        underlying=spec.underlying,
        expiry=spec.expiry,
        strike=spec.strike or 0.0,
        option_type=_option_type_value(spec.option_type),  # type: ignore[arg-type]
        threshold=spec.threshold,
        direction=proto_value(alerts_pb2.AlertDirection, spec.direction),  # type: ignore[arg-type]
        window_seconds=spec.window_seconds,
        cooldown_seconds=spec.cooldown_seconds,
        webhook_url=spec.webhook_url,
        description=spec.description,
    )


def rule_spec(message: alerts_pb2.RuleSpec) -> RuleSpec:
    return RuleSpec(
        kind=label_of(RuleKind, alerts_pb2.RuleKind, message.kind),
        underlying=message.underlying,
        expiry=message.expiry,
        strike=message.strike or None,
        option_type=_option_type(message.option_type),
        threshold=message.threshold,
        direction=label_of(Direction, alerts_pb2.AlertDirection, message.direction),
        window_seconds=message.window_seconds,
        cooldown_seconds=message.cooldown_seconds,
        webhook_url=message.webhook_url,
        description=message.description,
    )


def rule(message: alerts_pb2.Rule) -> Rule:
    return Rule(
        id=message.id,
        owner=message.owner,
        spec=rule_spec(message.spec),
        created_at_ns=message.created_at_ns,
    )


def created_rule(message: alerts_pb2.CreateRuleResponse) -> CreatedRule:
    return CreatedRule(rule=rule(message.rule), webhook_secret=message.webhook_secret)


def rule_page(message: alerts_pb2.ListRulesResponse) -> RulePage:
    return RulePage(
        rules=[rule(item) for item in message.rules], next_page_token=message.next_page_token
    )


def alert_event(message: alerts_pb2.AlertEvent) -> AlertEvent:
    return AlertEvent(
        id=message.id,
        rule_id=message.rule_id,
        kind=label_of(RuleKind, alerts_pb2.RuleKind, message.kind),
        underlying=message.underlying,
        expiry=message.expiry,
        strike=message.strike or None,
        option_type=_option_type(message.option_type),
        direction=label_of(Direction, alerts_pb2.AlertDirection, message.direction),
        threshold=finite(message.threshold),
        value=finite(message.value),
        reference_value=finite(message.reference_value),
        timestamp_ns=message.timestamp_ns,
        chain_version=message.chain_version,
        message=message.message,
        stream_id=message.stream_id,
    )


def event_page(message: alerts_pb2.ListEventsResponse) -> EventPage:
    return EventPage(
        events=[alert_event(item) for item in message.events],
        next_page_token=message.next_page_token,
    )
