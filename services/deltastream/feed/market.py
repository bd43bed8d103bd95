"""The synthetic NSE option market the feed publishes when it is not replaying a file.

``SyntheticMarket`` keeps every listed option of every underlying in flat numpy arrays
(``chain.py``) and, on each ``ticks()`` call, moves the underlyings over the elapsed time
(``dynamics.py``), picks which options get a quote (liquid ones more often), prices those on an
arbitrage-free SSVI surface with Black-Scholes-Merton (``surface.py``), and puts a tick-rounded
bid/ask, a trade and an open interest change around each price (``quoting.py``). One seeded
random generator drives everything, so the same seed and calls give the same ticks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from deltastream.errors import InvalidArgumentError
from deltastream.feed.chain import Chain, atm_strike, build_chain
from deltastream.feed.dynamics import diffuse, initial_state
from deltastream.feed.expiries import (
    EXCHANGE_TIMEZONE,
    SECONDS_PER_YEAR,
    TradingCalendar,
    expiry_instant,
    listed_expiries,
)
from deltastream.feed.quoting import (
    evolve_open_interest,
    quote_sides,
    round_to_tick,
    trade_prices,
    trade_sizes,
)
from deltastream.feed.specs import (
    MarketConfig,
    UnderlyingSpec,
    default_market_config,
    default_underlyings,
)
from deltastream.feed.surface import atm_total_variance, ssvi_total_variance
from deltastream.market.quotes import OptionQuote, OptionType, Tick, UnderlyingTick
from deltastream.quant import bsm_price

__all__ = [
    "ChainSnapshot",
    "MarketConfig",
    "SyntheticMarket",
    "UnderlyingSpec",
    "default_market_config",
    "default_underlyings",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_NS_PER_SECOND = 1_000_000_000
_MIN_TIME_TO_EXPIRY = 1.0 / SECONDS_PER_YEAR
_OPEN_INTEREST_NOISE = 0.35
_RECENTRE_FRACTION = 4
"""Relist strikes once spot is a quarter of the grid's half-width away from its centre."""
_PRICE_DECIMALS = 2
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class ChainSnapshot:
    """Model values of every listed option at the market's clock (for inspection and tests)."""

    underlyings: tuple[str, ...]
    expiry_dates: tuple[dt.date, ...]
    underlying: IntArray
    expiry_slot: IntArray
    strike: FloatArray
    is_call: npt.NDArray[np.bool_]
    spot: FloatArray
    time_to_expiry: FloatArray
    forward: FloatArray
    total_variance: FloatArray
    model_price: FloatArray
    bid: FloatArray
    ask: FloatArray


