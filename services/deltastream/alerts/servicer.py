"""The Alerts gRPC servicer: validates, stores and reads rules and events, streams events."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, TypeAlias

import redis.asyncio

from deltastream import bus, validation
from deltastream.alerts import model, requests
from deltastream.alerts.queries import AlertQueries
from deltastream.errors import InvalidArgumentError
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import alerts_pb2_grpc as pb_grpc

Context: TypeAlias = Any  # grpc.aio.ServicerContext; grpcio ships no type information

RULES_PAGE_DEFAULT = 100
RULES_PAGE_MAX = 500
EVENTS_PAGE_DEFAULT = 100
EVENTS_PAGE_MAX = 1000
_STREAM_BLOCK_MS = 1000
_STREAM_BATCH = 100


@dataclass(frozen=True, slots=True)
class RulePolicy:
    """Service-wide choices applied to every new rule."""

    default_cooldown_seconds: float
    allow_private_webhooks: bool
    underlyings: frozenset[str] = frozenset()  # the evaluated ones; empty: any

    def check(self, spec: model.RuleSpec) -> model.RuleSpec:
        """``spec`` if its underlying is evaluated (a rule on another would never fire)."""
        underlying = spec.scope.underlying
        if self.underlyings and underlying not in self.underlyings:
            evaluated = ", ".join(sorted(self.underlyings))
            raise InvalidArgumentError(
                "rule.underlying", f"{underlying} is not evaluated here (only {evaluated})"
            )
        return spec


class AlertsServicer(pb_grpc.AlertsServicer):
    def __init__(
        self, queries: AlertQueries, events: redis.asyncio.Redis, policy: RulePolicy
    ) -> None:
        self._queries = queries
        self._events = events
        self._policy = policy

    async def CreateRule(
        self, request: pb.CreateRuleRequest, context: Context
    ) -> pb.CreateRuleResponse:
        owner = requests.owner()
        spec = self._policy.check(
            requests.rule_spec(
                request.rule,
                default_cooldown_seconds=self._policy.default_cooldown_seconds,
                allow_private_webhooks=self._policy.allow_private_webhooks,
            )
        )
        secret = secrets.token_urlsafe(32) if spec.webhook_url else ""
        rule = model.Rule(uuid.uuid4().hex, owner, spec, time.time_ns(), secret)
        await self._queries.create_rule(rule)
        return pb.CreateRuleResponse(rule=model.rule_message(rule), webhook_secret=secret)

    async def ListRules(
        self, request: pb.ListRulesRequest, context: Context
    ) -> pb.ListRulesResponse:
        owner = requests.owner()
        underlying = validation.underlying(request.underlying) if request.underlying else ""
        size = validation.page_size(
            request.page_size, default=RULES_PAGE_DEFAULT, maximum=RULES_PAGE_MAX
        )
        rules, token = await self._queries.rules(owner, underlying, size, request.page_token)
        return pb.ListRulesResponse(
            rules=[model.rule_message(rule) for rule in rules], next_page_token=token
        )

    async def DeleteRule(
        self, request: pb.DeleteRuleRequest, context: Context
    ) -> pb.DeleteRuleResponse:
        owner = requests.owner()
        await self._queries.delete_rule(owner, requests.rule_id(request.rule_id))
        return pb.DeleteRuleResponse()

    async def ListEvents(
        self, request: pb.ListEventsRequest, context: Context
    ) -> pb.ListEventsResponse:
        owner = requests.owner()
        filters = {}
        if request.rule_id:
            filters["rule_id"] = requests.rule_id(request.rule_id)
        if request.underlying:
            filters["underlying"] = validation.underlying(request.underlying)
        time_range = validation.time_range_ns(request.start_ns, request.end_ns)
        size = validation.page_size(
            request.page_size, default=EVENTS_PAGE_DEFAULT, maximum=EVENTS_PAGE_MAX
        )
        documents, token = await self._queries.events(
            owner, filters, time_range, size, request.page_token
        )
        return pb.ListEventsResponse(
            events=[model.event_message(document) for document in documents],
            next_page_token=token,
        )

    async def StreamEvents(
        self, request: pb.StreamEventsRequest, context: Context
    ) -> AsyncIterator[pb.AlertEvent]:
        owner = requests.owner()
        wanted = EventFilter(
            owner=owner,
            rule_ids=requests.rule_ids(request.rule_ids),
            underlyings=frozenset(
                validation.underlying(u, "underlyings") for u in request.underlyings
            ),
        )
        position = requests.stream_id(request.after_stream_id) or "$"
        while not bus.cancel_requested():
            reply: Any = await self._events.xread(
                {model.EVENTS_STREAM: position}, count=_STREAM_BATCH, block=_STREAM_BLOCK_MS
            )
            for _, entries in reply or []:
                for entry_id, fields in entries:
                    position = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    event = wanted.select(position, fields)
                    if event is not None:
                        yield event
        raise asyncio.CancelledError  # the caller went away; redis-py swallowed the news


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which entries of the event stream one StreamEvents call delivers."""

    owner: str
    rule_ids: frozenset[str]
    underlyings: frozenset[str]

    def select(self, position: str, fields: dict[bytes, bytes]) -> pb.AlertEvent | None:
        if fields.get(b"owner", b"").decode() != self.owner or b"event" not in fields:
            return None
        event = pb.AlertEvent.FromString(fields[b"event"])
        if self.rule_ids and event.rule_id not in self.rule_ids:
            return None
        if self.underlyings and event.underlying not in self.underlyings:
            return None
        event.stream_id = position
        return event
