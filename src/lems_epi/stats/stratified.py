r"""Mantel-Haenszel pooled odds ratio, risk ratio and rate ratio over strata.

A stratified analysis takes one 2x2 table (``a, b, c, d``) or one person-time table
(``events_a, person_time_a, events_b, person_time_b``) per stratum, pools the stratum
measures into one estimate adjusted for the stratifying variable, tests the null of no
association (Cochran-Mantel-Haenszel) and tests whether the stratum measures are homogeneous.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from lems_epi._validation import (
    as_count_array,
    as_float_array,
    check_columns,
    check_conf_level,
    check_method,
    check_positive_number,
    describe_rows,
)
from lems_epi.exceptions import DroppedRowsWarning, ZeroCellWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.compare import odds_ratio, rate_ratio, risk_ratio

__all__ = ["MH_MEASURES", "mantel_haenszel", "mantel_haenszel_strata"]

MH_MEASURES = ("or", "rr", "rate_ratio")
_HOMOGENEITY = {"or": ("breslow-day", "woolf"), "rr": ("woolf",), "rate_ratio": ("woolf",)}
_TABLE_COLUMNS = ("a", "b", "c", "d")
_RATE_COLUMNS = ("events_a", "person_time_a", "events_b", "person_time_b")
RESULT_COLUMNS = ("measure", "estimate", "lower", "upper", "conf_level", "method", "crude",
                  "cmh_statistic", "cmh_p", "homogeneity_test", "homogeneity_statistic",
                  "homogeneity_p")


def _read_tables(tables, measure: str, *, caller: str) -> tuple[pd.DataFrame, dict]:
    """Validate the stratum tables and return them with the cell arrays."""
    needed = _RATE_COLUMNS if measure == "rate_ratio" else _TABLE_COLUMNS
    check_columns(tables, needed, caller=caller, name="tables")
    if len(tables) == 0:
        raise ValueError(f"{caller}: 'tables' has no rows; give one row per stratum.")
    cells = {}
    for col in needed:
        if col.startswith("person_time"):
            cells[col] = as_float_array(tables[col], name=col, caller=caller)
        else:
            cells[col] = as_count_array(tables[col], name=col, caller=caller)
    return tables, cells


def _informative(cells: dict, measure: str) -> np.ndarray:
    """Strata that carry information about the measure (others contribute nothing)."""
    if measure == "rate_ratio":
        return ((cells["person_time_a"] > 0) & (cells["person_time_b"] > 0)
                & (cells["events_a"] + cells["events_b"] > 0))
    a, b, c, d = (cells[k] for k in _TABLE_COLUMNS)
    keep = (a + b > 0) & (c + d > 0) & (a + c > 0)
    return keep & (b + d > 0) if measure == "or" else keep


def _woolf(log_est: np.ndarray, var: np.ndarray) -> tuple[float, float]:
    """Woolf's test: weighted squares of the stratum log measures about their weighted mean."""
    w = 1.0 / var
    pooled = np.sum(w * log_est) / np.sum(w)
    statistic = float(np.sum(w * (log_est - pooled) ** 2))
    return statistic, float(stats.chi2.sf(statistic, log_est.size - 1))


def _pooled_tables(cells, measure, homogeneity, correction, *, caller):
    a, b, c, d = (cells[k] for k in _TABLE_COLUMNS)
    n1, n0, m1 = a + b, c + d, a + c
    n = n1 + n0
    st = StratifiedTable(np.stack([np.stack([a, b]), np.stack([c, d])]).astype(float))
    cmh = st.test_null_odds(correction=False)
    cmh_statistic = float(cmh.statistic)
    if measure == "or":
        estimate = float(st.oddsratio_pooled)
        log_se = float(st.logodds_pooled_se)  # Robins, Breslow and Greenland (1986)
    else:
        r, s = a * n0 / n, c * n1 / n
        estimate = float(r.sum() / s.sum())
        # Greenland and Robins (1985), variance of the log of the MH risk ratio
        log_se = float(np.sqrt(np.sum((m1 * n1 * n0 - a * c * n) / n**2)
                               / (r.sum() * s.sum())))
    if homogeneity == "breslow-day":
        if a.size == 1:  # one stratum: nothing to compare (statsmodels gives rounding noise)
            h_statistic, h_p = 0.0, np.nan
        else:
            bd = st.test_equal_odds(adjust=False)
            h_statistic = float(bd.statistic)
            h_p = float(stats.chi2.sf(h_statistic, a.size - 1))
    else:
        if correction is not None:
            a, b, c, d = (x + correction for x in (a, b, c, d))
        with np.errstate(divide="ignore", invalid="ignore"):
            if measure == "or":
                log_est = np.log(a * d / (b * c))
                var = 1 / a + 1 / b + 1 / c + 1 / d
            else:
                log_est = np.log((a / (a + b)) / (c / (c + d)))
                var = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
        h_statistic, h_p = _woolf_or_nan(log_est, var, caller=caller)
    return estimate, log_se, cmh_statistic, h_statistic, h_p


