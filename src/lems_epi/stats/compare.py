r"""Comparisons of two groups: rate ratios and differences, and measures over 2x2 tables.

Every function takes scalars or arrays (one comparison per element) and returns a tidy
DataFrame with one row per comparison, the inputs, the estimate and ``lower``, ``upper``,
``conf_level``, ``method``.

Tables follow one layout throughout:

=============  ========  ============
               cases     non-cases
=============  ========  ============
exposed        ``a``     ``b``
unexposed      ``c``     ``d``
=============  ========  ============

Zero cells
----------
Exact methods (``exact``, ``mid-p``, ``fisher``) need no correction. Wald methods cannot take
the logarithm of a zero count: they either add ``correction`` (e.g. ``0.5``, Haldane-Anscombe)
to every cell of the rows that have a zero cell, or, when ``correction`` is ``None``, emit a
:class:`~lems_epi.exceptions.ZeroCellWarning` and return what is defined (a limit of ``0`` where
the estimate is ``0``, ``nan`` for the limit that needs the logarithm of zero). An infinite
estimate or limit is only returned together with a warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy.stats.contingency import odds_ratio as _scipy_odds_ratio

from lems_epi._validation import (
    as_count_array,
    as_float_array,
    check_conf_level,
    check_method,
    check_positive_number,
    describe_rows,
)
from lems_epi.exceptions import ZeroCellWarning
from lems_epi.stats._core import binomial_exact_limits, z_value

__all__ = [
    "RATE_RATIO_METHODS",
    "ODDS_RATIO_METHODS",
    "rate_ratio",
    "rate_difference",
    "risk_ratio",
    "odds_ratio",
    "risk_difference",
    "attributable_fraction",
]

RATE_RATIO_METHODS = ("exact", "mid-p", "wald")
ODDS_RATIO_METHODS = ("wald", "fisher", "mid-p")


# --------------------------------------------------------------------------- helpers


def _broadcast(arrays: dict[str, np.ndarray], *, caller: str) -> list[np.ndarray]:
    """Broadcast named 1-D arrays to a common length, or raise naming the shapes."""
    try:
        out = np.broadcast_arrays(*[np.atleast_1d(v) for v in arrays.values()])
    except ValueError:
        shapes = {k: np.shape(v) for k, v in arrays.items()}
        raise ValueError(f"{caller}: the inputs have incompatible shapes {shapes}; give arrays "
                         "of one common length (or scalars).") from None
    if out[0].ndim != 1:
        raise ValueError(f"{caller}: inputs must be scalars or one-dimensional arrays, got "
                         f"shape {out[0].shape}.")
    return [np.array(v, dtype=float) for v in out]


def _check_correction(correction, *, caller: str) -> float | None:
    if correction is None:
        return None
    return check_positive_number(correction, name="correction", caller=caller)


def _warn_zero(mask: np.ndarray, message: str, *, caller: str) -> None:
    if mask.any():
        warnings.warn(f"{caller}: {message} at {describe_rows(mask)}.", ZeroCellWarning,
                      stacklevel=3)


def _table_arrays(a, b, c, d, *, caller: str) -> list[np.ndarray]:
    """Validate the four cells of one or many 2x2 tables."""
    cells = {k: as_count_array(v, name=k, caller=caller)
             for k, v in (("a", a), ("b", b), ("c", c), ("d", d))}
    a, b, c, d = _broadcast(cells, caller=caller)
    for mask, group in ((a + b == 0, "exposed (a + b)"), (c + d == 0, "unexposed (c + d)")):
        if mask.any():
            raise ValueError(f"{caller}: the {group} group is empty at {describe_rows(mask)}; "
                             "every table needs persons in both exposure groups.")
    return [a, b, c, d]


def _table_frame(a, b, c, d) -> dict[str, np.ndarray]:
    return {k: v.astype(np.int64) for k, v in zip("abcd", (a, b, c, d), strict=True)}


def _finish(columns: dict, conf_level: float, method: str) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    frame["conf_level"] = conf_level
    frame["method"] = method
    return frame


def _log_wald(estimate, log_se, z):
    """Wald limits on the log scale; a zero estimate keeps a lower limit of zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_est = np.log(estimate)
        lower = np.exp(log_est - z * log_se)
        upper = np.exp(log_est + z * log_se)
    zero = estimate == 0
    lower = np.where(zero, 0.0, lower)
    upper = np.where(zero, np.nan, upper)
    infinite = np.isinf(estimate)
    lower = np.where(infinite, np.nan, lower)
    upper = np.where(infinite, np.inf, upper)
    undefined = np.isnan(estimate)
    return np.where(undefined, np.nan, lower), np.where(undefined, np.nan, upper)


