"""Normal distribution and error functions on numpy arrays, accurate to the last few bits.

numpy has no ``erfc``; the implied-volatility solver needs the normal tail with *relative*
accuracy far out (a deep out-of-the-money price is a tiny number that still carries
information). These are W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
approximations for the error function", Math. Comp. 1969, with the coefficients used in
Peter Jäckel's "Let's Be Rational"), and Wichura's AS241 for the inverse normal distribution,
each evaluated interval by interval on that interval's elements only (``arrays.piecewise``).
"""

from __future__ import annotations

import math

import numpy as np

from deltastream.quant.arrays import FloatArray, indices, piecewise

_ERF_A = (3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947)
_ERF_A4 = 0.185777706184603153
_ERF_B = (23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062)
_ERFC_C = (
    0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
    881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
)  # fmt: skip
_ERFC_C8 = 2.15311535474403846e-8
_ERFC_D = (
    15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
    3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
)  # fmt: skip
_ERFC_P = (
    0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
    6.58749161529837803e-4,
)  # fmt: skip
_ERFC_P5 = 0.0163153871373020978
_ERFC_Q = (
    2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191,
    0.00233520497626869185,
)  # fmt: skip
_ONE_OVER_SQRT_PI = 0.56418958354775628695
_ONE_OVER_SQRT_TWO = 0.7071067811865475244008443621048490392848359376887
_ONE_OVER_SQRT_TWO_PI = 0.3989422804014326779399460599343818684758586311649
_SMALL = 0.46875
_LARGE = 4.0


def horner(coefficients: tuple[float, ...], z: FloatArray) -> FloatArray:
    """Σ cᵢ·z^(d-i) for coefficients c₀..c_d, highest degree first, in place (no temporaries)."""
    result = coefficients[0] * z
    result += coefficients[1]
    for c in coefficients[2:]:
        result *= z
        result += c
    return result


_ERF_NUMERATOR, _ERF_DENOMINATOR = (_ERF_A4, *_ERF_A), (1.0, *_ERF_B)
_ERFCX_MEDIUM_NUMERATOR, _ERFCX_MEDIUM_DENOMINATOR = (_ERFC_C8, *_ERFC_C), (1.0, *_ERFC_D)
_ERFCX_LARGE_NUMERATOR, _ERFCX_LARGE_DENOMINATOR = (_ERFC_P5, *_ERFC_P), (1.0, *_ERFC_Q)


def _erf_small(x: FloatArray) -> FloatArray:
    """erf(x) for |x| <= 0.46875."""
    z = x * x
    return x * horner(_ERF_NUMERATOR, z) / horner(_ERF_DENOMINATOR, z)


def _erfcx_small(y: FloatArray) -> FloatArray:
    """exp(y²)·erfc(y) for 0 <= y <= 0.46875, through erf."""
    return np.exp(y * y) * (1.0 - _erf_small(y))


def _erfcx_medium(y: FloatArray) -> FloatArray:
    """exp(y²)·erfc(y) for 0.46875 < y <= 4."""
    return horner(_ERFCX_MEDIUM_NUMERATOR, y) / horner(_ERFCX_MEDIUM_DENOMINATOR, y)


def _erfcx_large(y: FloatArray) -> FloatArray:
    """exp(y²)·erfc(y) for y > 4 (no exponential: exact to the last bits far out)."""
    z = 1.0 / (y * y)
    ratio = z * horner(_ERFCX_LARGE_NUMERATOR, z) / horner(_ERFCX_LARGE_DENOMINATOR, z)
    return (_ONE_OVER_SQRT_PI - ratio) / y


def _exp_minus_square(y: FloatArray) -> FloatArray:
    """exp(-y²) with the square split so that rounding in y² is not amplified (Cody)."""
    head = np.trunc(y * 16.0) / 16.0
    tail = (y - head) * (y + head)
    return np.exp(-head * head) * np.exp(-tail)


def _erfcx_positive(y: FloatArray) -> FloatArray:
    """erfcx(y) for y >= 0, one rational approximation per interval."""
    small, large = y <= _SMALL, y > _LARGE
    pieces = [(small, _erfcx_small), (~(small | large), _erfcx_medium), (large, _erfcx_large)]
    return piecewise(np.empty_like(y), pieces, y)


def _erfc_tail(x: FloatArray) -> FloatArray:
    """erfc(x) for |x| > 0.46875: erfcx(|x|)·exp(-x²), reflected for negative x."""
    y = np.abs(x)
    tail = _erfcx_positive(y) * _exp_minus_square(y)
    return np.where(x < 0, 2.0 - tail, tail)


