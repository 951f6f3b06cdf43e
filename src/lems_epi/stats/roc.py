r"""ROC curves, the AUC with DeLong's interval, and DeLong's test of two paired scores.

The curve of a score against a binary outcome, and the test that two scores measured on the
same patients have equal areas under their curves.

Conventions follow R's pROC (``direction = "<"``: a higher score means a case):

* thresholds are ``-inf``, the midpoints between consecutive distinct observed scores, and
  ``+inf``;
* at threshold ``t`` the sensitivity is the share of cases with score > ``t`` and the
  specificity the share of controls with score < ``t``;
* the AUC is the Mann-Whitney probability that a case scores higher than a control, ties
  counted one half;
* its variance is DeLong's: with placement values :math:`V_{10}(X_i)` (share of controls
  below case ``i``, ties 1/2) and :math:`V_{01}(Y_j)` (share of cases above control ``j``),
  :math:`\operatorname{Var}(\widehat{AUC}) = S_{10}/m + S_{01}/n` where :math:`S_{10}`,
  :math:`S_{01}` are their sample variances (divisors ``m - 1``, ``n - 1``) over the ``m``
  cases and ``n`` controls. The interval is :math:`AUC \pm z\,SE`, clipped to [0, 1].

Examples
--------
>>> import pandas as pd
>>> from lems_epi.stats.roc import roc_curve
>>> d = pd.DataFrame({"score": [0, 1, 1, 2, 3, 3, 4, 5], "sclc": [0, 0, 1, 0, 1, 1, 1, 1]})
>>> r = roc_curve(d, "score", "sclc")
>>> float(r.table["estimate"].iloc[0])
0.9
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._validation import (
    as_column_list,
    as_numeric_array,
    check_column_name,
    check_columns,
    check_conf_level,
    describe_rows,
)
from lems_epi.exceptions import UndefinedValueWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame

__all__ = ["RocResult", "roc_curve", "roc_test", "delong_placements"]


def delong_placements(cases, controls):
    """DeLong's placement values of each case and each control.

    Parameters
    ----------
    cases, controls : array_like of float
        Scores of the cases (outcome 1) and controls (outcome 0).

    Returns
    -------
    (auc, v10, v01) : float, numpy.ndarray, numpy.ndarray
        The AUC; for each case the share of controls it outscores (ties 1/2); for each
        control the share of cases that outscore it (ties 1/2).

    References
    ----------
    .. [1] DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or
       more correlated receiver operating characteristic curves: a nonparametric approach.
       Biometrics 44(3):837-845. https://doi.org/10.2307/2531595

    Examples
    --------
    >>> auc, v10, v01 = delong_placements([2, 3], [1, 2])
    >>> auc, v10.tolist(), v01.tolist()
    (0.875, [0.75, 1.0], [1.0, 0.75])
    """
    x = np.asarray(cases, dtype=float)
    y = np.asarray(controls, dtype=float)
    ys = np.sort(y)
    xs = np.sort(x)
    below = np.searchsorted(ys, x, side="left")
    tied = np.searchsorted(ys, x, side="right") - below
    v10 = (below + 0.5 * tied) / y.size
    above = x.size - np.searchsorted(xs, y, side="right")
    tied_y = np.searchsorted(xs, y, side="right") - np.searchsorted(xs, y, side="left")
    v01 = (above + 0.5 * tied_y) / x.size
    return float(v10.mean()), v10, v01


def _delong_se(v10, v01, key, caller) -> float:
    """DeLong's standard error of the AUC; nan, with a warning, below two cases or controls."""
    if v10.size < 2 or v01.size < 2:
        where = f" in group {key}" if key else ""
        warnings.warn(f"{caller}: {v10.size} case(s) and {v01.size} control(s){where}: DeLong's "
                      "variance needs at least two of each, so the interval is undefined (nan).",
                      UndefinedValueWarning, stacklevel=3)
        return np.nan
    var = np.var(v10, ddof=1) / v10.size + np.var(v01, ddof=1) / v01.size
    return float(np.sqrt(var))


def _split(frame, score, outcome, caller):
    y = frame[outcome]
    if y.isna().any() or frame[score].isna().any():
        bad = (y.isna() | frame[score].isna()).to_numpy()
        raise ValueError(f"{caller}: missing values in the score {score!r} or the outcome "
                         f"{outcome!r} at {describe_rows(bad, frame.index)}; drop those rows "
                         "first.")
    if not y.isin([0, 1]).all():
        raise ValueError(f"{caller}: {outcome!r} must hold 1 (case) and 0 (control) or "
                         f"True/False; got {sorted(map(str, y.unique()))[:5]}.")
    column = frame[score]
    if pd.api.types.is_bool_dtype(column.dtype):  # a yes/no test is a two-valued score
        column = column.astype(float)
    s = as_numeric_array(column, name=score, caller=caller)  # refuses text, dates, complex
    is_case = y.to_numpy().astype(bool)
    if is_case.all() or not is_case.any():
        raise ValueError(f"{caller}: an ROC curve needs both cases and controls; "
                         f"{outcome!r} holds only {int(is_case[0])}.")
    return s[is_case], s[~is_case]


