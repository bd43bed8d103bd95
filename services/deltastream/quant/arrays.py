"""Flat float64 arrays for the kernels, and evaluating a formula piecewise on them.

Every public kernel broadcasts its arguments to one shape, works on 1-D arrays and gives
results back in the broadcast shape.

Most formulas here have branches (a rational approximation per interval, a region of the
normalised Black function, a branch of the implied-volatility guess). ``piecewise`` evaluates
each branch only on its own elements, through integer indices: gathering and scattering by
index costs a fraction of a nanosecond per element, a boolean mask or ``np.where`` several
(their branches are unpredictable on mixed data), and evaluating every branch everywhere
multiplies the work. An empty branch costs nothing, and a branch that holds every element
runs on the arrays themselves, so small arrays pay for the branches they use only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]
IndexArray: TypeAlias = NDArray[np.intp]
Formula: TypeAlias = Callable[..., FloatArray]


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


def indices(mask: BoolArray) -> IndexArray:
    """The positions where a 1-D mask holds, for gathering and scattering."""
    index: IndexArray = mask.nonzero()[0]
    return index


def selection(mask: BoolArray) -> IndexArray | None:
    """The positions where a 1-D mask holds, or ``None`` when it holds everywhere."""
    return None if np.all(mask) else indices(mask)


def scatter(out: NDArray[Any], index: IndexArray | None, values: NDArray[Any]) -> None:
    """``out`` at ``index`` (every element for ``None``) set to ``values``."""
    if index is None:
        out[...] = values
    else:
        out[index] = values


def gather(index: IndexArray | None, *arrays: FloatArray) -> list[FloatArray]:
    """Each array at ``index`` (the arrays themselves for ``None``: every element)."""
    if index is None:
        return list(arrays)
    return [a[index] for a in arrays]


def piecewise(
    out: FloatArray, pieces: list[tuple[BoolArray, Formula]], *arguments: FloatArray
) -> FloatArray:
    """``out`` where each mask holds set to its formula of the arguments there; returns ``out``.

    Masks should not overlap (a later piece overwrites an earlier one); elements no mask
    holds keep their value in ``out``.
    """
    for mask, formula in pieces:
        count = np.count_nonzero(mask)
        if count == out.size:
            out[...] = formula(*arguments)
        elif count:
            index = indices(mask)
            out[index] = formula(*gather(index, *arguments))
    return out
