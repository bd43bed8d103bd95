"""Open-interest build-up and where today's implied volatility sits in its own history.

Build-up reads the change in an option's (or future's) price together with the change in its
open interest:

==================  =============  ===========  ===============================
code                price change   OI change    reading
==================  =============  ===========  ===============================
``LONG_BUILD_UP``   up             up           new longs
``SHORT_BUILD_UP``  down           up           new shorts
``SHORT_COVERING``  up             down         shorts closing
``LONG_UNWINDING``  down           down         longs closing
``NEUTRAL``         either is zero or missing
==================  =============  ===========  ===============================

IV rank is where the current value sits in the history's range, ``100·(iv - min)/(max - min)``;
IV percentile is the share of the history strictly below the current value, in percent.
"""

from __future__ import annotations

import enum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from deltastream.quant.arrays import FloatArray


class BuildUp(enum.IntEnum):
    """Build-up classification of one instrument between two snapshots."""

    NEUTRAL = 0
    LONG_BUILD_UP = 1
    SHORT_BUILD_UP = 2
    SHORT_COVERING = 3
    LONG_UNWINDING = 4


def oi_change(open_interest: ArrayLike, previous_open_interest: ArrayLike) -> FloatArray:
    """Open interest now minus before (NaN where either is missing)."""
    now = np.asarray(open_interest, dtype=np.float64)
    before = np.asarray(previous_open_interest, dtype=np.float64)
    change: FloatArray = now - before
    return change


def build_up(price_change: ArrayLike, open_interest_change: ArrayLike) -> NDArray[np.int8]:
    """``BuildUp`` code per element from the price change and the open-interest change."""
    price = np.asarray(price_change, dtype=np.float64)
    oi = np.asarray(open_interest_change, dtype=np.float64)
    price, oi = np.broadcast_arrays(price, oi)
    code = np.full(price.shape, BuildUp.NEUTRAL, dtype=np.int8)
    code[(price > 0) & (oi > 0)] = BuildUp.LONG_BUILD_UP
    code[(price < 0) & (oi > 0)] = BuildUp.SHORT_BUILD_UP
    code[(price > 0) & (oi < 0)] = BuildUp.SHORT_COVERING
    code[(price < 0) & (oi < 0)] = BuildUp.LONG_UNWINDING
    return code


def _history(history: ArrayLike) -> FloatArray:
    values = np.asarray(history, dtype=np.float64).ravel()
    return values[np.isfinite(values)]


def iv_rank(history: ArrayLike, current: float) -> float:
    """100·(current - min)/(max - min) over the history; NaN if it is empty or flat."""
    values = _history(history)
    if values.size == 0 or not np.isfinite(current):
        return float("nan")
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return float("nan")
    return 100.0 * (current - low) / (high - low)


def iv_percentile(history: ArrayLike, current: float) -> float:
    """Percent of the history strictly below the current value; NaN if it is empty."""
    values = _history(history)
    if values.size == 0 or not np.isfinite(current):
        return float("nan")
    return 100.0 * float(np.count_nonzero(values < current)) / values.size