def _curve(cases, controls):
    values = np.unique(np.concatenate([cases, controls]))
    thresholds = np.concatenate([[-np.inf], (values[:-1] + values[1:]) / 2, [np.inf]])
    tp = (cases[None, :] > thresholds[:, None]).sum(axis=1)
    tn = (controls[None, :] < thresholds[:, None]).sum(axis=1)
    return pd.DataFrame({"threshold": thresholds, "sensitivity": tp / cases.size,
                         "specificity": tn / controls.size, "tp": tp,
                         "fp": controls.size - tn, "tn": tn, "fn": cases.size - tp})


@dataclass(frozen=True, repr=False)
class RocResult(AnalysisResult):
    """Result of :func:`roc_curve`.

    Attributes
    ----------
    table : pandas.DataFrame
        The groups, ``n_cases``, ``n_controls``, then the contract's columns (measure
        ``"auc"``, method ``"delong"``) and ``std_err``; one row per group.
    curve : pandas.DataFrame
        The groups, then ``threshold, sensitivity, specificity, tp, fp, tn, fn``: one row per
        threshold (pROC's ``coords(r, "all")``).
    score : str
        Name of the score.
    """

    curve: pd.DataFrame = None
    score: str = "score"

    def summary(self) -> Summary:
        """The AUC with its interval, and the curve."""
        level = float(self.table["conf_level"].iloc[0])
        return Summary(f"ROC curve of {self.score}", {"confidence level": level},
                       (("Area under the curve (DeLong)", self.table),
                        ("Sensitivity and specificity by threshold", self.curve)))

    def plot(self, **kwargs):
        """The ROC curve (sensitivity against 1 - specificity), with the AUC in the legend."""
        import plotly.graph_objects as go

        groups = [c for c in self.curve.columns if c not in _CURVE_COLUMNS]
        fig = go.Figure()
        keyed = self.curve.groupby(groups, sort=False) if groups else [((), self.curve)]
        for key, part in keyed:
            key = key if isinstance(key, tuple) else (key,)
            row = self.table
            for g, v in zip(groups, key, strict=True):
                row = row[row[g] == v]
            auc = row.iloc[0]
            name = ", ".join(map(str, key)) + (": " if key else "") + (
                f"AUC {auc.estimate:.3f} ({auc.lower:.3f} to {auc.upper:.3f})")
            fig.add_trace(go.Scatter(x=1 - part["specificity"], y=part["sensitivity"],
                                     mode="lines+markers", name=name, line_shape="linear"))
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance",
                                 line={"dash": "dot", "color": "grey"}))
        fig.update_layout(title=kwargs.get("title", f"ROC curve of {self.score}"),
                          xaxis_title="1 - specificity", yaxis_title="sensitivity",
                          xaxis_range=[0, 1], yaxis_range=[0, 1.02])
        return fig


_CURVE_COLUMNS = ("threshold", "sensitivity", "specificity", "tp", "fp", "tn", "fn")


def _groups(data, by, caller):
    if not by:
        return [((), data)]
    return [(k if isinstance(k, tuple) else (k,), g)
            for k, g in data.groupby(by, sort=False, observed=True)]


