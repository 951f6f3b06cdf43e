r"""Confidence intervals for a Poisson count (or rate) and for a binomial proportion.

Two layers (STYLE A1): small private array functions that work on counts and never validate
(``_poisson_limits``, ``_proportion_limits``), which other modules of :mod:`lems_epi.stats`
may call, and the public functions :func:`poisson_ci` and :func:`proportion_ci`, which validate
their input and return tidy tables.

Method registries (STYLE A8): :data:`POISSON_CI_METHODS`, :data:`PROPORTION_CI_METHODS` and,
for standardised mortality ratios, :data:`SMR_CI_METHODS` (a superset of the Poisson methods);
common other names of each method are accepted (:data:`POISSON_CI_ALIASES`,
:data:`PROPORTION_CI_ALIASES`), e.g. ``proportion_ci(method="exact")`` is Clopper-Pearson.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from scipy.optimize import elementwise

from lems_epi._validation import (
    as_count_array,
    as_float_array,
    check_conf_level,
    check_positive_number,
    describe_rows,
    resolve_method,
)
from lems_epi.exceptions import SparseDataWarning
from lems_epi.stats._core import binomial_exact_limits, poisson_exact_limits, z_value
from lems_epi.stats.binomial_limits import binomial_limits, blaker_limits, sterne_limits
from lems_epi.stats.contract import contract_frame

__all__ = [
    "POISSON_CI_METHODS",
    "POISSON_CI_ALIASES",
    "PROPORTION_CI_METHODS",
    "PROPORTION_CI_ALIASES",
    "SMR_CI_METHODS",
    "poisson_ci",
    "proportion_ci",
]

#: Methods of :func:`poisson_ci`; the first is the default.
POISSON_CI_METHODS = ("exact", "mid-p", "byar", "normal", "score", "jeffreys", "byar-epitools")
#: Other names of the Poisson methods (case, ``_`` and spaces are ignored as well).
POISSON_CI_ALIASES = {"garwood": "exact", "exact-c": "exact", "midp": "mid-p",
                      "wald": "normal", "jeff": "jeffreys", "wilson": "score",
                      "pois-byar": "byar-epitools", "desctools-byar": "byar-epitools"}
#: Methods for a ratio of an observed Poisson count to a fixed expected count (SMR).
SMR_CI_METHODS = ("exact", "mid-p", "byar", "rothman-greenland", "ury-wiggins", "vandenbroucke",
                  "qpois", "score", "jeffreys", "byar-epitools", "profile")
#: Methods of :func:`proportion_ci`; ``wilson`` is the default.
PROPORTION_CI_METHODS = ("wilson", "clopper-pearson", "wilson-cc", "jeffreys", "agresti-coull",
                         "wald", "jeffreys-hpd", "logit", "cloglog", "probit",
                         "likelihood-ratio", "profile", "sterne", "blaker")
#: Other names of the proportion methods (case, ``_`` and spaces are ignored as well).
PROPORTION_CI_ALIASES = {"exact": "clopper-pearson", "cp": "clopper-pearson", "beta":
                         "clopper-pearson", "score": "wilson", "wilson-score": "wilson",
                         "continuity": "wilson-cc", "ac": "agresti-coull", "normal": "wald",
                         "asymptotic": "wald", "lrt": "likelihood-ratio", "lr":
                         "likelihood-ratio", "hpd": "jeffreys-hpd", "bayes": "jeffreys-hpd",
                         "binom-test": "sterne", "minlike": "sterne",
                         "complementary-log-log": "cloglog"}
#: Proportion methods whose formula is continuous in ``events``: they accept a non-integer
#: numerator (a weighted count), as PHEindicatormethods' Wilson limits do.
FRACTIONAL_PROPORTION_METHODS = ("wilson", "wald", "agresti-coull", "logit", "probit",
                                 "cloglog")

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
        ``score``, ``jeffreys``, ``byar-epitools``, ``qpois`` (Poisson quantiles),
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
    if method == "jeffreys":
        half = (1.0 - conf_level) / 2.0
        low = np.where(x > 0, special.gammaincinv(x + 0.5, half), 0.0)
        return low, special.gammaincinv(x + 0.5, 1.0 - half)
    if method == "qpois":
        half = (1.0 - conf_level) / 2.0
        return stats.poisson.ppf(half, x), stats.poisson.ppf(1.0 - half, x)
    z = z_value(conf_level)
    if method == "score":
        root = z * np.sqrt(x + z * z / 4.0)
        return np.maximum(x + z * z / 2.0 - root, 0.0), x + z * z / 2.0 + root
    if method == "byar-epitools":
        xh = x + 0.5
        cube = z / (3.0 * np.sqrt(xh))
        low = xh * (1.0 - 1.0 / (9.0 * xh) - cube) ** 3
        return np.where(x > 0, np.maximum(low, 0.0), 0.0), xh * (1 - 1 / (9 * xh) + cube) ** 3
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
    if method in _PROPORTION_SOLVERS:
        return _PROPORTION_SOLVERS[method](x, n, conf_level)
    if method in ("jeffreys", "wilson", "agresti-coull"):  # one implementation of each
        shape = np.broadcast(x, n).shape
        low, upp = binomial_limits(x, n, conf_level, method)
        return low.reshape(shape), upp.reshape(shape)
    z = z_value(conf_level)
    z2 = z * z
    if method == "wilson-cc":
        denom = 2.0 * (n + z2)
        with np.errstate(invalid="ignore"):
            low = (2 * n * p + z2 - 1 - z * np.sqrt(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1)))
            upp = (2 * n * p + z2 + 1 + z * np.sqrt(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1)))
        low = np.where(x == 0, 0.0, low / denom)
        upp = np.where(x == n, 1.0, upp / denom)
    elif method == "wald":
        half = z * np.sqrt(p * (1.0 - p) / n)
        low, upp = p - half, p + half
    elif method in ("logit", "probit", "cloglog"):
        low, upp = _transformed_limits(x, n, z, method)
    else:
        raise ValueError(f"_proportion_limits: unknown method {method!r}.")
    return np.clip(low, 0.0, 1.0), np.clip(upp, 0.0, 1.0)


def _transformed_limits(x, n, z, method):
    r"""Wald limits on the logit, probit or complementary log-log scale, back-transformed.

    At ``x = 0`` (``x = n``) the scale is undefined: the limits are those of R's
    ``binom::binom.confint`` there, 0 and :math:`1 - (\alpha/2)^{1/n}` (their mirror).
    """
    p = x / n
    inner = (x > 0) & (x < n)
    pc = np.where(inner, p, 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "logit":
            eta, se = special.logit(pc), np.sqrt(1.0 / (n * pc * (1.0 - pc)))
            low, upp = special.expit(eta - z * se), special.expit(eta + z * se)
        elif method == "probit":
            eta = stats.norm.ppf(pc)
            se = np.sqrt(pc * (1.0 - pc) / (n * stats.norm.pdf(eta) ** 2))
            low, upp = stats.norm.cdf(eta - z * se), stats.norm.cdf(eta + z * se)
        else:
            eta = np.log(-np.log(pc))
            se = np.sqrt((1.0 - pc) / (n * pc * np.log(pc) ** 2))
            low, upp = np.exp(-np.exp(eta + z * se)), np.exp(-np.exp(eta - z * se))
    edge = 1.0 - (stats.norm.sf(z)) ** (1.0 / n)
    low = np.where(x == 0, 0.0, np.where(x == n, 1.0 - edge, low))
    upp = np.where(x == 0, edge, np.where(x == n, 1.0, upp))
    return low, upp


def _loglik(p, x, n):
    return special.xlogy(x, p) + special.xlog1py(n - x, -p)


def _lr_limits(x, n, conf_level):
    r"""Likelihood-ratio limits: :math:`2\{\ell(\hat p) - \ell(p)\} = \chi^2_{1}`."""
    crit = stats.chi2.ppf(conf_level, 1) / 2.0
    x, n = np.broadcast_arrays(np.asarray(x, float), np.asarray(n, float))
    low, upp = np.zeros(x.shape), np.ones(x.shape)
    for i in np.ndindex(x.shape):
        xi, ni = x[i], n[i]
        ph = xi / ni
        top = _loglik(ph, xi, ni) - crit

        def f(p, xi=xi, ni=ni, top=top):
            return _loglik(p, xi, ni) - top

        if xi > 0:
            low[i] = optimize.brentq(f, 1e-300, ph, xtol=1e-15, rtol=1e-13)
        if xi < ni:
            upp[i] = optimize.brentq(f, ph, 1.0 - 1e-16, xtol=1e-15, rtol=1e-13)
    return low, upp


def _hpd_limits(x, n, conf_level):
    """Highest-posterior-density interval of the Jeffreys posterior Beta(x + 1/2, n - x + 1/2).

    The interval is the shortest one holding ``conf_level`` of the posterior: its limits have
    equal density. At ``x = 0`` (``x = n``) the density is monotone and the interval starts at
    0 (ends at 1).
    """
    x, n = np.broadcast_arrays(np.asarray(x, float), np.asarray(n, float))
    low, upp = np.zeros(x.shape), np.ones(x.shape)
    for i in np.ndindex(x.shape):
        dist = stats.beta(x[i] + 0.5, n[i] - x[i] + 0.5)
        if x[i] == 0:
            upp[i] = dist.ppf(conf_level)
            continue
        if x[i] == n[i]:
            low[i] = dist.ppf(1.0 - conf_level)
            continue
        res = optimize.minimize_scalar(
            lambda q, d=dist: d.ppf(q + conf_level) - d.ppf(q), bounds=(0.0, 1.0 - conf_level),
            method="bounded", options={"xatol": 1e-12})
        low[i], upp[i] = dist.ppf(res.x), dist.ppf(res.x + conf_level)
    return low, upp


_PROPORTION_SOLVERS = {
    "likelihood-ratio": _lr_limits,
    "profile": _lr_limits,
    "jeffreys-hpd": _hpd_limits,
    # one implementation of the exact-test inversions, shared with true_prevalence
    "sterne": sterne_limits,
    "blaker": blaker_limits,
}


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


def read_inputs(caller: str, first, second, names: tuple[str, str], second_default):
    """Accept scalars, lists, arrays, Series or a DataFrame for a two-count estimator.

    Returns ``(first_values, second_values, groups, index)``: with a DataFrame ``first``, its
    columns ``names`` (or the column named by a string ``second``) are read and its other
    columns become the output's leading columns; a pandas ``index`` of a Series input (or of
    the DataFrame) is kept for the output.
    """
    groups, index = None, None
    if isinstance(first, pd.DataFrame):
        frame = first
        col2 = second if isinstance(second, str) else names[1]
        if names[0] not in frame.columns:
            raise ValueError(f"{caller}: a DataFrame input needs a {names[0]!r} column; it "
                             f"has {list(frame.columns)}.")
        if col2 in frame.columns:
            second = frame[col2]
        elif isinstance(second, str) or second is second_default is None:
            raise ValueError(f"{caller}: a DataFrame input needs a {col2!r} column; it has "
                             f"{list(frame.columns)}.")
        first = frame[names[0]]
        rest = [c for c in frame.columns if c not in (names[0], col2)]
        groups = frame[rest].reset_index(drop=True) if rest else None
        index = frame.index
    else:
        for v in (first, second):
            if isinstance(v, pd.Series):
                index = v.index
                break
    return first, second, groups, index


def finish(table: pd.DataFrame, index, groups=None) -> pd.DataFrame:
    """Put back the caller's index (when lengths match) and group columns on a result."""
    if groups is not None and len(groups) == len(table):
        table = pd.concat([groups.reset_index(drop=True), table], axis=1)
    if index is not None and len(index) == len(table):
        table.index = index
    return table


