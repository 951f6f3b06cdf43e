r"""Comparisons of two incidence rates: ratio, difference and the exact conditional test.

Every function takes scalars or arrays (one comparison per element) and returns a table on
the output contract (:mod:`lems_epi.stats.contract`): the inputs ``events_a, person_time_a,
events_b, person_time_b``, then ``measure, estimate, lower, upper, conf_level, method, per``
and the test that goes with the estimate, ``statistic, p_value, alternative``. Group a is the
numerator (e.g. the exposed), group b the reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from lems_epi._validation import check_conf_level, check_positive_number
from lems_epi.stats._core import binomial_exact_limits, z_value
from lems_epi.stats.comparison_core import (
    binomial_midp_limits,
    binomial_minlike_p,
    check_options,
    log_wald,
    pick_method,
    rate_arrays,
    wald_test,
    warn_zero,
)
from lems_epi.stats.contract import contract_frame

__all__ = ["RATE_RATIO_METHODS", "RATE_DIFFERENCE_METHODS", "rate_ratio", "rate_difference",
           "rate_ratio_test"]

RATE_RATIO_METHODS = ("exact", "mid-p", "wald", "wald-cc", "score", "mover-jeffreys")
RATE_DIFFERENCE_METHODS = ("wald", "score")
_RR_ALIASES = {"exact": "exact", "exact-conditional": "exact", "mid-p": "mid-p",
               "midp": "mid-p", "wald": "wald", "wald-log": "wald", "wald-cc": "wald-cc",
               "waldcc": "wald-cc", "score": "score", "mover-jeffreys": "mover-jeffreys",
               "mover": "mover-jeffreys"}
_RD_ALIASES = {"wald": "wald", "score": "score", "miettinen-nurminen": "score"}
_TEST_METHODS = {"exact-minlike": "exact-minlike", "exact": "exact-minlike",
                 "minlike": "exact-minlike", "exact-cond": "exact-minlike",
                 "exact-central": "exact-central", "central": "exact-central",
                 "mid-p": "mid-p", "midp": "mid-p", "score": "score", "wald": "wald"}
_ALTERNATIVES = ("two-sided", "greater", "less")


def _inputs(xa, ta, xb, tb):
    return {"events_a": xa.astype(np.int64), "person_time_a": ta,
            "events_b": xb.astype(np.int64), "person_time_b": tb}


def _conditional_limits(xa, ta, xb, tb, conf_level, midp):
    """Exact (Clopper-Pearson) or mid-p limits of the conditional binomial, as rate ratios."""
    n = xa + xb
    if midp:
        limits = [binomial_midp_limits(x, m, conf_level) if m > 0 else (np.nan, np.nan)
                  for x, m in zip(xa, n, strict=True)]
        p_lo, p_hi = (np.array(v, dtype=float) for v in zip(*limits, strict=True))
    else:
        p_lo, p_hi = binomial_exact_limits(xa, n, conf_level)
    scale = tb / ta
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = p_lo / (1.0 - p_lo) * scale
        upper = np.where(p_hi >= 1.0, np.inf, p_hi / (1.0 - p_hi) * scale)
    return lower, upper


def _score_ratio_limits(xa, ta, xb, tb, z):
    """Roots in the rate ratio of the score statistic (x_a - x_b u)^2 = z^2 (x_a + x_b) u."""
    # u = RR * T_a / T_b; quadratic x_b^2 u^2 - (2 x_a x_b + z^2 (x_a + x_b)) u + x_a^2 = 0
    qa = xb**2
    qb = 2 * xa * xb + z**2 * (xa + xb)
    disc = np.sqrt(np.maximum(qb**2 - 4 * qa * xa**2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        lo_u = np.where(qa > 0, (qb - disc) / (2 * qa), xa**2 / qb)
        hi_u = np.where(qa > 0, (qb + disc) / (2 * qa), np.inf)
    return lo_u * tb / ta, hi_u * tb / ta


def _mover_jeffreys(xa, ta, xb, tb, conf_level):
    """MOVER limits of the ratio from the Jeffreys limits of the two rates.

    Centred, as ``ratesci::moverci``, on the Jeffreys posterior medians of the two rates.
    """
    alpha = (1.0 - conf_level) / 2.0
    r1, r2 = stats.gamma.median(xa + 0.5) / ta, stats.gamma.median(xb + 0.5) / tb
    l1, u1 = stats.gamma.ppf(alpha, xa + 0.5) / ta, stats.gamma.isf(alpha, xa + 0.5) / ta
    l2, u2 = stats.gamma.ppf(alpha, xb + 0.5) / tb, stats.gamma.isf(alpha, xb + 0.5) / tb
    prod = r1 * r2
    t1, t2 = u2 * (2 * r2 - u2), l2 * (2 * r2 - l2)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = (prod - np.sqrt(np.maximum(prod**2 - t1 * l1 * (2 * r1 - l1), 0))) / t1
        upper = (prod + np.sqrt(np.maximum(prod**2 - t2 * u1 * (2 * r1 - u1), 0))) / t2
    upper = np.where(t2 <= 0, np.inf, upper)
    return np.maximum(lower, 0.0), upper


def _midp_two_sided(x, n, p):
    half = 0.5 * stats.binom.pmf(x, n, p)
    low = stats.binom.cdf(x, n, p) - half
    high = stats.binom.sf(x, n, p) + half
    return np.minimum(1.0, 2.0 * np.minimum(low, high))


def rate_ratio(events_a, person_time_a, events_b, person_time_b, *, conf_level=0.95,
               method="exact", correction=None) -> pd.DataFrame:
    r"""Ratio of two incidence rates, group a over group b, with an interval and a test.

    .. math:: \widehat{RR} = \frac{x_a / T_a}{x_b / T_b}

    Parameters
    ----------
    events_a, person_time_a : int, float or array_like
        Events and person-time in group a (the numerator, e.g. the exposed).
    events_b, person_time_b : int, float or array_like
        Events and person-time in group b (the reference).
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : str, default "exact"
        ``"exact"``: conditional on :math:`n = x_a + x_b`, :math:`x_a` is binomial with
        :math:`p = RR\,T_a / (RR\,T_a + T_b)`; Clopper-Pearson limits of :math:`p` mapped to
        the ratio (as R's ``poisson.test``) [1]_; the test is R's exact binomial test
        (minimum likelihood). ``"mid-p"``: the same with mid-p limits and a mid-p test (as
        ``epitools::rateratio(method = "midp")``) [2]_. ``"wald"``: :math:`\exp(\log
        \widehat{RR} \pm z\sqrt{1/x_a + 1/x_b})` with the Wald z test [2]_. ``"wald-cc"``
        (alias ``"waldcc"``): the Wald interval with 1/2 added to both counts [3]_.
        ``"score"``: the score interval, roots of :math:`(x_a - x_b u)^2 = z^2 (x_a + x_b) u`
        with :math:`u = RR\,T_a/T_b` [4]_, and the score test. ``"mover-jeffreys"`` (alias
        ``"mover"``): MOVER combination of the Jeffreys limits of the two rates, centred on
        their posterior medians as ``ratesci::moverci`` [3]_, with the score test. For
        ``"wald-cc"`` and ``"mover-jeffreys"`` the ``estimate`` is the ratio the interval is
        centred on (counts plus 1/2; ratio of the Jeffreys medians), as the peers report it.
    correction : float, optional
        ``"wald"`` only: added to both event counts of the rows where one of them is zero.
        Without it such rows give a :class:`~lems_epi.exceptions.ZeroCellWarning`.

    Returns
    -------
    pandas.DataFrame
        ``events_a, person_time_a, events_b, person_time_b, measure ("rate_ratio"), estimate,
        lower, upper, conf_level, method, per, statistic, p_value, alternative`` (the test of
        a ratio of 1), one row per comparison.

    Warns
    -----
    ZeroCellWarning
        When ``events_b`` is 0 (the ratio and its upper limit are infinite), when both counts
        are 0 (everything is ``nan``), and for Wald intervals over a zero count.

    References
    ----------
    .. [1] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon:
       IARC. Section 2.4.
    .. [2] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 14.
    .. [3] Li HQ, Tang ML, Wong WK (2014). Confidence intervals for ratio of two Poisson
       rates using the method of variance estimates recovery. Computational Statistics
       29(3-4):869-889. https://doi.org/10.1007/s00180-013-0467-3
    .. [4] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in
       Medicine 4(2):213-226. https://doi.org/10.1002/sim.4780040211

    Examples
    --------
    >>> from lems_epi import rate_ratio
    >>> res = rate_ratio(10, 1000, 20, 3000)
    >>> res[["measure", "estimate", "lower", "upper"]].round(4)
          measure  estimate  lower   upper
    0  rate_ratio       1.5  0.627  3.3575
    >>> rate_ratio(10, 1000, 20, 3000, method="wald")[["lower", "upper"]].round(4)
        lower   upper
    0  0.7021  3.2045
    """
    caller = "rate_ratio"
    conf_level, method, correction = check_options(conf_level, method, _RR_ALIASES,
                                                   correction, caller=caller)
    xa, ta, xb, tb = rate_arrays(events_a, person_time_a, events_b, person_time_b,
                                 caller=caller)
    both_zero = (xa == 0) & (xb == 0)
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (xa / ta) / (xb / tb)
        p0 = ta / (ta + tb)
        u = ta / tb
        score_z = (xa - xb * u) / np.sqrt((xa + xb) * u)
    statistic, p_value = score_z, 2.0 * stats.norm.sf(np.abs(score_z))
    if method in ("wald", "wald-cc"):
        ea, eb = xa.copy(), xb.copy()
        zero = (xa == 0) | (xb == 0)
        if method == "wald-cc":
            ea, eb = xa + 0.5, xb + 0.5
        elif correction is not None:
            ea, eb = np.where(zero, xa + correction, xa), np.where(zero, xb + correction, xb)
        else:
            warn_zero(zero & ~both_zero, "a zero event count makes the Wald interval "
                      "undefined on the log scale (nan limit returned); pass correction=0.5 "
                      "or use method='exact'", caller=caller)
        with np.errstate(divide="ignore", invalid="ignore"):
            est_w = (ea / ta) / (eb / tb)
            log_se = np.sqrt(1.0 / ea + 1.0 / eb)
        lower, upper = log_wald(est_w, log_se, z)
        estimate = est_w  # wald-cc: the corrected ratio the interval is centred on
        statistic, p_value = wald_test(est_w, 0.0, log_se, log=True)
    elif method in ("exact", "mid-p"):
        lower, upper = _conditional_limits(xa, ta, xb, tb, conf_level, method == "mid-p")
        statistic = xa.copy()
        p_value = (binomial_minlike_p(xa, xa + xb, p0) if method == "exact"
                   else _midp_two_sided(xa, xa + xb, p0))
    elif method == "score":
        lower, upper = _score_ratio_limits(xa, ta, xb, tb, z)
    else:
        lower, upper = _mover_jeffreys(xa, ta, xb, tb, conf_level)
        with np.errstate(divide="ignore", invalid="ignore"):  # ratio of Jeffreys medians
            estimate = (stats.gamma.median(xa + 0.5) / ta) / (stats.gamma.median(xb + 0.5) / tb)
    if method != "wald":
        warn_zero((xb == 0) & ~both_zero, "events_b is 0, so the rate ratio and its upper "
                  "limit are infinite", caller=caller)
    warn_zero(both_zero, "both event counts are 0, so the rate ratio is undefined (nan)",
              caller=caller)
    nan_if = np.where(both_zero, np.nan, 1.0)
    return contract_frame(_inputs(xa, ta, xb, tb), measure="rate_ratio",
                          estimate=estimate * nan_if, lower=lower * nan_if,
                          upper=upper * nan_if, conf_level=conf_level, method=method,
                          statistic=statistic * nan_if, p_value=p_value * nan_if)


def _score_diff_statistic(value, xa, ta, xb, tb):
    """Score statistic of the rate difference ``value`` (constrained MLE of both rates)."""
    pooled = (xa + xb) / (ta + tb)
    dt = pooled - value
    r2 = 0.5 * (dt + np.sqrt(np.maximum(dt**2 + 4 * value * xb / (ta + tb), 0.0)))
    r1 = r2 + value
    return (xa / ta - xb / tb - value) / np.sqrt(r1 / ta + r2 / tb + 1e-20)


def _score_diff_limits(xa, ta, xb, tb, z):
    lower, upper = np.full(xa.shape, np.nan), np.full(xa.shape, np.nan)
    for i in range(xa.size):
        args = (xa[i], ta[i], xb[i], tb[i])
        est = xa[i] / ta[i] - xb[i] / tb[i]
        step = np.sqrt((xa[i] + 1) / ta[i] ** 2 + (xb[i] + 1) / tb[i] ** 2)
        for sign, out in ((1.0, lower), (-1.0, upper)):
            def f(v, sign=sign, args=args):
                return _score_diff_statistic(v, *args) - sign * z
            far = est - sign * step
            for _ in range(200):
                if sign * f(far) > 0:
                    break
                far = est - sign * (abs(far - est) * 2.0)
            out[i] = optimize.brentq(f, min(est, far), max(est, far), xtol=1e-14,
                                     rtol=1e-14, maxiter=500)
    return lower, upper


def rate_difference(events_a, person_time_a, events_b, person_time_b, *, conf_level=0.95,
                    method="wald", per=1.0) -> pd.DataFrame:
    r"""Difference of two incidence rates, group a minus group b, with an interval and a test.

    .. math:: \widehat{RD} = x_a/T_a - x_b/T_b, \quad
       \widehat{\mathrm{Var}} = x_a/T_a^2 + x_b/T_b^2

    Parameters
    ----------
    events_a, person_time_a, events_b, person_time_b : int, float or array_like
        Events and person-time in group a and in the reference group b.
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : {"wald", "score"}, default "wald"
        ``"wald"``: the Wald interval and z test under Poisson counts [1]_. ``"score"``
        (alias ``"miettinen-nurminen"``): the interval that inverts the score test, whose
        variance uses the maximum likelihood rates under each hypothesised difference [2]_
        (as ``ratesci::scoreci`` without skewness correction, and statsmodels'
        ``confint_poisson_2indep(method="score")``).
    per : float, default 1.0
        Multiplier of the rates (e.g. ``100_000`` for a difference per 100,000 person-years).

    Returns
    -------
    pandas.DataFrame
        ``events_a, person_time_a, events_b, person_time_b, measure ("rate_difference"),
        estimate, lower, upper, conf_level, method, per, statistic, p_value, alternative``
        (the test of a difference of 0).

    Warns
    -----
    ZeroCellWarning
        When both counts are 0 and ``method="wald"``: the Wald interval has zero width.

    References
    ----------
    .. [1] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 14.
    .. [2] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in
       Medicine 4(2):213-226. https://doi.org/10.1002/sim.4780040211

    Examples
    --------
    >>> from lems_epi import rate_difference
    >>> res = rate_difference(10, 1000, 20, 3000, per=1000)
    >>> res[["estimate", "lower", "upper"]].round(3)
       estimate  lower   upper
    0     3.333 -3.519  10.185
    """
    caller = "rate_difference"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = pick_method(method, _RD_ALIASES, caller=caller)
    per = check_positive_number(per, name="per", caller=caller)
    xa, ta, xb, tb = rate_arrays(events_a, person_time_a, events_b, person_time_b,
                                 caller=caller)
    estimate = xa / ta - xb / tb
    z = z_value(conf_level)
    if method == "wald":
        se = np.sqrt(xa / ta**2 + xb / tb**2)
        warn_zero(se == 0, "both event counts are 0, so the Wald interval has zero width",
                  caller=caller)
        lower, upper = estimate - z * se, estimate + z * se
        statistic, p_value = wald_test(estimate, 0.0, se)
    else:
        lower, upper = _score_diff_limits(xa, ta, xb, tb, z)
        with np.errstate(divide="ignore", invalid="ignore"):
            statistic = _score_diff_statistic(0.0, xa, ta, xb, tb)
        p_value = 2.0 * stats.norm.sf(np.abs(statistic))
    return contract_frame(_inputs(xa, ta, xb, tb), measure="rate_difference",
                          estimate=estimate * per, lower=lower * per, upper=upper * per,
                          conf_level=conf_level, method=method, per=per,
                          statistic=statistic, p_value=p_value)


def rate_ratio_test(events_a, person_time_a, events_b, person_time_b, *, null_value=1.0,
                    method="exact-minlike", alternative="two-sided",
                    conf_level=0.95) -> pd.DataFrame:
    r"""Test a rate ratio against ``null_value``, exactly (conditional on the total) or not.

    Conditional on :math:`n = x_a + x_b`, :math:`x_a` is binomial with
    :math:`p_0 = r_0 T_a / (r_0 T_a + T_b)` under the null ratio :math:`r_0`.

    Parameters
    ----------
    events_a, person_time_a, events_b, person_time_b : int, float or array_like
        Events and person-time of group a and of the reference group b.
    null_value : float, default 1.0
        The rate ratio under the null hypothesis.
    method : str, default "exact-minlike"
        ``"exact-minlike"`` (aliases ``"exact"``, ``"exact-cond"``): two-sided p-value sums
        the binomial probabilities no larger than the observed one (as R's ``binom.test``
        and ``exactci::poisson.exact(tsmethod = "minlike")``) [1]_. ``"exact-central"``:
        twice the smaller tail. ``"mid-p"``: twice the smaller mid-p tail. ``"score"``: the
        score z test. ``"wald"``: the Wald z test of the log ratio.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        ``"greater"``: the ratio exceeds ``null_value``. One-sided exact p-values are the
        binomial tail (half the observed probability removed for ``"mid-p"``).
    conf_level : float, default 0.95
        Level of the interval reported beside the test (exact for the exact methods).

    Returns
    -------
    pandas.DataFrame
        The table of :func:`rate_ratio` with this test in ``statistic`` (the count
        :math:`x_a` for the exact methods, z otherwise), ``p_value`` and ``alternative``.

    References
    ----------
    .. [1] Fay MP (2010). Two-sided exact tests and matching confidence intervals for
       discrete data. The R Journal 2(1):53-58. https://doi.org/10.32614/RJ-2010-008

    Examples
    --------
    >>> from lems_epi import rate_ratio_test
    >>> res = rate_ratio_test(60, 51477.5, 30, 54308.7)
    >>> float(res["p_value"].iloc[0]) < 0.001
    True
    """
    caller = "rate_ratio_test"
    method = pick_method(method, _TEST_METHODS, caller=caller)
    null_value = check_positive_number(null_value, name="null_value", caller=caller)
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"{caller}: unknown alternative {alternative!r}; choose one of "
                         f"{list(_ALTERNATIVES)}.")
    interval = {"exact-minlike": "exact", "exact-central": "exact"}.get(method, method)
    out = rate_ratio(events_a, person_time_a, events_b, person_time_b, conf_level=conf_level,
                     method=interval)
    xa, ta, xb, tb = (out[k].to_numpy(float) for k in
                      ("events_a", "person_time_a", "events_b", "person_time_b"))
    n = xa + xb
    p0 = null_value * ta / (null_value * ta + tb)
    if method in ("score", "wald"):
        with np.errstate(divide="ignore", invalid="ignore"):
            u = null_value * ta / tb
            statistic = ((xa - xb * u) / np.sqrt((xa + xb) * u) if method == "score" else
                         (np.log(xa / xb) - np.log(u)) / np.sqrt(1 / xa + 1 / xb))
        one = {"greater": stats.norm.sf(statistic), "less": stats.norm.cdf(statistic)}
        p = one.get(alternative, 2 * stats.norm.sf(np.abs(statistic)))
    else:
        statistic = xa
        half = 0.5 * stats.binom.pmf(xa, n, p0) if method == "mid-p" else 0.0
        greater = stats.binom.sf(xa - 1, n, p0) - half
        less = stats.binom.cdf(xa, n, p0) - half
        if alternative == "greater":
            p = greater
        elif alternative == "less":
            p = less
        elif method == "exact-minlike":
            p = binomial_minlike_p(xa, n, p0)
        else:
            p = np.minimum(1.0, 2 * np.minimum(greater, less))
    return out.assign(method=method, statistic=statistic, p_value=p, alternative=alternative)
