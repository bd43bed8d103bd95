"""Validation of the Analytics requests' own parameters (the shared ones are in
``deltastream.validation``): the surface grid and the time parameters of chain analytics."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from deltastream.errors import InvalidArgumentError

MAX_LOG_MONEYNESS_POINTS = 101
MAX_ABS_LOG_MONEYNESS = 2.0
MAX_TIMES = 50
MAX_TIME_TO_EXPIRY = 10.0


def non_negative_ns(value: int, field: str) -> int:
    """A time in nanoseconds since the epoch, 0 meaning "not given"."""
    if value < 0:
        raise InvalidArgumentError(field, "must not be negative")
    return value


def log_moneyness_grid(values: Sequence[float], field: str = "log_moneyness") -> list[float]:
    """At most 101 ascending finite values in [-2, 2]."""
    grid = _ascending(values, field, MAX_LOG_MONEYNESS_POINTS)
    if grid and max(abs(v) for v in grid) > MAX_ABS_LOG_MONEYNESS:
        raise InvalidArgumentError(
            field, f"values must lie in [-{MAX_ABS_LOG_MONEYNESS:g}, {MAX_ABS_LOG_MONEYNESS:g}]"
        )
    return grid


def times_grid(values: Sequence[float], field: str = "times_to_expiry") -> list[float]:
    """At most 50 ascending values in (0, 10] years."""
    grid = _ascending(values, field, MAX_TIMES)
    if grid and not (grid[0] > 0 and grid[-1] <= MAX_TIME_TO_EXPIRY):
        raise InvalidArgumentError(field, f"values must lie in (0, {MAX_TIME_TO_EXPIRY:g}] years")
    return grid


def _ascending(values: Sequence[float], field: str, maximum: int) -> list[float]:
    grid = [float(v) for v in values]
    if len(grid) > maximum:
        raise InvalidArgumentError(field, f"at most {maximum} values, got {len(grid)}")
    if not all(math.isfinite(v) for v in grid):
        raise InvalidArgumentError(field, "values must be finite")
    if any(b <= a for a, b in itertools.pairwise(grid)):
        raise InvalidArgumentError(field, "values must be strictly ascending")
    return grid