def _solve_log(func, target: float, start: float = 0.0) -> float:
    """Root in ``t`` of the increasing function ``func(t) - target`` (``t`` on a log scale)."""
    lo, hi = start - 1.0, start + 1.0
    while func(lo) > target:
        lo -= 2.0 * (start - lo)
        if lo < -745:
            return -np.inf
    while func(hi) < target:
        hi += 2.0 * (hi - start)
        if hi > 745:
            return np.inf
    return optimize.brentq(lambda t: func(t) - target, lo, hi, xtol=1e-14, rtol=1e-15,
                           maxiter=500)


def _binomial_midp_limits(x: float, n: float, conf_level: float) -> tuple[float, float]:
    """Mid-p limits of a binomial proportion, solved on the logit scale."""
    half = (1.0 - conf_level) / 2.0

    x, n = int(x), int(n)
    log_choose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)

    def upper_tail(t):  # P(X > x) + P(X = x) / 2, increasing in p
        p = special.expit(t)
        pmf = np.exp(log_choose + x * np.log(p) + (n - x) * np.log1p(-p))
        return special.bdtrc(x, n, p) + 0.5 * pmf

    lower = 0.0 if x == 0 else special.expit(_solve_log(upper_tail, half))
    upper = 1.0 if x == n else special.expit(_solve_log(upper_tail, 1.0 - half))
    return lower, upper


# --------------------------------------------------------------------------- rates


