"""The consumer group's lag in stream time: how far delivery is behind the newest entry,
whatever the entries hold."""

from __future__ import annotations

import redis

from deltastream import bus


def test_the_lag_in_seconds_is_the_stream_time_between_delivered_and_newest(
    redis_client: redis.Redis, underlying: str
) -> None:
    stream = bus.ticks_stream(underlying)
    for entry_id in ("1000-0", "3500-0", "6000-0", "6000-1"):
        redis_client.xadd(stream, {"kind": "x"}, id=entry_id)
    reader = bus.ConsumerGroupReader(redis_client, [stream], bus.ENRICHER_GROUP, "lagging")
    reader.ensure_group()  # created at the stream's start: everything waits
    assert reader.lag() == {stream: bus.GroupLag(4, 6.0)}

    assert [entry.entry_id for entry in reader.read(1, 10)] == ["1000-0"]
    assert reader.lag() == {stream: bus.GroupLag(3, 5.0)}

    assert len(reader.read(2, 10)) == 2  # up to 6000-0: the newest's millisecond
    assert reader.lag() == {stream: bus.GroupLag(1, 0.0)}
    reader.read(10, 10)
    assert reader.lag() == {stream: bus.GroupLag(0, 0.0)}


def test_a_stream_without_the_group_has_no_lag(redis_client: redis.Redis, underlying: str) -> None:
    stream = bus.ticks_stream(underlying)
    redis_client.xadd(stream, {"kind": "x"})
    reader = bus.ConsumerGroupReader(redis_client, [], bus.ENRICHER_GROUP, "none")
    assert reader.lag([stream]) == {}
