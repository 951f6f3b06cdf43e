r"""Kaplan-Meier survival curves, survival quantiles and the log-rank test, by group.

The Kaplan-Meier estimate, its Greenwood standard error and the pointwise log-log intervals
are computed for all groups at once (sorting and cumulative sums, no loop over groups).
Quantile intervals (Brookmeyer and Crowley's, inverting the log-log test) come from
statsmodels' :class:`~statsmodels.duration.survfunc.SurvfuncRight`, which handles delayed
entry (left truncation).

Where the survival estimate reaches 0 the log-log interval is undefined: its limits are NaN
(as in R's ``survfit`` and scipy), with an :class:`~lems_epi.exceptions.UndefinedValueWarning`.
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
    check_columns,
    check_conf_level,
    check_method,
    describe_rows,
)
from lems_epi.exceptions import UndefinedValueWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame

__all__ = ["KaplanMeierResult", "LogRankResult", "kaplan_meier", "median_survival",
           "survival_quantile", "log_rank"]

_METHOD = "log-log"


def _prepare(data, duration, event, by, entry, caller):
    """Validated arrays: time, status, entry (or None), group codes and the group labels."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{caller}: 'data' must be a pandas DataFrame, got "
                        f"{type(data).__name__}.")
    by = as_column_list(by, caller=caller)
    for name, col in (("duration", duration), ("event", event)):
        if not isinstance(col, str):
            raise TypeError(f"{caller}: '{name}' must name one column (a string), got {col!r}.")
    cols = [duration, event, *by] + ([entry] if entry is not None else [])
    check_columns(data, cols, caller=caller)
    for col in [duration] + ([entry] if entry is not None else []):
        as_numeric_array(data[col], name=col, caller=caller)  # no bools, dates, complex
    for col in [duration, event] + ([entry] if entry is not None else []):
        if pd.api.types.is_complex_dtype(data[col]) or not (
                pd.api.types.is_numeric_dtype(data[col])
                or pd.api.types.is_bool_dtype(data[col])):
            raise TypeError(f"{caller}: column {col!r} must be numeric, got dtype "
                            f"{data[col].dtype} (e.g. {data[col].iloc[:3].tolist()!r}); "
                            "convert it with pd.to_numeric first.")
    time = pd.to_numeric(data[duration], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(time) | (time < 0)
    if bad.any():
        raise ValueError(f"{caller}: '{duration}' must be finite and >= 0; bad values at "
                         f"{describe_rows(bad, data.index)}. Drop those rows first.")
    status = pd.to_numeric(data[event], errors="coerce").to_numpy(float)
    bad = ~np.isin(status, (0.0, 1.0))
    if bad.any():
        raise ValueError(f"{caller}: '{event}' must be 0 (censored) or 1 (event); bad values "
                         f"at {describe_rows(bad, data.index)}.")
    start = None
    if entry is not None:
        start = pd.to_numeric(data[entry], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(start) | (start < 0) | (start >= time)
        if bad.any():
            raise ValueError(f"{caller}: '{entry}' (delayed entry) must be finite, >= 0 and "
                             f"below '{duration}'; bad values at "
                             f"{describe_rows(bad, data.index)}.")
    if not by:
        return time, status, start, np.zeros(time.size, np.int64), pd.DataFrame(index=[0])
    missing = data[by].isna().any(axis=1).to_numpy()
    if missing.any():
        raise ValueError(f"{caller}: grouping columns {by} have missing values at "
                         f"{describe_rows(missing, data.index)}; fill or drop those rows.")
    if len(by) == 1:
        codes, uniques = pd.factorize(data[by[0]], sort=True)
        return time, status, start, codes.astype(np.int64), pd.DataFrame({by[0]: uniques})
    codes, uniques = pd.MultiIndex.from_frame(data[by]).factorize(sort=True)
    return time, status, start, codes.astype(np.int64), uniques.to_frame(index=False)


def _entries_at_or_after(codes, start, q_codes, q_times):
    """Per query (group, time): how many of the group enter at or after that time."""
    ranks = np.unique(np.concatenate([start, q_times]), return_inverse=True)[1]
    width = int(ranks.max()) + 2
    key = codes * width + ranks[: start.size]
    order = np.sort(key)
    q_key = q_codes * width + ranks[start.size:]
    below = np.searchsorted(order, q_key, side="left")  # entries with a smaller key
    per_group = np.bincount(codes, minlength=int(q_codes.max()) + 1)
    before_group = np.concatenate([[0], np.cumsum(per_group)])[q_codes]
    return per_group[q_codes] - (below - before_group)


def _cumsum_by_run(values, runs_start):
    """Cumulative sums restarted at each ``True`` of ``runs_start`` (sorted groups)."""
    total = np.cumsum(values)
    run = np.cumsum(runs_start) - 1
    return total - (total - values)[runs_start][run]


def _km_arrays(time, status, start, codes):
    """Event times, at-risk, events, survival and Greenwood sum for every group at once."""
    order = np.lexsort((time, codes))
    gs, ts, ds = codes[order], time[order], status[order]
    new = np.concatenate([[True], (gs[1:] != gs[:-1]) | (ts[1:] != ts[:-1])])
    first = np.flatnonzero(new)
    g, t = gs[first], ts[first]
    events = np.add.reduceat(ds, first)
    group_end = np.cumsum(np.bincount(codes))
    at_risk = (group_end[g] - first).astype(float)
    if start is not None:
        at_risk = at_risk - _entries_at_or_after(codes, start, g, t)
    keep = events > 0
    g, t, at_risk, events = g[keep], t[keep], at_risk[keep], events[keep]
    runs = np.concatenate([[True], g[1:] != g[:-1]])
    last = events >= at_risk  # everybody at risk has the event: survival drops to 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = _cumsum_by_run(np.where(last, 0.0, np.log1p(-events / at_risk)), runs)
        green = _cumsum_by_run(np.where(last, 0.0, events / (at_risk * (at_risk - events))),
                               runs)
    reached = _cumsum_by_run(last.astype(float), runs) > 0
    surv = np.where(reached, 0.0, np.exp(log_s))
    return g, t, at_risk, events, surv, np.where(reached, np.inf, green)


@dataclass(frozen=True, repr=False)
class KaplanMeierResult(AnalysisResult):
    """Result of :func:`kaplan_meier`: the curve (``table``) and the median per group.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group and event time: the ``by`` columns, ``time``, ``at_risk``,
        ``events``, ``measure`` ("survival"), ``estimate``, ``lower``, ``upper``,
        ``conf_level``, ``method``, ``per``, ``std_err`` (Greenwood).
    by : tuple of str
        The grouping columns.
    """

    by: tuple = ()

    def medians(self) -> pd.DataFrame:
        """Median survival per group: the first event time with survival at or below 0.5.

        (Without an interval: :func:`median_survival` gives Brookmeyer and Crowley's.)
        """
        t = self.table
        below = t[t["estimate"] <= 0.5]
        keys = list(self.by)
        if keys:
            first = below.groupby(keys, sort=True)["time"].min()
            allg = t[keys].drop_duplicates().set_index(keys).index
            return first.reindex(allg).rename("median").reset_index()
        return pd.DataFrame({"median": [below["time"].min() if len(below) else np.nan]})

    def summary(self) -> Summary:
        """Median survival per group, then the curve."""
        medians = self.medians()
        facts = {"groups": len(medians), "event times": len(self.table)}
        return Summary("Kaplan-Meier estimate", facts,
                       (("Median survival", medians), ("Survival curve", self.table)))

    def plot(self, **kwargs):
        """Step plot of the survival curves (plotly), one line per group."""
        import plotly.graph_objects as go

        fig = go.Figure()
        groups = (self.table.groupby(list(self.by), sort=False) if self.by
                  else [((), self.table)])
        for key, part in groups:
            name = ", ".join(map(str, key if isinstance(key, tuple) else (key,))) or "all"
            x = np.concatenate([[0.0], part["time"].to_numpy()])
            y = np.concatenate([[1.0], part["estimate"].to_numpy()])
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line_shape="hv", name=name))
        fig.update_layout(xaxis_title="time", yaxis_title="survival", yaxis_range=[0, 1.02],
                          **kwargs)
        return fig


