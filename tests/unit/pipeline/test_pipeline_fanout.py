"""Conflation of live updates for one subscriber, and which updates a subscriber wants."""

from __future__ import annotations

import asyncio
import random

import pytest

from deltastream.marketdata.fanout import ConflatingBuffer, Interest
from deltastream.v1 import market_data_pb2, market_pb2

ALL = Interest(underlyings=frozenset({"NIFTY", "BANKNIFTY"}), expiries=frozenset())


def _update(underlying: str, expiry: str, version: int) -> market_data_pb2.ChainUpdate:
    return market_data_pb2.ChainUpdate(
        chain=market_pb2.ChainSnapshot(underlying=underlying, expiry=expiry, version=version),
        stream_id=f"{version}-0",
    )


async def _drain(buffer: ConflatingBuffer) -> list[tuple[str, str, int]]:
    """Everything pending, in the order ``take`` hands it out."""
    taken = []
    while len(buffer):
        update = await buffer.take()
        taken.append((update.chain.underlying, update.chain.expiry, update.chain.version))
    return taken


@pytest.mark.asyncio
async def test_only_the_newest_update_of_a_chain_is_kept() -> None:
    buffer = ConflatingBuffer(ALL)
    for version in (1, 3, 2):
        buffer.offer(_update("NIFTY", "2026-11-26", version))
    assert len(buffer) == 1
    assert buffer.conflated == 1  # 3 replaced 1; 2 was older than 3 and ignored
    assert await _drain(buffer) == [("NIFTY", "2026-11-26", 3)]


@pytest.mark.asyncio
async def test_an_update_of_the_same_version_is_ignored() -> None:
    buffer = ConflatingBuffer(ALL)
    first = _update("NIFTY", "2026-11-26", 4)
    buffer.offer(first)
    buffer.offer(_update("NIFTY", "2026-11-26", 4))
    assert buffer.conflated == 0
    assert await buffer.take() is first


@pytest.mark.asyncio
async def test_a_chain_never_goes_backwards_once_delivered() -> None:
    buffer = ConflatingBuffer(ALL)
    buffer.offer(_update("NIFTY", "2026-11-26", 5))
    assert (await buffer.take()).chain.version == 5
    buffer.offer(_update("NIFTY", "2026-11-26", 4))  # e.g. another replica, late
    buffer.offer(_update("NIFTY", "2026-11-26", 5))  # e.g. republished after a crash
    assert len(buffer) == 0
    buffer.offer(_update("NIFTY", "2026-11-26", 6))
    assert await _drain(buffer) == [("NIFTY", "2026-11-26", 6)]


def test_chains_are_kept_apart() -> None:
    buffer = ConflatingBuffer(ALL)
    buffer.offer(_update("NIFTY", "2026-11-26", 1))
    buffer.offer(_update("NIFTY", "2026-12-03", 1))
    buffer.offer(_update("BANKNIFTY", "2026-11-26", 1))
    assert len(buffer) == 3


@pytest.mark.asyncio
async def test_the_chain_waiting_longest_is_taken_first_with_its_newest_update() -> None:
    buffer = ConflatingBuffer(ALL)
    buffer.offer(_update("NIFTY", "2026-11-26", 1))
    buffer.offer(_update("BANKNIFTY", "2026-11-26", 7))
    buffer.offer(_update("NIFTY", "2026-11-26", 2))  # newer, but NIFTY has waited longest
    assert await _drain(buffer) == [("NIFTY", "2026-11-26", 2), ("BANKNIFTY", "2026-11-26", 7)]


@pytest.mark.asyncio
async def test_memory_is_bounded_by_the_number_of_chains() -> None:
    chains = [(u, e) for u in ("NIFTY", "BANKNIFTY") for e in ("2026-11-26", "2026-12-03")]
    chooser = random.Random(7)
    buffer = ConflatingBuffer(ALL)
    newest: dict[tuple[str, str], int] = {}
    for _ in range(10_000):
        underlying, expiry = chooser.choice(chains)
        version = chooser.randrange(1_000_000)
        buffer.offer(_update(underlying, expiry, version))
        newest[(underlying, expiry)] = max(version, newest.get((underlying, expiry), -1))
        assert len(buffer) <= len(chains)
    taken = await _drain(buffer)
    assert {(u, e): v for u, e, v in taken} == newest
    assert len(taken) == len(chains)


@pytest.mark.asyncio
async def test_take_waits_while_there_is_nothing() -> None:
    buffer = ConflatingBuffer(ALL)
    taking = asyncio.create_task(buffer.take())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not taking.done()
    update = _update("NIFTY", "2026-11-26", 1)
    buffer.offer(update)
    assert await asyncio.wait_for(taking, 10) is update
    assert len(buffer) == 0


