"""Validation of the Analytics requests' own parameters: every refusal names its field."""

from __future__ import annotations

import math

import pytest

from deltastream.analytics import queries, requests
from deltastream.errors import InvalidArgumentError


@pytest.mark.parametrize(
    "grid",
    [
        [0.1, 0.0],
        [0.0, 0.0],
        [math.nan],
        [math.inf],
        [-2.5, 0.0],
        [x / 100 for x in range(102)],
    ],
)
def test_bad_log_moneyness_grids_are_refused(grid: list[float]) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        requests.log_moneyness_grid(grid)
    assert error.value.field == "log_moneyness"


@pytest.mark.parametrize(
    "grid", [[0.0], [0.1, 0.05], [0.1, 11.0], [-0.1], [0.01 * (i + 1) for i in range(51)]]
)
def test_bad_time_grids_are_refused(grid: list[float]) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        requests.times_grid(grid)
    assert error.value.field == "times_to_expiry"


def test_good_grids_pass_through() -> None:
    assert requests.log_moneyness_grid([]) == []
    assert requests.log_moneyness_grid([-2.0, 0.0, 2.0]) == [-2.0, 0.0, 2.0]
    assert requests.times_grid([0.01, 10.0]) == [0.01, 10.0]


def test_negative_times_are_refused_by_name() -> None:
    with pytest.raises(InvalidArgumentError) as error:
        requests.non_negative_ns(-1, "since_ns")
    assert error.value.field == "since_ns"
    assert requests.non_negative_ns(0, "since_ns") == 0


def test_page_tokens_round_trip() -> None:
    token = queries.encode_token(1_700_000_000_000_000_000, 42)
    assert queries.decode_token(token) == (1_700_000_000_000_000_000, 42)
    assert queries.decode_token("") is None


@pytest.mark.parametrize(
    "token", ['{"$gt": ""}', "$where", "dHM6MTIz", "!!!", "YXY6eDp5", "YXY6MTox OjM="]
)
def test_foreign_page_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidArgumentError) as error:
        queries.decode_token(token)
    assert error.value.field == "page_token"