def kaplan_meier(data, *, duration, event, by=None, entry=None, conf_level=0.95
                 ) -> KaplanMeierResult:
    r"""Kaplan-Meier estimate of the survival function, with pointwise log-log intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person.
    duration : str
        Column with the time from the origin (e.g. diagnosis) to the event or censoring.
    event : str
        Column with 1 for an event (e.g. death) and 0 for censoring.
    by : str or list of str, optional
        Grouping columns; one curve per group.
    entry : str, optional
        Column with the time at which a person enters observation (delayed entry, left
        truncation); default 0 for everybody.
    conf_level : float, default 0.95
        Confidence level of the pointwise intervals.

    Returns
    -------
    KaplanMeierResult
        ``.table``: one row per group and distinct event time (a group without events has
        no rows) with ``time, at_risk, events``, ``measure`` "survival", ``estimate``,
        ``lower, upper`` (log-log: :math:`S^{\exp(\pm z \sigma)}`, :math:`\sigma =
        \mathrm{se}/(S |\log S|)` [2]_), ``conf_level, method, per`` and ``std_err``
        (Greenwood). ``.medians()``, ``.summary()`` and ``.plot()`` (step curves).

    Warns
    -----
    UndefinedValueWarning
        Where the estimate reaches 0: the log-log limits and the Greenwood standard error
        are undefined there and are NaN (as in R's ``survfit``).

    References
    ----------
    .. [1] Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete observations.
       Journal of the American Statistical Association 53(282):457-481.
       https://doi.org/10.1080/01621459.1958.10501452
    .. [2] Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure Time Data,
       2nd edition. Hoboken: Wiley. Section 1.4.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [6, 6, 6, 6, 7, 9, 10, 11], "dead": [1, 1, 1, 0, 1, 0, 1, 0]})
    >>> km = kaplan_meier(d, duration="t", event="dead")
    >>> km.table[["time", "at_risk", "events", "estimate"]].round(4)
       time  at_risk  events  estimate
    0   6.0        8       3     0.625
    1   7.0        4       1    0.4688
    2  10.0        2       1    0.2344
    """
    caller = "kaplan_meier"
    conf_level = check_conf_level(conf_level, caller=caller)
    time, status, start, codes, labels = _prepare(data, duration, event, by, entry, caller)
    g, t, at_risk, events, surv, green = _km_arrays(time, status, start, codes)
    z = z_value(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = surv * np.sqrt(green)
        sig = np.sqrt(green) / np.abs(np.log(surv))
        lower = np.where(surv < 1, surv ** np.exp(z * sig), np.nan)
        upper = np.where(surv < 1, surv ** np.exp(-z * sig), np.nan)
    zero = surv == 0
    se = np.where(zero, np.nan, se)
    if zero.any():
        warnings.warn(f"{caller}: survival reaches 0 at {int(zero.sum())} event time(s); the "
                      "log-log interval and the Greenwood standard error are undefined "
                      "there and are NaN.", UndefinedValueWarning, stacklevel=2)
    by_cols = as_column_list(by, caller=caller)
    groups = labels.iloc[g].reset_index(drop=True) if by_cols else None
    table = contract_frame({"time": t, "at_risk": at_risk.astype(np.int64),
                            "events": events.astype(np.int64)}, groups=groups,
                           measure="survival", estimate=surv, lower=lower, upper=upper,
                           conf_level=conf_level, method=_METHOD, extra={"std_err": se})
    return KaplanMeierResult(table=table, by=tuple(by_cols))


def survival_quantile(data, *, duration, event, by=None, entry=None, quantile=0.5,
                      conf_level=0.95, method="log-log") -> pd.DataFrame:
    """Survival-time quantile (the time by which a share ``quantile`` has had the event).

    The quantile is the first time at which the Kaplan-Meier estimate falls to
    ``1 - quantile`` or below (missing if it never does); the interval is Brookmeyer and
    Crowley's, the times at which the log-log test of :math:`S(t) = 1 - q` is not rejected,
    as computed by statsmodels (``SurvfuncRight.quantile_ci(method="cloglog")``, which
    matches SAS PROC LIFETEST). An upper limit that the data do not reach is infinite.

    Parameters
    ----------
    data, duration, event, by, entry, conf_level
        As in :func:`kaplan_meier`.
    quantile : float, default 0.5
        Share that has had the event (0.5: the median; 0.25: the first quartile).
    method : {"log-log"}, default "log-log"
        The transformation of the test that is inverted (alias ``"cloglog"``).

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n``, ``events``, ``measure``
        ("survival_quantile"), ``estimate``, ``lower``, ``upper``, ``conf_level``,
        ``method``, ``per``, ``quantile``.

    References
    ----------
    .. [1] Brookmeyer R, Crowley J (1982). A confidence interval for the median survival time.
       Biometrics 38(1):29-41. https://doi.org/10.2307/2530286

    Examples
    --------
    >>> import pandas as pd
    >>> t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> dead = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> d = pd.DataFrame({"t": t, "dead": dead})
    >>> survival_quantile(d, duration="t", event="dead", quantile=0.25)[
    ...     ["estimate", "lower", "upper"]]
       estimate  lower  upper
    0      13.0    6.0   22.0
    """
    caller = "survival_quantile"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = {"cloglog": "log-log"}.get(method, method)
    check_method(method, ("log-log",), caller=caller)
    if not (isinstance(quantile, float | int) and 0 < quantile < 1):
        raise ValueError(f"{caller}: 'quantile' must be a number strictly between 0 and 1, "
                         f"got {quantile!r}.")
    time, status, start, codes, labels = _prepare(data, duration, event, by, entry, caller)
    from statsmodels.duration.survfunc import SurvfuncRight

    k = len(labels)
    est, lo, hi = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    n = np.bincount(codes, minlength=k)
    d = np.bincount(codes, weights=status, minlength=k)
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(n)])
    for i in range(k):
        pos = order[bounds[i]:bounds[i + 1]]
        if d[i] == 0:
            continue
        sf = SurvfuncRight(time[pos], status[pos], entry=None if start is None else start[pos])
        with np.errstate(divide="ignore", invalid="ignore"):
            q = sf.quantile(quantile)
            low, upp = sf.quantile_ci(quantile, alpha=1 - conf_level, method="cloglog")
        est[i] = np.nan if q is None else float(q)
        lo[i] = np.nan if low is None else float(low)
        hi[i] = np.inf if upp is None else float(upp)
    groups = labels if as_column_list(by, caller=caller) else None
    return contract_frame({"n": n, "events": d.astype(np.int64)}, groups=groups,
                          measure="survival_quantile", estimate=est, lower=lo, upper=hi,
                          conf_level=conf_level, method=method,
                          extra={"quantile": float(quantile)})


