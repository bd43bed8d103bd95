"""One WebSocket client that stops reading and one that reads, on the same chains: the reader
gets every new version as it is published, while what waits for the stalled client stays at
most one update per chain (the rest conflated away); once it reads again it gets the latest
state of each chain, not the backlog."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deltastream.auth import Role
from deltastream.gateway import create_app
from deltastream.gateway.live.session import LiveSession
from tests.integration.gateway.conftest import Platform, login
from tests.integration.gateway.feed import FeedClient, Message, feed
from tests.integration.gateway.servers import serve_app

pytestmark = pytest.mark.integration

ROUNDS = 100
SMALL_BUFFER = 4096
FIRST_SPOT = 24_000.0


@pytest.fixture(scope="module")
def small_buffers(platform: Platform) -> Platform:
    """The platform with a gateway of its own whose connections have small send buffers."""
    app = create_app(platform.settings)
    port = platform.servers.start(serve_app(app, send_buffer=SMALL_BUFFER))
    return replace(platform, url=f"http://127.0.0.1:{port}", app=app)


def session_of(platform: Platform, subject: str) -> LiveSession:
    sessions: set[LiveSession] = platform.app.state.live_sessions
    principals = {session: session.credentials.principal for session in list(sessions)}
    return next(s for s, p in principals.items() if p is not None and p.subject == subject)


def latest_of_each_chain(client: FeedClient, expiries: set[str], spot: float) -> list[Message]:
    """Chain messages until every chain has been seen at ``spot``."""
    received: list[Message] = []
    waiting = set(expiries)
    while waiting:
        message = client.receive()
        if message["type"] == "chain":
            received.append(message)
            if message["chain"]["spot"] == spot:
                waiting.discard(message["chain"]["expiry"])
    return received


def test_a_stalled_client_neither_delays_a_reader_nor_piles_up_updates(
    small_buffers: Platform, viewer_token: str
) -> None:
    platform = small_buffers
    stalled_user = platform.create_user(Role.VIEWER)
    stalled_token = login(platform.url, stalled_user)
    expiries = {expiry.isoformat() for expiry in platform.market.expiries}
    with (
        feed(platform, stalled_token, receive_buffer=SMALL_BUFFER, max_queue=1) as stalled,
        feed(platform, viewer_token) as reader,
    ):
        stalled.subscribe(platform.underlying)  # every expiry; then it reads no more
        reader.subscribe(platform.underlying, platform.expiry)
        version = reader.expect("chain")["chain"]["version"]
        for step in range(ROUNDS):
            platform.market.publish(spot=FIRST_SPOT + step)
            update = next_version(reader, version)
            assert update["chain"]["spot"] == FIRST_SPOT + step  # every version, in order
            version = update["chain"]["version"]
        outbox = session_of(platform, stalled_user).outbox
        assert outbox.pending_chains <= len(expiries)
        assert outbox.conflated > 0
        received = latest_of_each_chain(stalled, expiries, FIRST_SPOT + ROUNDS - 1)
        assert len(received) < ROUNDS * len(expiries) / 2


def next_version(client: FeedClient, version: int) -> Message:
    return client.expect("chain", lambda message: message["chain"]["version"] > version)
