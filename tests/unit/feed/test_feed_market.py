"""The synthetic market: determinism, static arbitrage freedom, quotes, volume and interest."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from deltastream.errors import InvalidArgumentError
from deltastream.feed.expiries import ExpirySchedule
from deltastream.feed.market import (
    ChainSnapshot,
    MarketConfig,
    SyntheticMarket,
    UnderlyingSpec,
    default_market_config,
)
from deltastream.feed.recording import write_ticks
from deltastream.feed.replay import read_ticks
from deltastream.market.quotes import OptionQuote, OptionType, Tick, UnderlyingTick

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
START = dt.datetime(2026, 11, 25, 9, 15, tzinfo=IST)
START_NS = int(START.timestamp()) * 1_000_000_000
SECOND = 1_000_000_000
MINUTE = 60 * SECOND


def market(seed: int = 7, start: dt.datetime = START) -> SyntheticMarket:
    return SyntheticMarket(default_market_config(seed), start)


def quotes(ticks: list[Tick]) -> list[OptionQuote]:
    return [tick for tick in ticks if isinstance(tick, OptionQuote)]


def chains(snapshot: ChainSnapshot) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(call mask, put mask) of every underlying and expiry, strikes ascending."""
    for u in range(len(snapshot.underlyings)):
        for slot in np.unique(snapshot.expiry_slot[snapshot.underlying == u]):
            chain = (snapshot.underlying == u) & (snapshot.expiry_slot == slot)
            yield chain & snapshot.is_call, chain & ~snapshot.is_call


def test_default_market_lists_three_indices_around_spot() -> None:
    snapshot = market().snapshot()
    assert snapshot.underlyings == ("NIFTY", "BANKNIFTY", "FINNIFTY")
    # NIFTY: 3 weeklies + 2 monthlies; the others 2 monthlies; 41 strikes, calls and puts.
    assert market().instruments == snapshot.strike.size == (5 + 2 + 2) * 41 * 2
    for u, (step, spot) in enumerate([(50, 24_000), (100, 52_000), (50, 23_500)]):
        strikes = np.unique(snapshot.strike[snapshot.underlying == u])
        assert np.all(np.diff(strikes) == step)
        assert strikes[0] == spot - 20 * step
        assert strikes[-1] == spot + 20 * step


def test_same_seed_and_calls_give_the_same_ticks() -> None:
    first, second = market(), market()
    for step in range(1, 6):
        assert first.ticks(300, START_NS + step * SECOND) == second.ticks(
            300, START_NS + step * SECOND
        )


def test_different_seeds_give_different_ticks() -> None:
    assert market(1).ticks(300, START_NS + SECOND) != market(2).ticks(300, START_NS + SECOND)


def test_ticks_returns_exactly_count_at_the_timestamp() -> None:
    feed = market()
    for count in (0, 1, 2, 5, 1000, 2000):
        ticks = feed.ticks(count, START_NS + count)
        assert len(ticks) == count
        assert all(tick.timestamp_ns == START_NS + count for tick in ticks)
    with pytest.raises(InvalidArgumentError):
        feed.ticks(-1, START_NS)


def test_each_underlying_prints_at_least_every_n_quotes() -> None:
    config = dataclasses.replace(default_market_config(), quotes_per_underlying_tick=20)
    feed = SyntheticMarket(config, START)
    last_print: dict[str, int] = {}
    for index in range(600):
        [tick] = feed.ticks(1, START_NS + index * 10_000_000)
        if isinstance(tick, UnderlyingTick):
            if tick.underlying in last_print:
                assert index - last_print[tick.underlying] <= 20 + 3
            last_print[tick.underlying] = index
    assert set(last_print) == {"NIFTY", "BANKNIFTY", "FINNIFTY"}


def test_calls_fall_and_puts_rise_convexly_in_strike() -> None:
    feed = market()
    feed.ticks(10, START_NS + 3 * 3600 * SECOND)
    snapshot = feed.snapshot()
    for calls, puts in chains(snapshot):
        for mask, sign in ((calls, -1), (puts, 1)):
            price = snapshot.model_price[mask]
            strike = snapshot.strike[mask]
            assert np.all(np.diff(strike) > 0)
            assert np.all(sign * np.diff(price) >= -1e-9)
            slopes = np.diff(price) / np.diff(strike)
            assert np.all(np.diff(slopes) >= -1e-9)