def rate_ratio(events_a, person_time_a, events_b, person_time_b, conf_level=0.95,
               method="exact", *, correction=None) -> pd.DataFrame:
    r"""Ratio of two incidence rates, group a over group b, with a confidence interval.

    .. math:: \widehat{RR} = \frac{x_a / T_a}{x_b / T_b}

    Parameters
    ----------
    events_a, person_time_a : int, float or array_like
        Events and person-time in group a (the numerator, e.g. the exposed).
    events_b, person_time_b : int, float or array_like
        Events and person-time in group b (the reference).
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : {"exact", "mid-p", "wald"}, default "exact"
        ``exact``: conditional on the total :math:`n = x_a + x_b`, :math:`x_a` is binomial
        with :math:`p = RR\,T_a / (RR\,T_a + T_b)`; the Clopper-Pearson limits of :math:`p`
        are mapped to the rate ratio (as R's ``poisson.test``) [1]_. ``mid-p``: the same with
        mid-p binomial limits (as ``epitools::rateratio(method = "midp")``) [2]_. ``wald``:
        :math:`\exp(\log \widehat{RR} \pm z \sqrt{1/x_a + 1/x_b})` [2]_.
    correction : float, optional
        Wald only: added to both event counts of the rows where one of them is zero. Without
        it such rows give a :class:`~lems_epi.exceptions.ZeroCellWarning`, a lower limit of 0
        when :math:`x_a = 0` and ``nan`` for the limit that needs :math:`\log 0`.

    Returns
    -------
    pandas.DataFrame
        Columns ``events_a, person_time_a, events_b, person_time_b, rate_ratio, lower,
        upper, conf_level, method``, one row per comparison.

    Warns
    -----
    ZeroCellWarning
        When ``events_b`` is 0 (the ratio and its upper limit are infinite), when both counts
        are 0 (everything is ``nan``), and for Wald intervals over a zero count.

    References
    ----------
    .. [1] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon:
       IARC. Section 2.4 (comparison of two rates conditional on the total).
    .. [2] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 14.

    Examples
    --------
    >>> from lems_epi import rate_ratio
    >>> res = rate_ratio(10, 1000, 20, 3000)
    >>> res[["rate_ratio", "lower", "upper"]].round(4)
       rate_ratio   lower   upper
    0         1.5  0.6270  3.3575
    >>> rate_ratio(10, 1000, 20, 3000, method="wald")[["lower", "upper"]].round(4)
        lower   upper
    0  0.7021  3.2045
    """
    caller = "rate_ratio"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, RATE_RATIO_METHODS, caller=caller)
    correction = _check_correction(correction, caller=caller)
    if correction is not None and method != "wald":
        raise ValueError(f"{caller}: 'correction' applies to the Wald method only; exact "
                         f"methods need no correction (got method={method!r}).")
    xa, ta, xb, tb = _broadcast({
        "events_a": as_count_array(events_a, name="events_a", caller=caller),
        "person_time_a": as_float_array(person_time_a, name="person_time_a", caller=caller,
                                        allow_zero=False),
        "events_b": as_count_array(events_b, name="events_b", caller=caller),
        "person_time_b": as_float_array(person_time_b, name="person_time_b", caller=caller,
                                        allow_zero=False),
    }, caller=caller)
    columns = {"events_a": xa.astype(np.int64), "person_time_a": ta,
               "events_b": xb.astype(np.int64), "person_time_b": tb}
    both_zero = (xa == 0) & (xb == 0)

    if method == "wald":
        ea, eb = xa.copy(), xb.copy()
        zero = (xa == 0) | (xb == 0)
        if correction is not None:
            ea[zero] += correction
            eb[zero] += correction
        else:
            _warn_zero(zero, "a zero event count makes the Wald interval undefined on the log "
                       "scale (nan limit returned; pass correction=0.5 or use method='exact')",
                       caller=caller)
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = (ea / ta) / (eb / tb)
            log_se = np.sqrt(1.0 / ea + 1.0 / eb)
        lower, upper = _log_wald(estimate, log_se, z_value(conf_level))
    else:
        n = xa + xb
        if method == "exact":
            p_lo, p_hi = binomial_exact_limits(xa, n, conf_level)
        else:
            limits = [_binomial_midp_limits(x, m, conf_level) if m > 0 else (np.nan, np.nan)
                      for x, m in zip(xa, n, strict=True)]
            p_lo, p_hi = (np.array(v, dtype=float) for v in zip(*limits, strict=True))
        scale = tb / ta
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = (xa / ta) / (xb / tb)
            lower = p_lo / (1.0 - p_lo) * scale
            upper = np.where(p_hi >= 1.0, np.inf, p_hi / (1.0 - p_hi) * scale)
        _warn_zero((xb == 0) & ~both_zero, "events_b is 0, so the rate ratio and its upper "
                   "limit are infinite", caller=caller)
    _warn_zero(both_zero, "both event counts are 0, so the rate ratio is undefined (nan)",
               caller=caller)
    estimate = np.where(both_zero, np.nan, estimate)
    lower = np.where(both_zero, np.nan, lower)
    upper = np.where(both_zero, np.nan, upper)
    columns.update(rate_ratio=estimate, lower=lower, upper=upper)
    return _finish(columns, conf_level, method)


