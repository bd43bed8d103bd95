"""ATM IV, 25-delta risk reversal and butterfly, and the term structure on hand-built smiles."""

from __future__ import annotations

import math

import numpy as np

from deltastream.quant.smile import atm_iv, smile_summary, term_structure
from deltastream.quant.special import norm_cdf


def test_atm_iv_interpolates_in_log_moneyness() -> None:
    strikes, ivs = [90.0, 100.0, 110.0], [0.25, 0.20, 0.18]
    assert atm_iv(strikes, ivs, 100.0) == 0.20
    expected = 0.20 + (0.18 - 0.20) * math.log(105 / 100) / math.log(110 / 100)
    assert math.isclose(atm_iv(strikes, ivs, 105.0), expected, rel_tol=1e-14)
    assert math.isnan(atm_iv(strikes, ivs, 120.0))


def test_flat_smile_has_no_risk_reversal_or_butterfly() -> None:
    strikes = np.linspace(60, 140, 81)
    summary = smile_summary(strikes, np.full(81, 0.3), 100.0, 0.5)
    assert math.isclose(summary.atm_iv, 0.3)
    assert abs(summary.risk_reversal) < 1e-12
    assert abs(summary.butterfly) < 1e-12


def test_wing_ivs_sit_at_25_delta() -> None:
    strikes = np.linspace(50, 150, 201)
    forward, T = 100.0, 0.25
    ivs = 0.2 - 0.1 * np.log(strikes / forward) + 0.3 * np.log(strikes / forward) ** 2  # skew
    summary = smile_summary(strikes, ivs, forward, T)
    for wing_iv, delta in [(summary.call_wing_iv, 0.25), (summary.put_wing_iv, 0.75)]:
        # Find the strike whose own volatility gives that forward call delta, then its vol.
        s = ivs * math.sqrt(T)
        deltas = norm_cdf(np.log(forward / strikes) / s + 0.5 * s)
        strike = np.interp(delta, deltas[::-1], strikes[::-1])
        assert math.isclose(wing_iv, float(np.interp(strike, strikes, ivs)), abs_tol=2e-5)
    assert summary.risk_reversal < 0  # put skew: downside vol above upside
    assert summary.butterfly > 0  # smile: wings above the money
    assert math.isclose(
        summary.butterfly, 0.5 * (summary.call_wing_iv + summary.put_wing_iv) - summary.atm_iv
    )


def test_narrow_smile_has_no_wings() -> None:
    summary = smile_summary([99.0, 100.0, 101.0], [0.2, 0.2, 0.2], 100.0, 1.0)
    assert math.isnan(summary.risk_reversal)
    assert math.isclose(summary.atm_iv, 0.2)


def test_term_structure_sorts_and_gives_forward_vols() -> None:
    ts = term_structure([0.5, 0.25, 1.0], [0.22, 0.20, 0.21])
    assert list(ts.time_to_expiry) == [0.25, 0.5, 1.0]
    assert list(ts.atm_iv) == [0.20, 0.22, 0.21]
    forward_vol = math.sqrt((0.22**2 * 0.5 - 0.20**2 * 0.25) / 0.25)
    assert math.isclose(ts.forward_vol[1], forward_vol, rel_tol=1e-12)
    assert math.isclose(ts.forward_vol[0], 0.20)


def test_falling_total_variance_has_no_forward_vol() -> None:
    ts = term_structure([0.25, 0.5], [0.40, 0.20])  # 0.04 then 0.02: calendar arbitrage
    assert math.isnan(ts.forward_vol[1])
