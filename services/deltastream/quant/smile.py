"""Smile and term-structure statistics of option chains: ATM IV, 25-delta RR and BF.

Inputs are one smile per expiry: strikes and one implied volatility per strike (the chain's
out-of-the-money side is the usual choice), the forward and the time to expiry. Deltas are
forward (undiscounted) Black deltas, the convention for quoting smiles:

- ``atm_iv``: the volatility at the forward, linear in log-moneyness between neighbours;
- ``smile_summary``: ATM IV, the volatilities at the 25-delta call and put, the risk
  reversal ``iv(25Δ call) - iv(25Δ put)`` and the butterfly
  ``(iv(25Δ call) + iv(25Δ put))/2 - atm``; NaN where the smile does not reach 25 delta;
- ``term_structure``: ATM IVs sorted by expiry with the forward volatility between
  consecutive expiries (NaN where total variance falls: calendar arbitrage in the quotes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from deltastream.quant.arrays import FloatArray
from deltastream.quant.special import norm_cdf

WING_DELTA = 0.25


def _clean_smile(strikes: ArrayLike, ivs: ArrayLike) -> tuple[FloatArray, FloatArray]:
    k = np.asarray(strikes, dtype=np.float64).ravel()
    v = np.asarray(ivs, dtype=np.float64).ravel()
    usable = np.isfinite(k) & np.isfinite(v) & (k > 0) & (v > 0)
    order = np.argsort(k[usable], kind="stable")
    return k[usable][order], v[usable][order]


def atm_iv(strikes: ArrayLike, ivs: ArrayLike, forward: float) -> float:
    """Implied volatility at the forward; NaN unless strikes lie on both sides of it."""
    k, v = _clean_smile(strikes, ivs)
    if k.size == 0 or not np.isfinite(forward) or not k[0] <= forward <= k[-1]:
        return float("nan")
    return float(np.interp(np.log(forward), np.log(k), v))


@dataclass(frozen=True, slots=True)
class SmileSummary:
    """ATM IV and the 25-delta wing statistics of one expiry."""

    atm_iv: float
    call_wing_iv: float
    put_wing_iv: float
    risk_reversal: float
    butterfly: float


def _iv_at_call_delta(
    k: FloatArray, v: FloatArray, forward: float, T: float, target: float
) -> float:
    """Volatility where the forward call delta Φ(d1) equals ``target`` (inverse interpolation)."""
    s = v * np.sqrt(T)
    call_delta = norm_cdf(np.log(forward / k) / s + 0.5 * s)  # decreasing in strike
    ascending = call_delta[::-1]
    if not ascending[0] <= target <= ascending[-1] or np.any(np.diff(ascending) <= 0):
        return float("nan")
    return float(np.interp(target, ascending, v[::-1]))


def smile_summary(
    strikes: ArrayLike, ivs: ArrayLike, forward: float, time_to_expiry: float
) -> SmileSummary:
    """ATM IV, 25-delta call and put IVs, risk reversal and butterfly of one smile."""
    k, v = _clean_smile(strikes, ivs)
    atm = atm_iv(k, v, forward)
    if k.size < 2 or not time_to_expiry > 0:
        nan = float("nan")
        return SmileSummary(atm, nan, nan, nan, nan)
    call_wing = _iv_at_call_delta(k, v, forward, time_to_expiry, WING_DELTA)
    put_wing = _iv_at_call_delta(k, v, forward, time_to_expiry, 1.0 - WING_DELTA)
    return SmileSummary(
        atm_iv=atm,
        call_wing_iv=call_wing,
        put_wing_iv=put_wing,
        risk_reversal=call_wing - put_wing,
        butterfly=0.5 * (call_wing + put_wing) - atm,
    )


@dataclass(frozen=True, slots=True)
class TermStructure:
    """ATM IV by expiry (ascending), and the forward volatility from the previous expiry."""

    time_to_expiry: FloatArray
    atm_iv: FloatArray
    forward_vol: FloatArray


def term_structure(times_to_expiry: ArrayLike, atm_ivs: ArrayLike) -> TermStructure:
    """Sort ATM IVs by expiry and derive forward volatilities between expiries.

    The first forward volatility is the first ATM IV itself (forward from now).
    """
    t = np.asarray(times_to_expiry, dtype=np.float64).ravel()
    v = np.asarray(atm_ivs, dtype=np.float64).ravel()
    usable = np.isfinite(t) & np.isfinite(v) & (t > 0)
    order = np.argsort(t[usable], kind="stable")
    t, v = t[usable][order], v[usable][order]
    variance = v * v * t
    with np.errstate(invalid="ignore", divide="ignore"):
        forward_variance = np.diff(variance, prepend=0.0) / np.diff(t, prepend=0.0)
        forward_vol = np.where(forward_variance >= 0, np.sqrt(forward_variance), np.nan)
    return TermStructure(time_to_expiry=t, atm_iv=v, forward_vol=forward_vol)