def rate_difference(events_a, person_time_a, events_b, person_time_b, conf_level=0.95,
                    method="wald", *, per=1.0) -> pd.DataFrame:
    r"""Difference of two incidence rates, group a minus group b, with a Wald interval.

    .. math:: \widehat{RD} = x_a/T_a - x_b/T_b, \quad
       \widehat{\mathrm{Var}} = x_a/T_a^2 + x_b/T_b^2

    Parameters
    ----------
    events_a, person_time_a, events_b, person_time_b : int, float or array_like
        Events and person-time in group a and in the reference group b.
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : {"wald"}, default "wald"
        The Wald interval under Poisson counts [1]_.
    per : float, default 1.0
        Multiplier of the rates (e.g. ``100_000`` for a difference per 100,000 person-years).

    Returns
    -------
    pandas.DataFrame
        Columns ``events_a, person_time_a, events_b, person_time_b, rate_difference, lower,
        upper, conf_level, method``.

    Warns
    -----
    ZeroCellWarning
        When both counts are 0: the Wald interval has zero width.

    References
    ----------
    .. [1] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 14.

    Examples
    --------
    >>> from lems_epi import rate_difference
    >>> res = rate_difference(10, 1000, 20, 3000, per=1000)
    >>> res[["rate_difference", "lower", "upper"]].round(3)
       rate_difference  lower   upper
    0            3.333 -3.519  10.185
    """
    caller = "rate_difference"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, ("wald",), caller=caller)
    per = check_positive_number(per, name="per", caller=caller)
    xa, ta, xb, tb = _broadcast({
        "events_a": as_count_array(events_a, name="events_a", caller=caller),
        "person_time_a": as_float_array(person_time_a, name="person_time_a", caller=caller,
                                        allow_zero=False),
        "events_b": as_count_array(events_b, name="events_b", caller=caller),
        "person_time_b": as_float_array(person_time_b, name="person_time_b", caller=caller,
                                        allow_zero=False),
    }, caller=caller)
    estimate = xa / ta - xb / tb
    se = np.sqrt(xa / ta**2 + xb / tb**2)
    _warn_zero(se == 0, "both event counts are 0, so the Wald interval has zero width",
               caller=caller)
    z = z_value(conf_level)
    return _finish({"events_a": xa.astype(np.int64), "person_time_a": ta,
                    "events_b": xb.astype(np.int64), "person_time_b": tb,
                    "rate_difference": estimate * per, "lower": (estimate - z * se) * per,
                    "upper": (estimate + z * se) * per}, conf_level, method)


# --------------------------------------------------------------------------- 2x2 tables


def _apply_correction(cells, zero, correction, message, *, caller):
    """Add ``correction`` to every cell of the rows in ``zero``, or warn about them."""
    if correction is None:
        _warn_zero(zero, message + "; pass correction=0.5 or use an exact method",
                   caller=caller)
        return cells
    return [np.where(zero, v + correction, v) for v in cells]


def risk_ratio(a, b, c, d, conf_level=0.95, method="wald", *, correction=None) -> pd.DataFrame:
    r"""Risk ratio (cumulative incidence ratio) of a 2x2 table, with a Wald interval.

    .. math:: \widehat{RR} = \frac{a/(a+b)}{c/(c+d)}, \quad
       \widehat{\mathrm{Var}}(\log \widehat{RR}) = \frac1a - \frac1{a+b} + \frac1c - \frac1{c+d}

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases.
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : {"wald"}, default "wald"
        Wald interval on the log scale [1]_ (as ``epitools::riskratio``).
    correction : float, optional
        Added to every cell of the rows where ``a`` or ``c`` is 0. Without it such rows warn
        and return a lower limit of 0 (``a = 0``) or an infinite ratio (``c = 0``) with a
        ``nan`` for the limit that needs :math:`\log 0`.

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b, c, d, risk_ratio, lower, upper, conf_level, method``.

    References
    ----------
    .. [1] Katz D, Baptista J, Azen SP, Pike MC (1978). Obtaining confidence intervals for
       the risk ratio in cohort studies. Biometrics 34(3):469-474.
       https://doi.org/10.2307/2530610

    Examples
    --------
    >>> from lems_epi import risk_ratio
    >>> risk_ratio(46, 29, 3, 18)[["risk_ratio", "lower", "upper"]].round(4)
       risk_ratio   lower    upper
    0      4.2933  1.4831  12.4287
    """
    caller = "risk_ratio"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, ("wald",), caller=caller)
    correction = _check_correction(correction, caller=caller)
    a, b, c, d = _table_arrays(a, b, c, d, caller=caller)
    columns = _table_frame(a, b, c, d)
    zero = (a == 0) | (c == 0)
    a, b, c, d = _apply_correction([a, b, c, d], zero, correction,
                                   "a zero case count (a or c) makes the Wald interval "
                                   "undefined on the log scale", caller=caller)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (a / (a + b)) / (c / (c + d))
        log_se = np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    lower, upper = _log_wald(estimate, log_se, z_value(conf_level))
    columns.update(risk_ratio=estimate, lower=lower, upper=upper)
    return _finish(columns, conf_level, method)


