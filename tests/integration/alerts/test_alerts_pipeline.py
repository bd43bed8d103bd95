"""Scripted prices through the real enricher and the alerts evaluator: exactly one event per
crossing, none twice on redelivery, streamed over gRPC, and posted to a webhook that fails
first and then receives a correctly signed body."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pymongo
import pytest
import redis

from deltastream import bus
from deltastream.alerts import model
from deltastream.alerts.evaluation import ALERTS_GROUP
from deltastream.alerts.server import create_evaluator
from deltastream.alerts.settings import AlertsSettings
from deltastream.v1 import alerts_pb2 as pb
from deltastream.v1 import alerts_pb2_grpc
from tests.conftest import Metadata
from tests.integration.alerts.conftest import Evaluation
from tests.integration.analytics.conftest import Market
from tests.integration.pipeline.chains import expiry_in

pytestmark = pytest.mark.integration

Stub = alerts_pb2_grpc.AlertsStub
TIMEOUT = 10.0
SECOND = 10**9
LEVEL = 24_100.0
# Up through the level, back down, up again; the touch at exactly the level counts as
# reaching it for CROSSES but is not above it for ABOVE.
PATH = [24_000, 24_050, 24_150, 24_200, 24_250, 24_050, 24_000, 24_100, 24_150, 24_300]
CROSSINGS_UP = [2, 7]  # CROSSES: up at 2, down at 5, up again (the touch) at 7
CROSSINGS = [2, 5, 7]
ABOVE = [2, 8]  # ABOVE: above at 2, re-armed at 5, above again at 8 (7 is only a touch)


def _price_rule(underlying: str, direction: int, cooldown: float, **fields: Any) -> pb.RuleSpec:
    return pb.RuleSpec(
        kind=pb.RULE_KIND_PRICE,
        underlying=underlying,
        threshold=LEVEL,
        direction=direction,  # type: ignore[arg-type]
        cooldown_seconds=cooldown,
        **fields,
    )


def _create(stub: Stub, metadata: Metadata, spec: pb.RuleSpec) -> pb.CreateRuleResponse:
    reply: pb.CreateRuleResponse = stub.CreateRule(
        pb.CreateRuleRequest(rule=spec), metadata=metadata, timeout=TIMEOUT
    )
    return reply


def _play(market: Market, evaluation: Evaluation, spots: list[int], start_ns: int) -> None:
    """One chain update per spot, 10 s apart in quote time, each evaluated as it comes."""
    expiry = expiry_in(7)
    for index, spot in enumerate(spots):
        market.publish(expiry, spot=float(spot), timestamp_ns=start_ns + 10 * SECOND * index)
        evaluation.drain()


def _events(stub: Stub, metadata: Metadata, rule_id: str) -> list[pb.AlertEvent]:
    reply = stub.ListEvents(pb.ListEventsRequest(rule_id=rule_id), metadata=metadata, timeout=10)
    return list(reply.events)


def test_a_scripted_price_path_fires_exactly_once_per_crossing(
    market: Market,
    evaluation: Evaluation,
    alerts: Stub,
    desk: Metadata,
    other_desk: Metadata,
    alerts_settings: AlertsSettings,
    mongo_db: pymongo.database.Database[dict[str, Any]],
    redis_client: redis.Redis,
) -> None:
    underlying = market.underlying
    crosses = _create(alerts, desk, _price_rule(underlying, pb.ALERT_DIRECTION_CROSSES, 1)).rule
    above = _create(alerts, desk, _price_rule(underlying, pb.ALERT_DIRECTION_ABOVE, 1)).rule
    # a 60 s cool-down swallows the round trip down (at 50 s) and up again (at 70 s)
    slow = _create(alerts, desk, _price_rule(underlying, pb.ALERT_DIRECTION_CROSSES, 60)).rule
    start_ns = time.time_ns()

    _play(market, evaluation, PATH, start_ns)

    def fired_at(rule_id: str) -> list[int]:
        return [
            (e.timestamp_ns - start_ns) // (10 * SECOND) for e in _events(alerts, desk, rule_id)
        ]

    assert fired_at(crosses.id) == CROSSINGS
    assert fired_at(above.id) == ABOVE
    assert fired_at(slow.id) == [2]
    first = _events(alerts, desk, crosses.id)[0]
    assert first.value == PATH[2]
    assert first.message == f"{underlying} price {PATH[2]} crossed across {LEVEL:g}"
    assert _events(alerts, other_desk, crosses.id) == []

    # redelivery: the group re-reads the whole stream in a new evaluator (state from the store)
    redis_client.xgroup_setid(bus.enriched_stream(underlying), ALERTS_GROUP, id="0")
    again = Evaluation(
        create_evaluator(alerts_settings, mongo_db, redis_client), evaluation.deliverer
    )
    assert again.drain() == len(PATH)
    assert fired_at(crosses.id) == CROSSINGS
    assert fired_at(above.id) == ABOVE
    assert mongo_db[model.EVENTS].count_documents({"published": False}) == 0


def test_events_are_streamed_to_their_owner_as_they_fire(
    market: Market,
    evaluation: Evaluation,
    alerts: Stub,
    desk: Metadata,
    other_desk: Metadata,
    redis_client: redis.Redis,
) -> None:
    rule = _create(alerts, desk, _price_rule(market.underlying, pb.ALERT_DIRECTION_CROSSES, 1)).rule
    _create(alerts, other_desk, _price_rule(market.underlying, pb.ALERT_DIRECTION_CROSSES, 1))
    newest: Any = redis_client.xrevrange(model.EVENTS_STREAM, count=1)
    start = newest[0][0].decode() if newest else "0-0"  # the stream's end before the path
    stream = alerts.StreamEvents(
        pb.StreamEventsRequest(underlyings=[market.underlying], after_stream_id=start),
        metadata=desk,
        timeout=30,
    )
    received: list[pb.AlertEvent] = []
    reader = threading.Thread(target=lambda: received.extend(_take(stream, len(CROSSINGS))))
    reader.start()

    _play(market, evaluation, PATH, time.time_ns())
    reader.join(20)
    stream.cancel()

    stored = _events(alerts, desk, rule.id)
    assert [e.id for e in received] == [e.id for e in stored]
    assert all(e.rule_id == rule.id and e.stream_id for e in received)
    resumed = alerts.StreamEvents(
        pb.StreamEventsRequest(after_stream_id=received[0].stream_id), metadata=desk, timeout=10
    )
    assert [e.id for e in _take(resumed, 2)] == [e.id for e in stored[1:3]]
    resumed.cancel()


def _take(stream: Iterator[pb.AlertEvent], count: int) -> list[pb.AlertEvent]:
    events = []
    for event in stream:
        events.append(event)
        if len(events) == count:
            break
    return events


@dataclass
class Hook:
    """A local HTTP endpoint that answers 500 to the first request and 200 after."""

    requests: list[tuple[Message, bytes]] = field(default_factory=list)  # headers: any case
    failures: int = 1
    url: str = ""


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((self.headers, body))
            status = 500 if len(state.requests) <= state.failures else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_webhook_is_retried_after_a_500_and_signed(
    market: Market,
    evaluation: Evaluation,
    alerts: Stub,
    desk: Metadata,
    hook: Hook,
    mongo_db: pymongo.database.Database[dict[str, Any]],
) -> None:
    created = _create(
        alerts,
        desk,
        _price_rule(market.underlying, pb.ALERT_DIRECTION_ABOVE, 1, webhook_url=hook.url),
    )
    _play(market, evaluation, PATH[:3], time.time_ns())  # one crossing, at the third update
    (event,) = _events(alerts, desk, created.rule.id)

    deadline = time.monotonic() + 10
    while len(hook.requests) < 2 and time.monotonic() < deadline:
        evaluation.deliverer.step()
        time.sleep(0.02)

    assert len(hook.requests) == 2  # the 500, then the retry
    headers, body = hook.requests[-1]
    expected = hmac.new(created.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-DeltaStream-Signature"] == f"sha256={expected}"
    assert headers["X-DeltaStream-Event"] == event.id
    assert hook.requests[0][1] == body
    posted = json.loads(body)
    assert (posted["id"], posted["rule_id"], posted["value"]) == (event.id, event.rule_id, 24_150)
    stored = mongo_db[model.EVENTS].find_one({"_id": event.id})
    assert stored is not None
    assert stored["webhook"]["state"] == model.WEBHOOK_DELIVERED
    assert stored["webhook"]["attempts"] == 2
    evaluation.deliverer.step()
    assert len(hook.requests) == 2  # delivered: never posted again
