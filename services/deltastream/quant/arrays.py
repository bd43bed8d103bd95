"""Turning the public functions' arguments (arrays or scalars) into flat float64 arrays.

Every public kernel broadcasts its arguments to one shape, works on 1-D arrays (masks and
index arrays are simplest there) and gives results back in the broadcast shape.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]


def flat_floats(
    *values: ArrayLike, is_call: ArrayLike
) -> tuple[tuple[int, ...], list[FloatArray], FloatArray]:
    """The broadcast shape, each value as a 1-D float64 array of its size, and θ.

    θ is +1 for a call and -1 for a put; ``is_call`` takes part in the broadcast.
    """
    flags = np.asarray(is_call, dtype=np.bool_)
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values), flags)
    shape = arrays[0].shape
    floats = [np.ascontiguousarray(a, dtype=np.float64).ravel() for a in arrays[:-1]]
    theta = np.where(arrays[-1].ravel(), 1.0, -1.0)
    return shape, floats, theta


def shaped(values: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """The flat result back in the broadcast shape (a 0-d array for scalar arguments)."""
    return values.reshape(shape)