def _erfc_small(x: FloatArray) -> FloatArray:
    return 1.0 - _erf_small(x)


def erfcx(x: FloatArray) -> FloatArray:
    """Scaled complementary error function exp(x²)·erfc(x); ``inf`` below about -26.6."""
    x = np.asarray(x, dtype=np.float64)
    # Far out, squares overflow and exponentials underflow on the way to the right limits.
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        result = _erfcx_positive(np.abs(x))
        negative = indices(x < 0)
        if negative.size:  # erfcx(x) = 2·exp(x²) - erfcx(-x)
            result[negative] = 2.0 / _exp_minus_square(-x[negative]) - result[negative]
    return result


def erfc(x: FloatArray) -> FloatArray:
    """Complementary error function with relative accuracy in the right tail."""
    x = np.asarray(x, dtype=np.float64)
    small = np.abs(x) <= _SMALL
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return piecewise(np.empty_like(x), [(small, _erfc_small), (~small, _erfc_tail)], x)


def norm_cdf(z: FloatArray) -> FloatArray:
    """Standard normal distribution function Φ(z), relatively accurate for negative z."""
    return 0.5 * erfc(-_ONE_OVER_SQRT_TWO * np.asarray(z, dtype=np.float64))


def norm_pdf(z: FloatArray) -> FloatArray:
    """Standard normal density φ(z)."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):
        return _ONE_OVER_SQRT_TWO_PI * np.exp(-0.5 * z * z)


_AS241_FAR = math.exp(-25.0)  # where r = √(-ln u) reaches 5: AS241's far-tail interval
_AS241_A = (
    3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
    1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
    3.3430575583588128105e4, 2.5090809287301226727e3,
)  # fmt: skip
_AS241_B = (
    1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
    2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
    5.2264952788528545610e3,
)  # fmt: skip
_AS241_C = (
    1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
    3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
    2.27238449892691845833e-2, 7.74545014278341407640e-4,
)  # fmt: skip
_AS241_D = (
    1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
    1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)  # fmt: skip
_AS241_E = (
    6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
    2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
    2.71155556874348757815e-5, 2.01033439929228813265e-7,
)  # fmt: skip
_AS241_F = (
    1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
    7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)  # fmt: skip


_Rational = tuple[tuple[float, ...], tuple[float, ...]]
_AS241_NEAR: _Rational = (_AS241_C[::-1], _AS241_D[::-1])
_AS241_FAR_TAIL: _Rational = (_AS241_E[::-1], _AS241_F[::-1])


def _inverse_central(u: FloatArray) -> FloatArray:
    """Φ⁻¹(u) for |u - 1/2| <= 0.425."""
    q = u - 0.5
    r = 0.180625 - q * q
    return q * horner(_AS241_A[::-1], r) / horner(_AS241_B[::-1], r)


def _inverse_tail(u: FloatArray, coefficients: _Rational, shift: float) -> FloatArray:
    """Φ⁻¹(u) in a tail, as a rational function of r = √(-ln(min(u, 1 - u))) - shift."""
    numerator, denominator = coefficients
    r = np.sqrt(-np.log(np.minimum(u, 1.0 - u))) - shift
    value = horner(numerator, r) / horner(denominator, r)
    return np.where(u < 0.5, -value, value)


def _inverse_near_tail(u: FloatArray) -> FloatArray:
    """Φ⁻¹(u) for |u - 1/2| > 0.425 and min(u, 1 - u) >= e⁻²⁵."""
    return _inverse_tail(u, _AS241_NEAR, 1.6)


def _inverse_far_tail(u: FloatArray) -> FloatArray:
    """Φ⁻¹(u) for min(u, 1 - u) < e⁻²⁵ (and ±inf at 0 and 1)."""
    return _inverse_tail(u, _AS241_FAR_TAIL, 5.0)


def inverse_norm_cdf(u: FloatArray) -> FloatArray:
    """Φ⁻¹(u) for u in (0, 1), accurate to about 1e-16 relative (Wichura, AS241)."""
    u = np.asarray(u, dtype=np.float64)
    central = np.abs(u - 0.5) <= 0.425
    far = ~central & (np.minimum(u, 1.0 - u) < _AS241_FAR)
    pieces = [(central, _inverse_central), (~(central | far), _inverse_near_tail)]
    with np.errstate(divide="ignore", invalid="ignore"):
        return piecewise(np.empty_like(u), [*pieces, (far, _inverse_far_tail)], u)
