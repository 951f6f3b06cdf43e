r"""Comparisons of two risks from a 2x2 table: ratio, difference and attributable measures.

Tables follow one layout throughout:

=============  ========  ============
               cases     non-cases
=============  ========  ============
exposed        ``a``     ``b``
unexposed      ``c``     ``d``
=============  ========  ============

Every function takes scalars or arrays (one table per element) and returns a table on the
output contract: ``a, b, c, d, measure, estimate, lower, upper, conf_level, method, per`` and,
where a test goes with the estimate, ``statistic, p_value, alternative``.

Zero cells
----------
Score intervals (``koopman``, ``miettinen-nurminen``, ``newcombe``) need no correction. Wald
intervals cannot take the logarithm of a zero count: they either add ``correction`` (e.g.
``0.5``) to every cell of the rows that have a zero cell, or, when ``correction`` is ``None``,
emit a :class:`~lems_epi.exceptions.ZeroCellWarning` and return what is defined.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

from lems_epi._validation import check_conf_level, check_positive_number
from lems_epi.exceptions import ZeroCellWarning
from lems_epi.stats._core import binomial_exact_limits, z_value
from lems_epi.stats.binomial_limits import binomial_limits
from lems_epi.stats.comparison_core import (
    apply_correction,
    check_options,
    log_wald,
    pick_method,
    solve_log,
    table_arrays,
    table_inputs,
    wald_test,
    warn_zero,
)
from lems_epi.stats.contract import contract_frame, stack_measures

__all__ = ["RISK_RATIO_METHODS", "RISK_DIFFERENCE_METHODS", "risk_ratio", "risk_difference",
           "attributable_fraction", "population_attributable_risk", "number_needed_to_treat",
           "score_statistic"]

RISK_RATIO_METHODS = ("wald", "koopman", "adjusted-log")
RISK_DIFFERENCE_METHODS = ("wald", "newcombe", "miettinen-nurminen", "mee", "agresti-caffo")
_RR_ALIASES = {"wald": "wald", "katz": "wald", "log": "wald", "koopman": "koopman",
               "score": "koopman", "adjusted-log": "adjusted-log", "log-adjusted": "adjusted-log"}
_RD_ALIASES = {"wald": "wald", "newcombe": "newcombe", "newcomb": "newcombe",
               "miettinen-nurminen": "miettinen-nurminen", "mn": "miettinen-nurminen",
               "mee": "mee", "score": "mee", "agresti-caffo": "agresti-caffo",
               "ac": "agresti-caffo"}
_AF_ALIASES = {"wald": "wald", "koopman": "koopman", "score": "koopman",
               "exact-substitution": "exact-substitution"}


# --------------------------------------------------------------------------- score tests


def score_statistic(compare, value, x1, n1, x0, n0, *, correction=False):
    """Miettinen-Nurminen score statistic of a risk difference, risk ratio or odds ratio.

    The variance uses the maximum likelihood risks under the hypothesised ``value``
    (closed forms of Miettinen and Nurminen 1985); ``correction`` multiplies it by
    :math:`N/(N-1)`. Returns z (positive when the data lie above ``value``).

    Examples
    --------
    >>> round(float(score_statistic("diff", 0.0, 7, 34, 1, 34)), 4)
    2.2583
    """
    n = n1 + n0
    x = x1 + x0
    p1, p0 = x1 / n1, x0 / n0
    with np.errstate(divide="ignore", invalid="ignore"):
        if compare == "diff":
            # Farrington-Manning cubic for the constrained MLE of the exposed risk
            d, th = value, n0 / n1
            ca, cb = 1 + th, -(1 + th + p1 + th * p0 + d * (th + 2))
            cc = d * d + d * (2 * p1 + th + 1) + p1 + th * p0
            cd = -p1 * d * (1 + d)
            v = (cb / ca / 3) ** 3 - cb * cc / (6 * ca * ca) + cd / ca / 2
            u = np.where(v > 0, 1.0, -1.0) * np.sqrt(np.maximum((cb / ca / 3) ** 2
                                                                - cc / ca / 3, 0.0))
            w = (np.pi + np.arccos(np.clip(v / u**3, -1.0, 1.0))) / 3
            r1 = np.where(u == 0, p1, 2 * u * np.cos(w) - cb / ca / 3)
            r1 = np.clip(r1, np.maximum(0.0, d), np.minimum(1.0, 1.0 + d))
            r0 = r1 - d
            num = p1 - p0 - d
            var = np.maximum(r1 * (1 - r1) / n1 + r0 * (1 - r0) / n0, 0.0)
            num = p1 - p0 - d
        elif compare == "ratio":
            qa, qb = n * value, -(n1 * value + x1 + n0 + x0 * value)
            r0 = (-qb - np.sqrt(np.maximum(qb**2 - 4 * qa * x, 0.0))) / (2 * qa)
            r1 = r0 * value
            var = r1 * (1 - r1) / n1 + value**2 * r0 * (1 - r0) / n0
            num = p1 - value * p0
        else:
            if value == 1:
                r0 = r1 = x / n
            else:
                qa, qb = n0 * (value - 1), n1 * value + n0 - x * (value - 1)
                r0 = (-qb + np.sqrt(qb**2 + 4 * qa * x)) / (2 * qa)
                r1 = r0 * value / (1 + r0 * (value - 1))
            r0, r1 = np.clip(r0, 1e-12, 1 - 1e-12), np.clip(r1, 1e-12, 1 - 1e-12)
            var = 1 / (r1 * (1 - r1) * n1) + 1 / (r0 * (1 - r0) * n0)
            num = (p1 - r1) / (r1 * (1 - r1)) - (p0 - r0) / (r0 * (1 - r0))
        if correction:
            var = var * n / (n - 1)
        # a zero variance (every risk 0 or 1 under the hypothesis): 0 when the data agree
        return np.where(var > 0, num / np.sqrt(var), np.where(num == 0, 0.0,
                                                              np.sign(num) * np.inf))


def score_limits(compare, x1, n1, x0, n0, z, *, correction=False):
    """Invert :func:`score_statistic` at +/- z, one table at a time."""
    lower, upper = np.full(x1.shape, np.nan), np.full(x1.shape, np.nan)
    for i in range(x1.size):
        args = (x1[i], n1[i], x0[i], n0[i])

        def stat(v, args=args):
            return float(score_statistic(compare, v, *args, correction=correction))

        if compare == "diff":
            est = args[0] / args[1] - args[2] / args[3]
            lo_end, hi_end = (next((v for v in (sign * (1 - e) for e in (1e-12, 1e-10, 1e-8,
                                                                         1e-6, 1e-4, 1e-2))
                                    if np.isfinite(stat(v))), sign * 0.99)
                              for sign in (-1.0, 1.0))
            lower[i] = lo_end if stat(lo_end) <= z else optimize.brentq(
                lambda v: stat(v) - z, lo_end, min(est, hi_end), xtol=1e-13)
            upper[i] = hi_end if stat(hi_end) >= -z else optimize.brentq(
                lambda v: stat(v) + z, max(est, lo_end), hi_end, xtol=1e-13)
            lower[i], upper[i] = max(lower[i], -1.0), min(upper[i], 1.0)
            continue
        degenerate_low = args[0] == 0 or (compare == "or" and args[2] == args[3])
        degenerate_high = args[2] == 0 or (compare == "or" and args[0] == args[1])
        lower[i] = 0.0 if degenerate_low else np.exp(
            solve_log(lambda t: -stat(np.exp(t)), -z))
        upper[i] = np.inf if degenerate_high else np.exp(
            solve_log(lambda t: -stat(np.exp(t)), z))
    return lower, upper


# --------------------------------------------------------------------------- risk ratio


def _risk_ratio_core(a, b, c, d, conf_level, method, correction, caller):
    z = z_value(conf_level)
    n1, n0 = a + b, c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (a / n1) / (c / n0)
        statistic = score_statistic("ratio", 1.0, a, n1, c, n0)
    p_value = 2 * stats.norm.sf(np.abs(statistic))
    if method == "koopman":
        warn_zero(~np.isfinite(estimate), "no cases among the unexposed (c = 0): the risk "
                  "ratio is infinite (nan when a = 0 too)", caller=caller, stacklevel=4)
        lower, upper = score_limits("ratio", a, n1, c, n0, z)
        return estimate, lower, upper, statistic, p_value
    if method == "adjusted-log":
        a_, n1_, c_, n0_ = a + 0.5, n1 + 0.5, c + 0.5, n0 + 0.5
    else:
        zero = (a == 0) | (c == 0)
        a_, b_, c_, d_ = apply_correction(
            [a, b, c, d], zero, correction, "a zero case count (a or c) makes the Wald "
            "interval undefined on the log scale", caller=caller,
            hint="pass correction=0.5 or use method='koopman' (a score interval)")
        n1_, n0_ = a_ + b_, c_ + d_
    with np.errstate(divide="ignore", invalid="ignore"):
        est_w = (a_ / n1_) / (c_ / n0_)
        log_se = np.sqrt(1 / a_ - 1 / n1_ + 1 / c_ - 1 / n0_)
    lower, upper = log_wald(est_w, log_se, z)
    statistic, p_value = wald_test(est_w, 0.0, log_se, log=True)
    return est_w, lower, upper, statistic, p_value  # adjusted-log: the adjusted ratio


def risk_ratio(a, b, c, d, *, conf_level=0.95, method="wald", correction=None) -> pd.DataFrame:
    r"""Risk ratio of a 2x2 table (cohort or cross-sectional) with an interval and a test.

    .. math:: \widehat{RR} = \frac{a / (a + b)}{c / (c + d)}

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases.
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : {"wald", "koopman", "adjusted-log"}, default "wald"
        ``"wald"`` (alias ``"katz"``): Katz's interval on the log scale [1]_ (as
        ``epitools::riskratio``), with the Wald z test of the log ratio. ``"koopman"``
        (alias ``"score"``): Koopman's score interval, which inverts the chi-square score
        test of the ratio [2]_ (as ``PropCIs::riskscoreci``); it needs no correction for zero
        cells. ``"adjusted-log"``: the Katz interval with 1/2 added to the case counts and
        the group sizes [3]_ (``estimate`` is then the adjusted ratio the interval is centred
        on).
    correction : float, optional
        ``"wald"`` only: added to every cell of the rows where ``a`` or ``c`` is 0. Without it
        such rows warn and return what is defined.

    Returns
    -------
    pandas.DataFrame
        ``a, b, c, d, measure ("risk_ratio"), estimate, lower, upper, conf_level, method,
        per, statistic, p_value, alternative`` (the Wald z test for ``"wald"`` and
        ``"adjusted-log"``, the score test for ``"koopman"``, of a ratio of 1).

    References
    ----------
    .. [1] Katz D, Baptista J, Azen SP, Pike MC (1978). Obtaining confidence intervals for
       the risk ratio in cohort studies. Biometrics 34(3):469-474.
       https://doi.org/10.2307/2530610
    .. [2] Koopman PAR (1984). Confidence intervals for the ratio of two binomial
       proportions. Biometrics 40(2):513-517. https://doi.org/10.2307/2531405
    .. [3] Fagerland MW, Lydersen S, Laake P (2015). Recommended confidence intervals for two
       independent binomial proportions. Statistical Methods in Medical Research
       24(2):224-254. https://doi.org/10.1177/0962280211415469

    Examples
    --------
    >>> from lems_epi import risk_ratio
    >>> risk_ratio(46, 29, 3, 18)[["estimate", "lower", "upper"]].round(4)
       estimate   lower    upper
    0    4.2933  1.4831  12.4287
    """
    caller = "risk_ratio"
    conf_level, method, correction = check_options(conf_level, method, _RR_ALIASES,
                                                   correction, caller=caller)
    a, b, c, d = table_arrays(a, b, c, d, caller=caller)
    est, lower, upper, statistic, p_value = _risk_ratio_core(a, b, c, d, conf_level, method,
                                                             correction, caller)
    return contract_frame(table_inputs(a, b, c, d), measure="risk_ratio", estimate=est,
                          lower=lower, upper=upper, conf_level=conf_level, method=method,
                          statistic=statistic, p_value=p_value)


# --------------------------------------------------------------------------- risk difference


def risk_difference(a, b, c, d, *, conf_level=0.95, method="wald", correction=None,
                    per=1.0) -> pd.DataFrame:
    r"""Risk difference of a 2x2 table with an interval and a test.

    .. math:: \widehat{RD} = \frac{a}{a+b} - \frac{c}{c+d}

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases.
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : str, default "wald"
        ``"wald"``: :math:`\widehat{RD} \pm z\sqrt{p_1(1-p_1)/n_1 + p_0(1-p_0)/n_0}` [1]_ (as
        ``epiR::epi.2by2``). ``"newcombe"``: Newcombe's hybrid score interval from the two
        Wilson intervals [2]_. ``"miettinen-nurminen"``: the score interval with the
        :math:`N/(N-1)` variance factor [3]_. ``"mee"`` (alias ``"score"``): the same score
        interval without that factor (as ``PropCIs::diffscoreci`` and epiR's
        ``RD.strata.score``). ``"agresti-caffo"``: the Wald interval after adding one case
        and one non-case to each group [4]_ (``estimate`` is then the adjusted difference).
    correction : float, optional
        ``"wald"`` only: added to every cell of the rows whose Wald variance is zero.
    per : float, default 1.0
        Multiplier of the output (``100`` for percentage points).

    Returns
    -------
    pandas.DataFrame
        ``a, b, c, d, measure ("risk_difference"), estimate, lower, upper, conf_level,
        method, per, std_err, statistic, p_value, alternative``: the test of a difference of
        0 is the Wald z test for ``"wald"`` and ``"agresti-caffo"``, the score test
        otherwise; limits are kept inside [-1, 1] x ``per``.

    References
    ----------
    .. [1] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 14.
    .. [2] Newcombe RG (1998). Interval estimation for the difference between independent
       proportions: comparison of eleven methods. Statistics in Medicine 17(8):873-890.
    .. [3] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in
       Medicine 4(2):213-226. https://doi.org/10.1002/sim.4780040211
    .. [4] Agresti A, Caffo B (2000). Simple and effective confidence intervals for
       proportions and differences of proportions result from adding two successes and two
       failures. The American Statistician 54(4):280-288.

    Examples
    --------
    >>> from lems_epi import risk_difference
    >>> risk_difference(46, 29, 3, 18)[["estimate", "lower", "upper"]].round(4)
       estimate   lower   upper
    0    0.4705  0.2846  0.6563
    """
    caller = "risk_difference"
    conf_level, method, correction = check_options(conf_level, method, _RD_ALIASES,
                                                   correction, caller=caller, wald_only=False)
    per = check_positive_number(per, name="per", caller=caller)
    a, b, c, d = table_arrays(a, b, c, d, caller=caller)
    inputs = table_inputs(a, b, c, d)
    z = z_value(conf_level)
    n1, n0 = a + b, c + d
    estimate = a / n1 - c / n0
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = score_statistic("diff", 0.0, a, n1, c, n0,
                                    correction=method == "miettinen-nurminen")
    p_value = 2 * stats.norm.sf(np.abs(statistic))
    if method in ("wald", "agresti-caffo"):
        if method == "agresti-caffo":
            a_, b_, c_, d_ = a + 1, b + 1, c + 1, d + 1
        else:
            degenerate = ((a == 0) | (b == 0)) & ((c == 0) | (d == 0))
            a_, b_, c_, d_ = apply_correction(
                [a, b, c, d], degenerate, correction, "both risks are 0 or 1, so the Wald "
                "interval has zero width", caller=caller,
                hint="pass correction=0.5 or use method='newcombe'")
        p1, p0 = a_ / (a_ + b_), c_ / (c_ + d_)
        centre = p1 - p0
        se = np.sqrt(p1 * (1 - p1) / (a_ + b_) + p0 * (1 - p0) / (c_ + d_))
        lower, upper = centre - z * se, centre + z * se
        statistic, p_value = wald_test(centre, 0.0, se)
        estimate = centre  # agresti-caffo: the adjusted difference the interval is centred on
    elif method == "newcombe":
        l1, u1 = binomial_limits(a, n1, conf_level, "wilson")
        l0, u0 = binomial_limits(c, n0, conf_level, "wilson")
        p1, p0 = a / n1, c / n0
        lower = estimate - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
        upper = estimate + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
        se = (upper - lower) / (2 * z)
    else:
        lower, upper = score_limits("diff", a, n1, c, n0, z,
                                    correction=method == "miettinen-nurminen")
        se = (upper - lower) / (2 * z)
    return contract_frame(inputs, measure="risk_difference", estimate=estimate * per,
                          lower=lower * per, upper=upper * per, conf_level=conf_level,
                          method=method, per=per, statistic=statistic, p_value=p_value,
                          extra={"std_err": se * per})


# --------------------------------------------------------------------------- attributable


def _af_exposed(a, b, c, d, conf_level, method, correction, caller):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroCellWarning)
        rr_method = "koopman" if method == "koopman" else "wald"
        est, lo, hi, _, _ = _risk_ratio_core(a, b, c, d, conf_level, rr_method,
                                             correction if rr_method == "wald" else None,
                                             caller)
    with np.errstate(divide="ignore", invalid="ignore"):
        af, af_lo, af_hi = (1.0 - 1.0 / v for v in (est, lo, hi))
    return (np.where(np.isfinite(af), af, np.nan), np.where(np.isfinite(af_lo), af_lo, np.nan),
            af_hi, "koopman" if method == "koopman" else "wald")


def _paf(a, b, c, d, conf_level, method):
    n = a + b + c + d
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_t, r_0 = (a + c) / n, c / (c + d)
        paf = (r_t - r_0) / r_t
        if method == "exact-substitution":
            t_lo, t_hi = binomial_exact_limits(a + c, n, conf_level)
            u_lo, u_hi = binomial_exact_limits(c, c + d, conf_level)
            pair = np.stack([(t_lo - u_lo) / t_lo, (t_hi - u_hi) / t_hi, paf])
            return paf, np.nanmin(pair, axis=0), np.nanmax(pair, axis=0), method
        log_comp = np.log(r_0) - np.log(r_t)
        se = np.sqrt((a * d * (n - c) + b * c**2) / (n * c * (a + c) * (c + d)))
        lower = 1.0 - np.exp(log_comp + z * se)
        upper = 1.0 - np.exp(log_comp - z * se)
    return paf, np.where(c == 0, np.nan, lower), upper, "wald"


def attributable_fraction(a, b, c, d, *, conf_level=0.95, method="wald", correction=None,
                          per=1.0) -> pd.DataFrame:
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
    method : {"wald", "koopman", "exact-substitution"}, default "wald"
        ``"wald"``: the limits of :math:`AF_e` are :math:`(RR_L - 1)/RR_L` and
        :math:`(RR_U - 1)/RR_U` from the Wald (Katz) interval of the risk ratio; the limits
        of :math:`AF_p` are :math:`1 - \exp(\log(1 - AF_p) \pm z\,s)` with Walter's
        delta-method variance [1]_
        :math:`s^2 = (a d (N - c) + b c^2) / (N c (a + c)(c + d))`. ``"koopman"``: the
        limits of :math:`AF_e` from Koopman's score interval of the risk ratio (as epiR's
        ``AFRisk`` with ``zRRscore``) [2]_; :math:`AF_p` as for ``"wald"``.
        ``"exact-substitution"``: the :math:`AF_p` limits are :math:`(R_t - R_0)/R_t` evaluated
        at the Clopper-Pearson lower limits of both risks and at their upper limits (the
        smaller value is the lower limit, widened to the estimate where the substitution
        misses it; OpenEpi's ad hoc substitution, shown by older epiR, no reference paper);
        :math:`AF_e` as for ``"wald"``. The
        ``method`` column says which interval each row has.
    correction : float, optional
        Added to every cell of the rows where ``a`` or ``c`` is 0 (Wald risk ratio).
    per : float, default 1.0
        Multiplier of the output (``100`` for percentages).

    Returns
    -------
    pandas.DataFrame
        Two rows per table (long format): ``measure`` ``"attributable_fraction_exposed"``
        and ``"population_attributable_fraction"``, each with ``a, b, c, d, estimate,
        lower, upper, conf_level, method, per``.

    Warns
    -----
    ZeroCellWarning
        When the table has no cases (both fractions undefined, ``nan``).

    References
    ----------
    .. [1] Walter SD (1976). The estimation and interpretation of attributable risk in
       health research. Biometrics 32(4):829-849.
    .. [2] Koopman PAR (1984). Confidence intervals for the ratio of two binomial
       proportions. Biometrics 40(2):513-517. https://doi.org/10.2307/2531405

    Examples
    --------
    >>> from lems_epi import attributable_fraction
    >>> res = attributable_fraction(46, 29, 3, 18)
    >>> res[["measure", "estimate", "lower"]].round(4)
                                measure  estimate   lower
    0     attributable_fraction_exposed    0.7671  0.3257
    1  population_attributable_fraction    0.7201  0.2386
    """
    caller = "attributable_fraction"
    conf_level, method, correction = check_options(conf_level, method, _AF_ALIASES,
                                                   correction, caller=caller, wald_only=False)
    per = check_positive_number(per, name="per", caller=caller)
    a, b, c, d = table_arrays(a, b, c, d, caller=caller)
    inputs = table_inputs(a, b, c, d)
    no_cases = (a + c) == 0
    warn_zero(no_cases, "the table has no cases, so attributable fractions are undefined "
              "(nan)", caller=caller)
    nan_if = np.where(no_cases, np.nan, 1.0) * per
    e_est, e_lo, e_hi, e_method = _af_exposed(a, b, c, d, conf_level, method, correction,
                                              caller)
    p_est, p_lo, p_hi, p_method = _paf(a, b, c, d, conf_level, method)
    unbounded = ~no_cases & ~(np.isfinite(e_est) & np.isfinite(e_lo))
    warn_zero(unbounded, "the risk ratio (or its lower limit) is 0, so the attributable "
              "fraction in the exposed (or its lower limit) is minus infinity, reported as nan",
              caller=caller)
    warn_zero(~no_cases & ~np.isfinite(p_lo), "no cases among the unexposed (c = 0): the "
              "lower limit of the population attributable fraction is undefined (nan)",
              caller=caller)
    rows = [contract_frame(inputs, measure=m, estimate=est * nan_if, lower=lo * nan_if,
                           upper=hi * nan_if, conf_level=conf_level, method=meth, per=per)
            for m, est, lo, hi, meth in (
                ("attributable_fraction_exposed", e_est, e_lo, e_hi, e_method),
                ("population_attributable_fraction", p_est, p_lo, p_hi, p_method))]
    out = stack_measures([r.assign(_row=np.arange(len(r))) for r in rows],
                         group_columns=["_row"])
    return out.drop(columns="_row")


