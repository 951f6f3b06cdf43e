r"""Mantel-Haenszel pooled odds ratio, risk ratio, risk difference and rate ratio over strata.

A stratified analysis takes one 2x2 table (``a, b, c, d``) or one person-time table
(``events_a, person_time_a, events_b, person_time_b``) per stratum, pools the stratum
measures into one estimate adjusted for the stratifying variable, tests the null of no
association (Cochran-Mantel-Haenszel) and tests whether the stratum measures are homogeneous
(Breslow-Day, with or without Tarone's adjustment, or Woolf).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._validation import (
    as_column_list,
    as_count_array,
    as_float_array,
    check_conf_level,
    check_method,
    check_positive_number,
    describe_rows,
)
from lems_epi.exceptions import DroppedRowsWarning, ZeroCellWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame, stack_measures
from lems_epi.stats.meta_estimators import heterogeneity
from lems_epi.stats.tabulate import count_cells

__all__ = ["MH_MEASURES", "MantelHaenszelResult", "mantel_haenszel", "stratum_tables"]

MH_MEASURES = ("or", "rr", "rd", "rate_ratio")
_NAMES = {"or": "odds_ratio", "rr": "risk_ratio", "rd": "risk_difference",
          "rate_ratio": "rate_ratio"}
_MEASURE_ALIASES = {"or": "or", "odds_ratio": "or", "rr": "rr", "risk_ratio": "rr",
                    "rd": "rd", "risk_difference": "rd", "rate_ratio": "rate_ratio",
                    "irr": "rate_ratio"}
_HOMOGENEITY = {"or": ("breslow-day", "tarone", "woolf"), "rr": ("woolf",), "rd": ("woolf",),
                "rate_ratio": ("woolf",)}
_TABLE_COLUMNS = ("a", "b", "c", "d")
_RATE_COLUMNS = ("events_a", "person_time_a", "events_b", "person_time_b")


# --------------------------------------------------------------------------- input


def stratum_tables(tables, *, strata=None, exposure=None, outcome=None, count=None,
                   caller="mantel_haenszel") -> pd.DataFrame:
    """One row per stratum (label columns, then cells) from any accepted input.

    Accepts a DataFrame with ``a, b, c, d`` (or rate) columns, a long table of counts (with
    ``exposure``, ``outcome``, ``count`` and ``strata``), a (K, 2, 2) array, or a
    :class:`~lems_epi.stats.tables.TwoByTwoResult`. Duplicated strata are an error.
    """
    if hasattr(tables, "counts") and isinstance(tables.counts, pd.DataFrame):
        strata = list(tables.strata) if strata is None else strata
        tables = tables.counts
    if isinstance(tables, (np.ndarray, list)) and not isinstance(tables, pd.DataFrame):
        arr = np.asarray(tables)
        if arr.ndim != 3 or arr.shape[1:] != (2, 2):
            raise ValueError(f"{caller}: an array of tables must have shape (K, 2, 2) "
                             f"([[a, b], [c, d]] per stratum); got shape {arr.shape}.")
        return pd.DataFrame({"stratum": np.arange(arr.shape[0]), "a": arr[:, 0, 0],
                             "b": arr[:, 0, 1], "c": arr[:, 1, 0], "d": arr[:, 1, 1]})
    if not isinstance(tables, pd.DataFrame):
        raise TypeError(f"{caller}: 'tables' must be a DataFrame, a (K, 2, 2) array or a "
                        f"two_by_two result; got {type(tables).__name__}.")
    if exposure is not None or outcome is not None:
        if exposure is None or outcome is None or strata is None:
            raise ValueError(f"{caller}: a long table needs 'exposure', 'outcome' and "
                             "'strata' (and 'count' for counts rather than persons).")
        return count_cells(tables, exposure, outcome, strata, count=count, caller=caller)
    keys = as_column_list(strata, caller=caller, name="strata")
    if keys:
        missing = [k for k in keys if k not in tables.columns]
        if missing:
            raise ValueError(f"{caller}: stratum column(s) {missing} not found in 'tables' "
                             f"(columns {list(tables.columns)}).")
        dup = tables.duplicated(subset=keys, keep=False).to_numpy()
        if dup.any():
            raise ValueError(f"{caller}: strata {keys} repeat at {describe_rows(dup, tables.index)}"
                             "; each stratum must be one row (sum the rows of a stratum "
                             "first, e.g. tables.groupby(strata).sum()).")
    return tables


def _cells(tables, measure, *, caller):
    needed = _RATE_COLUMNS if measure == "rate_ratio" else _TABLE_COLUMNS
    missing = [c for c in needed if c not in tables.columns]
    if missing:
        raise ValueError(f"{caller}: 'tables' lacks column(s) {missing} needed for measure "
                         f"{measure!r} (columns {list(tables.columns)}).")
    if len(tables) == 0:
        raise ValueError(f"{caller}: 'tables' has no rows; give one row per stratum.")
    labels = [c for c in tables.columns if c not in _TABLE_COLUMNS + _RATE_COLUMNS]
    if labels:
        dup = tables.duplicated(subset=labels, keep=False).to_numpy()
        if dup.any():
            raise ValueError(f"{caller}: strata {labels} repeat at "
                             f"{describe_rows(dup, tables.index)}; each stratum must be one "
                             "row (sum the rows of a stratum first).")
    out = {}
    for col in needed:
        if col.startswith("person_time"):
            out[col] = as_float_array(tables[col], name=col, caller=caller)
        else:
            out[col] = as_count_array(tables[col], name=col, caller=caller)
    return out, labels


def _informative(cells: dict, measure: str) -> np.ndarray:
    if measure == "rate_ratio":
        return ((cells["person_time_a"] > 0) & (cells["person_time_b"] > 0)
                & (cells["events_a"] + cells["events_b"] > 0))
    a, b, c, d = (cells[k] for k in _TABLE_COLUMNS)
    keep = (a + b > 0) & (c + d > 0)
    if measure == "rd":
        return keep
    keep &= a + c > 0
    return keep & (b + d > 0) if measure == "or" else keep


# --------------------------------------------------------------------------- statistics


def _cmh(a, b, c, d, continuity_correction):
    """Cochran-Mantel-Haenszel chi-square (R's ``mantelhaen.test``)."""
    n1, n0, m1, m0 = a + b, c + d, a + c, b + d
    n = n1 + n0
    expected = np.sum(n1 * m1 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.sum(np.where(n > 1, n1 * n0 * m1 * m0 / (n**2 * (n - 1)), 0.0))
    dev = abs(a.sum() - expected)
    if continuity_correction and dev >= 0.5:
        dev -= 0.5
    statistic = dev**2 / var if var > 0 else np.nan
    return float(statistic), float(stats.chi2.sf(statistic, 1))


def _breslow_day(a, b, c, d, pooled_or, tarone):
    """Breslow-Day statistic at the MH odds ratio; Tarone's (1985) adjustment optional."""
    n1, n0, m1 = a + b, c + d, a + c
    k = pooled_or - 1.0
    if abs(k) < 1e-12:
        fitted = n1 * m1 / (n1 + n0)
    else:
        qb = n0 - m1 + pooled_or * (n1 + m1)
        fitted = (qb - np.sqrt(qb**2 - 4 * k * pooled_or * n1 * m1)) / (2 * k)
    var = 1 / (1 / fitted + 1 / (n1 - fitted) + 1 / (m1 - fitted) + 1 / (n0 - m1 + fitted))
    statistic = float(np.sum((a - fitted) ** 2 / var))
    if tarone:
        statistic -= float((a.sum() - fitted.sum()) ** 2 / var.sum())
    if a.size == 1:
        return 0.0, np.nan
    return statistic, float(stats.chi2.sf(statistic, a.size - 1))


def _woolf(log_est, var, *, caller):
    bad = ~np.isfinite(log_est) | ~np.isfinite(var) | ~(var > 0)
    if bad.any():
        warnings.warn(f"{caller}: Woolf's homogeneity test needs every stratum measure on "
                      f"its scale, but strata {describe_rows(bad)} have a zero cell; "
                      "homogeneity_statistic and homogeneity_p are nan (pass correction=0.5 "
                      "to add a half to every cell).", ZeroCellWarning, stacklevel=4)
        return np.nan, np.nan
    return heterogeneity(log_est, var, 0.0, True)[:2]  # Cochran's Q on the log scale


def _pooled_table(cells, measure, z, correction, homogeneity, caller):
    """Pooled estimate, limits and homogeneity test of one measure over 2x2 strata."""
    a, b, c, d = (cells[k] for k in _TABLE_COLUMNS)
    n1, n0, m1 = a + b, c + d, a + c
    n = n1 + n0
    if measure == "or":
        r, s = a * d / n, b * c / n
        p, q = (a + d) / n, (b + c) / n
        est = r.sum() / s.sum()
        # Robins, Breslow and Greenland (1986)
        var = (np.sum(p * r) / (2 * r.sum() ** 2) + np.sum(p * s + q * r)
               / (2 * r.sum() * s.sum()) + np.sum(q * s) / (2 * s.sum() ** 2))
        lo, hi = est * np.exp(-z * np.sqrt(var)), est * np.exp(z * np.sqrt(var))
        method = "robins-breslow-greenland"
    elif measure == "rr":
        r, s = a * n0 / n, c * n1 / n
        est = r.sum() / s.sum()
        # Greenland and Robins (1985)
        log_se = np.sqrt(np.sum((m1 * n1 * n0 - a * c * n) / n**2) / (r.sum() * s.sum()))
        lo, hi = est * np.exp(-z * log_se), est * np.exp(z * log_se)
        method = "greenland-robins"
    else:
        w = n1 * n0 / n
        p1, p0 = a / n1, c / n0
        est = np.sum(w * (p1 - p0)) / w.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            var_i = np.where(n1 > 1, a * b / (n1**2 * (n1 - 1)), 0.0) + np.where(
                n0 > 1, c * d / (n0**2 * (n0 - 1)), 0.0)
        se = np.sqrt(np.sum(w**2 * var_i)) / w.sum()
        lo, hi = est - z * se, est + z * se
        method = "mantel-haenszel-wald"
    if homogeneity in ("breslow-day", "tarone"):
        h = _breslow_day(a, b, c, d, est, homogeneity == "tarone")
    else:
        a_, b_, c_, d_ = (v + (correction or 0.0) for v in (a, b, c, d))
        with np.errstate(divide="ignore", invalid="ignore"):
            if measure == "or":
                h = _woolf(np.log(a_ * d_ / (b_ * c_)), 1 / a_ + 1 / b_ + 1 / c_ + 1 / d_,
                           caller=caller)
            elif measure == "rr":
                h = _woolf(np.log((a_ / (a_ + b_)) / (c_ / (c_ + d_))),
                           1 / a_ - 1 / (a_ + b_) + 1 / c_ - 1 / (c_ + d_), caller=caller)
            else:
                q1, q0 = a_ / (a_ + b_), c_ / (c_ + d_)
                h = _woolf(q1 - q0, q1 * (1 - q1) / (a_ + b_) + q0 * (1 - q0) / (c_ + d_),
                           caller=caller)
    return float(est), float(lo), float(hi), method, h


def _pooled_rates(cells, z, correction, caller):
    xa, ta, xb, tb = (cells[k] for k in _RATE_COLUMNS)
    t = ta + tb
    r, s = xa * tb / t, xb * ta / t
    est = r.sum() / s.sum()
    m = xa + xb
    log_se = np.sqrt(np.sum(m * ta * tb / t**2) / (r.sum() * s.sum()))
    expected = np.sum(m * ta / t)
    cmh = float((xa.sum() - expected) ** 2 / np.sum(m * ta * tb / t**2))
    ea, eb = (xa, xb) if correction is None else (xa + correction, xb + correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = _woolf(np.log((ea / ta) / (eb / tb)), 1 / ea + 1 / eb, caller=caller)
    return (float(est), float(est * np.exp(-z * log_se)), float(est * np.exp(z * log_se)),
            "greenland-robins", h, (cmh, float(stats.chi2.sf(cmh, 1))))


def _crude(cells, measure):
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "rate_ratio":
            xa, ta, xb, tb = (cells[k].sum() for k in _RATE_COLUMNS)
            return float((xa / ta) / (xb / tb))
        a, b, c, d = (cells[k].sum() for k in _TABLE_COLUMNS)
        if measure == "or":
            return float(a * d / (b * c))
        if measure == "rr":
            return float((a / (a + b)) / (c / (c + d)))
        return float(a / (a + b) - c / (c + d))


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, repr=False)
class MantelHaenszelResult(AnalysisResult):
    """Result of :func:`mantel_haenszel`.

    Attributes
    ----------
    table : pandas.DataFrame
        The pooled rows on the contract, one per measure, with the CMH test in
        ``statistic``/``p_value`` and ``crude``, ``homogeneity_test``,
        ``homogeneity_statistic``, ``homogeneity_p``, ``n_strata`` after.
    strata : pandas.DataFrame
        The stratum-specific measures with Wald intervals, on the contract.
    cmh_statistic, cmh_p : float
        Cochran-Mantel-Haenszel chi-square (1 df) and its p-value.
    homogeneity_test : str
        Name of the homogeneity test of the first measure.
    homogeneity_statistic, homogeneity_p : float
        Its statistic and p-value.
    """

    strata: pd.DataFrame = None
    cmh_statistic: float = np.nan
    cmh_p: float = np.nan
    homogeneity_test: str = ""
    homogeneity_statistic: float = np.nan
    homogeneity_p: float = np.nan

    def summary(self) -> Summary:
        """Pooled estimates, tests and the stratum-specific measures."""
        facts = {"strata": int(self.table["n_strata"].iloc[0]),
                 "CMH chi-square": self.cmh_statistic, "CMH p-value": self.cmh_p,
                 f"homogeneity ({self.homogeneity_test})": self.homogeneity_statistic,
                 "homogeneity p-value": self.homogeneity_p}
        return Summary("Mantel-Haenszel analysis", facts,
                       (("Pooled", self.table), ("Strata", self.strata)))

    def plot(self, **kwargs):
        """Forest plot of the stratum measures and the pooled estimate."""
        from lems_epi.plots import forest_plot

        both = pd.concat([self.strata.assign(part="stratum"), self.table.assign(
            part="pooled")], ignore_index=True, sort=False)
        return forest_plot(both, **kwargs)


def _strata_rows(tables, cells, labels, keep, measure, conf_level, correction):
    from lems_epi.stats.odds_ratios import odds_ratio
    from lems_epi.stats.rate_comparison import rate_ratio
    from lems_epi.stats.risk_comparison import risk_difference, risk_ratio

    funcs = {"or": odds_ratio, "rr": risk_ratio, "rd": risk_difference,
             "rate_ratio": rate_ratio}
    cols = _RATE_COLUMNS if measure == "rate_ratio" else _TABLE_COLUMNS
    kept = [cells[k][keep] for k in cols]
    kw = {"correction": correction} if measure != "rd" or correction else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroCellWarning)
        res = funcs[measure](*kept, conf_level=conf_level, method="wald", **kw)
    full = res.set_axis(np.flatnonzero(keep)).reindex(range(len(keep)))
    for col in ("measure", "conf_level", "method", "per", "alternative"):
        if col in full:
            full[col] = res[col].iloc[0]
    for col in cols:
        full[col] = cells[col].astype(np.int64) if not col.startswith("person") else cells[col]
    return pd.concat([tables[labels].reset_index(drop=True), full], axis=1)


def mantel_haenszel(tables, *, measure="or", conf_level=0.95, method=None,
                    continuity_correction=False, homogeneity=None, correction=None,
                    strata=None, exposure=None, outcome=None, count=None
                    ) -> MantelHaenszelResult:
    r"""Mantel-Haenszel pooled measures over strata, with the CMH and homogeneity tests.

    Parameters
    ----------
    tables : pandas.DataFrame, array or TwoByTwoResult
        One row per stratum with columns ``a, b, c, d`` (exposed cases, exposed non-cases,
        unexposed cases, unexposed non-cases) or, for ``measure="rate_ratio"``, ``events_a,
        person_time_a, events_b, person_time_b``; other columns are stratum labels (kept in
        ``.strata``; a repeated label is an error). Or a long table of persons or counts with
        ``exposure``, ``outcome``, ``strata`` (and ``count``), a (K, 2, 2) array of
        ``[[a, b], [c, d]]``, or the result of :func:`~lems_epi.two_by_two`.
    measure : str or list of str, default "or"
        ``"or"`` (odds ratio), ``"rr"`` (risk ratio), ``"rd"`` (risk difference) or
        ``"rate_ratio"``; several give one pooled row each.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    method : {None, "wald", "exact"}, optional
        ``"exact"`` (odds ratio only): the conditional maximum likelihood estimate of the common
        odds ratio with its exact interval, and the exact conditional test in ``statistic``
        (the sum of the ``a``) and ``p_value`` (as R's ``mantelhaen.test(exact = TRUE)``); the
        CMH attributes stay the asymptotic test. Otherwise every pooled interval is a Wald
        interval; its variance is Robins, Breslow and
        Greenland's for the odds ratio [1]_, Greenland and Robins' for the risk and rate
        ratios [2]_, and :math:`\sum w_i^2 \mathrm{Var}_i / (\sum w_i)^2` with the MH weights
        :math:`w_i = n_{1i} n_{0i} / N_i` and :math:`\mathrm{Var}_i = a_i b_i / (n_{1i}^2
        (n_{1i} - 1)) + c_i d_i / (n_{0i}^2 (n_{0i} - 1))` for the risk difference
        (Rothman's equation 8-1 [5]_). epiR's ``ARisk.mh.wald`` writes :math:`a_i d_i` and
        :math:`c_i b_i` in place of :math:`a_i b_i` and :math:`c_i d_i` (cells of
        different exposure groups), so its interval differs; the point estimate agrees.
    continuity_correction : bool, default False
        Subtract 1/2 from :math:`|\sum a_i - \sum E(a_i)|` in the CMH statistic (when it is
        at least 1/2, as R's ``mantelhaen.test``, whose default this is).
    homogeneity : {"breslow-day", "tarone", "woolf"}, optional
        Test of equal stratum measures: default ``"breslow-day"`` for the odds ratio [3]_
        (``"tarone"`` adds Tarone's adjustment [4]_), ``"woolf"`` otherwise.
    correction : float, optional
        Woolf's test and the stratum table only: added to every cell of every stratum (0.5
        reproduces ``epiR::epi.2by2``'s Woolf test).
    strata : str or list of str, optional
        The stratum label columns (default: every column that is not a cell).
    exposure, outcome, count : optional
        For a long table of persons or counts (see :func:`~lems_epi.two_by_two`).

    Returns
    -------
    MantelHaenszelResult
        ``.table`` (pooled rows), ``.strata`` (stratum rows), ``cmh_statistic``, ``cmh_p``,
        ``homogeneity_test``, ``homogeneity_statistic``, ``homogeneity_p``, ``.summary()``,
        ``.plot()``. With a single stratum the homogeneity statistic is 0, its p ``nan``.

    Warns
    -----
    DroppedRowsWarning
        Strata that carry no information about a measure are left out of it and named.
    ZeroCellWarning
        When Woolf's test meets a zero cell without ``correction``.

    References
    ----------
    .. [1] Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel
       variance consistent in both sparse data and large-strata limiting models. Biometrics
       42(2):311-323. https://doi.org/10.2307/2531052
    .. [2] Greenland S, Robins JM (1985). Estimation of a common effect parameter from
       sparse follow-up data. Biometrics 41(1):55-68. https://doi.org/10.2307/2530643
    .. [3] Breslow NE, Day NE (1980). Statistical Methods in Cancer Research, Volume I: The
       Analysis of Case-Control Studies. IARC Scientific Publications No. 32. Lyon: IARC.
    .. [4] Tarone RE (1985). On heterogeneity tests based on efficient scores. Biometrika
       72(1):91-95. https://doi.org/10.1093/biomet/72.1.91
    .. [5] Rothman KJ (2002). Epidemiology: An Introduction. New York: Oxford University
       Press. Chapter 8.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import mantel_haenszel
    >>> strata = pd.DataFrame({"age": ["young", "old"], "a": [10, 40], "b": [90, 60],
    ...                        "c": [5, 20], "d": [95, 80]})
    >>> res = mantel_haenszel(strata)
    >>> res.table[["measure", "estimate", "lower", "upper", "crude"]].round(3)
          measure  estimate  lower  upper  crude
    0  odds_ratio     2.515  1.451   4.36  2.333
    >>> res.homogeneity_test
    'breslow-day'
    >>> mantel_haenszel(strata, measure="rr").table[["estimate", "lower", "upper"]].round(3)
       estimate  lower  upper
    0       2.0  1.311  3.051
    >>> res.strata[["age", "estimate", "lower", "upper"]].round(3)
         age  estimate  lower  upper
    0  young     2.111  0.695  6.416
    1    old     2.667  1.417  5.020
    """
    caller = "mantel_haenszel"
    if not isinstance(measure, (str, list, tuple)):
        raise TypeError(f"{caller}: 'measure' must be one of {list(MH_MEASURES)} or a list of "
                        f"them, got {measure!r}.")
    measures = [measure] if isinstance(measure, str) else list(measure)
    measures = [_MEASURE_ALIASES.get(str(m).lower(), m) for m in measures]
    for m in measures:
        check_method(m, MH_MEASURES, caller=caller, name="measure")
    if method is not None:
        check_method(method, ("wald", "exact"), caller=caller)
        if method == "exact" and measures != ["or"]:
            raise ValueError(f"{caller}: method='exact' (the exact conditional common odds "
                             "ratio) applies to measure='or' only.")
    conf_level = check_conf_level(conf_level, caller=caller)
    if not isinstance(continuity_correction, (bool, np.bool_)):
        raise TypeError(f"{caller}: 'continuity_correction' must be True or False, got "
                        f"{continuity_correction!r}.")
    if correction is not None:
        correction = check_positive_number(correction, name="correction", caller=caller)
    tables = stratum_tables(tables, strata=strata, exposure=exposure, outcome=outcome,
                            count=count, caller=caller)
    z = z_value(conf_level)
    rows, strata_rows, tests = [], [], []
    for m in measures:
        if homogeneity is None:
            h_name = _HOMOGENEITY[m][0]
        else:
            h_name = check_method(homogeneity, _HOMOGENEITY[m], caller=caller,
                                  name=f"homogeneity test for measure={m!r}")
        cells, labels = _cells(tables, m, caller=caller)
        keep = _informative(cells, m)
        if not keep.any():
            raise ValueError(f"{caller}: no stratum carries information about the {m} (each "
                             "has an empty exposure group, no cases or no non-cases, or no "
                             "events); check the tables.")
        if not keep.all():
            warnings.warn(f"{caller}: strata {describe_rows(~keep, tables.index)} carry no "
                          f"information about the {m} (an empty group, no cases or no "
                          "non-cases) and were left out.", DroppedRowsWarning, stacklevel=2)
        used = {k: v[keep] for k, v in cells.items()}
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if m == "rate_ratio":
                est, lo, hi, meth, h, cmh = _pooled_rates(used, z, correction, caller)
            else:
                est, lo, hi, meth, h = _pooled_table(used, m, z, correction, h_name, caller)
                cmh = _cmh(*(used[k] for k in _TABLE_COLUMNS), continuity_correction)
        if method == "exact":
            from lems_epi.stats.odds_ratios import exact_common_odds_ratio

            est, lo, hi, p_exact = exact_common_odds_ratio(
                *(used[k] for k in _TABLE_COLUMNS), conf_level=conf_level)
            meth, row_test = "exact-conditional", (float(used["a"].sum()), p_exact)
        else:
            row_test = cmh
        if m != "rd" and (est == 0 or not np.isfinite(est)):
            warnings.warn(f"{caller}: the pooled {m} is {est}: every informative stratum has "
                          "zero exposed (or zero unexposed) cases; the interval is "
                          "undefined.", ZeroCellWarning, stacklevel=2)
            lo = hi = np.nan
        cols = _RATE_COLUMNS if m == "rate_ratio" else _TABLE_COLUMNS
        inputs = {k: [cells[k].sum()] for k in cols}
        rows.append(contract_frame(
            inputs, measure=_NAMES[m], estimate=est, lower=lo, upper=hi,
            conf_level=conf_level, method=meth, statistic=row_test[0], p_value=row_test[1],
            extra={"crude": _crude(cells, m), "homogeneity_test": h_name,
                   "homogeneity_statistic": h[0], "homogeneity_p": h[1],
                   "n_strata": int(keep.sum())}))
        strata_rows.append(_strata_rows(tables, cells, labels, keep, m, conf_level,
                                        correction))
        tests.append((cmh, h_name, h))
    (cmh_stat, cmh_p), h_name, (h_stat, h_p) = tests[0]
    return MantelHaenszelResult(
        table=stack_measures(rows), strata=pd.concat(strata_rows, ignore_index=True),
        cmh_statistic=cmh_stat, cmh_p=cmh_p, homogeneity_test=h_name,
        homogeneity_statistic=h_stat, homogeneity_p=h_p)
