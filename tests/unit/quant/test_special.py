"""The error and normal functions against the standard library, relative accuracy in the tails."""

from __future__ import annotations

import math
import statistics

import numpy as np

from deltastream.quant.special import erfc, erfcx, inverse_norm_cdf, norm_cdf, norm_pdf


def test_erfc_matches_the_standard_library_relatively_down_to_the_far_tail() -> None:
    x = np.linspace(-6.0, 26.0, 6401)
    expected = np.array([math.erfc(v) for v in x])
    assert np.max(np.abs(erfc(x) / expected - 1)) < 1e-14


def test_erfcx_is_erfc_scaled_by_exp_of_the_square() -> None:
    x = np.linspace(-5.0, 5.0, 2001)
    expected = np.array([math.exp(v * v) * math.erfc(v) for v in x])
    assert np.max(np.abs(erfcx(x) / expected - 1)) < 1e-13


def test_erfcx_far_out_approaches_one_over_x_sqrt_pi() -> None:
    x = np.array([1e3, 1e6, 1e9])
    assert np.allclose(erfcx(x) * x * math.sqrt(math.pi), 1.0, rtol=1e-6, atol=0)


def test_norm_cdf_and_pdf_match_the_standard_library() -> None:
    z = np.linspace(-37.0, 8.0, 4501)
    dist = statistics.NormalDist()
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    pdf = np.array([dist.pdf(v) for v in z])
    # Φ(z) far out is only as exact as z²: its rounding is amplified by z² in exp(-z²/2).
    assert np.all(np.abs(norm_cdf(z) / cdf - 1) < 1e-15 * (1 + z * z))
    assert np.max(np.abs(norm_pdf(z) / pdf - 1)) < 1e-13


def test_inverse_norm_cdf_inverts_norm_cdf() -> None:
    u = np.concatenate([np.logspace(-300, -1, 600), np.linspace(0.01, 0.99, 99)])
    z = inverse_norm_cdf(u)
    assert np.max(np.abs(norm_cdf(z) / u - 1) / np.maximum(1.0, z * z)) < 1e-14
    expected = [statistics.NormalDist().inv_cdf(v) for v in [0.025, 0.5, 0.975]]
    assert np.allclose(inverse_norm_cdf(np.array([0.025, 0.5, 0.975])), expected, atol=1e-15)