def _count_column(x: np.ndarray):
    """Whole counts as int64, else as float (a weighted count)."""
    return x.astype(np.int64) if np.all(x == np.round(x)) else x


def poisson_ci(events, person_time=1, *, per=1, conf_level=0.95, method="exact"
               ) -> pd.DataFrame:
    r"""Rate of a Poisson count per unit of person-time, with a confidence interval.

    The rate is :math:`\hat\lambda = \text{per}\times x / T`; limits for the Poisson mean
    :math:`\mu` of :math:`x` are divided by :math:`T` (and multiplied by ``per``).

    Parameters
    ----------
    events : int, array_like of int, pandas.Series or pandas.DataFrame
        Event counts :math:`x` (whole numbers >= 0). A DataFrame gives its ``events`` and
        ``person_time`` columns; its other columns lead the result. A Series' index is kept.
    person_time : float, array_like or str, default 1
        Person-time :math:`T` (> 0). With the default, the interval is for the count itself.
        With a DataFrame ``events``, a string names its person-time column.
    per : float, default 1
        Multiplier of the rate and its limits (e.g. ``100_000`` for rates per 100,000).
    conf_level : float, default 0.95
        Confidence level.
    method : str, default "exact"
        * ``exact``: Garwood's limits from the chi-square (gamma) quantiles [1]_, the same as
          R's ``poisson.test``; coverage is at least ``conf_level`` for every true rate.
          Alias ``garwood``.
        * ``mid-p``: Lancaster's mid-p limits [2]_ (solved numerically); less conservative.
        * ``byar``: Byar's cube-root approximation, lower limit from :math:`x` and upper from
          :math:`x + 1` [3]_.
        * ``byar-epitools``: Byar's formula applied to :math:`x + 1/2` for both limits, as R's
          ``epitools::pois.byar`` and ``DescTools::PoissonCI`` do [4]_.
        * ``score``: the roots of :math:`(x - \mu)^2 = z^2\mu` [5]_ (alias ``wilson``).
        * ``jeffreys``: equal-tailed quantiles of Gamma(x + 1/2) [6]_, lower limit 0 at
          :math:`x = 0`.
        * ``normal``: Wald limits :math:`x \pm z\sqrt{x}`, lower clipped at 0 (teaching only;
          alias ``wald``).

        At zero events every lower limit is 0.

    Returns
    -------
    pandas.DataFrame
        On the output contract: ``events, person_time, measure`` ("rate"), ``estimate,
        lower, upper, conf_level, method, per``; one row per element.

    Raises
    ------
    ValueError
        Negative, non-whole or missing counts; zero, negative or missing person-time; unknown
        method or bad conf_level.
    TypeError
        Text, booleans, dates or complex numbers as counts or person-time.

    References
    ----------
    .. [1] Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika
       28(3/4):437-442. https://doi.org/10.1093/biomet/28.3-4.437
    .. [2] Lancaster HO (1961). Significance tests in discrete distributions. Journal of the
       American Statistical Association 56(294):223-234.
       https://doi.org/10.1080/01621459.1961.10482105
    .. [3] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon: IARC.
    .. [4] Rothman KJ, Boice JD (1979). Epidemiologic Analysis with a Programmable
       Calculator. NIH Publication 79-1649. Washington: US Government Printing Office.
    .. [5] Barker L (2002). A comparison of nine confidence intervals for a Poisson parameter
       when the expected number of events is <= 5. The American Statistician 56(2):85-89.
    .. [6] Laud PJ (2017). Equal-tailed confidence intervals for comparison of rates.
       Pharmaceutical Statistics 16(5):334-348.

    Examples
    --------
    >>> from lems_epi import poisson_ci
    >>> ci = poisson_ci([0, 10], person_time=1000, per=1000)
    >>> list(ci.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['events', 'person_time', 'measure', 'estimate', 'lower', 'upper', 'conf_level', 'method',
     'per']
    >>> ci[["events", "estimate", "lower", "upper"]].round(3)
       events  estimate  lower   upper
    0       0       0.0  0.000   3.689
    1      10      10.0  4.795  18.390
    """
    caller = "poisson_ci"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = resolve_method(method, POISSON_CI_METHODS, caller=caller,
                            aliases=POISSON_CI_ALIASES)
    per = check_positive_number(per, name="per", caller=caller)
    events, person_time, groups, index = read_inputs(
        caller, events, person_time, ("events", "person_time"), 1)
    x = as_count_array(events, name="events", caller=caller)
    t = as_float_array(person_time, name="person_time", caller=caller, allow_zero=False)
    x, t = _broadcast(caller, events=x, person_time=t)
    lower, upper = _poisson_limits(x, conf_level, method)
    with np.errstate(over="ignore"):
        est = per * x / t
    if not np.isfinite(est).all():
        bad = ~np.isfinite(est)
        raise ValueError(f"{caller}: the rate overflows at {describe_rows(bad)} "
                         "(person_time too small for the counts); rescale person_time.")
    table = contract_frame({"events": x.astype(np.int64), "person_time": t}, measure="rate",
                           estimate=est, lower=per * lower / t, upper=per * upper / t,
                           conf_level=conf_level, method=method, per=per)
    return finish(table, index, groups)


