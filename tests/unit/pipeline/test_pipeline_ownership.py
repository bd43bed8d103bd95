"""Which enricher replica owns which tick stream: every stream exactly one owner, evenly, the
same answer on every replica."""

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
