"""The Analytics computations on hand-built chain documents: which numbers feed the smile,
build-up against a baseline, IV standing, term structure and the fitted surface."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream.analytics import compute
from deltastream.quant import BuildUp
from deltastream.quant.surface import SviSlice
from tests.unit.analytics.documents import chain, side, smile_chain

NAN = math.nan


def test_the_smile_takes_puts_below_the_forward_and_calls_at_and_above_it() -> None:
    document = chain(
        [90, 100, 110],
        calls=side([0.31, 0.21, 0.11]),
        puts=side([0.32, 0.22, 0.12]),
        forward=100.0,
    )
    strikes, ivs = compute.otm_smile(document)
    assert strikes.tolist() == [90.0, 100.0, 110.0]
    assert ivs.tolist() == [0.32, 0.21, 0.11]


def test_the_smile_falls_back_to_the_other_side_and_skips_invalid_ivs() -> None:
    calls = side([0.31, 0.21, NAN], present=[True, True, True])
    puts = side([NAN, 0.22, 0.12], present=[True, False, True])
    _, ivs = compute.otm_smile(chain([90, 100, 110], calls=calls, puts=puts))
    assert ivs.tolist() == [0.31, 0.21, 0.12]


def test_a_flat_smile_has_no_risk_reversal_or_butterfly() -> None:
    stats = compute.smile_statistics(smile_chain(lambda k: np.full(k.shape, 0.18)))
    assert stats.atm_iv == pytest.approx(0.18, abs=1e-12)
    assert stats.risk_reversal == pytest.approx(0.0, abs=1e-12)
    assert stats.butterfly == pytest.approx(0.0, abs=1e-12)


def test_a_put_skew_has_a_negative_risk_reversal_and_a_linear_one_no_butterfly() -> None:
    stats = compute.smile_statistics(smile_chain(lambda k: 0.2 - 0.3 * k))
    assert stats.atm_iv == pytest.approx(0.2, abs=1e-9)
    assert stats.risk_reversal < 0
    assert stats.put_wing_iv > stats.atm_iv > stats.call_wing_iv
    # iv is linear in k, so the butterfly is -0.3 times the wings' mean log-moneyness
    assert abs(stats.butterfly) < 0.01


def test_iv_standing_of_a_known_history() -> None:
    standing = compute.iv_standing([0.1, 0.2, 0.3, NAN, 0.4], 0.25)
    assert standing.samples == 4
    assert (standing.low, standing.high) == (0.1, 0.4)
    assert standing.iv_rank == pytest.approx(100 * 0.15 / 0.3)
    assert standing.iv_percentile == pytest.approx(50.0)


def test_iv_standing_without_history_is_nan() -> None:
    standing = compute.iv_standing([], 0.2)
    assert standing.samples == 0
    assert math.isnan(standing.iv_rank)
    assert math.isnan(standing.iv_percentile)
    assert math.isnan(standing.low)


@given(
    history=st.lists(st.floats(0.01, 2.0), min_size=1, max_size=50),
    current=st.floats(0.01, 2.0),
)
@settings(max_examples=60, deadline=None)
def test_iv_percentile_is_the_share_below_and_rank_is_within_the_range(
    history: list[float], current: float
) -> None:
    standing = compute.iv_standing(history, current)
    below = sum(1 for value in history if value < current)
    assert standing.iv_percentile == pytest.approx(100 * below / len(history))
    if min(history) <= current <= max(history) and max(history) > min(history):
        assert 0 <= standing.iv_rank <= 100 + 1e-9


def test_start_of_day_is_midnight_utc() -> None:
    noon = (20_000 * 86_400 + 12 * 3600) * 10**9 + 5
    assert compute.start_of_day_ns(noon) == 20_000 * 86_400 * 10**9
    assert compute.start_of_day_ns(20_000 * 86_400 * 10**9) == 20_000 * 86_400 * 10**9


def _build_up_pair() -> tuple[dict[str, object], dict[str, object]]:
    strikes = [90, 100, 110, 120]
    baseline = chain(
        [80, 90, 100, 110],  # 120 is new since the baseline, 80 is gone
        calls=side([0.2] * 4, last=[30, 20, 10, 5], open_interest=[10, 100, 100, 100]),
        puts=side([0.2] * 4, last=[1, 2, 5, 10], open_interest=[10, 100, 100, 100]),
    )
    latest = chain(
        strikes,
        # 90 up/up, 100 down/up, 110 up/down, 120 new
        calls=side([0.2] * 4, last=[22, 8, 6, 3], open_interest=[150, 130, 90, 40]),
        # 90 down/down, 100 unchanged price, 110 no trade: the mid (12) counts
        puts=side(
            [0.2] * 4,
            last=[1.5, 5, 0, 9],
            mid=[1.5, 5, 12, 9],
            open_interest=[80, 120, 100, 70],
        ),
    )
    return latest, baseline


def test_build_up_reads_price_and_open_interest_changes_per_option() -> None:
    latest, baseline = _build_up_pair()
    table = compute.build_up_table(latest, baseline)
    assert table.calls.price_change[:3].tolist() == [2.0, -2.0, 1.0]
    assert table.calls.open_interest_change[:3].tolist() == [50.0, 30.0, -10.0]
    assert table.calls.code.tolist() == [
        BuildUp.LONG_BUILD_UP,
        BuildUp.SHORT_BUILD_UP,
        BuildUp.SHORT_COVERING,
        BuildUp.NEUTRAL,
    ]
    assert math.isnan(table.calls.price_change[3])
    assert table.puts.price.tolist() == [1.5, 5.0, 12.0, 9.0]
    assert table.puts.code.tolist() == [
        BuildUp.LONG_UNWINDING,
        BuildUp.NEUTRAL,
        BuildUp.NEUTRAL,  # price up 2, open interest unchanged
        BuildUp.NEUTRAL,
    ]


def test_build_up_without_a_baseline_is_all_unknown() -> None:
    latest, _ = _build_up_pair()
    table = compute.build_up_table(latest, None)
    assert np.isnan(table.calls.price_change).all()
    assert np.isnan(table.puts.open_interest_change).all()
    assert set(table.calls.code.tolist()) == {BuildUp.NEUTRAL}
    assert table.calls.open_interest.tolist() == [150, 130, 90, 40]


def test_a_side_missing_in_the_baseline_has_no_change() -> None:
    latest, baseline = _build_up_pair()
    baseline["calls"]["present"] = [True, False, True, True]  # type: ignore[index]
    table = compute.build_up_table(latest, baseline)
    assert math.isnan(table.calls.price_change[0])
    assert math.isnan(table.calls.open_interest_change[0])
    assert table.calls.code[0] == BuildUp.NEUTRAL


def test_align_matches_strikes_in_any_order() -> None:
    values = compute.align(
        np.array([100.0, 105.0, 90.0]), np.array([110.0, 90.0, 100.0]), np.array([3.0, 1.0, 2.0])
    )
    assert values[0] == 2.0
    assert math.isnan(values[1])
    assert values[2] == 1.0
    assert np.isnan(compute.align(np.array([1.0]), np.empty(0), np.empty(0))).all()


def test_term_structure_sorts_by_expiry_and_derives_forward_volatility() -> None:
    far = smile_chain(lambda k: np.full(k.shape, 0.25), time_to_expiry=0.3, expiry="2030-03-01")
    near = smile_chain(lambda k: np.full(k.shape, 0.2), time_to_expiry=0.1, expiry="2030-01-01")
    expired = smile_chain(lambda k: np.full(k.shape, 0.3), time_to_expiry=-0.01)
    points = compute.term_structure([far, expired, near])
    assert [p.expiry for p in points] == ["2030-01-01", "2030-03-01"]
    assert points[0].atm_iv == pytest.approx(0.2)
    assert points[0].forward_vol == pytest.approx(0.2)
    expected = math.sqrt((0.25**2 * 0.3 - 0.2**2 * 0.1) / 0.2)
    assert points[1].forward_vol == pytest.approx(expected)


def test_falling_total_variance_has_no_forward_volatility() -> None:
    near = smile_chain(lambda k: np.full(k.shape, 0.4), time_to_expiry=0.2, expiry="2030-01-01")
    far = smile_chain(lambda k: np.full(k.shape, 0.2), time_to_expiry=0.3, expiry="2030-02-01")
    points = compute.term_structure([near, far])
    assert math.isnan(points[1].forward_vol)


SLICE = SviSlice(a=0.004, b=0.05, rho=-0.5, m=0.02, s=0.12)


def _svi_chain(time_to_expiry: float, expiry: str, scale: float = 1.0) -> dict[str, object]:
    def ivs(k: np.ndarray) -> np.ndarray:
        return np.sqrt(scale * SLICE.total_variance(k) / time_to_expiry)

    return smile_chain(ivs, time_to_expiry=time_to_expiry, expiry=expiry)


def test_surface_recovers_an_svi_smile_and_samples_it_on_the_grid() -> None:
    grid = [-0.2, -0.1, 0.0, 0.1, 0.2]
    result = compute.surface([_svi_chain(0.25, "2030-01-01")], grid)
    assert len(result.slices) == 1
    fitted = result.slices[0]
    assert fitted.quotes == 25
    assert not fitted.butterfly_arbitrage
    for name in ("a", "b", "rho", "m", "s"):
        assert getattr(fitted.svi, name) == pytest.approx(getattr(SLICE, name), abs=1e-4)
    expected = np.sqrt(SLICE.total_variance(np.array(grid)) / 0.25)
    assert result.times_to_expiry.tolist() == [0.25]
    assert np.allclose(result.implied_vol[0], expected, atol=1e-6)
    assert np.allclose(result.total_variance[0], SLICE.total_variance(np.array(grid)), atol=1e-7)


def test_surface_flags_calendar_arbitrage_and_skips_thin_smiles() -> None:
    thin = smile_chain(lambda k: np.full(k.shape, 0.2), strikes=[90, 100, 110], expiry="2030-06-01")
    near = _svi_chain(0.1, "2030-01-01")
    far_but_lower = _svi_chain(0.2, "2030-02-01", scale=0.5)
    result = compute.surface([far_but_lower, thin, near], list(compute.DEFAULT_LOG_MONEYNESS))
    assert [s.expiry for s in result.slices] == ["2030-01-01", "2030-02-01"]
    assert result.calendar_arbitrage.tolist() == [True]
    assert [expiry for expiry, _ in result.skipped] == ["2030-06-01"]
    assert "usable quotes" in result.skipped[0][1]


def test_surface_samples_between_expiries_linearly_in_total_variance() -> None:
    near, far = _svi_chain(0.1, "2030-01-01"), _svi_chain(0.3, "2030-03-01", scale=2.0)
    result = compute.surface([near, far], [0.0], [0.2])
    w_near, w_far = SLICE.total_variance(0.0), 2.0 * SLICE.total_variance(0.0)
    expected_w = 0.5 * (w_near + w_far)
    assert result.total_variance[0, 0] == pytest.approx(expected_w, rel=1e-4)
    assert result.implied_vol[0, 0] == pytest.approx(math.sqrt(expected_w / 0.2), rel=1e-4)


def test_surface_without_fittable_smiles_is_empty() -> None:
    expired = smile_chain(lambda k: np.full(k.shape, 0.2), time_to_expiry=-0.1, expiry="2020-01-01")
    result = compute.surface([expired], [0.0, 0.1])
    assert result.slices == ()
    assert result.implied_vol.shape == (0, 2)
    assert result.skipped[0][0] == "2020-01-01"