def population_attributable_risk(a, b, c, d, *, conf_level=0.95, method="wald",
                                 per=1.0) -> pd.DataFrame:
    r"""Population attributable risk :math:`R_t - R_0` (the risk the exposure adds overall).

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases.
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : {"wald"}, default "wald"
        Wald interval treating the total and the unexposed risks as independent,
        :math:`\mathrm{Var} = R_t(1-R_t)/N + R_0(1-R_0)/(c+d)` (as epiR's ``PARisk``) [1]_.
    per : float, default 1.0
        Multiplier of the output (``100`` for cases per 100 persons).

    Returns
    -------
    pandas.DataFrame
        ``a, b, c, d, measure ("population_attributable_risk"), estimate, lower, upper,
        conf_level, method, per``.

    References
    ----------
    .. [1] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 4.

    Examples
    --------
    >>> from lems_epi import population_attributable_risk
    >>> population_attributable_risk(25, 25, 10, 40)[["estimate"]].round(4)
       estimate
    0      0.15
    """
    caller = "population_attributable_risk"
    conf_level = check_conf_level(conf_level, caller=caller)
    pick_method(method, {"wald": "wald"}, caller=caller)
    per = check_positive_number(per, name="per", caller=caller)
    a, b, c, d = table_arrays(a, b, c, d, caller=caller)
    n = a + b + c + d
    r_t, r_0 = (a + c) / n, c / (c + d)
    se = np.sqrt(r_t * (1 - r_t) / n + r_0 * (1 - r_0) / (c + d))
    z = z_value(conf_level)
    est = r_t - r_0
    return contract_frame(table_inputs(a, b, c, d), measure="population_attributable_risk",
                          estimate=est * per, lower=(est - z * se) * per,
                          upper=(est + z * se) * per, conf_level=conf_level, method="wald",
                          per=per)


