"""A WebSocket's subscriptions: pairs of underlying and expiry, and the upstream requests that
cover them."""

from __future__ import annotations

import pytest

from deltastream.errors import InvalidArgumentError
from deltastream.gateway.live.interest import Interest

NEAR, FAR = "2030-01-31", "2030-02-28"


def test_an_underlying_without_expiries_follows_every_expiry() -> None:
    interest = Interest().adding(["nifty"], [], limit=10)
    assert interest.wants("NIFTY", NEAR) and interest.wants("NIFTY", FAR)
    assert not interest.wants("BANKNIFTY", NEAR)
    request = interest.chains_request()
    assert (list(request.underlyings), list(request.expiries)) == (["NIFTY"], [])


def test_pairs_are_finer_than_the_upstream_request() -> None:
    interest = Interest().adding(["NIFTY"], [NEAR], limit=10).adding(["BANKNIFTY"], [FAR], 10)
    request = interest.chains_request()
    assert list(request.underlyings) == ["BANKNIFTY", "NIFTY"]
    assert list(request.expiries) == [NEAR, FAR]  # the cross product covers more ...
    assert not interest.wants("NIFTY", FAR)  # ... and the pairs decide


def test_one_underlying_on_every_expiry_widens_the_request_to_every_expiry() -> None:
    interest = Interest().adding(["NIFTY"], [NEAR], limit=10).adding(["BANKNIFTY"], [], 10)
    assert list(interest.chains_request().expiries) == []
    assert not interest.wants("NIFTY", FAR)


def test_unsubscribing_removes_pairs_or_a_whole_underlying() -> None:
    interest = Interest().adding(["NIFTY", "BANKNIFTY"], [NEAR, FAR], limit=10)
    interest = interest.removing(["NIFTY"], [NEAR])
    assert sorted(interest.pairs) == [("BANKNIFTY", NEAR), ("BANKNIFTY", FAR), ("NIFTY", FAR)]
    assert interest.removing(["BANKNIFTY"], []).pairs == {("NIFTY", FAR)}


@pytest.mark.parametrize(
    ("underlyings", "expiries", "field"),
    [([], [], "underlyings"), (["$gt"], [], "underlyings"), (["NIFTY"], ["soon"], "expiries")],
)
def test_bad_names_are_refused_naming_the_field(
    underlyings: list[str], expiries: list[str], field: str
) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        Interest().adding(underlyings, expiries, limit=10)
    assert refused.value.field == field


def test_subscriptions_are_bounded() -> None:
    with pytest.raises(InvalidArgumentError):
        Interest().adding(["A", "B", "C"], [NEAR], limit=2)


def test_alert_events_resume_after_a_position() -> None:
    request = Interest().adding(["NIFTY"], [], 1).alerts_request("1700000000000-3")
    assert (list(request.underlyings), request.after_stream_id) == (["NIFTY"], "1700000000000-3")