class SyntheticMarket:
    """A seeded, vectorized simulation of NSE index options (see the module docstring)."""

    def __init__(self, config: MarketConfig, start: dt.datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise InvalidArgumentError("start", "must carry a time zone")
        self._config = config
        self._specs = config.underlyings
        self._names = tuple(spec.name for spec in config.underlyings)
        self._rng = np.random.default_rng(config.seed)
        self._calendar = TradingCalendar()
        self._state = initial_state(config)
        self._parameters = _SurfaceParameters.of(config)
        self._clock_ns = _to_ns(start)
        self._day = _exchange_day(self._clock_ns)
        self._quotes_since_print = np.full(len(self._specs), config.quotes_per_underlying_tick)
        self._chain = self._relist(None)

    @property
    def instruments(self) -> int:
        """Number of option instruments listed (and quoted) right now."""
        return self._chain.size

    @property
    def underlyings(self) -> tuple[str, ...]:
        """Names of the simulated underlyings."""
        return self._names

    def ticks(self, count: int, timestamp_ns: int) -> list[Tick]:
        """The next ``count`` ticks at ``timestamp_ns`` (see the module docstring).

        Time never runs backwards: an earlier timestamp than the previous call's moves
        nothing, and the ticks carry the timestamp given.
        """
        if count < 0:
            raise InvalidArgumentError("count", f"must not be negative, got {count}")
        self._advance(timestamp_ns)
        prints = self._underlying_ticks(count, timestamp_ns)
        return prints + self._option_quotes(count - len(prints), timestamp_ns)

    def snapshot(self) -> ChainSnapshot:
        """Model price, total variance and quote sides of every listed option, without trading."""
        chain = self._chain
        every = np.arange(chain.size)
        price, moneyness, T, forward, variance = self._model(every)
        bid, ask = self._sides(price, moneyness)
        return ChainSnapshot(
            underlyings=self._names,
            expiry_dates=chain.expiry_dates,
            underlying=chain.underlying.copy(),
            expiry_slot=chain.expiry_slot.copy(),
            strike=chain.strike.copy(),
            is_call=chain.is_call.copy(),
            spot=self._state.spot[chain.underlying],
            time_to_expiry=T,
            forward=forward,
            total_variance=variance,
            model_price=price,
            bid=bid,
            ask=ask,
        )

    def _advance(self, timestamp_ns: int) -> None:
        """Diffuse over the elapsed time, reset volume at a new day, relist when needed."""
        elapsed_ns = timestamp_ns - self._clock_ns
        if elapsed_ns <= 0:
            return
        diffuse(
            self._rng, self._state, self._config, elapsed_ns / _NS_PER_SECOND / SECONDS_PER_YEAR
        )
        self._clock_ns = timestamp_ns
        day = _exchange_day(timestamp_ns)
        if day != self._day:
            self._day = day
            self._chain.volume[:] = 0
        if timestamp_ns >= self._next_expiry_ns or self._drifted():
            self._chain = self._relist(self._chain)

    def _drifted(self) -> bool:
        """True when some underlying is far from the centre of its strike grid."""
        for index, spec in enumerate(self._specs):
            centre_distance = abs(
                atm_strike(float(self._state.spot[index]), spec.strike_step)
                - self._chain.centres[index]
            )
            threshold = max(spec.strikes_each_side // _RECENTRE_FRACTION, 1) * spec.strike_step
            if centre_distance >= threshold:
                return True
        return False

    def _relist(self, previous: Chain | None) -> Chain:
        """List the current expiries and strikes; new options get open interest and a last."""
        now = dt.datetime.fromtimestamp(self._clock_ns / _NS_PER_SECOND, tz=dt.UTC)
        expiries = [listed_expiries(spec.expiries, now, self._calendar) for spec in self._specs]
        chain = build_chain(self._specs, self._state.spot.tolist(), expiries, previous)
        self._expiry_ns = np.array([_to_ns(expiry_instant(day)) for day in chain.expiry_dates])
        self._next_expiry_ns = int(self._expiry_ns.min())
        self._log_activity = np.log(chain.activity)
        self._chain = chain
        self._initialise(np.flatnonzero(chain.is_new))
        return chain

    def _initialise(self, new: IntArray) -> None:
        if new.size == 0:
            return
        chain = self._chain
        scale = np.array([spec.open_interest_scale for spec in self._specs])[chain.underlying[new]]
        noise = self._rng.lognormal(0.0, _OPEN_INTEREST_NOISE, new.size)
        chain.open_interest[new] = np.rint(scale * chain.activity[new] * noise).astype(np.int64)
        chain.last[new] = round_to_tick(self._model(new)[0], self._config.tick_size)

    def _underlying_ticks(self, count: int, timestamp_ns: int) -> list[Tick]:
        """Prints of the underlyings that are due (at most ``count``)."""
        due = np.flatnonzero(self._quotes_since_print >= self._config.quotes_per_underlying_tick)
        due = due[:count]
        self._quotes_since_print[due] = 0
        prices = np.round(self._state.spot[due], _PRICE_DECIMALS).tolist()
        return [
            UnderlyingTick(self._names[index], price, timestamp_ns)
            for index, price in zip(due.tolist(), prices, strict=True)
        ]

    def _option_quotes(self, count: int, timestamp_ns: int) -> list[Tick]:
        """``count`` quotes, each option at most once per round through the chain."""
        quotes: list[Tick] = []
        while count > 0:
            batch = min(count, self._chain.size)
            quotes.extend(self._quote(self._pick(batch), timestamp_ns))
            count -= batch
        return quotes

    def _pick(self, count: int) -> IntArray:
        """``count`` distinct options, drawn in proportion to activity (Gumbel top-k)."""
        keys = self._log_activity + self._rng.gumbel(size=self._chain.size)
        if count >= keys.size:
            return np.argsort(-keys).astype(np.int64)
        return np.argpartition(-keys, count - 1)[:count].astype(np.int64)

    def _quote(self, picked: IntArray, timestamp_ns: int) -> list[OptionQuote]:
        """Price, quote and trade the picked options; their ticks."""
        chain, config = self._chain, self._config
        price, moneyness, *_ = self._model(picked)
        bid, ask = self._sides(price, moneyness)
        traded = trade_sizes(self._rng, chain.activity[picked], config.mean_trade_size)
        chain.volume[picked] += traded
        chain.open_interest[picked] = evolve_open_interest(
            self._rng, chain.open_interest[picked], traded
        )
        fills = trade_prices(self._rng, bid, ask, config.tick_size)
        chain.last[picked] = np.where(traded > 0, fills, chain.last[picked])
        self._quotes_since_print += picked.size
        return self._build_quotes(picked, bid, ask, timestamp_ns)

    def _build_quotes(
        self, picked: IntArray, bid: FloatArray, ask: FloatArray, timestamp_ns: int
    ) -> list[OptionQuote]:
        chain, names, dates = self._chain, self._names, self._chain.expiry_dates
        kinds = (OptionType.PUT, OptionType.CALL)
        columns = zip(
            chain.underlying[picked].tolist(),
            chain.expiry_slot[picked].tolist(),
            chain.strike[picked].tolist(),
            chain.is_call[picked].tolist(),
            bid.tolist(),
            ask.tolist(),
            chain.last[picked].tolist(),
            chain.volume[picked].tolist(),
            chain.open_interest[picked].tolist(),
            strict=True,
        )
        return [
            OptionQuote(names[u], dates[s], k, kinds[c], b, a, last, v, oi, timestamp_ns)
            for u, s, k, c, b, a, last, v, oi in columns
        ]

    def _model(
        self, picked: IntArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """Price, moneyness (in standard deviations), T, forward and total variance."""
        chain, state, p = self._chain, self._state, self._parameters
        u = chain.underlying[picked]
        T = (self._expiry_ns[chain.expiry_slot[picked]] - self._clock_ns) / _NS_PER_SECOND
        T = np.maximum(T / SECONDS_PER_YEAR, _MIN_TIME_TO_EXPIRY)
        S, K, q, r = state.spot[u], chain.strike[picked], state.dividend_yield[u], p.rate
        forward = S * np.exp((r - q) * T)
        k = np.log(K / forward)
        theta = atm_total_variance(T, state.short_vol[u], p.long_vol[u], p.decay[u])
        w = ssvi_total_variance(k, theta, p.rho[u], p.eta[u], p.gamma[u])
        price = bsm_price(S, K, T, r, q, np.sqrt(w / T), chain.is_call[picked])
        return np.asarray(price, dtype=np.float64), k / np.sqrt(w), T, forward, w

    def _sides(self, price: FloatArray, moneyness: FloatArray) -> tuple[FloatArray, FloatArray]:
        config = self._config
        return quote_sides(
            price, moneyness, config.tick_size, config.relative_spread, config.spread_widening
        )


@dataclass(frozen=True, slots=True)
class _SurfaceParameters:
    """Per-underlying surface parameters as arrays, for vectorized lookups."""

    rate: float
    long_vol: FloatArray
    decay: FloatArray
    rho: FloatArray
    eta: FloatArray
    gamma: FloatArray

    @classmethod
    def of(cls, config: MarketConfig) -> _SurfaceParameters:
        specs = config.underlyings
        return cls(
            rate=config.risk_free_rate,
            long_vol=np.array([s.long_vol for s in specs]),
            decay=np.array([s.term_decay for s in specs]),
            rho=np.array([s.skew for s in specs]),
            eta=np.array([s.smile for s in specs]),
            gamma=np.array([s.smile_decay for s in specs]),
        )


def _to_ns(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1) * 1000


def _exchange_day(timestamp_ns: int) -> dt.date:
    moment = dt.datetime.fromtimestamp(timestamp_ns / _NS_PER_SECOND, tz=EXCHANGE_TIMEZONE)
    return moment.date()
