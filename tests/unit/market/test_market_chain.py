"""Chain state: idempotent application by stream position, open interest at the open, and
the column layout (sorted, aligned strikes; a missing side)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.market.chain import ChainState, chain_key
from deltastream.market.quotes import OptionQuote, OptionType

EXPIRY = dt.date(2026, 11, 26)
CALL, PUT = OptionType.CALL, OptionType.PUT


def _quote(
    strike: float = 24_000.0, option_type: OptionType = CALL, **changes: object
) -> OptionQuote:
    quote = OptionQuote(
        underlying="NIFTY",
        expiry=EXPIRY,
        strike=strike,
        option_type=option_type,
        bid=100.0,
        ask=101.0,
        last=100.5,
        volume=10,
        open_interest=1_000,
        timestamp_ns=1_000,
    )
    return dataclasses.replace(quote, **changes)  # type: ignore[arg-type]


def _chain() -> ChainState:
    return ChainState("NIFTY", EXPIRY)


def test_a_quote_is_applied_once_per_stream_position() -> None:
    chain = _chain()
    first = _quote(bid=100.0)
    assert chain.apply(first, (5, 0, 0)) is True
    assert chain.apply(first, (5, 0, 0)) is False  # redelivered
    assert chain.apply(_quote(bid=90.0), (4, 9, 0)) is False  # an older entry claimed late
    assert chain.rows[(24_000.0, CALL)].bid == 100.0
    assert chain.applied_quotes == 1
    assert chain.apply(_quote(bid=110.0), (5, 1, 0)) is True
    assert chain.rows[(24_000.0, CALL)].bid == 110.0
    assert chain.rows[(24_000.0, CALL)].position == (5, 1, 0)
    assert chain.applied_quotes == 2


def test_positions_are_per_row() -> None:
    chain = _chain()
    assert chain.apply(_quote(24_000.0, CALL), (9, 0, 0))
    assert chain.apply(_quote(24_000.0, PUT), (3, 0, 0))  # another option: its own position
    assert chain.apply(_quote(24_100.0, CALL), (1, 0, 0))
    assert len(chain.rows) == 3


def test_the_open_interest_at_the_open_is_the_first_seen() -> None:
    chain = _chain()
    chain.apply(_quote(open_interest=1_000), (1, 0, 0))
    chain.apply(_quote(open_interest=1_500), (2, 0, 0))
    chain.apply(_quote(open_interest=1_200), (3, 0, 0))
    row = chain.rows[(24_000.0, CALL)]
    assert (row.open_interest, row.open_interest_at_open) == (1_200, 1_000)
    assert chain.columns().calls.open_interest_at_open.tolist() == [1_000]


def test_columns_are_sorted_by_strike_and_aligned_across_sides() -> None:
    chain = _chain()
    chain.apply(_quote(24_200.0, CALL, bid=10.0), (1, 0, 0))
    chain.apply(_quote(23_800.0, PUT, bid=20.0), (2, 0, 0))
    chain.apply(_quote(24_000.0, CALL, bid=30.0), (3, 0, 0))
    chain.apply(_quote(24_000.0, PUT, bid=40.0), (4, 0, 0))
    chain.apply(_quote(23_800.0, PUT, bid=25.0), (5, 0, 0))

    columns = chain.columns()

    assert columns.strikes.tolist() == [23_800.0, 24_000.0, 24_200.0]
    assert columns.calls.present.tolist() == [False, True, True]
    assert columns.puts.present.tolist() == [True, True, False]
    assert columns.calls.bid.tolist() == [0.0, 30.0, 10.0]
    assert columns.puts.bid.tolist() == [25.0, 40.0, 0.0]
    for side in (columns.calls, columns.puts):
        for name in ("bid", "ask", "last", "volume", "open_interest", "timestamp_ns"):
            assert getattr(side, name).shape == columns.strikes.shape
    assert columns.calls.volume.dtype == np.int64
    assert columns.calls.bid.dtype == np.float64


def test_a_missing_side_has_no_mid() -> None:
    chain = _chain()
    chain.apply(_quote(24_000.0, CALL, bid=100.0, ask=102.0), (1, 0, 0))
    mid = chain.columns().puts.mid
    assert mid.shape == (1,)
    assert math.isnan(mid[0])


def test_the_mid_falls_back_to_the_last_price_then_nan() -> None:
    chain = _chain()
    chain.apply(_quote(100.0, CALL, bid=4.0, ask=5.0, last=9.0), (1, 0, 0))  # two-sided: mid
    chain.apply(_quote(200.0, CALL, bid=0.0, ask=5.0, last=4.5), (2, 0, 0))  # one-sided: last
    chain.apply(_quote(300.0, CALL, bid=0.0, ask=0.0, last=0.0), (3, 0, 0))  # nothing: NaN
    mid = chain.columns().calls.mid
    assert mid[:2].tolist() == [4.5, 4.5]
    assert math.isnan(mid[2])


def test_an_empty_chain_has_empty_columns() -> None:
    columns = _chain().columns()
    assert columns.strikes.shape == (0,)
    assert columns.calls.mid.shape == (0,)
    assert _chain().newest_timestamp_ns == 0


def test_the_newest_timestamp_and_the_key() -> None:
    chain = _chain()
    chain.apply(_quote(24_000.0, CALL, timestamp_ns=70), (1, 0, 0))
    chain.apply(_quote(24_100.0, PUT, timestamp_ns=90), (2, 0, 0))
    chain.apply(_quote(24_200.0, PUT, timestamp_ns=80), (3, 0, 0))
    assert chain.newest_timestamp_ns == 90
    assert chain.key == chain_key("NIFTY", EXPIRY) == "NIFTY:2026-11-26"


deliveries = st.lists(
    st.tuples(
        st.sampled_from([23_900.0, 24_000.0, 24_100.0]),
        st.sampled_from([CALL, PUT]),
        st.integers(min_value=0, max_value=20),  # stream position (milliseconds part)
    ),
    min_size=1,
    max_size=40,
)


def _delivered(delivered: list[tuple[float, OptionType, int]]) -> ChainState:
    """A chain given each delivery in turn, as a quote whose bid is its position."""
    chain = _chain()
    for strike, option_type, position in delivered:
        chain.apply(_quote(strike, option_type, bid=float(position)), (position, 0, 0))
    return chain


@settings(max_examples=150)
@given(deliveries)
def test_any_order_and_redelivery_ends_at_the_newest_quote_of_each_option(
    delivered: list[tuple[float, OptionType, int]],
) -> None:
    """A quote's bid encodes its position, so the final state shows which quote won."""
    chain = _delivered(delivered)
    newest: dict[tuple[float, OptionType], int] = {}
    for strike, option_type, position in delivered:
        newest[(strike, option_type)] = max(position, newest.get((strike, option_type), -1))
    assert {key: row.bid for key, row in chain.rows.items()} == {
        key: float(position) for key, position in newest.items()
    }
    assert chain.applied_quotes <= len(delivered)
    assert chain.applied_quotes >= len(newest)