def test_total_variance_grows_with_expiry_at_equal_moneyness() -> None:
    snapshot = market().snapshot()
    for u in range(len(snapshot.underlyings)):
        mine = snapshot.underlying == u
        grid = np.linspace(-0.02, 0.02, 21)
        by_expiry = []
        for slot in np.unique(snapshot.expiry_slot[mine]):
            calls = mine & (snapshot.expiry_slot == slot) & snapshot.is_call
            k = np.log(snapshot.strike[calls] / snapshot.forward[calls])
            by_expiry.append(np.interp(grid, k, snapshot.total_variance[calls]))
        assert len(by_expiry) >= 2
        assert np.all(np.diff(np.array(by_expiry), axis=0) > 0)


def test_the_smile_has_a_put_skew() -> None:
    snapshot = market().snapshot()
    near = (snapshot.underlying == 0) & (snapshot.expiry_slot == 0) & snapshot.is_call
    vol = np.sqrt(snapshot.total_variance[near] / snapshot.time_to_expiry[near])
    strikes = snapshot.strike[near]
    assert vol[strikes == strikes.min()] > vol[strikes == 24_000] > 0.05


def test_quote_sides_bracket_the_model_price() -> None:
    snapshot = market().snapshot()
    assert np.all(snapshot.bid >= 0)
    assert np.all(snapshot.bid < snapshot.ask)
    assert np.all(snapshot.bid <= snapshot.model_price)
    assert np.all(snapshot.model_price <= snapshot.ask)
    ticks = np.concatenate([snapshot.bid, snapshot.ask]) / 0.05
    assert np.allclose(ticks, np.rint(ticks), atol=1e-6)


def test_put_call_parity_holds_for_mids_within_the_spread() -> None:
    feed = market()
    ticks = feed.ticks(feed.instruments + 3, START_NS + 90 * MINUTE)
    snapshot = feed.snapshot()
    spot = {t.underlying: t.price for t in ticks if isinstance(t, UnderlyingTick)}
    dividend = {spec.name: spec.dividend_yield for spec in default_market_config().underlyings}
    time_to_expiry = dict(
        zip(
            zip(snapshot.underlying.tolist(), snapshot.expiry_slot.tolist(), strict=True),
            snapshot.time_to_expiry.tolist(),
            strict=True,
        )
    )
    pairs: dict[tuple[str, dt.date, float], dict[OptionType, OptionQuote]] = defaultdict(dict)
    for quote in quotes(ticks):
        pairs[(quote.underlying, quote.expiry, quote.strike)][quote.option_type] = quote
    assert len(pairs) == feed.instruments // 2
    for (name, expiry, strike), pair in pairs.items():
        call, put = pair[OptionType.CALL], pair[OptionType.PUT]
        u = snapshot.underlyings.index(name)
        T = time_to_expiry[(u, snapshot.expiry_dates.index(expiry))]
        parity = spot[name] * np.exp(-dividend[name] * T) - strike * np.exp(-0.065 * T)
        mids = (call.bid + call.ask) / 2 - (put.bid + put.ask) / 2
        tolerance = (
            (call.ask - call.bid) / 2 + (put.ask - put.bid) / 2 + 0.01
        )  # spot printed to 0.01
        assert abs(mids - parity) <= tolerance


def test_volume_only_grows_within_a_day_and_open_interest_evolves() -> None:
    feed = market()
    volume: dict[str, int] = {}
    first_interest: dict[str, int] = {}
    last_interest: dict[str, int] = {}
    for step in range(1, 40):
        for quote in quotes(feed.ticks(500, START_NS + step * MINUTE)):
            assert quote.volume >= volume.get(quote.instrument, 0)
            assert quote.open_interest >= 0
            volume[quote.instrument] = quote.volume
            first_interest.setdefault(quote.instrument, quote.open_interest)
            last_interest[quote.instrument] = quote.open_interest
    changes = [last_interest[i] - first_interest[i] for i in first_interest]
    assert max(changes) > 0
    assert min(changes) < 0
    assert sum(volume.values()) > 0