def number_needed_to_treat(a, b, c, d, *, conf_level=0.95, method="wald") -> pd.DataFrame:
    r"""Number needed to treat (or to harm), :math:`1 / RD`, with Altman's interval.

    The limits are the reciprocals of the risk difference limits (``method`` as in
    :func:`risk_difference`). When the risk difference interval contains 0, the interval of
    the number needed is not one piece: it runs from :math:`1/RD_U` through infinity to
    :math:`1/RD_L` (Altman 1998); ``lower`` and ``upper`` then hold the piece on the side of
    the estimate (the other limit infinite) and ``disjoint`` is True.

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed (treated) cases and non-cases, unexposed cases and non-cases.
    conf_level : float, default 0.95
        Confidence level.
    method : str, default "wald"
        Interval of the risk difference (see :func:`risk_difference`).

    Returns
    -------
    pandas.DataFrame
        ``a, b, c, d, measure ("number_needed_to_treat"), estimate, lower, upper,
        conf_level, method, per, disjoint``. A positive number is the number of persons
        exposed for one extra case (exposure harms); a negative one, for one case fewer.

    References
    ----------
    .. [1] Laupacis A, Sackett DL, Roberts RS (1988). An assessment of clinically useful
       measures of the consequences of treatment. New England Journal of Medicine
       318(26):1728-1733. https://doi.org/10.1056/NEJM198806303182605
    .. [2] Altman DG (1998). Confidence intervals for the number needed to treat. BMJ
       317(7168):1309-1312. https://doi.org/10.1136/bmj.317.7168.1309

    Examples
    --------
    >>> from lems_epi import number_needed_to_treat
    >>> float(number_needed_to_treat(50, 50, 25, 75)["estimate"].iloc[0])
    4.0
    """
    rd = risk_difference(a, b, c, d, conf_level=conf_level, method=method)
    est, lo, hi = (rd[k].to_numpy(float) for k in ("estimate", "lower", "upper"))
    warn_zero(est == 0, "the risk difference is 0, so the number needed to treat is "
              "infinite", caller="number_needed_to_treat")
    with np.errstate(divide="ignore", invalid="ignore"):
        nnt, n_lo, n_hi = 1 / est, 1 / hi, 1 / lo
        disjoint = (lo < 0) & (hi > 0)
        lower = np.where(disjoint, np.where(est > 0, 1 / hi, -np.inf), np.minimum(n_lo, n_hi))
        upper = np.where(disjoint, np.where(est > 0, np.inf, 1 / lo), np.maximum(n_lo, n_hi))
    inputs = {k: rd[k].to_numpy() for k in "abcd"}
    return contract_frame(inputs, measure="number_needed_to_treat", estimate=nnt, lower=lower,
                          upper=upper, conf_level=rd["conf_level"].to_numpy(),
                          method=rd["method"].to_numpy(), extra={"disjoint": disjoint})