def _conditional_log_pmf(a, b, c, d):
    """Support and log pmf of the exposed-case cell given the margins.

    The conditional distribution is Fisher's noncentral hypergeometric; the returned function
    takes the log odds ratio.
    """
    n1, n0, m1 = a + b, c + d, a + c
    support = np.arange(max(0.0, m1 - n0), min(n1, m1) + 1.0)
    log_base = (special.gammaln(n1 + 1) - special.gammaln(support + 1)
                - special.gammaln(n1 - support + 1) + special.gammaln(n0 + 1)
                - special.gammaln(m1 - support + 1) - special.gammaln(n0 - m1 + support + 1))

    def log_pmf(log_or):
        w = log_base + support * log_or
        return w - special.logsumexp(w)

    return support, log_pmf


def _odds_ratio_midp_limits(a, b, c, d, conf_level):
    """Mid-p limits of the conditional odds ratio (exact conditional distribution)."""
    support, log_pmf = _conditional_log_pmf(a, b, c, d)
    half = (1.0 - conf_level) / 2.0
    above, at = support > a, support == a

    def upper_tail(log_or):  # P(A > a) + P(A = a) / 2, increasing in the odds ratio
        pmf = np.exp(log_pmf(log_or))
        return pmf[above].sum() + 0.5 * pmf[at].sum()

    lower = 0.0 if a == support[0] else np.exp(_solve_log(upper_tail, half))
    upper = np.inf if a == support[-1] else np.exp(_solve_log(upper_tail, 1.0 - half))
    return lower, upper


def odds_ratio(a, b, c, d, conf_level=0.95, method="wald", *, correction=None) -> pd.DataFrame:
    r"""Odds ratio of a 2x2 table with a Wald, exact (Fisher) or mid-p interval.

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases (or, in a
        case-control study, exposed cases, exposed controls, unexposed cases, unexposed
        controls).
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : {"wald", "fisher", "mid-p"}, default "wald"
        ``wald``: the sample odds ratio :math:`ad/bc` with Woolf's interval
        :math:`\exp(\log OR \pm z\sqrt{1/a + 1/b + 1/c + 1/d})` [1]_. ``fisher``: the
        conditional maximum likelihood estimate with the exact interval that inverts the
        conditional (noncentral hypergeometric) test, as
        ``scipy.stats.contingency.odds_ratio`` and R's ``fisher.test`` [2]_. ``mid-p``: the
        conditional MLE with the mid-p interval, where half the probability of the observed
        table counts in each tail [3]_.
    correction : float, optional
        Wald only: added to every cell of the rows with a zero cell. Without it such rows
        warn and return what is defined.

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b, c, d, odds_ratio, lower, upper, conf_level, method``.

    Warns
    -----
    ZeroCellWarning
        For Wald intervals over zero cells, for an infinite estimate or upper limit, and for
        tables without cases or without non-cases (odds ratio undefined, ``nan``).

    References
    ----------
    .. [1] Woolf B (1955). On estimating the relation between blood group and disease.
       Annals of Human Genetics 19(4):251-253.
       https://doi.org/10.1111/j.1469-1809.1955.tb01348.x
    .. [2] Cornfield J (1956). A statistical problem arising from retrospective studies.
       Proceedings of the Third Berkeley Symposium on Mathematical Statistics and
       Probability, Vol. 4, 135-148.
    .. [3] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 14.

    Examples
    --------
    >>> from lems_epi import odds_ratio
    >>> odds_ratio(12, 88, 5, 95)[["odds_ratio", "lower", "upper"]].round(4)
       odds_ratio   lower   upper
    0      2.5909  0.8774  7.6510
    >>> odds_ratio(12, 88, 5, 95, method="fisher")[["odds_ratio", "lower", "upper"]].round(3)
       odds_ratio  lower  upper
    0       2.579  0.806  9.732
    """
    caller = "odds_ratio"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, ODDS_RATIO_METHODS, caller=caller)
    correction = _check_correction(correction, caller=caller)
    if correction is not None and method != "wald":
        raise ValueError(f"{caller}: 'correction' applies to the Wald method only; exact "
                         f"methods need no correction (got method={method!r}).")
    a, b, c, d = _table_arrays(a, b, c, d, caller=caller)
    columns = _table_frame(a, b, c, d)
    degenerate = (a + c == 0) | (b + d == 0)
    _warn_zero(degenerate, "the table has no cases or no non-cases, so the odds ratio is "
               "undefined (nan)", caller=caller)

    if method == "wald":
        zero = ((a == 0) | (b == 0) | (c == 0) | (d == 0)) & ~degenerate
        a, b, c, d = _apply_correction([a, b, c, d], zero, correction,
                                       "a zero cell makes the Wald interval undefined on the "
                                       "log scale", caller=caller)
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = (a * d) / (b * c)
            log_se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        lower, upper = _log_wald(estimate, log_se, z_value(conf_level))
    else:
        estimate = np.full(a.shape, np.nan)
        lower, upper = estimate.copy(), estimate.copy()
        for i in np.flatnonzero(~degenerate):
            table = np.array([[a[i], b[i]], [c[i], d[i]]], dtype=np.int64)
            res = _scipy_odds_ratio(table, kind="conditional")
            estimate[i] = res.statistic
            if method == "fisher":
                ci = res.confidence_interval(confidence_level=conf_level)
                lower[i], upper[i] = ci.low, ci.high
            else:
                lower[i], upper[i] = _odds_ratio_midp_limits(a[i], b[i], c[i], d[i],
                                                             conf_level)
        _warn_zero(np.isinf(upper), "the conditional odds ratio or its upper limit is "
                   "infinite (a zero cell at the edge of the conditional distribution)",
                   caller=caller)
    degenerate_nan = np.where(degenerate, np.nan, 1.0)
    columns.update(odds_ratio=estimate * degenerate_nan, lower=lower * degenerate_nan,
                   upper=upper * degenerate_nan)
    return _finish(columns, conf_level, method)