def roc_curve(data, score, outcome, *, by=None, conf_level=0.95) -> RocResult:
    """ROC curve of ``score`` for ``outcome`` with the AUC and DeLong's interval (as pROC).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person.
    score : str
        Column of the score (numeric; higher means more likely a case).
    outcome : str
        Column of the outcome: 1/True for a case, 0/False for a control.
    by : str or list of str, optional
        Grouping columns: one curve per group.
    conf_level : float, default 0.95
        Confidence level of the AUC's interval.

    Returns
    -------
    RocResult
        ``.table`` (measure ``"auc"``, its DeLong interval and ``std_err``), ``.curve`` (one
        row per threshold), ``.plot()``, ``.summary()``.

    Raises
    ------
    ValueError
        Missing values, an outcome other than 0/1, or a group without cases or controls.

    References
    ----------
    .. [1] DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or
       more correlated receiver operating characteristic curves: a nonparametric approach.
       Biometrics 44(3):837-845. https://doi.org/10.2307/2531595
    .. [2] Robin X, Turck N, Hainard A, et al. (2011). pROC: an open-source package for R and
       S+ to analyze and compare ROC curves. BMC Bioinformatics 12:77.
       https://doi.org/10.1186/1471-2105-12-77

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [0, 1, 1, 2, 3, 3, 4, 5], "sclc": [0, 0, 1, 0, 1, 1, 1, 1]})
    >>> r = roc_curve(d, "score", "sclc")
    >>> r.curve[["threshold", "sensitivity", "specificity"]].iloc[:3]
       threshold  sensitivity  specificity
    0       -inf          1.0     0.000000
    1        0.5          1.0     0.333333
    2        1.5          0.8     0.666667
    """
    caller = "roc_curve"
    conf_level = check_conf_level(conf_level, caller=caller)
    by = as_column_list(by, caller=caller)
    for name, value in (("score", score), ("outcome", outcome)):
        check_column_name(value, name=name, caller=caller)
    check_columns(data, [score, outcome, *by], caller=caller)
    z = z_value(conf_level)
    rows, curves = [], []
    for key, part in _groups(data, by, caller):
        cases, controls = _split(part, score, outcome, caller)
        auc, v10, v01 = delong_placements(cases, controls)
        se = _delong_se(v10, v01, key, caller)
        rows.append((*key, cases.size, controls.size, auc, auc - z * se, auc + z * se, se))
        curve = _curve(cases, controls)
        for name, value in zip(by, key, strict=True):
            curve.insert(len(curve.columns) - len(_CURVE_COLUMNS), name, value)
        curves.append(curve)
    cols = list(zip(*rows, strict=True))
    groups = {name: list(cols[i]) for i, name in enumerate(by)} or None
    k = len(by)
    table = contract_frame({"n_cases": np.array(cols[k]), "n_controls": np.array(cols[k + 1])},
                           groups=groups, measure="auc", estimate=cols[k + 2],
                           lower=cols[k + 3], upper=cols[k + 4], conf_level=conf_level,
                           method="delong", extra={"std_err": cols[k + 5]})
    return RocResult(table, pd.concat(curves, ignore_index=True), score)


def roc_test(data, score1, score2, outcome, *, conf_level=0.95) -> pd.DataFrame:
    r"""DeLong's test that two scores measured on the same people have equal AUCs.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person, with both scores.
    score1, score2 : str
        Columns of the two scores.
    outcome : str
        Column of the outcome (1/True for a case).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        ``score, n_cases, n_controls``, then the contract's columns and ``statistic,
        p_value, alternative``: one ``auc`` row per score (DeLong intervals, no test) and an
        ``auc_difference`` row (AUC1 - AUC2) with its interval, the z statistic
        :math:`(AUC_1 - AUC_2)/SE` and the two-sided p-value. The variance of the difference
        is :math:`V_1 + V_2 - 2C` with the covariance :math:`C` from the placement values'
        sample covariances, as pROC's ``roc.test(method = "delong")``.

    References
    ----------
    .. [1] DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or
       more correlated receiver operating characteristic curves: a nonparametric approach.
       Biometrics 44(3):837-845. https://doi.org/10.2307/2531595

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [0, 1, 1, 2, 3, 3, 4, 5], "b": [1, 0, 2, 2, 1, 3, 2, 4],
    ...                   "y": [0, 0, 1, 0, 1, 1, 1, 1]})
    >>> t = roc_test(d, "a", "b", "y")
    >>> t[["score", "measure", "estimate"]]
       score         measure  estimate
    0      a             auc  0.900000
    1      b             auc  0.833333
    2  a - b  auc_difference  0.066667
    """
    caller = "roc_test"
    conf_level = check_conf_level(conf_level, caller=caller)
    for name, value in (("score1", score1), ("score2", score2), ("outcome", outcome)):
        check_column_name(value, name=name, caller=caller)
    check_columns(data, [score1, score2, outcome], caller=caller)
    parts = []
    for s in (score1, score2):
        cases, controls = _split(data, s, outcome, caller)
        parts.append(delong_placements(cases, controls))
    m, n = parts[0][1].size, parts[0][2].size
    aucs = np.array([p[0] for p in parts])
    if np.isnan(_delong_se(parts[0][1], parts[0][2], (), caller)):
        cov = np.full((2, 2), np.nan)
    else:
        s10 = np.cov(np.vstack([parts[0][1], parts[1][1]]), ddof=1)
        s01 = np.cov(np.vstack([parts[0][2], parts[1][2]]), ddof=1)
        cov = s10 / m + s01 / n
    diff = aucs[0] - aucs[1]
    var_diff = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    z = z_value(conf_level)
    se = np.sqrt(np.array([cov[0, 0], cov[1, 1], max(var_diff, 0.0)]))
    est = np.array([aucs[0], aucs[1], diff])
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = diff / se[2] if se[2] > 0 else np.nan
    p = 2 * stats.norm.sf(abs(stat)) if np.isfinite(stat) else (1.0 if diff == 0 else np.nan)
    return contract_frame(
        {"score": [score1, score2, f"{score1} - {score2}"], "n_cases": m, "n_controls": n},
        measure=["auc", "auc", "auc_difference"], estimate=est, lower=est - z * se,
        upper=est + z * se, conf_level=conf_level, method="delong",
        statistic=[np.nan, np.nan, stat], p_value=[np.nan, np.nan, p],
        extra={"std_err": se})
