"""Implied volatility and Greeks throughput: deltastream.quant, py_vollib_vectorized, vollib.

One seeded data set of 100,000 European options (moneyness 0.5-2, one hour to two years,
vols 1%-300%, calls and puts, dividend yields), kept to the options whose price still carries
the volatility (vega not negligible: one rounding of the price moves sigma by < 1e-8). Each
library prices nothing itself: all get the same prices from ``bsm_price``. Timings are the
best of a few runs, single thread (numba's pool is set to one thread; vollib runs in a fresh
interpreter because
py_vollib_vectorized replaces vollib's functions when imported). Accuracy is the
largest ``|iv - sigma|`` over the set, and the count of options a library gave no number for.
``py_vollib_vectorized`` comes from the ``bench`` extra (``pip install -e '.[bench]'``).

Small batches: the enricher makes one call per batch of a few hundred to a few thousand options,
so the fixed cost of a call matters as much as the rate. Each batch is timed alone (microseconds
per call, best of many calls): the first 200 and 2,000 options of the data set above (every
branch of the solver in use: the harsh case), and one index chain of the same size (strikes
within 10% of spot, 2 to 90 days, a smile of 10-20% vols, prices rounded to the tick).
"""

from __future__ import annotations

import concurrent.futures
import importlib
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.report import Report
from deltastream.quant import bsm_price, greeks, implied_vol

SIZE = 100_000
SEED = 20_240_601
BATCH_SIZES = (200, 2_000)
Book = dict[str, np.ndarray]
Functions = tuple[Callable[[Book], np.ndarray], Callable[[Book], object]]


def build_book(size: int = SIZE, seed: int = SEED) -> Book:
    """``size`` options whose price carries the volatility, with their BSM prices."""
    rng = np.random.default_rng(seed)
    n = 3 * size
    book = {
        "S": np.full(n, 100.0),
        "K": 100.0 * np.exp(rng.uniform(math.log(0.5), math.log(2.0), n)),
        "T": np.exp(rng.uniform(math.log(1 / 8760), math.log(2.0), n)),
        "r": rng.uniform(0.0, 0.1, n),
        "q": rng.uniform(0.0, 0.05, n),
        "sigma": np.exp(rng.uniform(math.log(0.01), math.log(3.0), n)),
        "is_call": rng.random(n) < 0.5,
    }
    price = bsm_price(**book)
    vega = greeks(**book)["vega"] / 0.01
    with np.errstate(divide="ignore", invalid="ignore"):
        informative = (price > 1e-290) & (4 * np.finfo(float).eps * price / vega < 1e-8)
    keep = np.flatnonzero(informative)[:size]
    return {**{k: v[keep] for k, v in book.items()}, "price": price[keep]}


def build_chain(size: int, seed: int = SEED) -> Book:
    """One index chain of ``size`` options: calls and puts on strikes around spot, a smile."""
    rng = np.random.default_rng(seed)
    spot, half = 22_000.0, size // 2
    strikes = spot * (1.0 + np.linspace(-0.1, 0.1, half))
    expiries = np.sort(np.resize(np.array([2, 9, 16, 30, 58, 90]) / 365, half))
    moneyness = np.log(strikes / spot)
    sigma = 0.13 - 0.1 * moneyness + 0.6 * moneyness**2 + rng.normal(0.0, 0.002, half)
    book = {
        "S": np.full(2 * half, spot),
        "K": np.tile(strikes, 2),
        "T": np.tile(expiries, 2),
        "r": np.full(2 * half, 0.065),
        "q": np.full(2 * half, 0.012),
        "sigma": np.tile(sigma, 2),
        "is_call": np.repeat([True, False], half),
    }
    price = np.maximum(np.round(bsm_price(**book), 2), 0.05)  # quoted to the tick
    return {**book, "price": price}