def median_survival(data, *, duration, event, by=None, entry=None, conf_level=0.95
                    ) -> pd.DataFrame:
    """Median survival time with Brookmeyer and Crowley's interval (see :func:`survival_quantile`).

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n``, ``events``, ``measure``
        ("median_survival"), ``estimate``, ``lower``, ``upper``, ``conf_level``, ``method``,
        ``per``.

    Examples
    --------
    The 6-MP arm of Freireich et al. (1963), as in Kalbfleisch and Prentice (2002):

    >>> import pandas as pd
    >>> t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> dead = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> median_survival(pd.DataFrame({"t": t, "dead": dead}), duration="t", event="dead")[
    ...     ["n", "events", "estimate", "lower", "upper"]]
        n  events  estimate  lower  upper
    0  21       9      23.0   13.0    inf
    """
    out = survival_quantile(data, duration=duration, event=event, by=by, entry=entry,
                            quantile=0.5, conf_level=conf_level)
    return out.assign(measure="median_survival").drop(columns="quantile")


@dataclass(frozen=True, repr=False)
class LogRankResult(AnalysisResult):
    """Result of :func:`log_rank`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (and stratum): ``n``, ``observed``, ``expected``,
        ``var_o_minus_e``, ``measure`` ("observed_expected_ratio"), ``estimate`` (O/E), the
        other contract columns (no interval), then the test.
    statistic : float
        Log-rank chi-square.
    df : int
        Degrees of freedom (groups - 1).
    p_value : float
        Its p-value.
    """

    statistic: float = np.nan
    df: int = 0
    p_value: float = np.nan

    def summary(self) -> Summary:
        """The test and the observed and expected events per group."""
        return Summary("Log-rank test", {"chi-square": self.statistic, "df": self.df,
                                         "p-value": self.p_value},
                       (("Observed and expected events", self.table),))


