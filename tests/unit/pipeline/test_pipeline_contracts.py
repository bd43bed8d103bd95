"""Stored chain documents to ``ChainSnapshot`` messages: every value arrives, NaN included,
through the same path the enricher and MarketData use (document -> BSON -> proto -> wire)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import bson
import numpy as np
import pytest

from deltastream import store
from deltastream.contracts import chain_snapshot
from deltastream.market.chain import ChainState
from deltastream.market.enrichment import GREEK_NAMES, ExpiryConvention, enrich_chain
from deltastream.market.quotes import OptionQuote, OptionType
from deltastream.v1 import market_pb2

EXPIRY = dt.date(2026, 11, 26)
AT_NS = int(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC).timestamp()) * 10**9


def _same(left: float, right: float) -> bool:
    return (math.isnan(left) and math.isnan(right)) or left == right


def _side(**columns: list[Any]) -> dict[str, list[Any]]:
    """Two strikes; the second has no quote on this side unless ``present`` says otherwise."""
    side: dict[str, list[Any]] = {
        "present": [True, False],
        "bid": [101.5, 0.0],
        "ask": [102.5, 0.0],
        "last": [102.0, 0.0],
        "volume": [300, 0],
        "open_interest": [5_000, 0],
        "open_interest_at_open": [4_200, 0],
        "timestamp_ns": [AT_NS, 0],
        "mid": [102.0, math.nan],
        "iv": [0.1834, math.nan],
        "iv_status": [market_pb2.IV_STATUS_OK, market_pb2.IV_STATUS_NO_QUOTE],
        "delta": [0.52, math.nan],
        "gamma": [0.0004, math.nan],
        "vega": [11.2, math.nan],
        "theta": [-9.5, math.nan],
        "rho": [2.1, math.nan],
    }
    side.update(columns)
    return side


def _document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "_id": "NIFTY:2026-11-26",
        "underlying": "NIFTY",
        "expiry": "2026-11-26",
        "version": 7,
        "applied_quotes": 3,
        "spot": 24_012.5,
        "forward": 24_040.25,
        "time_to_expiry": 6 / 365,
        "timestamp_ns": AT_NS,
        "strikes": [24_000.0, 24_100.0],
        "analytics": {
            "pcr_open_interest": 0.87,
            "pcr_volume": math.nan,
            "max_pain": 24_000.0,
            "atm_iv": 0.18,
            "atm_strike": 24_000.0,
            "total_call_open_interest": 5_000,
            "total_put_open_interest": 4_350,
            "total_call_volume": 300,
            "total_put_volume": 0,
        },
        "calls": _side(),
        "puts": _side(present=[True, True], open_interest=[4_000, 350], iv=[math.nan, 0.2]),
    }
    document.update(changes)
    return document


def test_the_header_and_the_analytics_arrive() -> None:
    snapshot = chain_snapshot(_document())
    assert (snapshot.underlying, snapshot.expiry, snapshot.version) == ("NIFTY", "2026-11-26", 7)
    assert (snapshot.spot, snapshot.forward, snapshot.timestamp_ns) == (24_012.5, 24_040.25, AT_NS)
    assert snapshot.time_to_expiry == 6 / 365
    analytics = snapshot.analytics
    assert (analytics.pcr_open_interest, analytics.max_pain, analytics.atm_iv) == (
        0.87,
        24_000,
        0.18,
    )
    assert math.isnan(analytics.pcr_volume)
    assert (analytics.total_call_open_interest, analytics.total_put_open_interest) == (5_000, 4_350)


def test_every_quote_value_arrives_in_its_row() -> None:
    snapshot = chain_snapshot(_document())
    assert [row.strike for row in snapshot.rows] == [24_000.0, 24_100.0]
    call = snapshot.rows[0].call
    assert call.quote.option_type == market_pb2.OPTION_TYPE_CALL
    assert (call.quote.underlying, call.quote.expiry, call.quote.strike) == (
        "NIFTY",
        "2026-11-26",
        24_000.0,
    )
    assert (call.quote.bid, call.quote.ask, call.quote.last) == (101.5, 102.5, 102.0)
    assert (call.quote.volume, call.quote.open_interest, call.quote.timestamp_ns) == (
        300,
        5_000,
        AT_NS,
    )
    assert (call.mid, call.iv, call.iv_status) == (102.0, 0.1834, market_pb2.IV_STATUS_OK)
    greeks = call.greeks
    assert (greeks.delta, greeks.gamma, greeks.vega, greeks.theta, greeks.rho) == (
        0.52,
        0.0004,
        11.2,
        -9.5,
        2.1,
    )
    assert call.open_interest_change == 5_000 - 4_200
    assert snapshot.rows[0].put.quote.option_type == market_pb2.OPTION_TYPE_PUT


def test_a_side_without_a_quote_is_absent_and_nan_survives() -> None:
    snapshot = chain_snapshot(_document())
    assert not snapshot.rows[1].HasField("call")
    assert snapshot.rows[1].HasField("put")
    assert math.isnan(snapshot.rows[0].put.iv)
    assert snapshot.rows[1].put.iv == 0.2
    wire = market_pb2.ChainSnapshot.FromString(snapshot.SerializeToString())
    assert math.isnan(wire.rows[0].put.iv)
    assert math.isnan(wire.analytics.pcr_volume)


def test_missing_optional_values_become_nan_or_zero() -> None:
    document = _document(spot=None, forward=None)
    del document["analytics"]
    del document["version"]
    snapshot = chain_snapshot(document)
    assert math.isnan(snapshot.spot)
    assert math.isnan(snapshot.forward)
    assert snapshot.version == 0
    assert snapshot.analytics == market_pb2.ChainAnalytics()


def test_a_stored_none_greek_becomes_nan() -> None:
    snapshot = chain_snapshot(_document(calls=_side(delta=[None, None], mid=[None, None])))
    assert math.isnan(snapshot.rows[0].call.greeks.delta)
    assert math.isnan(snapshot.rows[0].call.mid)


def test_analytics_keys_the_contract_does_not_know_are_ignored() -> None:
    document = _document()
    document["analytics"]["iv_rank"] = 0.4
    assert chain_snapshot(document).analytics.atm_iv == 0.18


def _enriched_state() -> ChainState:
    chain = ChainState("NIFTY", EXPIRY)
    quotes = [
        (23_900.0, OptionType.CALL, 200.0, 202.0),
        (24_000.0, OptionType.CALL, 140.0, 141.0),
        (24_000.0, OptionType.PUT, 120.0, 121.0),
        (24_100.0, OptionType.PUT, 0.0, 0.0),  # no price: present, without an IV
        (24_200.0, OptionType.PUT, 250.0, 251.0),
    ]
    for position, (strike, option_type, bid, ask) in enumerate(quotes, start=1):
        quote = OptionQuote("NIFTY", EXPIRY, strike, option_type, bid, ask, 0.0, 10, 99, AT_NS)
        chain.apply(quote, (position, 0, 0))
    chain.version = 3
    return chain


@pytest.mark.parametrize("through_bson", [False, True])
def test_an_enriched_chain_round_trips_value_for_value(through_bson: bool) -> None:
    state = _enriched_state()
    enriched = enrich_chain(state, 24_010.0, 0.065, ExpiryConvention())
    document = store.chain_document(enriched, state)
    if through_bson:  # as MongoDB stores and returns it
        document = bson.decode(bson.encode(document))

    snapshot = chain_snapshot(document)

    strikes = enriched.columns.strikes.tolist()
    assert [row.strike for row in snapshot.rows] == strikes
    assert snapshot.version == 3
    for side_name, side, columns in (
        ("call", enriched.calls, enriched.columns.calls),
        ("put", enriched.puts, enriched.columns.puts),
    ):
        for index, row in enumerate(snapshot.rows):
            assert row.HasField(side_name) is bool(columns.present[index])
            if not columns.present[index]:
                continue
            quote = getattr(row, side_name)
            assert _same(quote.mid, float(side.mid[index]))
            assert _same(quote.iv, float(side.iv[index]))
            assert quote.iv_status == int(side.iv_status[index])
            for name in GREEK_NAMES:
                assert _same(getattr(quote.greeks, name), float(side.greeks[name][index]))
    put_without_price = snapshot.rows[strikes.index(24_100.0)].put
    assert math.isnan(put_without_price.iv)
    assert put_without_price.iv_status not in (
        market_pb2.IV_STATUS_OK,
        market_pb2.IV_STATUS_NO_QUOTE,
    )
    for field in ("pcr_open_interest", "pcr_volume", "max_pain", "atm_iv", "atm_strike"):
        assert _same(getattr(snapshot.analytics, field), getattr(enriched.analytics, field))
    assert np.isfinite(snapshot.forward)


def test_a_stored_chain_loads_back_as_the_state_it_was_stored_from() -> None:
    state = _enriched_state()
    document = store.chain_document(enrich_chain(state, 24_010.0, 0.065, ExpiryConvention()), state)

    loaded = store.chain_state(bson.decode(bson.encode(document)))

    assert loaded.rows == state.rows
    assert (loaded.version, loaded.applied_quotes) == (state.version, state.applied_quotes)
    for option_type in OptionType:
        assert loaded.position_texts(option_type) == state.position_texts(option_type)
    assert document["calls"]["position"] == ["1-0", "2-0", "", ""]
    assert document["puts"]["position"] == ["", "3-0", "4-0", "5-0"]
    expected, actual = state.columns(), loaded.columns()
    assert actual.strikes.tolist() == expected.strikes.tolist()
    for side in ("calls", "puts"):
        for name in ("present", "bid", "ask", "open_interest", "open_interest_at_open"):
            left, right = (
                getattr(getattr(expected, side), name),
                getattr(getattr(actual, side), name),
            )
            assert left.tolist() == right.tolist()
    redelivered = OptionQuote("NIFTY", EXPIRY, 24_000.0, OptionType.CALL, 1.0, 2.0, 0.0, 1, 1, 0)
    assert loaded.apply(redelivered, (2, 0, 0)) is False