def _woolf_or_nan(log_est, var, *, caller):
    bad = ~np.isfinite(log_est) | ~np.isfinite(var) | ~(var > 0)
    if bad.any():
        warnings.warn(f"{caller}: Woolf's homogeneity test needs every stratum measure on "
                      f"the log scale, but strata {describe_rows(bad)} have a zero cell; "
                      "homogeneity_statistic and homogeneity_p are nan (pass correction=0.5 "
                      "to add a half to every cell).", ZeroCellWarning, stacklevel=4)
        return np.nan, np.nan
    return _woolf(log_est, var)


def _pooled_rates(cells, correction, *, caller):
    xa, ta, xb, tb = (cells[k] for k in _RATE_COLUMNS)
    t = ta + tb
    r, s = xa * tb / t, xb * ta / t
    estimate = float(r.sum() / s.sum())
    m = xa + xb
    # Greenland and Robins (1985), variance of the log of the MH rate ratio
    log_se = float(np.sqrt(np.sum(m * ta * tb / t**2) / (r.sum() * s.sum())))
    expected = np.sum(m * ta / t)
    cmh_statistic = float((xa.sum() - expected) ** 2 / np.sum(m * ta * tb / t**2))
    ea, eb = (xa, xb) if correction is None else (xa + correction, xb + correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_est = np.log((ea / ta) / (eb / tb))
        var = 1 / ea + 1 / eb
    h_statistic, h_p = _woolf_or_nan(log_est, var, caller=caller)
    return estimate, log_se, cmh_statistic, h_statistic, h_p


def mantel_haenszel(tables, measure="or", homogeneity=None, conf_level=0.95, *,
                    correction=None) -> pd.DataFrame:
    r"""Mantel-Haenszel pooled measure over strata, with CMH and homogeneity tests.

    Parameters
    ----------
    tables : pandas.DataFrame
        One row per stratum. For ``measure="or"`` and ``"rr"``: columns ``a, b, c, d``
        (exposed cases, exposed non-cases, unexposed cases, unexposed non-cases), e.g. from
        :func:`~lems_epi.two_by_two`. For ``"rate_ratio"``: columns ``events_a,
        person_time_a, events_b, person_time_b`` (a = exposed). Other columns (stratum
        labels) are ignored here and kept by :func:`mantel_haenszel_strata`.
    measure : {"or", "rr", "rate_ratio"}, default "or"
        Odds ratio, risk ratio or incidence rate ratio.
    homogeneity : {"breslow-day", "woolf"}, optional
        Test of equal stratum measures. Default ``"breslow-day"`` for the odds ratio (without
        Tarone's adjustment) [3]_, ``"woolf"`` for the risk and rate ratios [4]_ (the only
        test offered for them).
    conf_level : float, default 0.95
        Confidence level of the interval.
    correction : float, optional
        Woolf's test only: added to every cell of every stratum before the stratum log
        measures are taken (``0.5`` reproduces ``epiR::epi.2by2``'s Woolf test of the odds
        ratios). Without it, a stratum with a zero cell makes the Woolf test ``nan`` with a
        warning. The pooled estimate, its interval and the CMH test never use it.

    Returns
    -------
    pandas.DataFrame
        One row with columns ``measure, estimate, lower, upper, conf_level, method, crude,
        cmh_statistic, cmh_p, homogeneity_test, homogeneity_statistic, homogeneity_p``.
        ``method`` names the interval: ``"robins-breslow-greenland"`` for the odds ratio [1]_
        (from statsmodels' ``StratifiedTable``), ``"greenland-robins"`` for the risk and rate
        ratios [2]_. ``crude`` is the measure of the table collapsed over every stratum
        given, including strata left out of the pooled estimate because they carry no
        information. With a single stratum there is no homogeneity to test: the statistic is 0
        and ``homogeneity_p`` is ``nan``. ``cmh_statistic`` is the Cochran-Mantel-Haenszel chi-square without continuity correction (1 df); for rate
        ratios, the person-time analogue :math:`(\sum x_{ai} - \sum M_i T_{ai}/T_i)^2 /
        \sum M_i T_{ai} T_{bi} / T_i^2` [5]_.

    Raises
    ------
    ValueError
        On missing columns, negative or non-integer counts, an unknown measure or
        homogeneity test, or when no stratum is informative.

    Warns
    -----
    DroppedRowsWarning
        Strata that carry no information (an empty exposure group, no cases or no
        non-cases, no events or no person-time in a group) are left out and named.
    ZeroCellWarning
        When Woolf's test meets a zero cell without ``correction``.

    See Also
    --------
    mantel_haenszel_strata : the stratum-specific measures with their intervals.

    References
    ----------
    .. [1] Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel
       variance consistent in both sparse data and large-strata limiting models. Biometrics
       42(2):311-323. https://doi.org/10.2307/2531052
    .. [2] Greenland S, Robins JM (1985). Estimation of a common effect parameter from
       sparse follow-up data. Biometrics 41(1):55-68. https://doi.org/10.2307/2530643
    .. [3] Breslow NE, Day NE (1980). Statistical Methods in Cancer Research, Volume I: The
       Analysis of Case-Control Studies. IARC Scientific Publications No. 32. Lyon: IARC.
    .. [4] Woolf B (1955). On estimating the relation between blood group and disease.
       Annals of Human Genetics 19(4):251-253.
       https://doi.org/10.1111/j.1469-1809.1955.tb01348.x
    .. [5] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 15.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import mantel_haenszel
    >>> strata = pd.DataFrame({"age": ["young", "old"], "a": [10, 40], "b": [90, 60],
    ...                        "c": [5, 20], "d": [95, 80]})
    >>> res = mantel_haenszel(strata)
    >>> res[["estimate", "lower", "upper", "crude"]].round(3)
       estimate  lower  upper  crude
    0     2.515  1.451   4.36  2.333
    >>> res.loc[0, "homogeneity_test"]
    'breslow-day'
    >>> mantel_haenszel(strata, measure="rr")[["estimate", "lower", "upper"]].round(3)
       estimate  lower  upper
    0         2.0  1.311  3.051
    """
    caller = "mantel_haenszel"
    measure = check_method(measure, MH_MEASURES, caller=caller, name="measure")
    if homogeneity is None:
        homogeneity = _HOMOGENEITY[measure][0]
    homogeneity = check_method(homogeneity, _HOMOGENEITY[measure], caller=caller,
                               name=f"homogeneity test for measure={measure!r}")
    conf_level = check_conf_level(conf_level, caller=caller)
    if correction is not None:
        correction = check_positive_number(correction, name="correction", caller=caller)
    tables, cells = _read_tables(tables, measure, caller=caller)
    crude_all = _crude(cells, measure)
    keep = _informative(cells, measure)
    if not keep.any():
        raise ValueError(f"{caller}: no stratum carries information about the {measure} "
                         "(each has an empty exposure group, no cases or no non-cases, or no "
                         "events); check the tables.")
    if not keep.all():
        warnings.warn(f"{caller}: strata {describe_rows(~keep, tables.index)} carry no "
                      "information (an empty group, no cases or no non-cases) and were left "
                      "out.", DroppedRowsWarning, stacklevel=2)
        cells = {k: v[keep] for k, v in cells.items()}
    z = z_value(conf_level)
    if measure == "rate_ratio":
        est, log_se, cmh_stat, h_stat, h_p = _pooled_rates(cells, correction,
                                                                  caller=caller)
        method = "greenland-robins"
    else:
        est, log_se, cmh_stat, h_stat, h_p = _pooled_tables(
            cells, measure, homogeneity, correction, caller=caller)
        method = "robins-breslow-greenland" if measure == "or" else "greenland-robins"
    if est == 0 or np.isinf(est):
        warnings.warn(f"{caller}: the pooled {measure} is {est}: every informative stratum "
                      "has zero exposed (or zero unexposed) cases; the interval is undefined.",
                      ZeroCellWarning, stacklevel=2)
        lower = upper = np.nan
    else:
        lower, upper = est * np.exp(-z * log_se), est * np.exp(z * log_se)
    row = {"measure": measure, "estimate": est, "lower": lower, "upper": upper,
           "conf_level": conf_level, "method": method, "crude": crude_all,
           "cmh_statistic": cmh_stat, "cmh_p": float(stats.chi2.sf(cmh_stat, 1)),
           "homogeneity_test": homogeneity, "homogeneity_statistic": h_stat,
           "homogeneity_p": h_p}
    return pd.DataFrame([row], columns=list(RESULT_COLUMNS))


def _crude(cells: dict, measure: str) -> float:
    """The measure of the table collapsed over every stratum given (informative or not)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "rate_ratio":
            xa, ta, xb, tb = (cells[k].sum() for k in _RATE_COLUMNS)
            return float((xa / ta) / (xb / tb))
        a, b, c, d = (cells[k].sum() for k in _TABLE_COLUMNS)
        if measure == "or":
            return float(a * d / (b * c))
        return float((a / (a + b)) / (c / (c + d)))


def mantel_haenszel_strata(tables, measure="or", conf_level=0.95, *,
                           correction=None) -> pd.DataFrame:
    """Stratum-specific measures with Wald intervals, for the tables of :func:`mantel_haenszel`.

    Parameters
    ----------
    tables : pandas.DataFrame
        One row per stratum, as for :func:`mantel_haenszel`; stratum label columns are kept.
    measure : {"or", "rr", "rate_ratio"}, default "or"
        The measure in each stratum.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    correction : float, optional
        Passed to the Wald interval of each stratum (see :func:`~lems_epi.odds_ratio`).

    Returns
    -------
    pandas.DataFrame
        The label columns of ``tables``, the cell columns, ``estimate, lower, upper,
        conf_level, method``: one row per stratum, in the order of ``tables``.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import mantel_haenszel_strata
    >>> strata = pd.DataFrame({"age": ["young", "old"], "a": [10, 40], "b": [90, 60],
    ...                        "c": [5, 20], "d": [95, 80]})
    >>> mantel_haenszel_strata(strata)[["age", "estimate", "lower", "upper"]].round(3)
         age  estimate  lower  upper
    0  young     2.111  0.695  6.416
    1    old     2.667  1.417  5.020
    """
    caller = "mantel_haenszel_strata"
    measure = check_method(measure, MH_MEASURES, caller=caller, name="measure")
    conf_level = check_conf_level(conf_level, caller=caller)
    tables, cells = _read_tables(tables, measure, caller=caller)
    keep = _informative(cells, measure)
    if not keep.any():
        raise ValueError(f"{caller}: no stratum carries information about the {measure}; "
                         "check the tables.")
    if not keep.all():
        warnings.warn(f"{caller}: strata {describe_rows(~keep, tables.index)} carry no "
                      "information (an empty group, no cases or no non-cases); their estimate "
                      "and interval are nan, as in mantel_haenszel, which leaves them out.",
                      DroppedRowsWarning, stacklevel=2)
    kept = {k: v[keep] for k, v in cells.items()}
    if measure == "rate_ratio":
        res = rate_ratio(*(kept[k] for k in _RATE_COLUMNS), conf_level, method="wald",
                         correction=correction)
        name, cols = "rate_ratio", _RATE_COLUMNS
    else:
        func, name = (odds_ratio, "odds_ratio") if measure == "or" else (risk_ratio,
                                                                         "risk_ratio")
        res = func(*(kept[k] for k in _TABLE_COLUMNS), conf_level, method="wald",
                   correction=correction)
        cols = _TABLE_COLUMNS
    res = res.rename(columns={name: "estimate"})
    full = pd.DataFrame(index=range(len(keep)), columns=res.columns)
    for col in cols:
        full[col] = cells[col]
    for col in ("estimate", "lower", "upper"):
        full[col] = np.nan
        full.loc[keep, col] = res[col].to_numpy()
    full["conf_level"] = conf_level
    full["method"] = res["method"].iloc[0]
    labels = tables.drop(columns=list(cols)).reset_index(drop=True)
    return pd.concat([labels, full], axis=1)
