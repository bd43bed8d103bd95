"""The WebSocket feed over real connections: authentication by message or subprotocol,
refusals with their close codes, subscriptions, live chain updates in version order, alert
events of the caller's rules, and resuming the alert stream after a reconnect."""

from __future__ import annotations

import datetime as dt

import grpc
import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from deltastream.auth import Role, bearer_metadata
from deltastream.auth.tokens import Audience, issue_access_token
from deltastream.v1 import auth_pb2, auth_pb2_grpc
from tests.integration.gateway.conftest import Platform, bearer
from tests.integration.gateway.feed import feed

pytestmark = pytest.mark.integration


def test_a_subscriber_gets_the_stored_chain_then_each_new_version(
    platform: Platform, viewer_token: str
) -> None:
    with feed(platform, viewer_token) as client:
        ready = client.expect("ready")
        assert ready["roles"] == ["viewer"]
        subscribed = client.subscribe(platform.underlying, platform.expiry)
        assert subscribed["subscriptions"] == [[platform.underlying, platform.expiry]]
        stored = client.expect("chain")["chain"]
        assert (stored["underlying"], stored["expiry"]) == (platform.underlying, platform.expiry)
        platform.market.publish(spot=24_050.0)
        live = client.expect("chain", lambda m: m["chain"]["version"] > stored["version"])
        assert live["stream_id"]
        assert live["chain"]["spot"] == 24_050.0
        assert live["chain"]["expiry"] == platform.expiry  # only the expiry subscribed


def test_a_subscription_to_an_underlying_covers_every_expiry(
    platform: Platform, viewer_token: str
) -> None:
    with feed(platform, viewer_token) as client:
        client.subscribe(platform.underlying)
        expiries = {client.expect("chain")["chain"]["expiry"] for _ in range(2)}
        assert expiries == {expiry.isoformat() for expiry in platform.market.expiries}


def test_the_token_may_travel_as_a_subprotocol(platform: Platform, viewer_token: str) -> None:
    protocols = ["deltastream.v1", f"bearer.{viewer_token}"]
    with feed(platform, subprotocols=protocols) as client:
        assert client.connection.subprotocol == "deltastream.v1"
        assert client.expect("ready")["roles"] == ["viewer"]


def test_a_desks_api_key_may_follow_chains(platform: Platform) -> None:
    with grpc.insecure_channel(platform.auth_target) as channel:
        stub = auth_pb2_grpc.AuthStub(channel)  # type: ignore[no-untyped-call]
        created = stub.CreateApiKey(
            auth_pb2.CreateApiKeyRequest(name="desk-feed", roles=[auth_pb2.ROLE_VIEWER]),
            metadata=bearer_metadata(platform.admin_token),
            timeout=10,
        )
    with feed(platform) as client:
        client.send(type="auth", api_key=created.key)
        assert client.expect("ready")["subject"] == "desk-feed"
        client.subscribe(platform.underlying, platform.expiry)
        assert client.expect("chain")["chain"]["underlying"] == platform.underlying


def test_unsubscribing_leaves_the_other_subscriptions(
    platform: Platform, viewer_token: str
) -> None:
    first, second = (expiry.isoformat() for expiry in platform.market.expiries)
    with feed(platform, viewer_token) as client:
        client.subscribe(platform.underlying, first, second)
        client.send(type="unsubscribe", underlyings=[platform.underlying], expiries=[first])
        left = client.expect("subscribed")["subscriptions"]
        assert left == [[platform.underlying, second]]
        client.send(type="unsubscribe", underlyings=[platform.underlying])
        assert client.expect("subscribed")["subscriptions"] == []


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "subscribe", "underlyings": ["not a symbol"]}, "underlyings"),
        ({"type": "subscribe", "underlyings": ["X"], "expiries": ["tomorrow"]}, "expiries"),
        ({"type": "subscribe", "underlyings": [{"$gt": ""}]}, "underlyings.0"),
        ({"type": "subscribe", "underlyings": ["X"], "resume_from": "$gt"}, "resume_from"),
        ({"type": "launch"}, None),
    ],
)
def test_a_bad_message_is_answered_with_an_error_naming_the_field(
    platform: Platform, viewer_token: str, message: dict[str, object], field: str | None
) -> None:
    with feed(platform, viewer_token) as client:
        client.expect("ready")
        client.send(**message)
        error = client.expect("error")
        assert (error["code"], error["field"]) == ("INVALID_ARGUMENT", field)
        client.send(type="ping")
        client.expect("pong")  # the connection carries on


def position(stream_id: str) -> tuple[int, int]:
    milliseconds, sequence = stream_id.split("-")
    return int(milliseconds), int(sequence)


def close_code(client_messages: list[dict[str, object]], platform: Platform) -> int:
    with feed(platform) as client:
        for message in client_messages:
            client.send(**message)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                client.receive()
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code


def test_a_bad_token_is_closed_with_4401(platform: Platform) -> None:
    assert close_code([{"type": "auth", "token": "not-a-token"}], platform) == 4401


def test_a_first_message_that_is_not_auth_is_closed_with_4401(platform: Platform) -> None:
    assert close_code([{"type": "subscribe", "underlyings": ["X"]}], platform) == 4401


def test_no_authentication_in_time_is_closed_with_4408(platform: Platform) -> None:
    assert close_code([], platform) == 4408


def test_a_connection_closes_when_its_token_expires(platform: Platform) -> None:
    username = platform.create_user(Role.VIEWER)
    settings = platform.settings
    token = issue_access_token(
        platform.signing_key,
        Audience(settings.auth_issuer, settings.auth_audience),
        subject=username,
        roles=frozenset({Role.VIEWER}),
        session_id="",
        now=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=298),
        lifetime=dt.timedelta(seconds=300),  # two seconds left
    )
    with feed(platform, token) as client:
        client.expect("ready")
        error = client.expect("error")
        assert (error["code"], error["message"]) == ("UNAUTHENTICATED", "access token expired")
        with pytest.raises(ConnectionClosed) as closed:
            client.receive()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_alert_events_arrive_and_resume_after_a_reconnect(
    platform: Platform, trader_token: str
) -> None:
    rule = {"kind": "price", "underlying": platform.underlying, "threshold": 30_000.0}
    rule.update(direction="above", cooldown_seconds=0.001)
    created = httpx.post(
        f"{platform.url}/api/v1/alerts/rules", json=rule, headers=bearer(trader_token)
    )
    assert created.status_code == 201
    with feed(platform, trader_token) as client:
        client.subscribe(platform.underlying)
        platform.market.publish(spot=30_100.0)  # crosses above
        first = client.expect("alert")["event"]
        assert first["rule_id"] == created.json()["rule"]["id"]
        assert first["value"] == 30_100.0
    platform.market.publish(spot=29_000.0)
    platform.market.publish(spot=30_200.0)  # crosses again while nobody listens
    with feed(platform, trader_token) as client:
        client.subscribe(platform.underlying, resume_from=first["stream_id"])
        missed = client.expect("alert")["event"]
        assert missed["value"] == 30_200.0
        assert position(missed["stream_id"]) > position(first["stream_id"])
    httpx.delete(
        f"{platform.url}/api/v1/alerts/rules/{created.json()['rule']['id']}",
        headers=bearer(trader_token),
    )
