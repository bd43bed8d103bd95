"""The fixed-window decision (the Redis side is in the integration tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.auth.ratelimit import RateLimit

LIMIT = RateLimit(requests=3, window=dt.timedelta(seconds=10))


def test_requests_within_the_budget_pass() -> None:
    assert [LIMIT.retry_after(count, 5_000) for count in (1, 2, 3)] == [None, None, None]


def test_the_first_request_over_budget_waits_for_the_window_to_end() -> None:
    assert LIMIT.retry_after(4, 2_500) == 2.5


def test_a_window_ending_now_still_asks_for_a_wait() -> None:
    retry_after = LIMIT.retry_after(4, 0)
    assert retry_after is not None and retry_after > 0


@pytest.mark.parametrize(("requests", "seconds"), [(0, 10), (5, 0), (5, -1)])
def test_a_limit_must_allow_something(requests: int, seconds: float) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit(requests=requests, window=dt.timedelta(seconds=seconds))


@settings(max_examples=50)
@given(
    requests=st.integers(1, 1000),
    count=st.integers(1, 2000),
    left_ms=st.integers(0, 60_000),
)
def test_a_wait_is_asked_exactly_when_over_budget(requests: int, count: int, left_ms: int) -> None:
    limit = RateLimit(requests, dt.timedelta(minutes=1))
    retry_after = limit.retry_after(count, left_ms)
    assert (retry_after is None) == (count <= requests)
    if retry_after is not None:
        assert 0 < retry_after <= 60