def risk_difference(a, b, c, d, conf_level=0.95, method="wald", *,
                    correction=None) -> pd.DataFrame:
    r"""Risk difference of a 2x2 table with a Wald interval.

    .. math:: \widehat{RD} = p_1 - p_0, \quad p_1 = \frac{a}{a+b}, \; p_0 = \frac{c}{c+d},
       \quad \widehat{\mathrm{Var}} = \frac{p_1(1-p_1)}{a+b} + \frac{p_0(1-p_0)}{c+d}

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases.
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : {"wald"}, default "wald"
        The Wald interval [1]_ (as ``epiR::epi.2by2``).
    correction : float, optional
        Added to every cell of the rows where the Wald variance is zero (both risks 0 or 1).
        Without it such rows warn and return a zero-width interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b, c, d, risk_difference, lower, upper, conf_level, method``.

    References
    ----------
    .. [1] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 14.

    Examples
    --------
    >>> from lems_epi import risk_difference
    >>> risk_difference(46, 29, 3, 18)[["risk_difference", "lower", "upper"]].round(4)
       risk_difference   lower   upper
    0           0.4705  0.2846  0.6563
    """
    caller = "risk_difference"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, ("wald",), caller=caller)
    correction = _check_correction(correction, caller=caller)
    a, b, c, d = _table_arrays(a, b, c, d, caller=caller)
    columns = _table_frame(a, b, c, d)
    degenerate = ((a == 0) | (b == 0)) & ((c == 0) | (d == 0))
    a, b, c, d = _apply_correction([a, b, c, d], degenerate, correction,
                                   "both risks are 0 or 1, so the Wald interval has zero "
                                   "width", caller=caller)
    p1, p0 = a / (a + b), c / (c + d)
    estimate = p1 - p0
    se = np.sqrt(p1 * (1 - p1) / (a + b) + p0 * (1 - p0) / (c + d))
    z = z_value(conf_level)
    columns.update(risk_difference=estimate, lower=estimate - z * se, upper=estimate + z * se)
    return _finish(columns, conf_level, method)


