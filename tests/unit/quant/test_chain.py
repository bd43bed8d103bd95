"""PCR, max pain and the parity-implied forward on small hand-computed and random chains."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deltastream.quant import implied_forward, max_pain, pcr
from deltastream.quant.chain import expiry_payout, max_pain_by_chain


def test_pcr_hand_computed() -> None:
    assert pcr([100, 200, 300], [150, 150, 300]) == 1.0
    assert pcr([50, 25], [100, 0]) == 0.75
    assert math.isnan(pcr([10, 20], [0, 0]))
    assert pcr([1, np.nan], [2, 2]) == 0.25


def test_max_pain_hand_computed() -> None:
    # Settling at 100: calls at 90 pay 10*10, puts at 110 pay 10*10 -> 200; at 90: 20*20=400...
    strikes = [90.0, 100.0, 110.0]
    assert max_pain(strikes, [10, 20, 30], [30, 20, 10]) == 100.0
    # All the put open interest high up: holders collect least when it settles at the top.
    assert max_pain(strikes, [0, 0, 0], [5, 5, 50]) == 110.0
    assert max_pain([110.0, 90.0, 100.0], [0, 0, 0], [5, 5, 50]) == 110.0
    assert math.isnan(max_pain([], [], []))


def test_payout_hand_computed() -> None:
    payout = expiry_payout([90.0, 100.0, 110.0], [10, 20, 30], [30, 20, 10])
    # at 90: puts 100 and 110 pay 20*10 + 10*20 = 400; at 110: calls 90, 100 pay 10*20 + 20*10.
    assert list(payout) == [400.0, 200.0, 400.0]


def _direct_payout(strikes: np.ndarray, calls: np.ndarray, puts: np.ndarray) -> np.ndarray:
    rows = zip(strikes, calls, puts, strict=True)
    legs = list(rows)
    return np.array(
        [sum(c * max(p - k, 0) + u * max(k - p, 0) for k, c, u in legs) for p in strikes]
    )


@pytest.mark.parametrize("seed", range(20))
def test_max_pain_by_the_direct_quadratic_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    strikes = rng.permutation(np.arange(n) * 50.0 + 20_000.0)
    calls, puts = rng.integers(0, 10_000, n), rng.integers(0, 10_000, n)
    payout = _direct_payout(strikes, calls, puts)
    assert np.allclose(expiry_payout(strikes, calls, puts), payout, rtol=1e-12)
    assert max_pain(strikes, calls, puts) == strikes[payout == payout.min()].min()


@pytest.mark.parametrize("seed", range(30))
def test_max_pain_by_chain_is_max_pain_of_each_chain_bit_for_bit(seed: int) -> None:
    """Chains of any size (none too), strikes in any order and on any grid, open interest
    with many ties and some NaN: the batched result is each chain's own, exactly."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 30, int(rng.integers(1, 8)))
    chains = []
    for size in sizes:
        step = float(rng.choice([0.05, 2.5, 50.0]))
        strikes = rng.permutation(np.arange(size) * step + rng.uniform(10.0, 30_000.0))
        calls = rng.integers(0, 4, size).astype(np.float64) * 1_000
        puts = rng.integers(0, 4, size).astype(np.float64) * 1_000
        calls[rng.random(size) < 0.1] = np.nan
        chains.append((strikes, calls, puts))
    strikes, calls, puts = (np.concatenate([chain[part] for chain in chains]) for part in range(3))
    together = max_pain_by_chain(strikes, calls, puts, sizes)
    alone = np.array([max_pain(*chain) for chain in chains])
    assert np.array_equal(together, alone, equal_nan=True)
    assert np.isnan(together[sizes == 0]).all()


def _parity_chain(forward: float, T: float, r: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    strikes = np.arange(80.0, 121.0, 5.0)
    puts = np.linspace(0.5, 20.0, strikes.size)
    calls = puts + math.exp(-r * T) * (forward - strikes)
    return strikes, calls, puts


def test_implied_forward_of_an_exact_parity_chain() -> None:
    strikes, calls, puts = _parity_chain(101.3, 0.25, 0.07)
    assert math.isclose(implied_forward(strikes, calls, puts, 0.25, 0.07), 101.3, rel_tol=1e-12)


def test_implied_forward_shrugs_off_a_few_bad_quotes() -> None:
    strikes, calls, puts = _parity_chain(101.3, 0.25, 0.07)
    calls[4] += 3.0  # the 100 strike: wrong by a lot
    puts[5] = np.nan  # the 105 strike: missing
    assert math.isclose(implied_forward(strikes, calls, puts, 0.25, 0.07), 101.3, rel_tol=1e-12)


def test_implied_forward_without_any_pair_is_nan() -> None:
    assert math.isnan(implied_forward([100.0], [np.nan], [1.0], 0.5, 0.05))


@pytest.mark.parametrize("seed", range(30))
def test_implied_forward_is_the_median_of_the_nearest_parity_forwards(seed: int) -> None:
    """Against the definition with ``np.median``, odd and even counts of usable strikes."""
    rng = np.random.default_rng(seed)
    size = 1 + seed % 9
    strikes = np.sort(rng.uniform(80.0, 120.0, size))
    calls, puts = rng.uniform(0.5, 30.0, size), rng.uniform(0.5, 30.0, size)
    calls[rng.random(size) < 0.2] = np.nan
    usable = np.isfinite(calls)
    if not usable.any():
        assert math.isnan(implied_forward(strikes, calls, puts, 0.3, 0.06))
        return
    difference = calls[usable] - puts[usable]
    forwards = strikes[usable] + math.exp(0.06 * 0.3) * difference
    nearest = np.argsort(np.abs(difference), kind="stable")[:5]
    expected = float(np.median(forwards[nearest]))
    assert implied_forward(strikes, calls, puts, 0.3, 0.06) == expected


def test_pcr_of_totals_given_as_numbers() -> None:
    assert pcr(300, 200) == 1.5
    assert math.isnan(pcr(5, 0))
