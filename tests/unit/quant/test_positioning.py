"""Build-up classification, OI change, IV rank and IV percentile."""

from __future__ import annotations

import math

import numpy as np

from deltastream.quant.positioning import BuildUp, build_up, iv_percentile, iv_rank, oi_change


def test_build_up_from_price_and_oi_changes() -> None:
    price = [2.0, -1.5, 0.5, -0.25, 0.0, 1.0, np.nan]
    oi = [100, 50, -30, -10, 20, 0, 5]
    assert list(build_up(price, oi)) == [
        BuildUp.LONG_BUILD_UP,
        BuildUp.SHORT_BUILD_UP,
        BuildUp.SHORT_COVERING,
        BuildUp.LONG_UNWINDING,
        BuildUp.NEUTRAL,
        BuildUp.NEUTRAL,
        BuildUp.NEUTRAL,
    ]


def test_oi_change() -> None:
    assert list(oi_change([120, 80], [100, 100])) == [20, -20]


def test_iv_rank_and_percentile_hand_computed() -> None:
    history = [0.10, 0.20, 0.30, 0.40, 0.50]
    assert math.isclose(iv_rank(history, 0.20), 25.0)
    assert iv_percentile(history, 0.35) == 60.0
    assert iv_percentile(history, 0.10) == 0.0
    assert iv_rank([*history, np.nan], 0.50) == 100.0


def test_iv_rank_without_a_range_is_nan() -> None:
    assert math.isnan(iv_rank([], 0.2))
    assert math.isnan(iv_rank([0.2, 0.2], 0.2))
    assert math.isnan(iv_percentile([], 0.2))