@pytest.mark.asyncio
async def test_take_waits_again_once_drained() -> None:
    buffer = ConflatingBuffer(ALL)
    buffer.offer(_update("NIFTY", "2026-11-26", 1))
    await buffer.take()
    taking = asyncio.create_task(buffer.take())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not taking.done()
    buffer.offer(_update("NIFTY", "2026-11-26", 2))
    assert (await asyncio.wait_for(taking, 10)).chain.version == 2


@pytest.mark.parametrize(
    ("interest", "underlying", "expiry", "wanted"),
    [
        (Interest(frozenset({"NIFTY"}), frozenset()), "NIFTY", "2026-11-26", True),
        (Interest(frozenset({"NIFTY"}), frozenset()), "BANKNIFTY", "2026-11-26", False),
        (Interest(frozenset({"NIFTY"}), frozenset({"2026-11-26"})), "NIFTY", "2026-11-26", True),
        (Interest(frozenset({"NIFTY"}), frozenset({"2026-11-26"})), "NIFTY", "2026-12-03", False),
        (
            Interest(frozenset({"NIFTY"}), frozenset({"2026-11-26"})),
            "BANKNIFTY",
            "2026-11-26",
            False,
        ),
        (Interest(frozenset({"NIFTY", "FINNIFTY"}), frozenset()), "FINNIFTY", "2026-12-03", True),
        (Interest(frozenset(), frozenset()), "NIFTY", "2026-11-26", False),
        (Interest(frozenset({"NIFTY"}), frozenset()), "nifty", "2026-11-26", False),
    ],
)
def test_interest_matches(interest: Interest, underlying: str, expiry: str, wanted: bool) -> None:
    assert interest.matches(_update(underlying, expiry, 1)) is wanted


def _at(underlying: str, version: int, position: str) -> market_data_pb2.ChainUpdate:
    update = _update(underlying, "2026-11-26", version)
    update.stream_id = position
    return update


@pytest.mark.asyncio
async def test_the_resume_position_stays_before_an_older_chain_still_waiting() -> None:
    """A (1000-1) waits since before B (1000-5) was replaced by its newer update (1000-9),
    which keeps B's place in line; the subscriber takes B first. Resuming at B's 1000-9 would
    skip A; the position given is just before A's."""
    buffer = ConflatingBuffer(ALL, read_floor=lambda: "1000-9")
    buffer.offer(_at("BANKNIFTY", 1, "1000-0"))
    buffer.offer(_at("NIFTY", 1, "1000-1"))
    buffer.offer(_at("BANKNIFTY", 2, "1000-9"))  # conflated: BANKNIFTY's place is first
    delivery = await buffer.take_delivery()
    assert delivery.update.stream_id == "1000-9"
    assert delivery.resume_from == "1000-0"  # after it: NIFTY's 1000-1
    delivery = await buffer.take_delivery()
    assert delivery.resume_from == "1000-9"  # nothing waits: where the reader is


@pytest.mark.asyncio
async def test_the_resume_position_is_never_after_what_the_reader_has_not_read() -> None:
    floor = {"position": "990-3"}
    buffer = ConflatingBuffer(ALL, read_floor=lambda: floor["position"])
    buffer.offer(_at("NIFTY", 1, "995-0"))  # e.g. replayed: read from another stream
    assert (await buffer.take_delivery()).resume_from == "990-3"
    floor["position"] = "1200-0"
    buffer.offer(_at("NIFTY", 2, "1100-0"))
    buffer.offer(_at("BANKNIFTY", 2, "1000-0"))
    await buffer.take_delivery()  # NIFTY, first in line
    assert (await buffer.take_delivery()).resume_from == "1200-0"


@pytest.mark.asyncio
async def test_no_resume_position_while_a_stored_chain_is_still_to_come() -> None:
    buffer = ConflatingBuffer(ALL, read_floor=lambda: "1000-0")
    buffer.offer(_at("NIFTY", 3, "999-0"))
    buffer.offer(_at("BANKNIFTY", 7, ""))  # a stored chain: no position
    assert (await buffer.take_delivery()).resume_from == ""
    assert (await buffer.take_delivery()).resume_from == "1000-0"
    unknown = ConflatingBuffer(ALL)  # the reader's position in a stream is not known yet
    unknown.offer(_at("NIFTY", 1, "5-0"))
    assert (await unknown.take_delivery()).resume_from == ""


@pytest.mark.asyncio
async def test_the_position_before_the_first_of_a_millisecond_is_the_previous_one() -> None:
    buffer = ConflatingBuffer(ALL, read_floor=lambda: "2000-0")
    buffer.offer(_at("NIFTY", 1, "1500-4"))
    buffer.offer(_at("BANKNIFTY", 1, "1500-0"))
    await buffer.take_delivery()
    assert (await buffer.take_delivery()).resume_from == "2000-0"
    buffer.offer(_at("NIFTY", 2, "1800-0"))
    buffer.offer(_at("BANKNIFTY", 2, "1700-0"))
    assert (await buffer.take_delivery()).resume_from == f"1699-{2**64 - 1}"
