r"""Confidence intervals for a Poisson count (or rate) and for a binomial proportion.

Two layers (STYLE A1): small private array functions that work on counts and never validate
(``_poisson_limits``, ``_proportion_limits``), which other modules of :mod:`lems_epi.stats`
may call, and the public functions :func:`poisson_ci` and :func:`proportion_ci`, which validate
their input and return tidy tables.

Method registries (STYLE A8): :data:`POISSON_CI_METHODS`, :data:`PROPORTION_CI_METHODS` and,
for standardised mortality ratios, :data:`SMR_CI_METHODS` (a superset of the Poisson methods).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special, stats
from scipy.optimize import elementwise

from lems_epi._validation import (
    as_count_array,
    as_float_array,
    check_conf_level,
    check_method,
    describe_rows,
)
from lems_epi.exceptions import SparseDataWarning
from lems_epi.stats._core import binomial_exact_limits, poisson_exact_limits, z_value

__all__ = [
    "POISSON_CI_METHODS",
    "PROPORTION_CI_METHODS",
    "SMR_CI_METHODS",
    "poisson_ci",
    "proportion_ci",
]

#: Methods of :func:`poisson_ci`; the first is the default.
POISSON_CI_METHODS = ("exact", "mid-p", "byar", "normal")
#: Methods for a ratio of an observed Poisson count to a fixed expected count (SMR).
SMR_CI_METHODS = ("exact", "mid-p", "byar", "rothman-greenland", "ury-wiggins", "vandenbroucke")
#: Methods of :func:`proportion_ci`; ``wilson`` is the default.
PROPORTION_CI_METHODS = ("wilson", "clopper-pearson", "wilson-cc", "jeffreys", "agresti-coull",
                         "wald")

# Ury & Wiggins (1985) add these constants to the normal-approximation limits (lower, upper).
# Only the 95% pair is validated (against epiR::epi.smr). Constants for other levels found in
# circulation were not checked against the paper and give implausible limits (e.g. a 99% lower
# limit of 0.42 for one event, where the exact limit is 0.005), so the method is offered at 95%
# only.
_URY_WIGGINS_CONSTANTS = {0.95: (1.0, 2.0)}

_ROOT_TOL = {"xrtol": 1e-13, "xatol": 1e-300, "fatol": 0.0, "frtol": 0.0}


# --------------------------------------------------------------------------------------------
# Count-level array functions (no validation; used by rates, standardize and compare modules)
# --------------------------------------------------------------------------------------------

def _poisson_midp_limits(x, conf_level: float):
    r"""Mid-p limits for a Poisson count ``x`` (array of whole numbers >= 0).

    The lower limit :math:`\mu_L` solves :math:`P(X > x) + P(X = x)/2 = \alpha/2` and the upper
    limit :math:`\mu_U` solves :math:`P(X < x) + P(X = x)/2 = \alpha/2`. Both are found
    elementwise with a bracketing root finder, the brackets being the exact limits of ``x``
    and ``x + 1`` (between which the mid-p limit always lies).
    """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    half = (1.0 - conf_level) / 2.0
    lower = np.zeros_like(x)
    upper = np.full_like(x, -np.log(2.0 * half))  # x = 0: exp(-mu) / 2 = alpha / 2
    pos = x > 0
    if pos.any():
        xp = x[pos]

        def f_low(mu, k):
            return 0.5 * (special.gammainc(k, mu) + special.gammainc(k + 1.0, mu)) - half

        def f_upp(mu, k):
            return half - 0.5 * (special.gammaincc(k, mu) + special.gammaincc(k + 1.0, mu))

        a = special.gammaincinv(xp, half)
        b = special.gammaincinv(xp + 1.0, half)
        res = elementwise.find_root(f_low, (a, b), args=(xp,), tolerances=_ROOT_TOL)
        lower[pos] = res.x
        a = special.gammainccinv(xp, half)
        b = special.gammainccinv(xp + 1.0, half)
        res = elementwise.find_root(f_upp, (a, b), args=(xp,), tolerances=_ROOT_TOL)
        upper[pos] = res.x
    return lower, upper


def _byar_limits(x, conf_level: float):
    """Byar's approximation to the exact limits (Breslow & Day 1987): lower from x, upper x+1."""
    x = np.asarray(x, dtype=float)
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))) ** 3
    low = np.where(x > 0, np.maximum(low, 0.0), 0.0)
    x1 = x + 1.0
    upp = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1))) ** 3
    return low, upp


