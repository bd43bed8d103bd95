"""Stored chain documents (the ``deltastream.store`` layout) built by hand for the tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

IV_STATUS_OK = 1
IV_STATUS_NO_QUOTE = 7


def side(
    iv: Sequence[float],
    *,
    present: Sequence[bool] | None = None,
    last: Sequence[float] | None = None,
    mid: Sequence[float] | None = None,
    open_interest: Sequence[int] | None = None,
) -> dict[str, Any]:
    size = len(iv)
    shown = [True] * size if present is None else list(present)
    return {
        "present": shown,
        "iv": [float(v) for v in iv],
        "iv_status": [
            IV_STATUS_OK if p and np.isfinite(v) else IV_STATUS_NO_QUOTE
            for p, v in zip(shown, iv, strict=True)
        ],
        "last": list(last) if last is not None else [10.0] * size,
        "mid": list(mid) if mid is not None else [10.0] * size,
        "open_interest": list(open_interest) if open_interest is not None else [100] * size,
    }


def chain(
    strikes: Sequence[float],
    *,
    calls: dict[str, Any],
    puts: dict[str, Any],
    forward: float = 100.0,
    time_to_expiry: float = 0.25,
    expiry: str = "2030-01-31",
    timestamp_ns: int = 1_900_000_000 * 10**9,
) -> dict[str, Any]:
    return {
        "underlying": "NIFTY",
        "expiry": expiry,
        "forward": forward,
        "spot": forward,
        "time_to_expiry": time_to_expiry,
        "timestamp_ns": timestamp_ns,
        "version": 1,
        "strikes": [float(k) for k in strikes],
        "calls": calls,
        "puts": puts,
        "analytics": {"atm_iv": 0.2},
    }


def smile_chain(
    ivs_of: Any,
    *,
    forward: float = 100.0,
    time_to_expiry: float = 0.25,
    expiry: str = "2030-01-31",
    strikes: Sequence[float] | None = None,
) -> dict[str, Any]:
    """A chain whose both sides carry ``ivs_of(log_moneyness)`` at every strike."""
    grid = np.linspace(70, 130, 25) * forward / 100 if strikes is None else np.asarray(strikes)
    ivs = list(ivs_of(np.log(grid / forward)))
    return chain(
        grid.tolist(),
        calls=side(ivs),
        puts=side(ivs),
        forward=forward,
        time_to_expiry=time_to_expiry,
        expiry=expiry,
    )