def test_volume_restarts_on_a_new_day() -> None:
    feed = market()
    before: dict[str, int] = {}
    for step in range(1, 21):
        before.update(
            (q.instrument, q.volume) for q in quotes(feed.ticks(500, START_NS + step * MINUTE))
        )
    after = quotes(feed.ticks(feed.instruments, START_NS + 24 * 3600 * SECOND))
    assert sum(q.volume for q in after) * 5 < sum(before.values())
    assert any(q.volume < before.get(q.instrument, 0) for q in after)
    assert sum(q.open_interest for q in after) > 0


def test_expiries_roll_off_at_1530_and_the_next_is_listed() -> None:
    start = dt.datetime(2026, 12, 1, 15, 0, tzinfo=IST)  # NIFTY weekly expires today at 15:30
    feed = market(start=start)
    start_ns = int(start.timestamp()) * SECOND
    before = {q.expiry for q in quotes(feed.ticks(feed.instruments, start_ns + 29 * MINUTE))}
    after = {q.expiry for q in quotes(feed.ticks(feed.instruments, start_ns + 31 * MINUTE))}
    assert dt.date(2026, 12, 1) in before
    assert dt.date(2026, 12, 1) not in after
    assert dt.date(2026, 12, 22) in after
    assert feed.instruments == (5 + 2 + 2) * 41 * 2


def test_the_strike_grid_follows_the_underlying() -> None:
    nifty = UnderlyingSpec(
        "NIFTY",
        24_000.0,
        50.0,
        strikes_each_side=4,
        atm_vol=0.8,
        long_vol=0.8,
        expiries=ExpirySchedule(weekly=1, monthly=0),
    )
    config = MarketConfig(underlyings=(nifty,))
    feed = SyntheticMarket(config, START)
    spots = []
    for hour in range(1, 48):
        ticks = feed.ticks(5, START_NS + hour * 3600 * SECOND)
        spots.append(feed.snapshot().spot[0])
        strikes = [q.strike for q in quotes(ticks)] + list(feed.snapshot().strike)
        assert min(strikes) < spots[-1] < max(strikes)
    assert max(spots) - min(spots) > 8 * 50


def test_the_underlying_diffuses_at_about_its_volatility() -> None:
    nifty = UnderlyingSpec("NIFTY", 24_000.0, 50.0, atm_vol=0.2, long_vol=0.2)
    config = MarketConfig(underlyings=(nifty,), jump_intensity=0.0, vol_of_vol=0.0)
    feed = SyntheticMarket(config, START)
    hour = 3600 * SECOND
    prices = [feed.snapshot().spot[0]]
    for step in range(1, 2001):
        feed.ticks(0, START_NS + step * hour)
        prices.append(feed.snapshot().spot[0])
    realised = np.std(np.diff(np.log(prices))) * np.sqrt(365 * 24)
    assert realised == pytest.approx(0.2, rel=0.1)


@pytest.mark.parametrize(
    "change",
    [{"spot_vol_correlation": 2.0}, {"tick_size": 0.0}, {"quotes_per_underlying_tick": 0}],
)
def test_bad_market_configs_are_refused(change: dict[str, float]) -> None:
    with pytest.raises(InvalidArgumentError):
        dataclasses.replace(default_market_config(), **change)  # type: ignore[arg-type]


def test_a_market_needs_distinct_underlyings() -> None:
    with pytest.raises(InvalidArgumentError):
        MarketConfig(underlyings=())
    nifty = default_market_config().underlyings[0]
    with pytest.raises(InvalidArgumentError):
        MarketConfig(underlyings=(nifty, nifty))


def test_specs_that_would_allow_arbitrage_are_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        UnderlyingSpec("NIFTY", 24_000.0, 50.0, skew=-0.6, smile=1.5)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        SyntheticMarket(default_market_config(), dt.datetime(2026, 11, 25, 9, 15))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_recorded_session_replays_into_the_same_ticks(tmp_path: Path, suffix: str) -> None:
    feed = market()
    session = [tick for step in range(1, 4) for tick in feed.ticks(400, START_NS + step * SECOND)]
    path = tmp_path / f"session{suffix}"
    write_ticks(session, path)
    assert list(read_ticks(path)) == session