def test_open_interest_change_is_measured_from_the_previous_sessions_close() -> None:
    chain = ChainState("NIFTY", EXPIRY)
    monday, tuesday = 740_000, 740_001
    chain.apply(_quote(open_interest=1_000), (1, 0, 0), monday)
    chain.apply(_quote(open_interest=1_500), (2, 0, 0), monday)
    assert chain.rows[(24_000.0, CALL)].open_interest_at_open == 1_000  # no earlier session
    chain.apply(_quote(open_interest=1_600), (3, 0, 0), tuesday)
    chain.apply(_quote(open_interest=1_450), (4, 0, 0), tuesday)
    row = chain.rows[(24_000.0, CALL)]
    assert row.open_interest_at_open == 1_500  # Monday's last figure
    assert row.open_interest - row.open_interest_at_open == -50
    assert row.open_interest_day == tuesday
    chain.apply(_quote(open_interest=1_400), (5, 0, 0), monday)  # a late quote keeps the session
    assert chain.rows[(24_000.0, CALL)].open_interest_day == tuesday


@settings(max_examples=100)
@given(deliveries)
def test_the_columns_are_the_rows_laid_out_on_the_sorted_strikes(
    delivered: list[tuple[float, OptionType, int]],
) -> None:
    chain = _delivered(delivered)
    rows = chain.rows
    columns = chain.columns()
    strikes = sorted({strike for strike, _ in rows})
    assert columns.strikes.tolist() == strikes
    for option_type, side in ((CALL, columns.calls), (PUT, columns.puts)):
        laid_out = [rows.get((strike, option_type)) for strike in strikes]
        assert side.present.tolist() == [row is not None for row in laid_out]
        assert side.bid.tolist() == [0.0 if row is None else row.bid for row in laid_out]
        assert chain.position_texts(option_type) == [
            "" if row is None else f"{row.position[0]}-{row.position[1]}" for row in laid_out
        ]