def _log_rank_parts(time, status, codes, k):
    """O - E per group and its covariance matrix over the event times of one stratum."""
    times = np.unique(time[status == 1])
    n_gt = np.empty((k, times.size))
    d_gt = np.empty((k, times.size))
    for g in range(k):
        tg = np.sort(time[codes == g])
        n_gt[g] = tg.size - np.searchsorted(tg, times, side="left")
        eg = np.sort(time[(codes == g) & (status == 1)])
        d_gt[g] = np.searchsorted(eg, times, side="right") - np.searchsorted(eg, times, "left")
    n_t, d_t = n_gt.sum(0), d_gt.sum(0)
    expected = (d_t * n_gt / n_t).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
    frac = n_gt / n_t
    cov = np.einsum("t,gt,ht->gh", w, frac, np.ones_like(frac)) * np.eye(k) - np.einsum(
        "t,gt,ht->gh", w, frac, frac)
    return d_gt.sum(1), expected, cov


def log_rank(data, *, duration, event, by, strata=None) -> LogRankResult:
    """Log-rank test of equal survival across groups, stratified if asked.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person.
    duration, event : str
        As in :func:`kaplan_meier`.
    by : str or list of str
        The groups compared.
    strata : str or list of str, optional
        Columns whose combinations define strata: observed minus expected events and their
        variances are summed over strata (the stratified log-rank test).

    Returns
    -------
    LogRankResult
        ``statistic`` (chi-square with groups - 1 degrees of freedom, ``df``), ``p_value``,
        and ``.table`` with the observed and expected events per group (and stratum), as
        R's ``survival::survdiff``.

    References
    ----------
    .. [1] Mantel N (1966). Evaluation of survival data and two new rank order statistics
       arising in its consideration. Cancer Chemotherapy Reports 50(3):163-170.
    .. [2] Peto R, Peto J (1972). Asymptotically efficient rank invariant test procedures.
       Journal of the Royal Statistical Society A 135(2):185-207.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 1, 1, 0, 1, 1],
    ...                   "g": ["a", "a", "a", "b", "a", "b", "b", "b"]})
    >>> round(log_rank(d, duration="t", event="e", by="g").statistic, 4)
    4.9176
    """
    caller = "log_rank"
    if by is None:
        raise TypeError(f"{caller}: 'by' must name the column(s) of the groups compared.")
    time, status, _, codes, labels = _prepare(data, duration, event, by, None, caller)
    k = len(labels)
    if k < 2:
        raise ValueError(f"{caller}: 'by' gives {k} group; the test compares two or more.")
    s_keys = as_column_list(strata, caller=caller, name="strata")
    s_codes = (np.zeros(time.size, np.int64) if not s_keys else
               _prepare(data, duration, event, s_keys, None, caller)[3])
    observed, expected, cov = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for s in np.unique(s_codes):
        rows = s_codes == s
        o, e, v = _log_rank_parts(time[rows], status[rows], codes[rows], k)
        observed, expected, cov = observed + o, expected + e, cov + v
    diff = (observed - expected)[:-1]
    statistic = float(diff @ np.linalg.pinv(cov[:-1, :-1]) @ diff)
    p_value = float(stats.chi2.sf(statistic, k - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / expected
    if (expected == 0).any():
        warnings.warn(f"{caller}: groups {labels[expected == 0].to_dict('records')} expect no "
                      "events (nobody at risk at any event time), so their observed/expected "
                      "ratio is undefined (nan) or infinite.", UndefinedValueWarning,
                      stacklevel=2)
    table = contract_frame(
        {"n": np.bincount(codes, minlength=k), "observed": observed.astype(np.int64),
         "expected": expected, "var_o_minus_e": np.diag(cov)}, groups=labels,
        measure="observed_expected_ratio", estimate=ratio, lower=np.nan, upper=np.nan,
        conf_level=np.nan, method="log-rank")
    return LogRankResult(table=table, statistic=statistic, df=k - 1, p_value=p_value)
