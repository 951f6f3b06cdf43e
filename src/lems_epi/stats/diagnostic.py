r"""Accuracy of a diagnostic or screening test, predictive values and true prevalence.

* :func:`diagnostic_test`: everything epiR's ``epi.tests`` reports for a 2x2 table of test
  result against true disease status (sensitivity, specificity, predictive values, likelihood
  ratios, diagnostic odds ratio, Youden's index...), each with its interval, for one table or
  many, from four counts, from columns of counts, from a long table of counts or from person
  rows.
* :func:`predictive_values`: positive and negative predictive value of a test of known
  sensitivity and specificity at any prevalence (Bayes' rule).
* :func:`true_prevalence`: the Rogan-Gladen estimate of the true prevalence from the share
  of positive tests, with the interval methods of epiR's ``epi.prev``.

The table's cells are named as in epiR: ``tp`` (test positive, diseased), ``fp`` (test
positive, not diseased), ``fn`` (test negative, diseased), ``tn`` (test negative, not
diseased).

Examples
--------
>>> from lems_epi.stats.diagnostic import diagnostic_test
>>> r = diagnostic_test(670, 202, 74, 640)
>>> r.table.set_index("measure").loc["sensitivity", ["estimate", "lower", "upper"]].round(4)
estimate    0.9005
lower       0.8767
upper       0.9211
Name: sensitivity, dtype: float64
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lems_epi._validation import (
    as_column_list,
    as_count_array,
    check_columns,
    check_conf_level,
    describe_rows,
)
from lems_epi.exceptions import LemsEpiWarning, ZeroCellWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.binomial_limits import binomial_limits, resolve_binomial_method
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame

__all__ = [
    "DIAGNOSTIC_MEASURES",
    "DiagnosticTestResult",
    "RoganGladenWarning",
    "diagnostic_test",
    "predictive_values",
    "true_prevalence",
]

#: Measures of :func:`diagnostic_test`, in epiR's order, with (numerator, denominator) cells
#: for the proportions; the others are computed from them.
DIAGNOSTIC_MEASURES = {
    "apparent_prevalence": (("tp", "fp"), ("tp", "fp", "fn", "tn")),
    "true_prevalence": (("tp", "fn"), ("tp", "fp", "fn", "tn")),
    "sensitivity": (("tp",), ("tp", "fn")),
    "specificity": (("tn",), ("fp", "tn")),
    "accuracy": (("tp", "tn"), ("tp", "fp", "fn", "tn")),
    "diagnostic_odds_ratio": None,
    "nndx": None,
    "youden": None,
    "ppv": (("tp",), ("tp", "fp")),
    "npv": (("tn",), ("fn", "tn")),
    "lr_positive": None,
    "lr_negative": None,
    "proportion_ruled_out": (("fn", "tn"), ("tp", "fp", "fn", "tn")),
    "proportion_ruled_in": (("tp", "fp"), ("tp", "fp", "fn", "tn")),
    "false_positive_fraction": (("fp",), ("fp", "tn")),
    "false_negative_fraction": (("fn",), ("tp", "fn")),
    "one_minus_ppv": (("fp",), ("tp", "fp")),
    "one_minus_npv": (("fn",), ("fn", "tn")),
}
_CELLS = ("tp", "fp", "fn", "tn")


class RoganGladenWarning(LemsEpiWarning):
    """The Rogan-Gladen true prevalence falls outside [0, 1].

    It does so when the apparent prevalence lies outside [1 - specificity, sensitivity].
    """


@dataclass(frozen=True, repr=False)
class DiagnosticTestResult(AnalysisResult):
    """Result of :func:`diagnostic_test`.

    Attributes
    ----------
    table : pandas.DataFrame
        The groups, ``tp, fp, fn, tn``, then the contract's columns; one row per table and
        measure (:data:`DIAGNOSTIC_MEASURES`).
    groups : tuple of str
        The grouping columns (empty for unnamed tables; then ``table_id`` numbers them).
    """

    groups: tuple[str, ...] = ()

    def wide(self) -> pd.DataFrame:
        """Estimates with their limits, one row per table and one column block per measure."""
        keys = list(self.groups) or ["table_id"]
        wide = self.table.pivot(index=keys + list(_CELLS), columns="measure",
                                values=["estimate", "lower", "upper"])
        wide = wide.swaplevel(axis=1)[list(DIAGNOSTIC_MEASURES)]
        first = self.table.drop_duplicates(keys)[keys + list(_CELLS)]
        return wide.loc[pd.MultiIndex.from_frame(first)]

    def summary(self) -> Summary:
        """A summary: one section per table with each measure and its interval."""
        keys = list(self.groups) or ["table_id"]
        sections = []
        for key, rows in self.table.groupby(keys, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            first = rows.iloc[0]
            name = ", ".join(f"{k}={v}" for k, v in zip(keys, key, strict=True))
            name += f" (tp={first.tp}, fp={first.fp}, fn={first.fn}, tn={first.tn})"
            sections.append((name, rows[["measure", "estimate", "lower", "upper", "method"]]
                             .reset_index(drop=True)))
        level = float(self.table["conf_level"].iloc[0])
        return Summary("Diagnostic test accuracy", {"confidence level": level},
                       tuple(sections))

    def plot(self, **kwargs):
        """Forest plot of sensitivity, specificity and the predictive values."""
        from lems_epi.plots import forest_plot

        keep = self.table["measure"].isin(["sensitivity", "specificity", "ppv", "npv"])
        label = [*(self.groups or ("table_id",)), "measure"]
        kwargs.setdefault("title", "Test accuracy with confidence intervals")
        return forest_plot(self.table[keep], label=label, **kwargs)


def _cells_from_data(data, test, disease, count, by, caller):
    """Aggregate person rows or a long table into one row of cells per group."""
    check_columns(data, [test, disease, *by, *([count] if count else [])], caller=caller)
    frame = data[[*by, test, disease]].copy()
    for name in (test, disease):
        values = frame[name]
        if values.isna().any():
            raise ValueError(f"{caller}: column {name!r} has missing values at "
                             f"{describe_rows(values.isna().to_numpy(), data.index)}; drop "
                             "those rows or code them first.")
        if values.dtype != bool and not values.isin([0, 1]).all():
            raise ValueError(f"{caller}: column {name!r} must hold True/False or 1/0; got "
                             f"{sorted(map(str, values.unique()))[:5]}. Recode it first.")
        frame[name] = values.astype(bool)
    weight = (as_count_array(data[count], name=count, caller=caller) if count
              else np.ones(len(data)))
    frame["_w"] = weight
    cells = {"tp": (True, True), "fp": (True, False), "fn": (False, True), "tn": (False, False)}
    for cell, (t, d) in cells.items():
        frame[cell] = np.where((frame[test] == t) & (frame[disease] == d), frame["_w"], 0.0)
    if not by:
        return pd.DataFrame({c: [frame[c].sum()] for c in _CELLS}), None
    summed = frame.groupby(by, sort=False, observed=True)[list(_CELLS)].sum().reset_index()
    return summed[list(_CELLS)], summed[by]


def _table_cells(tp, fp, fn, tn, test, disease, count, by, caller):
    """The four cells as float arrays, and the groups (a DataFrame or None)."""
    by = as_column_list(by, caller=caller)
    if isinstance(tp, pd.DataFrame):
        data = tp
        if test is None and disease is None:
            check_columns(data, [*_CELLS, *by], caller=caller, name="tp")
            cells, groups = data[list(_CELLS)], (data[by].reset_index(drop=True) if by
                                                  else None)
        elif test is None or disease is None:
            raise TypeError(f"{caller}: give both 'test' and 'disease' (column names) to count "
                            "a table from person rows or a long table.")
        else:
            cells, groups = _cells_from_data(data, test, disease, count, by, caller)
        arrays = [as_count_array(cells[c], name=c, caller=caller) for c in _CELLS]
        return arrays, groups
    if fp is None or fn is None or tn is None:
        raise TypeError(f"{caller}: give the four cells tp, fp, fn, tn, or a DataFrame with "
                        "those columns, or person rows with test= and disease=.")
    arrays = [as_count_array(np.atleast_1d(v), name=n, caller=caller)
              for v, n in zip((tp, fp, fn, tn), _CELLS, strict=True)]
    try:
        arrays = [a.ravel() for a in np.broadcast_arrays(*arrays)]
    except ValueError:
        raise ValueError(f"{caller}: tp, fp, fn and tn have different lengths "
                         f"{[a.size for a in arrays]}; give one value per table.") from None
    return arrays, None


def _log_interval(estimate, variance, z):
    with np.errstate(divide="ignore", invalid="ignore"):
        log_est = np.log(estimate)
        half = z * np.sqrt(variance)
        return np.exp(log_est - half), np.exp(log_est + half)


def _ratio_measures(c, props, z):
    """LR+, LR-, DOR with their log-scale intervals; Youden and NNDx from the limits."""
    se, sp = props["sensitivity"], props["specificity"]
    m1, m0 = c["tp"] + c["fn"], c["fp"] + c["tn"]
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        lrp = se[0] / (1 - sp[0])
        lrn = (1 - se[0]) / sp[0]
        dor = (c["tp"] * c["tn"]) / (c["fp"] * c["fn"])
        var_p = (1 - se[0]) / (m1 * se[0]) + sp[0] / (m0 * (1 - sp[0]))
        var_n = se[0] / (m1 * (1 - se[0])) + (1 - sp[0]) / (m0 * sp[0])
        var_d = 1 / c["tp"] + 1 / c["fp"] + 1 / c["fn"] + 1 / c["tn"]
    out["lr_positive"] = (lrp, *_log_interval(lrp, var_p, z), "simel-log")
    out["lr_negative"] = (lrn, *_log_interval(lrn, var_n, z), "simel-log")
    out["diagnostic_odds_ratio"] = (dor, *_log_interval(dor, var_d, z), "woolf")
    you = se[0] + sp[0] - 1
    y_lo = np.minimum(se[1] + sp[1] - 1, se[2] + sp[2] - 1)
    y_hi = np.maximum(se[1] + sp[1] - 1, se[2] + sp[2] - 1)
    out["youden"] = (you, y_lo, y_hi, "limit-combination")
    with np.errstate(divide="ignore", invalid="ignore"):
        nndx = 1 / you
        straddles = (y_lo <= 0) & (y_hi > 0)
        n_lo = np.where(straddles, np.where(nndx > 0, 1 / y_hi, -np.inf),
                        np.minimum(1 / y_lo, 1 / y_hi))
        n_hi = np.where(straddles, np.where(nndx > 0, np.inf, 1 / y_lo),
                        np.maximum(1 / y_lo, 1 / y_hi))
    out["nndx"] = (nndx, n_lo, n_hi, "inverse-youden-limits")
    return out


def _warn_undefined(table, caller):
    bad = table["estimate"].notna() & (table["lower"].isna() | table["upper"].isna())
    bad |= table["estimate"].isna()
    # infinite too (1/0 for a likelihood ratio; nndx whose Youden interval contains 0 runs
    # through infinity), never silently
    bad |= ~np.isfinite(table[["estimate", "lower", "upper"]].to_numpy(float)).all(axis=1)
    if bad.any():
        rows = table.loc[bad]
        what = sorted(set(rows["measure"]))
        warnings.warn(f"{caller}: {what} are undefined or have no finite interval for "
                      f"{rows['table_id'].nunique() if 'table_id' in rows else len(rows)} "
                      "table(s) with a zero cell or an empty row/column (NaN there: a log-scale "
                      "interval of a ratio that is 0 or infinite, or a proportion of nobody); "
                      "see the rows with NaN limits.", ZeroCellWarning, stacklevel=3)


def diagnostic_test(tp, fp=None, fn=None, tn=None, *, test=None, disease=None, count=None,
                    by=None, conf_level=0.95, method="clopper-pearson") -> DiagnosticTestResult:
    r"""Accuracy of a test against the true disease status, as epiR's ``epi.tests``.

    Parameters
    ----------
    tp, fp, fn, tn : int or array_like of int, or a DataFrame as ``tp``
        The cells: test positive and diseased (``tp``), test positive and not diseased
        (``fp``), test negative and diseased (``fn``), test negative and not diseased
        (``tn``); one value per table for many tables. Or ``tp`` is a DataFrame: with
        columns ``tp, fp, fn, tn`` (one table a row), or person rows / a long table when
        ``test`` and ``disease`` are given.
    test, disease : str, optional
        Columns of the DataFrame holding the test result and the true status (True/False or
        1/0), for person rows or a long table of counts.
    count : str, optional
        Column of counts for a long table (one row per combination); rows are persons when
        omitted.
    by : str or list of str, optional
        Grouping columns of the DataFrame: one table per group.
    conf_level : float, default 0.95
        Confidence level.
    method : str, default "clopper-pearson"
        Interval of the proportions: ``"clopper-pearson"`` (``"exact"``, epiR's default),
        ``"wilson"``, ``"jeffreys"``, ``"agresti-coull"``, ``"blaker"``, ``"sterne"``.

    Returns
    -------
    DiagnosticTestResult
        ``.table``: the groups (or ``table_id``), ``tp, fp, fn, tn``, then ``measure,
        estimate, lower, upper, conf_level, method, per``; one row per table and measure,
        in epiR's order: ``apparent_prevalence`` (tp + fp)/N, ``true_prevalence``
        (tp + fn)/N (the share diseased; epiR's ``tp``), ``sensitivity``, ``specificity``,
        ``accuracy``, ``diagnostic_odds_ratio``, ``nndx`` (number needed to diagnose,
        1/Youden), ``youden``, ``ppv``, ``npv``, ``lr_positive``, ``lr_negative``,
        ``proportion_ruled_out``, ``proportion_ruled_in``, ``false_positive_fraction``,
        ``false_negative_fraction``, ``one_minus_ppv``, ``one_minus_npv``.

    Notes
    -----
    The proportions get the chosen binomial interval. The likelihood ratios get the
    log-scale delta-method interval of Simel et al. [2]_, e.g. for LR+
    :math:`\exp(\log LR^+ \mp z\sqrt{(1-Se)/(Se\,M_1) + Sp/((1-Sp)\,M_0)})` with
    :math:`M_1 = tp + fn`, :math:`M_0 = fp + tn`; the diagnostic odds ratio Woolf's log
    interval without continuity correction. Youden's index :math:`J = Se + Sp - 1` gets, as
    in epiR, the range :math:`[Se_L + Sp_L - 1, Se_U + Sp_U - 1]` from the limits of
    sensitivity and specificity (not a proper confidence interval) and NNDx = 1/J the
    reciprocals of those limits. Where J's range straddles 0 epiR reports the two reciprocals
    as (min, max), a range that does not contain the estimate; here the set
    :math:`\{1/j: j \in (0, J_U]\}` = :math:`[1/J_U, \infty)` is reported instead.

    With a zero cell a ratio is 0 or infinite and its log-scale interval has no finite
    limit on one side: as in epiR, ``lr_positive`` and ``diagnostic_odds_ratio`` are
    ``inf`` with lower limit NaN when ``fp = 0``; ``lr_negative`` is 0 with upper limit NaN
    when ``fn = 0``; a :class:`~lems_epi.exceptions.ZeroCellWarning` says so.

    References
    ----------
    .. [1] Altman DG, Bland JM (1994). Diagnostic tests 2: predictive values. BMJ 309:102.
       https://doi.org/10.1136/bmj.309.6947.102
    .. [2] Simel DL, Samsa GP, Matchar DB (1991). Likelihood ratios with confidence: sample
       size estimation for diagnostic test studies. Journal of Clinical Epidemiology
       44(8):763-770. https://doi.org/10.1016/0895-4356(91)90128-V
    .. [3] Youden WJ (1950). Index for rating diagnostic tests. Cancer 3(1):32-35.

    Examples
    --------
    >>> r = diagnostic_test([45, 670], [300, 202], [5, 74], [99650, 640])
    >>> t = r.table[r.table["measure"] == "ppv"]
    >>> t[["table_id", "estimate", "lower", "upper"]].round(4)
        table_id  estimate   lower   upper
    8          1    0.1304  0.0968  0.1706
    26         2    0.7683  0.7389  0.7960
    """
    caller = "diagnostic_test"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = resolve_binomial_method(method, caller=caller)
    (a_tp, a_fp, a_fn, a_tn), groups = _table_cells(tp, fp, fn, tn, test, disease, count, by,
                                                   caller)
    c = {"tp": a_tp, "fp": a_fp, "fn": a_fn, "tn": a_tn}
    props = {}
    for measure, cells in DIAGNOSTIC_MEASURES.items():
        if cells is None:
            continue
        x = sum(c[k] for k in cells[0])
        n = sum(c[k] for k in cells[1])
        lo, hi = binomial_limits(x, n, conf_level, method)
        with np.errstate(invalid="ignore", divide="ignore"):
            props[measure] = (x / n, lo, hi, method)
    ratios = _ratio_measures(c, props, z_value(conf_level))
    parts = {**props, **ratios}
    n_tab, n_meas = a_tp.size, len(DIAGNOSTIC_MEASURES)
    order = list(DIAGNOSTIC_MEASURES)
    stacked = [np.column_stack([np.broadcast_to(parts[m][i], (n_tab,)) for m in order]).ravel()
               for i in range(4)]
    if groups is None:
        groups = pd.DataFrame({"table_id": np.arange(1, n_tab + 1)})
        names: tuple[str, ...] = ()
    else:
        names = tuple(groups.columns)
    repeat = np.repeat(np.arange(n_tab), n_meas)
    table = contract_frame(
        {k: c[k][repeat].astype(np.int64) for k in _CELLS},
        groups=groups.iloc[repeat].reset_index(drop=True),
        measure=np.tile(np.array(order, dtype=object), n_tab), estimate=stacked[0],
        lower=stacked[1], upper=stacked[2], conf_level=conf_level, method=stacked[3])
    _warn_undefined(table, caller)
    return DiagnosticTestResult(table, names)


def predictive_values(sensitivity, specificity, prevalence) -> pd.DataFrame:
    r"""Positive and negative predictive values at given prevalences (Bayes' rule).

    .. math::
        PPV = \frac{Se\,\pi}{Se\,\pi + (1 - Sp)(1 - \pi)}, \qquad
        NPV = \frac{Sp\,(1 - \pi)}{Sp\,(1 - \pi) + (1 - Se)\,\pi}

    Parameters
    ----------
    sensitivity, specificity : float or array_like
        Test characteristics, in [0, 1].
    prevalence : float or array_like
        Pre-test probability (prevalence in the tested group), in [0, 1]; all three
        broadcast together.

    Returns
    -------
    pandas.DataFrame
        ``prevalence, sensitivity, specificity, ppv, npv``, plus ``lr_positive`` and
        ``post_test_odds_positive``; one row per combination. A point calculation without
        sampling error: there are no intervals (see :func:`diagnostic_test` for those).

    Raises
    ------
    ValueError
        For values outside [0, 1], or shapes that do not broadcast.
    TypeError
        For values that are not numbers.

    Examples
    --------
    >>> t = predictive_values(0.9, 0.983, [2.7e-6, 0.01, 0.5])
    >>> t["ppv"].round(5).tolist()
    [0.00014, 0.34843, 0.98146]
    """
    caller = "predictive_values"
    arrays = [_probability_array(values, name, caller) for name, values in
              (("sensitivity", sensitivity), ("specificity", specificity),
               ("prevalence", prevalence))]
    try:
        se, sp, prev = (a.ravel() for a in np.broadcast_arrays(*arrays))
    except ValueError:
        raise ValueError(f"{caller}: 'sensitivity', 'specificity' and 'prevalence' have "
                         f"shapes {[a.shape for a in arrays]}, which do not broadcast; give "
                         "scalars or arrays of one common length.") from None
    with np.errstate(divide="ignore", invalid="ignore"):
        ppv = se * prev / (se * prev + (1 - sp) * (1 - prev))
        npv = sp * (1 - prev) / (sp * (1 - prev) + (1 - se) * prev)
        lrp = se / (1 - sp)
        odds = ppv / (1 - ppv)
    return pd.DataFrame({"prevalence": prev, "sensitivity": se, "specificity": sp,
                         "ppv": ppv, "npv": npv, "lr_positive": lrp,
                         "post_test_odds_positive": odds})


def _probability_array(values, name, caller):
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(f"{caller}: {name!r} must be a number or numbers in [0, 1], got "
                        f"{values!r}.") from None
    bad = ~((arr >= 0) & (arr <= 1))
    if bad.any():
        raise ValueError(f"{caller}: {name!r} must lie in [0, 1]; {describe_rows(bad)} do not "
                         f"(e.g. {arr[bad][:3].tolist()}). Give proportions (0.95, not 95).")
    return arr


def true_prevalence(positive, tested, *, sensitivity, specificity, conf_level=0.95,
                    method="clopper-pearson", per=1) -> pd.DataFrame:
    r"""True prevalence from the share of positive tests (Rogan-Gladen), as epiR's ``epi.prev``.

    The apparent prevalence :math:`AP = positive / tested` gets an interval by ``method``;
    the true prevalence is :math:`TP = (AP + Sp - 1)/(Se + Sp - 1)` and its limits are the
    AP limits transformed by the same formula [1]_ [2]_.

    Parameters
    ----------
    positive : int or array_like of int
        Number testing positive (``observed`` in the glossary).
    tested : int or array_like of int
        Number tested (> 0).
    sensitivity, specificity : float or array_like
        The test's sensitivity and specificity, taken as known; ``sensitivity + specificity``
        must exceed 1.
    conf_level : float, default 0.95
        Confidence level.
    method : str, default "clopper-pearson"
        Interval of the apparent prevalence, named as in ``epi.prev``: ``"clopper-pearson"``
        (``"c-p"``, ``"exact"``), ``"sterne"``, ``"blaker"`` (the intervals Reiczigel et al.
        [2]_ recommend), ``"wilson"`` (as ``Hmisc::binconf`` computes it, which epi.prev
        uses: at 1 positive the lower limit is :math:`-\log(1-\alpha)/n`, at ``tested - 1``
        the upper limit :math:`1 + \log(1-\alpha)/n`), and ``"jeffreys"``,
        ``"agresti-coull"``.
    per : float, default 1
        Multiplier of the estimates and limits (100 for per cent).

    Returns
    -------
    pandas.DataFrame
        ``events`` (positives), ``n`` (tested), ``sensitivity``, ``specificity``, then the
        contract's columns, two rows per input: ``apparent_prevalence`` and
        ``true_prevalence``. The true prevalence and its limits are reported **raw**, as
        epiR reports them: below 0 when AP < 1 - Sp, above 1 when AP > Se.
        ``rogan_gladen_valid`` flags the inputs where 1 - Sp <= AP <= Se, and
        ``estimate_truncated``, ``lower_truncated``, ``upper_truncated`` give the values
        truncated to [0, 1] (times ``per``), the usual way to report them [2]_.

    Warns
    -----
    RoganGladenWarning
        When the apparent prevalence of an input lies outside [1 - Sp, Se].

    Raises
    ------
    ValueError
        Counts that are negative, not whole, ``positive > tested``, ``tested = 0``,
        probabilities outside [0, 1], or ``sensitivity + specificity <= 1`` (a test no better
        than chance carries no information about the prevalence).

    References
    ----------
    .. [1] Rogan WJ, Gladen B (1978). Estimating prevalence from the results of a screening
       test. American Journal of Epidemiology 107(1):71-76.
       https://doi.org/10.1093/oxfordjournals.aje.a112510
    .. [2] Reiczigel J, Foldi J, Ozsvari L (2010). Exact confidence limits for prevalence of a
       disease with an imperfect diagnostic test. Epidemiology and Infection
       138(11):1674-1678. https://doi.org/10.1017/S0950268810000385

    Examples
    --------
    >>> t = true_prevalence(20, 100, sensitivity=0.9, specificity=0.95)
    >>> t[["measure", "estimate", "lower", "upper"]].round(4)
                   measure  estimate   lower   upper
    0  apparent_prevalence    0.2000  0.1267  0.2918
    1      true_prevalence    0.1765  0.0902  0.2845
    """
    caller = "true_prevalence"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = resolve_binomial_method(method, caller=caller, aliases={"wilson": "wilson-hmisc"})
    pos = as_count_array(np.atleast_1d(positive), name="positive", caller=caller)
    n = as_count_array(np.atleast_1d(tested), name="tested", caller=caller)
    se = _probability_array(sensitivity, "sensitivity", caller)
    sp = _probability_array(specificity, "specificity", caller)
    try:
        pos, n, se, sp = (a.ravel() for a in np.broadcast_arrays(pos, n, se, sp))
    except ValueError:
        raise ValueError(f"{caller}: positive, tested, sensitivity and specificity have "
                         "lengths that do not match; give one value or one per input.") from None
    for bad, text in ((n == 0, "'tested' is zero"), (pos > n, "'positive' exceeds 'tested'"),
                      (se + sp <= 1, "sensitivity + specificity <= 1")):
        if bad.any():
            raise ValueError(f"{caller}: {text} at {describe_rows(bad)}; a prevalence needs "
                             "tested > 0, positive <= tested and a test better than chance "
                             "(sensitivity + specificity > 1).")
    ap = pos / n
    ap_lo, ap_hi = binomial_limits(pos, n, conf_level, method)
    youden = se + sp - 1
    tp, tp_lo, tp_hi = ((v + sp - 1) / youden for v in (ap, ap_lo, ap_hi))
    valid = (ap >= 1 - sp - 1e-12) & (ap <= se + 1e-12)
    if not valid.all():
        warnings.warn(f"{caller}: the apparent prevalence lies outside [1 - specificity, "
                      f"sensitivity] at {describe_rows(~valid)}, so the Rogan-Gladen estimate "
                      "falls outside [0, 1] there (reported raw, as epiR does; "
                      "'rogan_gladen_valid' is False). Use the *_truncated columns, or check "
                      "the sensitivity and specificity.", RoganGladenWarning, stacklevel=2)
    idx = np.repeat(np.arange(pos.size), 2)
    is_true = np.tile([False, True], pos.size)
    est = np.where(is_true, tp[idx], ap[idx])
    lo = np.where(is_true, tp_lo[idx], ap_lo[idx])
    hi = np.where(is_true, tp_hi[idx], ap_hi[idx])
    per = float(per)
    return contract_frame(
        {"events": pos[idx].astype(np.int64), "n": n[idx].astype(np.int64),
         "sensitivity": se[idx], "specificity": sp[idx]},
        measure=np.where(is_true, "true_prevalence", "apparent_prevalence").astype(object),
        estimate=est * per, lower=lo * per, upper=hi * per, conf_level=conf_level,
        method=method, per=per, space=None,
        extra={"rogan_gladen_valid": valid[idx],
               "estimate_truncated": np.clip(est, 0, 1) * per,
               "lower_truncated": np.clip(lo, 0, 1) * per,
               "upper_truncated": np.clip(hi, 0, 1) * per})
