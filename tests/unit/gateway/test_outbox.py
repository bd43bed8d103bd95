"""The per-connection outbox: the newest update per chain, oldest chain first, never a chain
going backwards, bounded chains and alerts, replies first."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deltastream.gateway.live.outbox import Outbox, Outgoing
from deltastream.gateway.live.protocol import Pong
from deltastream.v1 import alerts_pb2, market_data_pb2


def update(expiry: str, version: int, underlying: str = "NIFTY") -> market_data_pb2.ChainUpdate:
    chain_update = market_data_pb2.ChainUpdate(stream_id=f"{version}-0")
    chain_update.chain.underlying = underlying
    chain_update.chain.expiry = expiry
    chain_update.chain.version = version
    return chain_update


def event(number: int) -> alerts_pb2.AlertEvent:
    return alerts_pb2.AlertEvent(id=str(number), stream_id=f"{number}-0")


async def drain(outbox: Outbox) -> list[Outgoing]:
    taken = []
    while len(outbox):
        taken.append(await outbox.take())
    return taken


async def drain_chains(outbox: Outbox) -> list[market_data_pb2.ChainUpdate]:
    taken = await drain(outbox)
    chains = [item for item in taken if isinstance(item, market_data_pb2.ChainUpdate)]
    assert len(chains) == len(taken)
    return chains


@pytest.mark.asyncio
async def test_a_chain_keeps_only_its_newest_update_in_its_place() -> None:
    outbox = Outbox(max_chains=10, max_alerts=10)
    for version, expiry in [(1, "A"), (1, "B"), (2, "A"), (3, "A")]:
        outbox.offer_chain(update(expiry, version))
    taken = await drain_chains(outbox)
    assert [(u.chain.expiry, u.chain.version) for u in taken] == [("A", 3), ("B", 1)]
    assert outbox.conflated == 2


@pytest.mark.asyncio
async def test_a_chain_never_goes_backwards() -> None:
    outbox = Outbox(max_chains=10, max_alerts=10)
    outbox.offer_chain(update("A", 5))
    outbox.offer_chain(update("A", 4))  # older than the pending one
    assert [u.chain.version for u in await drain_chains(outbox)] == [5]
    outbox.offer_chain(update("A", 5))  # already sent
    outbox.offer_chain(update("A", 2))
    assert len(outbox) == 0


@pytest.mark.asyncio
async def test_chains_beyond_the_bound_wait_for_room() -> None:
    outbox = Outbox(max_chains=2, max_alerts=10)
    for expiry in "ABC":
        outbox.offer_chain(update(expiry, 1))
    assert outbox.pending_chains == 2
    assert outbox.chains_refused == 1


@pytest.mark.asyncio
async def test_alerts_are_kept_in_order_and_the_oldest_dropped_beyond_the_bound() -> None:
    outbox = Outbox(max_chains=2, max_alerts=3)
    for number in range(5):
        outbox.offer_alert(event(number))
    assert [e.id for e in await drain(outbox) if isinstance(e, alerts_pb2.AlertEvent)] == [
        "2",
        "3",
        "4",
    ]
    assert outbox.alerts_dropped == 2


@pytest.mark.asyncio
async def test_replies_go_first_then_alerts_then_chains() -> None:
    outbox = Outbox(max_chains=2, max_alerts=3)
    outbox.offer_chain(update("A", 1))
    outbox.offer_alert(event(1))
    outbox.reply(Pong())
    kinds = [type(item).__name__ for item in await drain(outbox)]
    assert kinds == ["Pong", "AlertEvent", "ChainUpdate"]


@pytest.mark.asyncio
async def test_retain_forgets_chains_no_longer_followed() -> None:
    outbox = Outbox(max_chains=4, max_alerts=3)
    outbox.offer_chain(update("A", 3))
    await outbox.take()
    outbox.offer_chain(update("B", 1))
    outbox.retain(lambda key: key[1] == "C")
    assert outbox.pending_chains == 0
    outbox.offer_chain(update("A", 1))  # "A" is followed anew: its old version is forgotten
    assert outbox.pending_chains == 1


@pytest.mark.asyncio
async def test_take_waits_for_an_offer() -> None:
    outbox = Outbox(max_chains=2, max_alerts=2)
    waiting = asyncio.create_task(outbox.take())
    await asyncio.sleep(0)
    assert not waiting.done()
    outbox.offer_chain(update("A", 1))
    taken = await asyncio.wait_for(waiting, 1)
    assert isinstance(taken, market_data_pb2.ChainUpdate) and taken.chain.expiry == "A"


@given(
    offers=st.lists(
        st.tuples(st.sampled_from("ABCD"), st.integers(min_value=0, max_value=50)), max_size=60
    )
)
def test_whatever_is_offered_the_pending_chains_are_bounded_and_newest(
    offers: list[tuple[str, int]],
) -> None:
    outbox = Outbox(max_chains=4, max_alerts=1)
    for expiry, version in offers:
        outbox.offer_chain(update(expiry, version))
    assert outbox.pending_chains <= 4
    taken = asyncio.run(drain_chains(outbox))
    newest = {expiry: max(v for e, v in offers if e == expiry) for expiry, _ in offers}
    assert {u.chain.expiry: u.chain.version for u in taken} == newest


def placed(expiry: str, version: int, stream_id: str) -> market_data_pb2.ChainUpdate:
    chain_update = update(expiry, version)
    chain_update.stream_id = stream_id
    return chain_update


@pytest.mark.asyncio
async def test_a_chain_sent_says_to_resume_before_an_older_one_still_waiting() -> None:
    """A's update (500-1) waits since before B's newer one (500-7) replaced B's in place; the
    client gets B first, and its resume position keeps A's update ahead of it."""
    outbox = Outbox(max_chains=10, max_alerts=10)
    outbox.upstream_resume_from = "600-0"
    outbox.offer_chain(placed("2026-12-01", 1, "500-0"))
    outbox.offer_chain(placed("2026-12-08", 1, "500-1"))
    outbox.offer_chain(placed("2026-12-01", 2, "500-7"))
    first = await outbox.take()
    assert isinstance(first, market_data_pb2.ChainUpdate)
    assert (first.stream_id, first.resume_from) == ("500-7", "500-0")
    second = await outbox.take()
    assert isinstance(second, market_data_pb2.ChainUpdate)
    assert second.resume_from == "600-0"  # nothing waits here: MarketData's own position


@pytest.mark.asyncio
async def test_no_resume_position_before_marketdata_gave_one_or_while_a_stored_chain_waits() -> (
    None
):
    outbox = Outbox(max_chains=10, max_alerts=10)
    outbox.offer_chain(placed("2026-12-01", 1, "500-0"))
    taken = await outbox.take()
    assert isinstance(taken, market_data_pb2.ChainUpdate) and taken.resume_from == ""
    outbox.upstream_resume_from = "700-0"
    outbox.offer_chain(placed("2026-12-01", 2, "650-0"))
    outbox.offer_chain(placed("2026-12-08", 3, ""))  # a stored chain
    taken = await outbox.take()
    assert isinstance(taken, market_data_pb2.ChainUpdate) and taken.resume_from == ""
