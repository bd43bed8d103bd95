"""Resuming the chain feed after a reconnect, over real connections to the gateway in front of
the real MarketData: a client that gives the ``resume_from`` of the last chain it received gets the
newest version of each chain that changed while it was away (the versions in between
conflated, never an older one after a newer one), not the stored chains; without a position a
subscribe starts from the stored chains as before; a malformed position is an error naming
the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from deltastream import bus
from tests.integration.gateway.conftest import Platform, bearer
from tests.integration.gateway.feed import FeedClient, Message, feed

pytestmark = pytest.mark.integration

FIELD = "chains_resume_from"


def stored_version(platform: Platform, token: str, expiry: str) -> int:
    reply = httpx.get(
        f"{platform.url}/api/v1/chains/{platform.underlying}",
        params={"expiry": expiry},
        headers=bearer(token),
    )
    reply.raise_for_status()
    version: int = reply.json()["version"]
    return version


def chains_until(client: FeedClient, spot: float, expiries: set[str]) -> list[Message]:
    """Chain messages until each of ``expiries`` has been seen at ``spot``."""
    received: list[Message] = []
    waiting = set(expiries)
    while waiting:
        message = client.expect("chain")
        received.append(message)
        if message["chain"]["spot"] == spot:
            waiting.discard(message["chain"]["expiry"])
    return received


def assert_never_backwards(messages: list[Message]) -> None:
    versions: dict[str, int] = {}
    for message in messages:
        chain = message["chain"]
        assert chain["version"] > versions.get(chain["expiry"], -1)
        versions[chain["expiry"]] = chain["version"]


def test_a_reconnecting_client_gets_the_newest_version_it_missed(
    platform: Platform, viewer_token: str
) -> None:
    expiry = {platform.expiry}
    with feed(platform, viewer_token) as client:
        client.subscribe(platform.underlying, platform.expiry)
        platform.market.publish(spot=24_110.0)
        last = chains_until(client, 24_110.0, expiry)[-1]
    assert last["resume_from"], "a live chain message says where to resume"
    platform.market.publish(spot=24_120.0)
    platform.market.publish(spot=24_130.0)  # two versions while nobody listens
    newest = stored_version(platform, viewer_token, platform.expiry)
    with feed(platform, viewer_token) as client:
        client.subscribe(platform.underlying, platform.expiry, **{FIELD: last["resume_from"]})
        missed = client.expect("chain")
        assert missed["chain"]["spot"] == 24_130.0
        assert missed["chain"]["version"] == newest
        assert missed["stream_id"], "replayed from the stream, not the stored chain"
        assert bus.stream_id(missed["stream_id"]) > bus.stream_id(last["resume_from"])
        platform.market.publish(spot=24_140.0)
        later = chains_until(client, 24_140.0, expiry)
    assert_never_backwards([missed, *later])
    assert all(message["chain"]["spot"] != 24_120.0 for message in later)


def test_every_chain_of_an_underlying_resumes(platform: Platform, viewer_token: str) -> None:
    expiries = {expiry.isoformat() for expiry in platform.market.expiries}
    with feed(platform, viewer_token) as client:
        client.subscribe(platform.underlying)
        platform.market.publish(spot=24_210.0)
        last = chains_until(client, 24_210.0, expiries)[-1]
    assert last["resume_from"], "a chain message says where to resume"
    platform.market.publish(spot=24_220.0)
    platform.market.publish(spot=24_230.0)
    newest = {expiry: stored_version(platform, viewer_token, expiry) for expiry in expiries}
    with feed(platform, viewer_token) as client:
        client.subscribe(platform.underlying, **{FIELD: last["resume_from"]})
        missed = [client.expect("chain") for _ in expiries]
    assert {message["chain"]["expiry"]: message["chain"]["version"] for message in missed} == (
        newest
    )
    assert all(message["chain"]["spot"] == 24_230.0 for message in missed)
    assert all(message["stream_id"] for message in missed), "replayed, not the stored chains"
    assert all(bus.stream_id(m["stream_id"]) > bus.stream_id(last["resume_from"]) for m in missed)


def test_without_a_position_a_subscribe_starts_from_the_stored_chain(
    platform: Platform, viewer_token: str
) -> None:
    platform.market.publish(spot=24_310.0)
    newest = stored_version(platform, viewer_token, platform.expiry)
    with feed(platform, viewer_token) as client:
        client.subscribe(platform.underlying, platform.expiry)
        stored = client.expect("chain")
    assert stored["stream_id"] == ""
    assert (stored["chain"]["version"], stored["chain"]["spot"]) == (newest, 24_310.0)


def test_a_position_older_than_the_stream_still_gets_the_latest_chain(
    platform: Platform, viewer_token: str
) -> None:
    platform.market.publish(spot=24_410.0)
    newest = stored_version(platform, viewer_token, platform.expiry)
    with feed(platform, viewer_token) as client:
        client.subscribe(platform.underlying, platform.expiry, **{FIELD: "1-0"})
        first = client.expect("chain")
    assert (first["chain"]["version"], first["chain"]["spot"]) == (newest, 24_410.0)


@pytest.mark.parametrize("malformed", ["$gt", "1764063001123", "1-2-3", "", {"$gt": ""}, 17])
def test_a_malformed_chain_position_is_an_error_naming_the_field(
    platform: Platform, viewer_token: str, malformed: Any
) -> None:
    with feed(platform, viewer_token) as client:
        client.expect("ready")
        client.send(type="subscribe", underlyings=[platform.underlying], **{FIELD: malformed})
        error = client.expect("error")
        assert (error["code"], error["field"]) == ("INVALID_ARGUMENT", FIELD)
        subscribed = client.subscribe(platform.underlying, platform.expiry)  # it carries on
        assert subscribed["subscriptions"] == [[platform.underlying, platform.expiry]]
        # the stored chain: MarketData's query for it is done before the client leaves
        assert client.expect("chain")["stream_id"] == ""