def attributable_fraction(a, b, c, d, conf_level=0.95, *, correction=None) -> pd.DataFrame:
    r"""Attributable fractions in the exposed and in the population, from a cohort table.

    .. math::
       AF_e = \frac{RR - 1}{RR}, \qquad
       AF_p = \frac{R_t - R_0}{R_t}, \quad R_t = \frac{a + c}{N}, \; R_0 = \frac{c}{c + d}

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases, from a cohort
        or cross-sectional study (the population fraction needs the exposure prevalence of
        the population, which a case-control table does not give).
    conf_level : float, default 0.95
        Confidence level of the intervals.
    correction : float, optional
        Added to every cell of the rows where ``a`` or ``c`` is 0 (see :func:`risk_ratio`).

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b, c, d, af_exposed, af_exposed_lower, af_exposed_upper, af_population,
        af_population_lower, af_population_upper, conf_level, method``. ``method`` is
        ``"wald"``: the limits of :math:`AF_e` are :math:`(RR_L - 1)/RR_L` and
        :math:`(RR_U - 1)/RR_U` from the Wald interval of the risk ratio
        (:func:`risk_ratio`); the limits of :math:`AF_p` are :math:`1 - \exp(\log(1 - AF_p)
        \pm z\,s)` with Walter's delta-method variance for a table sampled as a whole [1]_

        .. math:: s^2 = \frac{a d (N - c) + b c^2}{N c (a + c)(c + d)}.

    Warns
    -----
    ZeroCellWarning
        When ``a`` or ``c`` is 0 and ``correction`` is not given (``a = 0``: the fraction in
        the exposed is :math:`-\infty`, returned as ``nan``; ``c = 0``: both fractions are 1
        and their lower limits ``nan``), and when the table has no cases.

    References
    ----------
    .. [1] Walter SD (1976). The estimation and interpretation of attributable risk in
       health research. Biometrics 32(4):829-849.

    Examples
    --------
    >>> from lems_epi import attributable_fraction
    >>> res = attributable_fraction(46, 29, 3, 18)
    >>> res[["af_exposed", "af_exposed_lower", "af_population"]].round(4)
       af_exposed  af_exposed_lower  af_population
    0      0.7671            0.3257         0.7201
    """
    caller = "attributable_fraction"
    conf_level = check_conf_level(conf_level, caller=caller)
    correction = _check_correction(correction, caller=caller)
    a, b, c, d = _table_arrays(a, b, c, d, caller=caller)
    columns = _table_frame(a, b, c, d)
    no_cases = (a + c) == 0
    _warn_zero(no_cases, "the table has no cases, so attributable fractions are undefined "
               "(nan)", caller=caller)
    zero = ((a == 0) | (c == 0)) & ~no_cases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroCellWarning)
        rr = risk_ratio(a, b, c, d, conf_level, correction=correction)
    a, b, c, d = _apply_correction([a, b, c, d], zero, correction,
                                   "a zero case count (a or c) makes the attributable "
                                   "fractions or their limits undefined", caller=caller)
    with np.errstate(divide="ignore", invalid="ignore"):
        af_e, af_e_lo, af_e_hi = (1.0 - 1.0 / rr[k].to_numpy() for k in
                                  ("risk_ratio", "lower", "upper"))
        n = a + b + c + d
        log_comp = np.log(c / (c + d)) - np.log((a + c) / n)  # log(1 - AF_p)
        se = np.sqrt((a * d * (n - c) + b * c**2) / (n * c * (a + c) * (c + d)))
        z = z_value(conf_level)
        af_p = 1.0 - np.exp(log_comp)
        af_p_lo = 1.0 - np.exp(log_comp + z * se)
        af_p_hi = 1.0 - np.exp(log_comp - z * se)
    af_e = np.where(np.isfinite(af_e), af_e, np.nan)
    af_e_lo = np.where(np.isfinite(af_e_lo), af_e_lo, np.nan)
    af_p_lo = np.where(c == 0, np.nan, af_p_lo)
    undefined = np.where(no_cases, np.nan, 1.0)
    columns.update(af_exposed=af_e * undefined, af_exposed_lower=af_e_lo * undefined,
                   af_exposed_upper=af_e_hi * undefined, af_population=af_p * undefined,
                   af_population_lower=af_p_lo * undefined,
                   af_population_upper=af_p_hi * undefined)
    return _finish(columns, conf_level, "wald")