def best_time(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """The shortest of ``runs`` wall-clock timings, and the last result."""
    best, result = math.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def _ours_iv(book: Book) -> np.ndarray:
    return implied_vol(book["price"], book["S"], book["K"], book["T"], book["r"], book["q"],
                       book["is_call"])  # fmt: skip


def _ours_greeks(book: Book) -> object:
    return greeks(book["S"], book["K"], book["T"], book["r"], book["q"], book["sigma"],
                  book["is_call"])  # fmt: skip


def _flags(book: Book) -> np.ndarray:
    return np.where(book["is_call"], "c", "p")


_HELPERS = {
    "cody_special.erf_cody": (
        "d_int", "fix_up_for_negative_argument_erf_etc", "calerf", "erf_cody", "erfc_cody",
        "erfcx_cody",
    ),
    "cody_special.normaldistribution": ("norm_pdf", "norm_cdf", "inverse_norm_cdf"),
    "piecewise_rational.rationalcubic": (
        "_is_zero", "rational_cubic_control_parameter_to_fit_second_derivative_at_left_side",
        "minimum_rational_cubic_control_parameter",
        "rational_cubic_control_parameter_to_fit_second_derivative_at_right_side",
        "convex_rational_cubic_control_parameter_to_fit_second_derivative_at_right_side",
        "rational_cubic_interpolation",
        "convex_rational_cubic_control_parameter_to_fit_second_derivative_at_left_side",
    ),
}  # fmt: skip


def _jit_lets_be_rational_helpers() -> None:
    """Compile the helpers py_vollib_vectorized's numba kernels call, as it expects.

    py_vollib_vectorized 0.1.1 was written against a py_lets_be_rational whose error
    functions and rational cubics were numba functions; today they live, plain Python, in
    cody_special and piecewise_rational, and numba refuses to compile the kernels. Compiling
    the helpers first (and rebinding the names the packages re-export) restores the intended
    numba Let's Be Rational. Must run before py_lets_be_rational is imported.
    """
    import numba  # noqa: PLC0415

    os.environ.setdefault("PY_LETS_BE_RATIONAL_ENABLE_NUMBA", "1")
    for module_name, names in _HELPERS.items():
        importlib.import_module(module_name)
        module = sys.modules[module_name]
        for name in names:
            setattr(module, name, numba.njit(getattr(module, name)))
        package = sys.modules[module_name.split(".")[0]]
        for name in names:
            if hasattr(package, name):
                setattr(package, name, getattr(module, name))
    erf_module = sys.modules["cody_special.erf_cody"]
    sys.modules["cody_special.normaldistribution"].erfc_cody = erf_module.erfc_cody  # type: ignore[attr-defined]


def _pvv_functions() -> Functions | None:
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    try:
        _jit_lets_be_rational_helpers()
        import numba  # noqa: PLC0415
        from py_vollib_vectorized import (  # noqa: PLC0415
            get_all_greeks,
            vectorized_implied_volatility,
        )
    except ImportError:
        return None
    numba.set_num_threads(1)

    def iv(book: Book) -> np.ndarray:
        value = vectorized_implied_volatility(
            book["price"], book["S"], book["K"], book["T"], book["r"], _flags(book), book["q"],
            model="black_scholes_merton", return_as="numpy", on_error="ignore",
        )  # fmt: skip
        return np.asarray(value, dtype=np.float64).ravel()

    def all_greeks(book: Book) -> object:
        return get_all_greeks(
            _flags(book), book["S"], book["K"], book["T"], book["r"], book["sigma"], book["q"],
            model="black_scholes_merton", return_as="dict",
        )  # fmt: skip

    return iv, all_greeks


def _vollib_functions() -> Functions:
    from vollib.black_scholes_merton.greeks import analytical  # noqa: PLC0415
    from vollib.black_scholes_merton.implied_volatility import (  # noqa: PLC0415
        implied_volatility,
    )

    def rows(book: Book) -> list[tuple[Any, ...]]:
        flags = _flags(book)
        columns = ("price", "S", "K", "T", "r", "sigma", "q")
        return [(flags[i], *(float(book[c][i]) for c in columns)) for i in range(book["S"].size)]

    def iv(book: Book) -> np.ndarray:
        out = []
        for flag, price, S, K, T, r, _, q in rows(book):
            try:
                out.append(implied_volatility(price, S, K, T, r, q, flag))
            except Exception:  # vollib raises a zoo of its own exceptions for no volatility
                out.append(math.nan)
        return np.array(out)

    def all_greeks(book: Book) -> object:
        names = ("delta", "gamma", "vega", "theta", "rho")
        return [
            [getattr(analytical, n)(flag, S, K, T, r, sigma, q) for n in names]
            for flag, _, S, K, T, r, sigma, q in rows(book)
        ]

    return iv, all_greeks


def _measure_vollib(book: Book) -> dict[str, float]:
    return _measure("vollib", _vollib_functions(), book, 1)


def _in_fresh_process(function: Callable[[Book], dict[str, float]], book: Book) -> dict[str, float]:
    """Run in a new interpreter: py_vollib_vectorized patches vollib's functions on import."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, book).result()


def _subset(book: Book, size: int) -> Book:
    return {k: v[:size] for k, v in book.items()}


def _measure(name: str, functions: Functions, book: Book, runs: int) -> dict[str, float]:
    iv_function, greeks_function = functions
    iv_function(_subset(book, 100))  # warm-up (numba compiles here)
    greeks_function(_subset(book, 100))
    seconds, iv = best_time(lambda: iv_function(book), runs)
    greeks_seconds, _ = best_time(lambda: greeks_function(book), runs)
    solved = np.isfinite(iv)
    error = np.abs(iv - book["sigma"])
    return {
        "iv_rate": book["S"].size / seconds,
        "greeks_rate": book["S"].size / greeks_seconds,
        "iv_max_error": float(np.max(error[solved])) if solved.any() else math.nan,
        "iv_failures": float(np.count_nonzero(~solved)),
        "size": float(book["S"].size),
    }


def _batches(book: Book) -> dict[str, Book]:
    """The small batches: the harsh first options of the data set, and one index chain."""
    batches = {}
    for size in BATCH_SIZES:
        batches[f"book_{size}"] = _subset(book, size)
        batches[f"chain_{size}"] = build_chain(size)
    return batches


def _microseconds(function: Callable[[Book], object], batch: Book, runs: int) -> float:
    """The best of ``runs`` calls of ``function`` on ``batch``, in microseconds."""
    return 1e6 * best_time(lambda: function(batch), runs)[0]


def _measure_batches(
    functions: dict[str, Functions], batches: dict[str, Book], quick: bool
) -> dict[str, dict[str, float]]:
    """Microseconds per call of each library's IV (and Greeks) on each batch alone."""
    figures: dict[str, dict[str, float]] = {}
    for label, batch in batches.items():
        runs = max(5, (40 if quick else 200) * 200 // batch["S"].size)
        for name, (iv_function, greeks_function) in functions.items():
            row = figures.setdefault(f"{label}.{name}", {})
            row["iv_us"] = _microseconds(iv_function, batch, runs)
            row["greeks_us"] = _microseconds(greeks_function, batch, runs)
    return figures


def run(report: Report, quick: bool = False) -> None:
    """Measure, print the tables, and add the figures to ``report``."""
    book = build_book()
    runs = 1 if quick else 3
    functions: dict[str, Functions] = {"deltastream": (_ours_iv, _ours_greeks)}
    pvv = _pvv_functions()
    if pvv is None:
        print("  py_vollib_vectorized is not installed: pip install -e '.[bench]'", flush=True)
    else:
        functions["py_vollib_vectorized"] = pvv
    results = {name: _measure(name, f, book, runs) for name, f in functions.items()}
    vollib_book = _subset(book, 10_000) if quick else book
    results["vollib"] = _in_fresh_process(_measure_vollib, vollib_book)
    batches = _measure_batches(functions, _batches(book), quick)
    _print_table(results)
    _print_batches(batches)
    for name, figures in results.items():
        report.add(f"quant.iv.{name}", figures["iv_rate"], "options/s")
        report.add(f"quant.greeks.{name}", figures["greeks_rate"], "options/s")
    for key, figures in batches.items():
        report.add(f"quant.iv_call.{key}", figures["iv_us"], "us/call")
        report.add(f"quant.greeks_call.{key}", figures["greeks_us"], "us/call")


def _print_table(results: dict[str, dict[str, float]]) -> None:
    ours = results["deltastream"]
    header = (
        f"  {'library':<22} {'options':>8} {'IV opt/s':>12} {'ratio':>7} {'max |iv-sigma|':>15}"
    )
    print(header + f" {'no IV':>6} {'Greeks opt/s':>13} {'ratio':>7}")
    for name, f in results.items():
        iv_ratio = ours["iv_rate"] / f["iv_rate"]
        greeks_ratio = ours["greeks_rate"] / f["greeks_rate"]
        print(
            f"  {name:<22} {int(f['size']):>8,} {f['iv_rate']:>12,.0f} {iv_ratio:>6.2f}x"
            f" {f['iv_max_error']:>15.2e} {int(f['iv_failures']):>6,}"
            f" {f['greeks_rate']:>13,.0f} {greeks_ratio:>6.2f}x"
        )
    print("  ratio = deltastream's rate / the library's rate (above 1: deltastream is faster)")


def _print_batches(batches: dict[str, dict[str, float]]) -> None:
    print("\n  one call per batch (best of many calls, single thread)")
    print(f"  {'batch':<10} {'library':<22} {'IV us/call':>11} {'IV calls/s':>11}"
          f" {'Greeks us/call':>15}")  # fmt: skip
    for key, f in batches.items():
        label, name = key.split(".", 1)
        print(
            f"  {label:<10} {name:<22} {f['iv_us']:>11,.0f} {1e6 / f['iv_us']:>11,.0f}"
            f" {f['greeks_us']:>15,.0f}"
        )
    print("  book_N: the first N options of the data set; chain_N: one index chain of N options")


def main() -> None:
    """Run this benchmark alone: ``python -m bench.quant``."""
    report = Report.load()
    run(report)
    report.print_summary()


if __name__ == "__main__":
    main()