def _proportion_counts(events, n, method, caller):
    """Events and trials as floats; whole numbers unless the method is continuous in x."""
    if method in FRACTIONAL_PROPORTION_METHODS:
        x = as_float_array(events, name="events", caller=caller)
        size = as_float_array(n, name="n", caller=caller)
    else:
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
    return x, size


def proportion_ci(events, n=None, *, per=1, conf_level=0.95, method="wilson") -> pd.DataFrame:
    r"""Binomial proportion ``events / n`` with a confidence interval.

    Parameters
    ----------
    events : int, array_like, pandas.Series or pandas.DataFrame
        Number of events (successes), ``0 <= events <= n``. Whole numbers, except for the
        methods continuous in the count (``wilson``, ``wald``, ``agresti-coull``, ``logit``,
        ``probit``, ``cloglog``), which accept a weighted (non-integer) count as
        PHEindicatormethods does. A DataFrame gives its ``events`` and ``n`` columns; a
        Series' index is kept.
    n : int, array_like or str
        Number of trials (> 0); with a DataFrame ``events``, a string names its column.
    per : float, default 1
        Multiplier of the proportion and its limits (e.g. 100 for a percentage).
    conf_level : float, default 0.95
        Confidence level.
    method : str, default "wilson"
        * ``wilson``: score interval [1]_ (R ``prop.test(correct = FALSE)``); close to nominal
          coverage on average, the recommended default [3]_. Alias ``score``.
        * ``clopper-pearson``: exact interval from beta quantiles [2]_ (R ``binom.test``);
          coverage at least ``conf_level``. Aliases ``exact``, ``cp``, ``beta``.
        * ``wilson-cc``: score interval with continuity correction [4]_.
        * ``jeffreys``: equal-tailed Beta(x + 1/2, n - x + 1/2) interval, lower limit 0 at
          ``x = 0`` and upper 1 at ``x = n`` [3]_.
        * ``jeffreys-hpd``: the highest-posterior-density interval of that Beta posterior
          (R ``binom::binom.bayes(type = "highest")``; alias ``hpd``).
        * ``agresti-coull``: Wald interval around :math:`\tilde p = (x + z^2/2)/(n + z^2)` [5]_.
        * ``logit``, ``probit``, ``cloglog``: Wald intervals on the transformed scale,
          back-transformed [6]_ (R ``binom::binom.confint``); at ``x = 0`` (``n``) the limits
          are 0 and :math:`1 - (\alpha/2)^{1/n}` (mirrored).
        * ``likelihood-ratio``: every :math:`p` with :math:`2\{\ell(\hat p) - \ell(p)\}`
          below the :math:`\chi^2_1` quantile [7]_ (alias ``lrt``); ``profile`` is the same
          interval reached through the profile likelihood of a logistic model.
        * ``sterne``: inverts the two-sided minimum-likelihood exact test [8]_ (R
          ``exactci``, statsmodels ``binom_test``); ``blaker``: inverts Blaker's exact test
          [9]_. Both are exact and shorter than Clopper-Pearson.
        * ``wald``: :math:`\hat p \pm z\sqrt{\hat p(1-\hat p)/n}` (teaching only).

        Every interval lies in [0, 1].

    Returns
    -------
    pandas.DataFrame
        On the output contract: ``events, n, measure`` ("proportion"), ``estimate, lower,
        upper, conf_level, method, per``.

    Raises
    ------
    ValueError
        Negative, non-whole or missing counts, ``n`` of zero, ``events > n``, unknown method.
    TypeError
        Text, booleans, dates or complex numbers as counts.

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
    .. [6] Collett D (1991). Modelling Binary Data. London: Chapman & Hall.
    .. [7] Agresti A (2002). Categorical Data Analysis, 2nd edition. Hoboken: Wiley.
       Section 1.4.
    .. [8] Sterne TE (1954). Some remarks on confidence or fiducial limits. Biometrika
       41(1/2):275-278.
    .. [9] Blaker H (2000). Confidence curves and improved exact confidence intervals for
       discrete distributions. Canadian Journal of Statistics 28(4):783-798.

    Examples
    --------
    >>> from lems_epi import proportion_ci
    >>> proportion_ci(81, 263)[["events", "n", "estimate", "lower", "upper", "method"]].round(4)
       events    n  estimate   lower   upper  method
    0      81  263     0.308  0.2553  0.3662  wilson
    >>> float(proportion_ci(3, 250, method="exact")["upper"].iloc[0].round(4))
    0.0347
    """
    caller = "proportion_ci"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = resolve_method(method, PROPORTION_CI_METHODS, caller=caller,
                            aliases=PROPORTION_CI_ALIASES)
    per = check_positive_number(per, name="per", caller=caller)
    events, n, groups, index = read_inputs(caller, events, n, ("events", "n"), None)
    if n is None:
        raise TypeError(f"{caller}: 'n' (the number of trials) is required.")
    x, size = _proportion_counts(events, n, method, caller)
    lower, upper = _proportion_limits(x, size, conf_level, method)
    table = contract_frame({"events": _count_column(x), "n": _count_column(size)},
                           measure="proportion", estimate=per * x / size, lower=per * lower,
                           upper=per * upper, conf_level=conf_level, method=method, per=per)
    return finish(table, index, groups)


def _warn_no_upper(x, method: str, caller: str) -> None:
    """Warn when a log-scale method gives no upper limit at zero observed events."""
    if method == "rothman-greenland" and np.any(np.asarray(x) == 0):
        warnings.warn(f"{caller}: method 'rothman-greenland' works on the log scale and has no "
                      f"upper limit at 0 observed events ({describe_rows(np.asarray(x) == 0)}); "
                      "upper is NaN there. Use method='exact' for zero counts.",
                      SparseDataWarning, stacklevel=3)
