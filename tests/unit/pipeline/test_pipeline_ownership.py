"""Which enricher replica owns which tick stream: every stream exactly one owner, evenly by the
chains they carry, the same answer on every replica."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deltastream.enricher.ownership import owned_streams

STREAMS = st.sets(st.from_regex(r"md\.ticks\.[A-Z]{1,8}", fullmatch=True), max_size=12)
REPLICAS = st.sets(st.from_regex(r"enricher-[a-z0-9]{1,6}", fullmatch=True), min_size=1, max_size=6)


@given(STREAMS, REPLICAS)
def test_every_stream_has_exactly_one_owner_and_the_load_is_even(
    streams: set[str], replicas: set[str]
) -> None:
    shares = {replica: owned_streams(streams, replicas, replica) for replica in replicas}
    owned = [stream for share in shares.values() for stream in share]
    assert sorted(owned) == sorted(streams)
    sizes = [len(share) for share in shares.values()]
    assert max(sizes) - min(sizes) <= 1


@given(STREAMS, REPLICAS, st.randoms())
def test_the_order_replicas_learn_things_in_does_not_matter(
    streams: set[str], replicas: set[str], shuffler: object
) -> None:
    me = min(replicas)
    seen_streams, seen_replicas = sorted(streams), sorted(replicas)
    shuffler.shuffle(seen_streams)  # type: ignore[attr-defined]
    shuffler.shuffle(seen_replicas)  # type: ignore[attr-defined]
    assert owned_streams(seen_streams, seen_replicas, me) == owned_streams(streams, replicas, me)


def test_a_replica_alone_owns_everything_even_before_its_heartbeat_is_seen() -> None:
    streams = ["md.ticks.NIFTY", "md.ticks.BANKNIFTY"]
    assert owned_streams(streams, [], "enricher-0") == sorted(streams)
    assert owned_streams(streams, ["enricher-1"], "enricher-0") == ["md.ticks.BANKNIFTY"]
    assert owned_streams(streams, ["enricher-0", "enricher-1"], "enricher-1") == ["md.ticks.NIFTY"]


WEIGHTS = st.dictionaries(
    st.from_regex(r"md\.ticks\.[A-Z]{1,8}", fullmatch=True), st.integers(0, 40), max_size=12
)


@given(STREAMS, REPLICAS, WEIGHTS)
def test_by_chains_every_stream_has_one_owner_and_no_replica_carries_a_stream_too_many(
    streams: set[str], replicas: set[str], weights: dict[str, int]
) -> None:
    shares = {replica: owned_streams(streams, replicas, replica, weights) for replica in replicas}
    owned = [stream for share in shares.values() for stream in share]
    assert sorted(owned) == sorted(streams)
    loads = [sum(max(weights.get(s, 1), 1) for s in share) for share in shares.values()]
    heaviest = max((max(weights.get(s, 1), 1) for s in streams), default=0)
    assert max(loads) - min(loads) <= heaviest  # the least loaded got the last stream dealt


@given(STREAMS, REPLICAS, WEIGHTS, st.randoms())
def test_by_chains_the_order_replicas_learn_things_in_does_not_matter(
    streams: set[str], replicas: set[str], weights: dict[str, int], shuffler: object
) -> None:
    me = max(replicas)
    seen_streams, seen_replicas = sorted(streams), sorted(replicas)
    shuffler.shuffle(seen_streams)  # type: ignore[attr-defined]
    shuffler.shuffle(seen_replicas)  # type: ignore[attr-defined]
    shuffled = dict(sorted(weights.items(), reverse=True))
    assert owned_streams(seen_streams, seen_replicas, me, shuffled) == owned_streams(
        streams, replicas, me, weights
    )


def test_the_index_with_most_expiries_gets_a_replica_of_its_own() -> None:
    streams = ["md.ticks.BANKNIFTY", "md.ticks.FINNIFTY", "md.ticks.NIFTY"]
    chains = {"md.ticks.NIFTY": 5, "md.ticks.BANKNIFTY": 2, "md.ticks.FINNIFTY": 2}
    replicas = ["enricher-0", "enricher-1"]

    assert owned_streams(streams, replicas, "enricher-0") == streams[0::2]  # by count: 2 + 5
    assert owned_streams(streams, replicas, "enricher-0", chains) == ["md.ticks.NIFTY"]
    assert owned_streams(streams, replicas, "enricher-1", chains) == streams[:2]
    assert owned_streams(streams, ["enricher-0"], "enricher-0", chains) == streams
