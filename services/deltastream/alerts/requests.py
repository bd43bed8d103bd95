"""Validation of the Alerts requests: a rule spec, rule ids, stream positions; and the caller.

Every refusal is an ``InvalidArgumentError`` naming the field; whatever reaches a database
filter is a plain string or number of the expected shape. The caller, who owns rules and events,
is the authenticated principal, never something a request says about itself.
"""

from __future__ import annotations

import ipaddress
import math
import re
import urllib.parse
from collections.abc import Sequence
from typing import TypeVar

from deltastream import auth, validation
from deltastream.alerts.model import RuleSpec
from deltastream.alerts.observing import Scope
from deltastream.alerts.rules import Direction, RuleKind
from deltastream.errors import InvalidArgumentError
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import market_pb2

MAX_SECONDS = 86_400.0
MAX_DESCRIPTION = 200
MAX_URL = 2048

E = TypeVar("E", RuleKind, Direction)

_RULE_ID = re.compile(r"[0-9a-f]{32}")
_STREAM_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")
_CHAIN_KINDS = {RuleKind.PCR, RuleKind.ATM_IV, RuleKind.MAX_PAIN_MOVE}
_INSTRUMENT_KINDS = {RuleKind.IV}


def owner() -> str:
    """The caller, as rules and events are owned: the subject of the credential the token
    checks accepted (a user name, or an API key's service account)."""
    return auth.current_principal().subject


def rule_id(value: str, field: str = "rule_id") -> str:
    if not _RULE_ID.fullmatch(value):
        raise InvalidArgumentError(field, f"not a rule id: {value[:40]!r}")
    return value


def rule_ids(values: Sequence[str], field: str = "rule_ids") -> frozenset[str]:
    return frozenset(rule_id(value, field) for value in values)


def stream_id(value: str, field: str = "after_stream_id") -> str:
    """An entry id of the event stream (``<milliseconds>-<sequence>``); "" means now."""
    if value and not _STREAM_ID.fullmatch(value):
        raise InvalidArgumentError(field, f"not a stream position: {value[:40]!r}")
    return value


def rule_spec(
    spec: pb.RuleSpec, *, default_cooldown_seconds: float, allow_private_webhooks: bool
) -> RuleSpec:
    """A validated ``RuleSpec`` from the request's."""
    kind = _enum(RuleKind, spec.kind, "rule.kind")
    direction = _enum(Direction, spec.direction, "rule.direction")
    scope = Scope(
        kind=kind,
        underlying=validation.underlying(spec.underlying, "rule.underlying"),
        expiry=_expiry(kind, spec),
        strike=_strike(kind, spec),
        option_type=int(spec.option_type),
        window_seconds=_seconds(spec.window_seconds, "rule.window_seconds"),
    )
    if kind is RuleKind.IV_CHANGE and scope.window_seconds <= 0:
        raise InvalidArgumentError("rule.window_seconds", "an IV change needs a window")
    threshold = _finite(spec.threshold, "rule.threshold")
    if kind is RuleKind.MAX_PAIN_MOVE and threshold < 0:
        raise InvalidArgumentError("rule.threshold", "a max pain move must not be negative")
    cooldown = _seconds(spec.cooldown_seconds, "rule.cooldown_seconds")
    if len(spec.description) > MAX_DESCRIPTION:
        raise InvalidArgumentError("rule.description", f"at most {MAX_DESCRIPTION} characters")
    return RuleSpec(
        scope=scope,
        direction=direction,
        threshold=threshold,
        cooldown_seconds=cooldown or default_cooldown_seconds,
        webhook_url=webhook_url(spec.webhook_url, allow_private=allow_private_webhooks),
        description=spec.description,
    )


def _enum(kind: type[E], value: int, field: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidArgumentError(field, f"one of {[m.name for m in kind]} is required") from None


def _expiry(kind: RuleKind, spec: pb.RuleSpec) -> str:
    if spec.expiry:
        return validation.expiry(spec.expiry, "rule.expiry").isoformat()
    if kind is not RuleKind.PRICE or spec.strike:
        raise InvalidArgumentError("rule.expiry", f"{kind.name} rules watch one expiry's chain")
    return ""


def _strike(kind: RuleKind, spec: pb.RuleSpec) -> float:
    strike = _finite(spec.strike, "rule.strike")
    option_type = spec.option_type
    if strike < 0:
        raise InvalidArgumentError("rule.strike", "must be positive")
    if strike and kind in _CHAIN_KINDS:
        raise InvalidArgumentError("rule.strike", f"{kind.name} rules watch a whole chain")
    if not strike and kind in _INSTRUMENT_KINDS:
        raise InvalidArgumentError("rule.strike", f"{kind.name} rules watch one option")
    known = option_type in {market_pb2.OPTION_TYPE_CALL, market_pb2.OPTION_TYPE_PUT}
    if bool(strike) != known:
        raise InvalidArgumentError("rule.option_type", "give strike and option type together")
    return strike


def _finite(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise InvalidArgumentError(field, "must be a finite number")
    return value


def _seconds(value: float, field: str) -> float:
    if not (math.isfinite(value) and 0 <= value <= MAX_SECONDS):
        raise InvalidArgumentError(field, f"must be between 0 and {MAX_SECONDS:g} seconds")
    return value


def webhook_url(value: str, *, allow_private: bool, field: str = "rule.webhook_url") -> str:
    """An http(s) URL with a host; loopback, private and link-local addresses only when
    ``allow_private`` (a webhook must not reach into the cluster)."""
    if not value:
        return ""
    if len(value) > MAX_URL or not value.isascii():
        raise InvalidArgumentError(field, "not an http(s) URL")
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidArgumentError(field, "not an http(s) URL")
    if not allow_private and not public_host(parts.hostname):
        raise InvalidArgumentError(field, "webhooks to private addresses are not allowed")
    return value


def public_host(host: str) -> bool:
    """False for localhost and literal loopback, private, link-local or reserved addresses."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: checked again, resolved, when the webhook is delivered
    return address.is_global
