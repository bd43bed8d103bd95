"""Prices, Greeks and implied volatilities against independent implementations.

QuantLib (``BlackCalculator``) and vollib (Let's Be Rational, analytical Greeks) on thousands of
seeded random options across moneyness 0.5-2, one hour to two years, vols 1%-300%; mpmath at
50 digits where those two lose digits themselves (tiny out-of-the-money values, second-order
Greeks that neither provides).
"""

from __future__ import annotations

import math

import mpmath  # type: ignore[import-untyped]
import numpy as np
import pytest
import QuantLib as ql  # noqa: N813 - QuantLib's own documentation spells it so
from py_lets_be_rational.exceptions import (  # type: ignore[import-untyped]
    AboveMaximumException,
    BelowIntrinsicException,
)
from vollib.black_scholes_merton import black_scholes_merton as vollib_price
from vollib.black_scholes_merton.greeks import analytical as vollib_greeks
from vollib.black_scholes_merton.implied_volatility import implied_volatility as vollib_iv

from deltastream.quant import IvReason, bsm_price, greeks, implied_vol_with_reason
from deltastream.quant.greeks import GreekName

from .books import ARGUMENTS, EPSILON, Book, attainable_error, random_book

RELATIVE = 1e-9
# QuantLib prices with F·Φ(d1) - K·Φ(d2): its rounding is ε·S in absolute terms.
SCALE = {"price": 100.0, "delta": 1.0, "gamma": 0.01, "vega": 1.0, "theta": 0.01, "rho": 1.0}


def _ours(book: Book) -> dict[str, np.ndarray]:
    g = greeks(**book)
    first_order: tuple[GreekName, ...] = ("delta", "gamma", "vega", "theta", "rho")
    return {"price": bsm_price(**book), **{k: g[k] for k in first_order}}


def _quantlib(book: Book, i: int) -> dict[str, float]:
    S, K, T, r, q, sigma = (float(book[k][i]) for k in ("S", "K", "T", "r", "q", "sigma"))
    kind = ql.Option.Call if book["is_call"][i] else ql.Option.Put
    forward, discount = S * math.exp((r - q) * T), math.exp(-r * T)
    calc = ql.BlackCalculator(
        ql.PlainVanillaPayoff(kind, K), forward, sigma * math.sqrt(T), discount
    )
    return {
        "price": calc.value(),
        "delta": calc.delta(S),
        "gamma": calc.gamma(S),
        "vega": calc.vega(T) * 0.01,
        "theta": calc.theta(S, T) / 365,
        "rho": calc.rho(T) * 0.01,
    }


def _vollib(book: Book, i: int) -> dict[str, float]:
    flag = "c" if book["is_call"][i] else "p"
    S, K, T, r, q, sigma = (float(book[k][i]) for k in ("S", "K", "T", "r", "q", "sigma"))
    values = {"price": vollib_price(flag, S, K, T, r, sigma, q)}
    for name in ("delta", "gamma", "vega", "theta", "rho"):
        values[name] = getattr(vollib_greeks, name)(flag, S, K, T, r, sigma, q)
    return values


@pytest.mark.parametrize("reference", [_quantlib, _vollib], ids=["QuantLib", "vollib"])
def test_prices_and_greeks_agree_to_1e9_relative(reference: object) -> None:
    assert callable(reference)
    book = random_book(3000, seed=21)
    ours = _ours(book)
    theirs = [reference(book, i) for i in range(3000)]
    for name, scale in SCALE.items():
        expected = np.array([row[name] for row in theirs])
        tolerance = RELATIVE * np.abs(expected) + 1e-12 * scale
        if name == "theta":  # QuantLib's theta divides rounding of size ε·S by T
            tolerance += 8 * EPSILON * book["S"] / (365 * book["T"])
        assert np.all(np.abs(ours[name] - expected) <= tolerance), name


def _mp_price(arguments: list[float], call: bool) -> mpmath.mpf:
    S, K, T, r, q, sigma = (mpmath.mpf(a) for a in arguments)
    s = sigma * mpmath.sqrt(T)
    d1 = (mpmath.log(S / K) + (r - q) * T) / s + s / 2
    d2 = d1 - s
    spot, strike = S * mpmath.exp(-q * T), K * mpmath.exp(-r * T)
    if call:
        return spot * mpmath.ncdf(d1) - strike * mpmath.ncdf(d2)
    return strike * mpmath.ncdf(-d2) - spot * mpmath.ncdf(-d1)