def _poisson_limits(x, conf_level: float, method: str = "exact"):
    """Confidence limits for the mean of a Poisson count ``x``, on the count scale.

    A private array helper shared by :mod:`lems_epi.stats`: no validation, ``x`` must hold
    whole numbers >= 0 and ``method`` one of :data:`SMR_CI_METHODS` or ``"normal"``. Divide
    the limits by person-time (or by the expected count) to get rate (or SMR) limits.

    Parameters
    ----------
    x : array_like
        Observed counts.
    conf_level : float
        Confidence level in (0, 1).
    method : str
        ``exact`` (Garwood), ``mid-p``, ``byar``, ``normal`` (Wald, clipped at 0),
        ``rothman-greenland`` (log scale), ``ury-wiggins``, ``vandenbroucke`` (square root).

    Returns
    -------
    lower, upper : numpy.ndarray
        Limits for the Poisson mean; the lower limit is 0 at ``x = 0`` for every method, and
        the ``rothman-greenland`` upper limit is NaN there (the caller warns).

    Examples
    --------
    >>> lo, hi = _poisson_limits([0, 4], 0.95, "exact")
    >>> np.round(lo, 4).tolist(), np.round(hi, 4).tolist()
    ([0.0, 1.0899], [3.6889, 10.2416])
    """
    x = np.asarray(x, dtype=float)
    if method == "exact":
        return poisson_exact_limits(x, conf_level)
    if method == "mid-p":
        lo, hi = _poisson_midp_limits(x, conf_level)
        return lo.reshape(x.shape), hi.reshape(x.shape)
    if method == "byar":
        return _byar_limits(x, conf_level)
    z = z_value(conf_level)
    root = np.sqrt(x)
    if method == "normal":
        return np.maximum(x - z * root, 0.0), x + z * root
    if method == "vandenbroucke":
        low = np.where(root > z / 2.0, (root - z / 2.0) ** 2, 0.0)
        return low, (root + z / 2.0) ** 2
    if method == "rothman-greenland":
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.exp(z / root)
            low = np.where(x > 0, x / factor, 0.0)
            upp = np.where(x > 0, x * factor, np.nan)
        return low, upp
    if method == "ury-wiggins":
        c_low, c_upp = _URY_WIGGINS_CONSTANTS[round(conf_level, 10)]
        low = np.where(x > 0, np.maximum(x - z * root + c_low, 0.0), 0.0)
        return low, x + z * root + c_upp
    raise ValueError(f"_poisson_limits: unknown method {method!r}.")


