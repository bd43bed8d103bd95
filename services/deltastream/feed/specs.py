"""What the synthetic market simulates: one spec per underlying and the market-wide dynamics.

The defaults describe NSE index options as they trade (late 2020s): NIFTY near 24,000 with
50-point strikes and weekly Tuesday expiries, BANKNIFTY near 52,000 with 100-point strikes and
FINNIFTY near 23,500, both monthly only. Every spec is checked when it is built, so a market
can never be configured into static arbitrage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deltastream.errors import InvalidArgumentError
from deltastream.feed.expiries import ExpirySchedule
from deltastream.feed.surface import check_ssvi_parameters, check_term_structure


@dataclass(frozen=True, slots=True)
class UnderlyingSpec:
    """One underlying and the shape of its option chain."""

    name: str
    """Symbol, e.g. ``NIFTY``."""
    spot: float
    """Initial price of the underlying."""
    strike_step: float
    """Distance between listed strikes."""
    strikes_each_side: int = 20
    """Strikes listed above and below the at-the-money strike."""
    atm_vol: float = 0.13
    """At-the-money implied volatility at the short end (also the diffusion volatility)."""
    long_vol: float = 0.15
    """At-the-money implied volatility the term structure tends to for long expiries."""
    term_decay: float = 6.0
    """Rate (per year) at which the ATM term structure moves from short to long volatility."""
    skew: float = -0.45
    """SSVI ``rho``: negative gives the put skew of equity indices."""
    smile: float = 1.1
    """SSVI ``eta``: smile curvature; ``smile * (1 + |skew|) <= 2``."""
    smile_decay: float = 0.4
    """SSVI ``gamma`` in (0, 1/2]: how fast curvature flattens with total variance."""
    dividend_yield: float = 0.012
    """Continuous dividend yield of the index."""
    expiries: ExpirySchedule = field(default_factory=ExpirySchedule)
    """Which expiries are listed."""
    open_interest_scale: int = 120_000
    """Open interest (contracts) of an at-the-money option of the nearest expiry."""

    def __post_init__(self) -> None:
        if not self.name or not self.name.isascii() or not self.name.isupper():
            raise InvalidArgumentError("name", f"expected an upper-case symbol, got {self.name!r}")
        if not (self.spot > 0.0 and self.strike_step > 0.0):
            raise InvalidArgumentError("spot", "spot and strike step must be positive")
        if self.strikes_each_side < 1 or self.open_interest_scale < 1:
            raise InvalidArgumentError("strikes_each_side", "need at least one strike a side")
        if not 0.0 <= self.dividend_yield < 1.0:
            raise InvalidArgumentError("dividend_yield", f"out of range: {self.dividend_yield}")
        check_term_structure(self.atm_vol, self.long_vol, self.term_decay)
        check_ssvi_parameters(self.skew, self.smile, self.smile_decay)


@dataclass(frozen=True, slots=True)
class MarketConfig:
    """The whole synthetic market: underlyings, rates, dynamics, microstructure and seed."""

    underlyings: tuple[UnderlyingSpec, ...]
    """The underlyings simulated; names must be distinct."""
    risk_free_rate: float = 0.065
    """Continuously compounded risk-free rate."""
    seed: int = 7
    """Seed of the one random generator: same seed and calls, same ticks."""
    jump_intensity: float = 6.0
    """Expected number of jumps of each underlying per year."""
    jump_mean: float = -0.005
    """Mean log size of a jump."""
    jump_volatility: float = 0.012
    """Standard deviation of the log size of a jump."""
    vol_of_vol: float = 1.2
    """Volatility (per sqrt year) of the log of the short-end ATM volatility."""
    vol_mean_reversion: float = 10.0
    """Speed (per year) at which the short-end ATM volatility returns to its base."""
    spot_vol_correlation: float = -0.7
    """Correlation of underlying returns with volatility moves (the leverage effect)."""
    tick_size: float = 0.05
    """Price tick of option quotes, in rupees."""
    relative_spread: float = 0.004
    """Half-spread as a fraction of the option price."""
    spread_widening: float = 0.6
    """Extra half-spread, in ticks, per standard deviation of moneyness away from the money."""
    mean_trade_size: float = 12.0
    """Mean contracts traded per quote of an at-the-money option of the nearest expiry."""
    quotes_per_underlying_tick: int = 50
    """An underlying is printed at least once per this many option quotes."""

    def __post_init__(self) -> None:
        names = [spec.name for spec in self.underlyings]
        if not names or len(set(names)) != len(names):
            raise InvalidArgumentError("underlyings", "need at least one, names distinct")
        if min(self.jump_intensity, self.jump_volatility, self.vol_of_vol) < 0.0:
            raise InvalidArgumentError("jump_intensity", "intensities and volatilities >= 0")
        if not -1.0 <= self.spot_vol_correlation <= 1.0:
            raise InvalidArgumentError("spot_vol_correlation", "must lie in [-1, 1]")
        if min(self.tick_size, self.relative_spread, self.vol_mean_reversion) <= 0.0:
            raise InvalidArgumentError("tick_size", "tick, spread and mean reversion > 0")
        if self.spread_widening < 0.0 or self.mean_trade_size < 0.0:
            raise InvalidArgumentError("spread_widening", "must not be negative")
        if self.quotes_per_underlying_tick < 1:
            raise InvalidArgumentError("quotes_per_underlying_tick", "must be at least 1")


def default_underlyings() -> tuple[UnderlyingSpec, ...]:
    """NIFTY (weekly and monthly expiries), BANKNIFTY and FINNIFTY (monthly)."""
    return (
        UnderlyingSpec(
            name="NIFTY",
            spot=24_000.0,
            strike_step=50.0,
            expiries=ExpirySchedule(weekly=3, monthly=2),
            open_interest_scale=150_000,
        ),
        UnderlyingSpec(
            name="BANKNIFTY",
            spot=52_000.0,
            strike_step=100.0,
            atm_vol=0.15,
            long_vol=0.16,
            skew=-0.4,
            dividend_yield=0.009,
            open_interest_scale=60_000,
        ),
        UnderlyingSpec(
            name="FINNIFTY",
            spot=23_500.0,
            strike_step=50.0,
            atm_vol=0.14,
            long_vol=0.155,
            skew=-0.35,
            dividend_yield=0.01,
            open_interest_scale=15_000,
        ),
    )


def default_market_config(seed: int = 7) -> MarketConfig:
    """The default market: the three NSE indices under the given seed."""
    return MarketConfig(underlyings=default_underlyings(), seed=seed)
