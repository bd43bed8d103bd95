"""Enrichment of a whole chain: implied volatilities back from prices made at a known
volatility (by a textbook Black-Scholes written here), status codes for what has no IV, the
forward from parity or from the spot, and chain analytics against ``deltastream.quant``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from deltastream.market.chain import ChainState
from deltastream.market.enrichment import (
    ChainInput,
    EnrichedChain,
    ExpiryConvention,
    enrich_chain,
    enrich_chains,
)
from deltastream.market.quotes import OptionQuote, OptionType
from deltastream.quant import max_pain, pcr
from deltastream.v1 import market_pb2

RATE = 0.065
SPOT = 24_000.0
SIGMA = 0.2
EXPIRY = dt.date(2026, 11, 26)
# 2026-11-20 15:30 IST (10:00 UTC): six days before the expiry's close.
VALUED_AT_NS = int(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC).timestamp()) * 10**9
STRIKES = [23_500.0 + 100.0 * i for i in range(11)]
CONVENTION = ExpiryConvention()


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _black_scholes(strike: float, years: float, is_call: bool) -> float:
    """The textbook price of a European option on a non-dividend stock."""
    d1 = (math.log(SPOT / strike) + (RATE + SIGMA**2 / 2) * years) / (SIGMA * math.sqrt(years))
    d2 = d1 - SIGMA * math.sqrt(years)
    discount = math.exp(-RATE * years)
    if is_call:
        return SPOT * _normal_cdf(d1) - strike * discount * _normal_cdf(d2)
    return strike * discount * _normal_cdf(-d2) - SPOT * _normal_cdf(-d1)


def _chain(
    *, at_ns: int = VALUED_AT_NS, sides: tuple[OptionType, ...] = tuple(OptionType)
) -> ChainState:
    """Quotes with the model price as mid; OI and volume that differ by strike and side."""
    years = 6 / 365
    chain = ChainState("NIFTY", EXPIRY)
    for index, strike in enumerate(STRIKES):
        for option_type in sides:
            is_call = option_type is OptionType.CALL
            price = _black_scholes(strike, years, is_call)
            quote = OptionQuote(
                "NIFTY", EXPIRY, strike, option_type, price - 0.5, price + 0.5, price,
                volume=(index + 1) * (30 if is_call else 20),
                open_interest=1_000 * (index + 1) if is_call else 1_000 * (11 - index),
                timestamp_ns=at_ns,
            )  # fmt: skip
            chain.apply(quote, (len(chain.rows) + 1, 0, 0))
    return chain


def _enrich(chain: ChainState, spot: float = SPOT) -> EnrichedChain:
    return enrich_chain(chain, spot, RATE, CONVENTION)


def test_the_time_to_expiry_runs_to_the_exchange_close() -> None:
    assert CONVENTION.time_to_expiry(EXPIRY, VALUED_AT_NS) == pytest.approx(6 / 365, rel=1e-12)
    close_ns = int(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC).timestamp()) * 10**9
    assert CONVENTION.time_to_expiry(EXPIRY, close_ns) == 0.0
    assert CONVENTION.time_to_expiry(EXPIRY, close_ns + 3600 * 10**9) < 0


def test_a_chain_priced_at_a_known_volatility_gives_it_back() -> None:
    enriched = _enrich(_chain())
    for side in (enriched.calls, enriched.puts):
        np.testing.assert_allclose(side.iv, SIGMA, atol=1e-8)
        assert set(side.iv_status.tolist()) == {market_pb2.IV_STATUS_OK}
    assert enriched.timestamp_ns == VALUED_AT_NS
    assert enriched.time_to_expiry == pytest.approx(6 / 365, rel=1e-12)


def test_greeks_obey_put_call_parity() -> None:
    enriched = _enrich(_chain())
    discount = math.exp(-RATE * enriched.time_to_expiry)
    calls, puts = enriched.calls.greeks, enriched.puts.greeks
    np.testing.assert_allclose(calls["delta"] - puts["delta"], discount, atol=1e-9)
    np.testing.assert_allclose(calls["gamma"], puts["gamma"], rtol=1e-9)
    np.testing.assert_allclose(calls["vega"], puts["vega"], rtol=1e-9)
    assert np.all((calls["delta"] > 0) & (calls["delta"] < 1))
    assert np.all(calls["gamma"] > 0)


def test_the_forward_comes_from_parity_when_both_sides_are_quoted() -> None:
    years = 6 / 365
    enriched = _enrich(_chain(), spot=SPOT + 100.0)  # a spot that disagrees with the quotes
    assert enriched.forward == pytest.approx(SPOT * math.exp(RATE * years), rel=1e-9)
    assert enriched.spot == SPOT + 100.0


def test_the_forward_falls_back_to_the_spot_when_one_side_is_quoted() -> None:
    years = 6 / 365
    enriched = _enrich(_chain(sides=(OptionType.CALL,)), spot=SPOT + 100.0)
    assert enriched.forward == pytest.approx((SPOT + 100.0) * math.exp(RATE * years), rel=1e-12)


def test_a_missing_side_has_no_quote_status_and_no_numbers() -> None:
    chain = _chain(sides=(OptionType.CALL,))
    chain.apply(
        OptionQuote("NIFTY", EXPIRY, 24_000.0, OptionType.PUT, 150.0, 151.0, 150.5, 1, 1, 1),
        (100, 0, 0),
    )
    enriched = _enrich(chain)
    atm = STRIKES.index(24_000.0)
    statuses = enriched.puts.iv_status.tolist()
    assert statuses[atm] != market_pb2.IV_STATUS_NO_QUOTE
    assert [s for i, s in enumerate(statuses) if i != atm] == [market_pb2.IV_STATUS_NO_QUOTE] * 10
    missing = np.arange(len(STRIKES)) != atm
    assert np.all(np.isnan(enriched.puts.iv[missing]))
    assert np.all(np.isnan(enriched.puts.greeks["delta"][missing]))
    assert np.all(np.isnan(enriched.puts.mid[missing]))


def test_a_quote_without_any_price_has_no_iv_but_is_not_missing() -> None:
    chain = _chain()
    chain.apply(
        OptionQuote("NIFTY", EXPIRY, 24_000.0, OptionType.CALL, 0.0, 0.0, 0.0, 0, 5, 1), (99, 0, 0)
    )
    enriched = _enrich(chain)
    status = int(enriched.calls.iv_status[STRIKES.index(24_000.0)])
    assert status not in (market_pb2.IV_STATUS_OK, market_pb2.IV_STATUS_NO_QUOTE)
    assert math.isnan(enriched.calls.iv[STRIKES.index(24_000.0)])


@pytest.mark.parametrize("after_close_seconds", [0, 60, 86_400])
def test_after_the_expiry_close_every_quote_is_expired(after_close_seconds: int) -> None:
    close_ns = int(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC).timestamp()) * 10**9
    enriched = _enrich(_chain(at_ns=close_ns + after_close_seconds * 10**9))
    assert enriched.time_to_expiry <= 0
    for side in (enriched.calls, enriched.puts):
        assert set(side.iv_status.tolist()) == {market_pb2.IV_STATUS_EXPIRED}
        assert np.all(np.isnan(side.iv))
    assert enriched.forward == SPOT  # no carry left to apply to the spot


def test_pcr_and_max_pain_agree_with_quant_on_the_same_arrays() -> None:
    enriched = _enrich(_chain())
    columns, analytics = enriched.columns, enriched.analytics
    call_oi, put_oi = columns.calls.open_interest, columns.puts.open_interest
    assert analytics.pcr_open_interest == pcr(put_oi, call_oi)
    assert analytics.pcr_volume == pcr(columns.puts.volume, columns.calls.volume)
    assert analytics.max_pain == max_pain(columns.strikes, call_oi, put_oi)


def test_analytics_by_hand() -> None:
    analytics = _enrich(_chain()).analytics
    call_oi = [1_000 * (i + 1) for i in range(11)]
    put_oi = [1_000 * (11 - i) for i in range(11)]
    assert analytics.total_call_open_interest == sum(call_oi) == 66_000
    assert analytics.total_put_open_interest == sum(put_oi)
    assert analytics.pcr_open_interest == 1.0
    assert analytics.total_call_volume == 30 * 66
    assert analytics.total_put_volume == 20 * 66
    assert analytics.pcr_volume == pytest.approx(20 / 30)

    def payout(settlement: float) -> float:
        return sum(
            c * max(settlement - k, 0.0) + p * max(k - settlement, 0.0)
            for k, c, p in zip(STRIKES, call_oi, put_oi, strict=True)
        )

    assert analytics.max_pain == min(STRIKES, key=payout)


def test_the_atm_strike_is_nearest_the_forward_and_its_iv_is_the_atm_iv() -> None:
    enriched = _enrich(_chain())
    nearest = min(STRIKES, key=lambda strike: abs(strike - enriched.forward))
    assert enriched.analytics.atm_strike == nearest
    assert enriched.analytics.atm_iv == pytest.approx(SIGMA, abs=1e-8)


def test_chains_enriched_together_get_the_analytics_each_gets_alone() -> None:
    """The analytics of a batch of chains are computed together: each chain's must be what it
    gets on its own, whatever its neighbours (an empty chain, a one-sided one, another spot)."""
    later = VALUED_AT_NS + 3_600 * 10**9
    inputs = [
        ChainInput(_chain(), SPOT),
        ChainInput(ChainState("NIFTY", EXPIRY), SPOT),
        ChainInput(_chain(sides=(OptionType.PUT,)), SPOT * 1.01),
        ChainInput(_chain(at_ns=later), math.nan),
    ]
    skewed = _chain()
    for index, strike in enumerate(STRIKES[:4]):
        quote = OptionQuote(
            "NIFTY", EXPIRY, strike, OptionType.CALL, 1.0, 2.0, 1.5,
            volume=5, open_interest=90_000 - index, timestamp_ns=later,
        )  # fmt: skip
        skewed.apply(quote, (100 + index, 0, 0))
    inputs.append(ChainInput(skewed, SPOT))

    together = enrich_chains(inputs, RATE, CONVENTION)

    for item, enriched in zip(inputs, together, strict=True):
        alone = enrich_chain(item.chain, item.spot, RATE, CONVENTION).analytics
        for field in dataclasses.fields(alone):
            mine, theirs = getattr(enriched.analytics, field.name), getattr(alone, field.name)
            assert mine == theirs or (math.isnan(mine) and math.isnan(theirs)), field.name


def test_an_empty_chain_has_nan_analytics() -> None:
    enriched = _enrich(ChainState("NIFTY", EXPIRY))
    assert math.isnan(enriched.analytics.max_pain)
    assert math.isnan(enriched.analytics.atm_strike)
    assert math.isnan(enriched.analytics.atm_iv)
    assert math.isnan(enriched.analytics.pcr_open_interest)