def _proportion_limits(x, n, conf_level: float, method: str = "wilson"):
    """Confidence limits for a binomial proportion ``x / n`` (private array helper).

    No validation: ``0 <= x <= n`` and ``n > 0`` are assumed. Limits are clipped to [0, 1].

    Examples
    --------
    >>> lo, hi = _proportion_limits(0, 10, 0.95, "wilson")
    >>> float(lo), round(float(hi), 6)
    (0.0, 0.277533)
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    p = x / n
    if method == "clopper-pearson":
        return binomial_exact_limits(x, n, conf_level)
    alpha = 1.0 - conf_level
    if method == "jeffreys":
        low = np.where(x > 0, stats.beta.ppf(alpha / 2, x + 0.5, n - x + 0.5), 0.0)
        upp = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 0.5, n - x + 0.5), 1.0)
        return low, upp
    z = z_value(conf_level)
    z2 = z * z
    if method == "wilson":
        centre = (x + z2 / 2.0) / (n + z2)
        half = z * np.sqrt(n * p * (1.0 - p) + z2 / 4.0) / (n + z2)
        low, upp = centre - half, centre + half
        low = np.where(x == 0, 0.0, low)
        upp = np.where(x == n, 1.0, upp)
    elif method == "wilson-cc":
        denom = 2.0 * (n + z2)
        with np.errstate(invalid="ignore"):
            low = (2 * n * p + z2 - 1 - z * np.sqrt(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1)))
            upp = (2 * n * p + z2 + 1 + z * np.sqrt(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1)))
        low = np.where(x == 0, 0.0, low / denom)
        upp = np.where(x == n, 1.0, upp / denom)
    elif method == "agresti-coull":
        n_t = n + z2
        p_t = (x + z2 / 2.0) / n_t
        half = z * np.sqrt(p_t * (1.0 - p_t) / n_t)
        low, upp = p_t - half, p_t + half
    elif method == "wald":
        half = z * np.sqrt(p * (1.0 - p) / n)
        low, upp = p - half, p + half
    else:
        raise ValueError(f"_proportion_limits: unknown method {method!r}.")
    return np.clip(low, 0.0, 1.0), np.clip(upp, 0.0, 1.0)


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------

def _broadcast(caller: str, **arrays):
    try:
        out = np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = {k: np.shape(v) for k, v in arrays.items()}
        raise ValueError(f"{caller}: arguments have shapes {shapes} that cannot be broadcast "
                         "together; give arrays of equal length or scalars.") from None
    return [np.atleast_1d(a).ravel() for a in out]


def check_ury_wiggins_level(conf_level: float, *, caller: str) -> None:
    """Raise unless ``conf_level`` is one of the levels Ury & Wiggins tabulated constants for."""
    if round(conf_level, 10) not in _URY_WIGGINS_CONSTANTS:
        raise ValueError(f"{caller}: method 'ury-wiggins' is offered only for conf_level 0.95 "
                         f"(its constants for other levels are not validated), got "
                         f"{conf_level!r}; use 'exact' or 'byar' instead.")


def poisson_ci(events, person_time=1, conf_level=0.95, method="exact") -> pd.DataFrame:
    r"""Rate of a Poisson count per unit of person-time, with a confidence interval.

    The rate is :math:`\hat\lambda = x / T`; limits for the Poisson mean :math:`\mu` of
    :math:`x` are divided by :math:`T`.

    Parameters
    ----------
    events : int or array_like of int
        Event counts :math:`x` (whole numbers >= 0).
    person_time : float or array_like, default 1
        Person-time :math:`T` (> 0). With the default, the interval is for the count itself.
    conf_level : float, default 0.95
        Confidence level.
    method : {"exact", "mid-p", "byar", "normal"}, default "exact"
        * ``exact``: Garwood's limits from the chi-square (gamma) quantiles [1]_, the same as
          R's ``poisson.test``; coverage is at least ``conf_level`` for every true rate.
        * ``mid-p``: Lancaster's mid-p limits [2]_ (solved numerically); less conservative.
        * ``byar``: Byar's cube-root approximation, lower limit from :math:`x` and upper from
          :math:`x + 1` [3]_.
        * ``normal``: Wald limits :math:`x \pm z\sqrt{x}`, lower clipped at 0 (teaching only).

        At zero events every lower limit is 0.

    Returns
    -------
    pandas.DataFrame
        One row per element: ``events, person_time, rate, lower, upper, conf_level, method``.

    Raises
    ------
    ValueError
        Negative, non-whole or missing counts; zero, negative or missing person-time; unknown
        method or bad conf_level (``TypeError`` for non-numbers).

    References
    ----------
    .. [1] Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika
       28(3/4):437-442. https://doi.org/10.1093/biomet/28.3-4.437
    .. [2] Lancaster HO (1961). Significance tests in discrete distributions. Journal of the
       American Statistical Association 56(294):223-234.
       https://doi.org/10.1080/01621459.1961.10482105
    .. [3] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon: IARC.

    Examples
    --------
    >>> from lems_epi import poisson_ci
    >>> poisson_ci([0, 10], person_time=1000).round(5)
       events  person_time  rate  lower    upper  conf_level method
    0       0       1000.0  0.00  0.000  0.00369        0.95  exact
    1      10       1000.0  0.01  0.0048  0.01839        0.95  exact
    """
    caller = "poisson_ci"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, POISSON_CI_METHODS, caller=caller)
    x = as_count_array(events, name="events", caller=caller)
    t = as_float_array(person_time, name="person_time", caller=caller, allow_zero=False)
    x, t = _broadcast(caller, events=x, person_time=t)
    lower, upper = _poisson_limits(x, conf_level, method)
    return pd.DataFrame({
        "events": x.astype(np.int64),
        "person_time": t,
        "rate": x / t,
        "lower": lower / t,
        "upper": upper / t,
        "conf_level": conf_level,
        "method": method,
    })


def proportion_ci(events, n, conf_level=0.95, method="wilson") -> pd.DataFrame:
    r"""Binomial proportion ``events / n`` with a confidence interval.

    Parameters
    ----------
    events : int or array_like of int
        Number of events (successes), ``0 <= events <= n``.
    n : int or array_like of int
        Number of trials (> 0).
    conf_level : float, default 0.95
        Confidence level.
    method : str, default "wilson"
        * ``wilson``: score interval [1]_ (R ``prop.test(correct = FALSE)``); close to nominal
          coverage on average, the recommended default [3]_.
        * ``clopper-pearson``: exact interval from beta quantiles [2]_ (R ``binom.test``);
          coverage at least ``conf_level``.
        * ``wilson-cc``: score interval with continuity correction [4]_.
        * ``jeffreys``: equal-tailed Beta(x + 1/2, n - x + 1/2) interval, lower limit 0 at
          ``x = 0`` and upper 1 at ``x = n`` [3]_.
        * ``agresti-coull``: Wald interval around :math:`\tilde p = (x + z^2/2)/(n + z^2)` [5]_.
        * ``wald``: :math:`\hat p \pm z\sqrt{\hat p(1-\hat p)/n}` (teaching only).

        Every interval is clipped to [0, 1].

    Returns
    -------
    pandas.DataFrame
        ``events, n, proportion, lower, upper, conf_level, method``.

    Raises
    ------
    ValueError
        Negative, non-whole or missing counts, ``n`` of zero, ``events > n``, unknown method.

    References
    ----------
    .. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical
       inference. Journal of the American Statistical Association 22(158):209-212.
       https://doi.org/10.1080/01621459.1927.10502953
    .. [2] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated
       in the case of the binomial. Biometrika 26(4):404-413.
       https://doi.org/10.1093/biomet/26.4.404
    .. [3] Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial proportion.
       Statistical Science 16(2):101-133. https://doi.org/10.1214/ss/1009213286
    .. [4] Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
       comparison of seven methods. Statistics in Medicine 17(8):857-872.
    .. [5] Agresti A, Coull BA (1998). Approximate is better than "exact" for interval
       estimation of binomial proportions. The American Statistician 52(2):119-126.

    Examples
    --------
    >>> from lems_epi import proportion_ci
    >>> proportion_ci(81, 263).round(4)
       events    n  proportion   lower   upper  conf_level  method
    0      81  263        0.308  0.2553  0.3662        0.95  wilson
    """
    caller = "proportion_ci"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, PROPORTION_CI_METHODS, caller=caller)
    x = as_count_array(events, name="events", caller=caller)
    size = as_count_array(n, name="n", caller=caller)
    x, size = _broadcast(caller, events=x, n=size)
    bad = size == 0
    if bad.any():
        raise ValueError(f"{caller}: 'n' is zero at {describe_rows(bad)}; a proportion needs "
                         "at least one trial. Drop those rows.")
    bad = x > size
    if bad.any():
        raise ValueError(f"{caller}: 'events' exceeds 'n' at {describe_rows(bad)} "
                         f"(e.g. {x[bad][:3].tolist()} > {size[bad][:3].tolist()}); "
                         "events must lie between 0 and n.")
    lower, upper = _proportion_limits(x, size, conf_level, method)
    return pd.DataFrame({
        "events": x.astype(np.int64),
        "n": size.astype(np.int64),
        "proportion": x / size,
        "lower": lower,
        "upper": upper,
        "conf_level": conf_level,
        "method": method,
    })


def _warn_no_upper(x, method: str, caller: str) -> None:
    """Warn when a log-scale method gives no upper limit at zero observed events."""
    if method == "rothman-greenland" and np.any(np.asarray(x) == 0):
        warnings.warn(f"{caller}: method 'rothman-greenland' works on the log scale and has no "
                      f"upper limit at 0 observed events ({describe_rows(np.asarray(x) == 0)}); "
                      "upper is NaN there. Use method='exact' for zero counts.",
                      SparseDataWarning, stacklevel=3)
