"""The alerts evaluator: reads the enriched streams as the consumer group ``alerts``, runs every
rule of the update's underlying, stores the events, then acknowledges.

At-least-once without double events: an event's id is derived from the rule and the chain
version that fired it, so a redelivered update (after a crash, or a republished version) finds
its event stored already. Rule states are stored before the entries are acknowledged, each
with the chain versions it has seen; a redelivered update at or below those is skipped for
that rule, so a replay can neither re-arm a rule nor fire it from a state it already left.
(Updates after the stored versions left the stored state as it was, so replaying them from
it changes nothing either.) The events collection is an outbox: whatever is stored but not
yet on the ``alerts.events`` stream is published on the next step, also after a restart.

One evaluator runs per platform: each rule's state depends on seeing its chain's updates in
order, which several consumers of one group would split between them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import google.protobuf.message
import pymongo.errors
import redis
import redis.exceptions
from pymongo.collection import Collection

from deltastream import bus
from deltastream.alerts import metrics, model
from deltastream.alerts.observing import ChainView, observe
from deltastream.alerts.rules import RuleState, step
from deltastream.v1 import market_pb2

log = logging.getLogger(__name__)

ALERTS_GROUP = "alerts"
_RETRY_DELAY_SECONDS = 1.0
_PUBLISH_BATCH = 500
_DUPLICATE_KEY = 11000

Document = dict[str, Any]


@dataclass
class LiveRule:
    """A rule as the evaluator runs it: its current state, the newest version seen of each
    chain (by expiry), and the state last stored."""

    rule: model.Rule
    state: RuleState
    seen: dict[str, int]
    stored: Document

    def is_new(self, chain: market_pb2.ChainSnapshot) -> bool:
        """Whether the rule has yet to see this version of the chain (and now has)."""
        if chain.version <= self.seen.get(chain.expiry, 0):
            return False
        self.seen[chain.expiry] = chain.version
        return True


class RuleBook:
    """The rules by underlying, reloaded from the database every ``refresh_seconds``; a rule
    that stays keeps its in-memory state (which includes the change kinds' window)."""

    def __init__(
        self,
        rules: Collection[Document],
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rules = rules
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._next_refresh = 0.0
        self._live: dict[str, LiveRule] = {}
        self._by_underlying: dict[str, list[LiveRule]] = {}

    def refresh(self, *, force: bool = False) -> None:
        now = self._clock()
        if not force and now < self._next_refresh:
            return
        self._next_refresh = now + self._refresh_seconds
        live: dict[str, LiveRule] = {}
        for document in self._rules.find({}, {"webhook_secret": 0}):
            kept = None if force else self._live.get(document["_id"])
            stored = document.get("state") or {}
            live[document["_id"]] = kept or LiveRule(
                model.rule_from_document(document),
                model.state_from_document(stored),
                dict(stored.get("seen") or {}),
                model.state_document(model.state_from_document(stored)),
            )
        self._live = live
        self._by_underlying = {}
        for item in live.values():
            self._by_underlying.setdefault(item.rule.spec.scope.underlying, []).append(item)
        metrics.RULES_LOADED.set(len(live))

    def of(self, underlying: str) -> list[LiveRule]:
        return self._by_underlying.get(underlying, [])

    def store_states(self) -> None:
        """Write the states that changed since they were last stored, with the versions seen."""
        for item in self._live.values():
            document = model.state_document(item.state)
            if document != item.stored:
                stored = {**document, "seen": dict(item.seen)}
                self._rules.update_one({"_id": item.rule.id}, {"$set": {"state": stored}})
                item.stored = document


class EventOutbox:
    """Stores events (a stored id is a no-op) and publishes the unpublished ones."""

    def __init__(
        self,
        events: Collection[Document],
        redis_client: redis.Redis,
        stream_max_length: int,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._events = events
        self._redis = redis_client
        self._max_length = stream_max_length
        self.clock = clock

    def store(self, documents: Sequence[Document]) -> int:
        """Insert new events; returns how many were new."""
        if not documents:
            return 0
        try:
            result = self._events.insert_many(list(documents), ordered=False)
            return len(result.inserted_ids)
        except pymongo.errors.BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != _DUPLICATE_KEY for error in errors):
                raise
            return int(exc.details.get("nInserted", 0))

    def publish_pending(self) -> int:
        """XADD the stored events not yet on the stream, then mark them published."""
        pending = list(
            self._events.find({"published": False}).sort("created_at_ns", 1).limit(_PUBLISH_BATCH)
        )
        if not pending:
            return 0
        pipe = self._redis.pipeline(transaction=False)
        for document in pending:
            fields = {
                "event": model.event_message(document).SerializeToString(),
                "owner": document["owner"],
                "rule_id": document["rule_id"],
            }
            pipe.xadd(
                model.EVENTS_STREAM,
                fields,  # type: ignore[arg-type]
                maxlen=self._max_length,
                approximate=True,
            )
        pipe.execute()
        ids = [document["_id"] for document in pending]
        self._events.update_many({"_id": {"$in": ids}}, {"$set": {"published": True}})
        metrics.EVENTS_PUBLISHED.inc(len(ids))
        return len(ids)


class AlertEvaluator:
    """Evaluates the rules on the enriched updates of a consumer group reader."""

    def __init__(
        self,
        reader: bus.ConsumerGroupReader,
        rules: RuleBook,
        outbox: EventOutbox,
        *,
        batch_size: int,
        block_ms: int,
    ) -> None:
        self._reader = reader
        self._rules = rules
        self._outbox = outbox
        self._batch_size = batch_size
        self._block_ms = block_ms

    def run(self, stop: threading.Event) -> None:
        """Evaluate until ``stop`` is set; transient faults are retried, not fatal."""
        while not stop.is_set():
            try:
                self.step()
            except (redis.exceptions.RedisError, pymongo.errors.PyMongoError):
                log.exception("alert evaluation failed; retrying from the pending entries")
                self._reader.replay_pending()
                self._rules.refresh(force=True)
                stop.wait(_RETRY_DELAY_SECONDS)

    def step(self) -> int:
        """Read, evaluate, store, acknowledge, publish; returns the entries handled."""
        self._rules.refresh()
        entries = self._reader.read(self._batch_size, self._block_ms)
        if entries:
            events = self.evaluate(entries)
            self._outbox.store(events)
            self._rules.store_states()
            self._reader.ack(entries)
        self._outbox.publish_pending()
        return len(entries)

    def evaluate(self, entries: Sequence[bus.StreamEntry]) -> list[Document]:
        """The events the entries fire, in stream order."""
        events: list[Document] = []
        for entry in entries:
            chain = _chain_of(entry)
            if chain is None:
                continue
            metrics.UPDATES_EVALUATED.inc()
            events.extend(self._fire(chain))
        return events

    def _fire(self, chain: market_pb2.ChainSnapshot) -> list[Document]:
        view = ChainView(chain)
        events = []
        for item in self._rules.of(chain.underlying):
            value = observe(item.rule.spec.scope, view)
            if value is None or not item.is_new(chain):
                continue
            item.state, firing = step(item.rule.spec.trigger, item.state, chain.timestamp_ns, value)
            if firing is not None:
                events.append(model.event_document(item.rule, chain, firing, self._outbox.clock()))
                metrics.EVENTS_FIRED.labels(item.rule.spec.scope.kind.name).inc()
        return events


def ensure_group_from_now(client: redis.Redis, streams: Sequence[str]) -> None:
    """Create the ``alerts`` group at the end of each stream: a new evaluator starts with the
    updates from now on, not with the history the stream still holds."""
    for stream in streams:
        try:
            client.xgroup_create(stream, ALERTS_GROUP, id="$", mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


def _chain_of(entry: bus.StreamEntry) -> market_pb2.ChainSnapshot | None:
    payload = entry.fields.get(b"chain")
    if payload is None:
        return None
    try:
        return market_pb2.ChainSnapshot.FromString(payload)
    except google.protobuf.message.DecodeError:
        log.warning("skipped an undecodable update", extra={"entry_id": entry.entry_id})
        return None