def test_tiny_out_of_the_money_prices_keep_their_relative_accuracy() -> None:
    book = random_book(400, seed=5)
    price = bsm_price(**book)
    with mpmath.workdps(50):
        for i in np.flatnonzero((price > 1e-280) & (price < 1e-3))[:150]:
            args = [float(book[k][i]) for k in ("S", "K", "T", "r", "q", "sigma")]
            exact = _mp_price(args, bool(book["is_call"][i]))
            assert abs(price[i] / float(exact) - 1) < 1e-12


def _mp_greeks(arguments: list[float], call: bool) -> dict[GreekName, float]:
    S, K, T, r, q, sigma = arguments

    def price(spot: float, vol: float, time: float, rate: float) -> mpmath.mpf:
        return _mp_price([spot, K, time, rate, q, vol], call)

    def d(orders: tuple[int, int, int, int]) -> float:
        return float(mpmath.diff(price, (S, sigma, T, r), orders))

    return {
        "delta": d((1, 0, 0, 0)),
        "gamma": d((2, 0, 0, 0)),
        "vega": 0.01 * d((0, 1, 0, 0)),
        "theta": -d((0, 0, 1, 0)) / 365,
        "rho": 0.01 * d((0, 0, 0, 1)),
        "vanna": 0.01 * d((1, 1, 0, 0)),
        "volga": 1e-4 * d((0, 2, 0, 0)),
        "charm": -d((1, 0, 1, 0)) / 365,
    }


def test_every_greek_against_high_precision_derivatives() -> None:
    book = random_book(40, seed=8)
    book["T"] = np.clip(book["T"], 0.02, 2.0)
    book["sigma"] = np.clip(book["sigma"], 0.05, 1.5)
    book["K"] = np.clip(book["K"], 70, 140)
    g = greeks(**book)
    with mpmath.workdps(40):
        for i in range(40):
            arguments = [float(book[k][i]) for k in ("S", "K", "T", "r", "q", "sigma")]
            exact = _mp_greeks(arguments, bool(book["is_call"][i]))
            for name, value in exact.items():
                assert math.isclose(g[name][i], value, rel_tol=1e-9, abs_tol=1e-13), name


def test_implied_volatility_agrees_with_lets_be_rational_where_vega_matters() -> None:
    book = random_book(3000, seed=13)
    price = bsm_price(**book)
    vol, reason = implied_vol_with_reason(price, *(book[k] for k in ARGUMENTS))
    informative = np.flatnonzero(attainable_error(book, price) < 1e-12)
    assert informative.size > 1200
    for i in informative:
        S, K, T, r, q = (float(book[k][i]) for k in ("S", "K", "T", "r", "q"))
        flag = "c" if book["is_call"][i] else "p"
        assert reason[i] == IvReason.OK
        assert abs(vol[i] - vollib_iv(float(price[i]), S, K, T, r, q, flag)) < 1e-10
        assert abs(vol[i] - book["sigma"][i]) < 1e-10


@pytest.mark.parametrize(
    ("price", "K", "is_call", "error", "reason"),
    [
        (15.0, 80.0, True, BelowIntrinsicException, IvReason.BELOW_INTRINSIC),
        (15.0, 120.0, False, BelowIntrinsicException, IvReason.BELOW_INTRINSIC),
        (100.5, 80.0, True, AboveMaximumException, IvReason.ABOVE_UPPER_BOUND),
        (121.0, 120.0, False, AboveMaximumException, IvReason.ABOVE_UPPER_BOUND),
    ],
)
def test_no_volatility_where_lets_be_rational_finds_none(
    price: float, K: float, is_call: bool, error: type[Exception], reason: IvReason
) -> None:
    with pytest.raises(error):
        vollib_iv(price, 100.0, K, 0.5, 0.0, 0.0, "c" if is_call else "p")
    vol, code = implied_vol_with_reason(price, 100.0, K, 0.5, 0.0, 0.0, is_call)
    assert code == reason
    assert math.isnan(vol)
