"""Normal distribution and error functions on numpy arrays, accurate to the last few bits.

numpy has no ``erfc``; the implied-volatility solver needs the normal tail with *relative*
accuracy far out (a deep out-of-the-money price is a tiny number that still carries
information). These are W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev
approximations for the error function", Math. Comp. 1969, with the coefficients used in
Peter Jäckel's "Let's Be Rational"), evaluated branch by branch on masked sub-arrays, and
Wichura's AS241 for the inverse normal distribution.
"""

from __future__ import annotations

import numpy as np

from deltastream.quant.arrays import FloatArray

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


def _erf_small(x: FloatArray) -> FloatArray:
    """erf(x) for |x| <= 0.46875."""
    ysq = x * x
    numerator = _ERF_A4 * ysq
    denominator = ysq
    for a, b in zip(_ERF_A[:3], _ERF_B[:3], strict=True):
        numerator = (numerator + a) * ysq
        denominator = (denominator + b) * ysq
    return x * (numerator + _ERF_A[3]) / (denominator + _ERF_B[3])


def _erfcx_medium(y: FloatArray) -> FloatArray:
    """exp(y²)·erfc(y) for 0.46875 < y <= 4."""
    numerator = _ERFC_C8 * y
    denominator = y
    for c, d in zip(_ERFC_C[:7], _ERFC_D[:7], strict=True):
        numerator = (numerator + c) * y
        denominator = (denominator + d) * y
    return (numerator + _ERFC_C[7]) / (denominator + _ERFC_D[7])


def _erfcx_large(y: FloatArray) -> FloatArray:
    """exp(y²)·erfc(y) for y > 4 (no exponential: exact to the last bits far out)."""
    with np.errstate(over="ignore", divide="ignore"):
        ysq = 1.0 / (y * y)
    numerator = _ERFC_P5 * ysq
    denominator = ysq
    for p, q in zip(_ERFC_P[:4], _ERFC_Q[:4], strict=True):
        numerator = (numerator + p) * ysq
        denominator = (denominator + q) * ysq
    result = ysq * (numerator + _ERFC_P[4]) / (denominator + _ERFC_Q[4])
    return (_ONE_OVER_SQRT_PI - result) / y


def _exp_minus_square(y: FloatArray) -> FloatArray:
    """exp(-y²) with the square split so that rounding in y² is not amplified (Cody)."""
    head = np.trunc(y * 16.0) / 16.0
    tail = (y - head) * (y + head)
    with np.errstate(under="ignore"):
        return np.exp(-head * head) * np.exp(-tail)


def _erfcx_positive(y: FloatArray) -> FloatArray:
    """erfcx(y) for y >= 0 (y > 0.46875 on the rational branches)."""
    result = np.empty_like(y)
    small = y <= _SMALL
    large = y > _LARGE
    medium = ~(small | large)
    ys = y[small]
    result[small] = np.exp(ys * ys) * (1.0 - _erf_small(ys))
    result[medium] = _erfcx_medium(y[medium])
    result[large] = _erfcx_large(y[large])
    return result


def erfcx(x: FloatArray) -> FloatArray:
    """Scaled complementary error function exp(x²)·erfc(x); ``inf`` below about -26.6."""
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    result = _erfcx_positive(y)
    negative = x < 0
    if np.any(negative):
        xn = x[negative]
        with np.errstate(over="ignore"):
            twice = 2.0 / _exp_minus_square(-xn)
        result[negative] = twice - result[negative]
    return result


def erfc(x: FloatArray) -> FloatArray:
    """Complementary error function with relative accuracy in the right tail."""
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    result = np.empty_like(y)
    small = y <= _SMALL
    result[small] = 1.0 - _erf_small(x[small])
    rest = ~small
    yr = y[rest]
    tail = _erfcx_positive(yr) * _exp_minus_square(yr)
    result[rest] = np.where(x[rest] < 0, 2.0 - tail, tail)
    return result


def norm_cdf(z: FloatArray) -> FloatArray:
    """Standard normal distribution function Φ(z), relatively accurate for negative z."""
    return 0.5 * erfc(-_ONE_OVER_SQRT_TWO * np.asarray(z, dtype=np.float64))


def norm_pdf(z: FloatArray) -> FloatArray:
    """Standard normal density φ(z)."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):
        return _ONE_OVER_SQRT_TWO_PI * np.exp(-0.5 * z * z)


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


def _polynomial(coefficients: tuple[float, ...], x: FloatArray) -> FloatArray:
    """Σ cᵢ·xⁱ by Horner's rule."""
    result = np.full_like(x, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = result * x + c
    return result


def inverse_norm_cdf(u: FloatArray) -> FloatArray:
    """Φ⁻¹(u) for u in (0, 1), accurate to about 1e-16 relative (Wichura, AS241)."""
    u = np.asarray(u, dtype=np.float64)
    q = u - 0.5
    result = np.empty_like(u)
    central = np.abs(q) <= 0.425
    qc = q[central]
    rc = 0.180625 - qc * qc
    result[central] = qc * _polynomial(_AS241_A, rc) / _polynomial(_AS241_B, rc)
    tail = ~central
    qt = q[tail]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(-np.log(np.where(qt < 0, u[tail], 1.0 - u[tail])))
    near = r < 5.0
    value = np.where(
        near,
        _polynomial(_AS241_C, r - 1.6) / _polynomial(_AS241_D, r - 1.6),
        _polynomial(_AS241_E, r - 5.0) / _polynomial(_AS241_F, r - 5.0),
    )
    result[tail] = np.where(qt < 0, -value, value)
    return result
