"""Kaplan-Meier survival curves and median survival, by group.

A thin wrapper around statsmodels' :class:`~statsmodels.duration.survfunc.SurvfuncRight`:
statsmodels is already a dependency of lems_epi (lifelines is not), handles delayed entry
(left truncation) and gives Brookmeyer-Crowley intervals for quantiles. The wrapper adds
validation, groups (``by``) and tidy tables with ``lower``/``upper`` columns.

Pointwise intervals for the survival probability use the log-log transformation of the
Greenwood standard error [2]_, which stays inside [0, 1]; intervals for the median invert the
same log-log ("cloglog") test [3]_.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lems_epi._validation import (
    as_column_list,
    check_columns,
    check_conf_level,
    describe_rows,
)
from lems_epi.stats._core import z_value

__all__ = ["kaplan_meier", "median_survival"]

_METHOD = "log-log"


def _groups(data, duration, event, by, entry, caller):
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{caller}: 'data' must be a pandas DataFrame, got "
                        f"{type(data).__name__}.")
    by = as_column_list(by, caller=caller)
    cols = [duration, event, *by] + ([entry] if entry is not None else [])
    check_columns(data, cols, caller=caller)
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
        yield {}, time, status, start
        return
    keys = data[by].astype(object)
    missing = keys.isna().any(axis=1).to_numpy()
    if missing.any():
        raise ValueError(f"{caller}: grouping columns {by} have missing values at "
                         f"{describe_rows(missing, data.index)}; fill or drop those rows.")
    for key, pos in keys.groupby(by, sort=True).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        yield dict(zip(by, key, strict=True)), time[pos], status[pos], \
            (start[pos] if start is not None else None)


def _fit(time, status, start):
    from statsmodels.duration.survfunc import SurvfuncRight

    return SurvfuncRight(time, status, entry=start)


def kaplan_meier(data, duration, event, by=None, entry=None, conf_level=0.95) -> pd.DataFrame:
    """Kaplan-Meier estimate of the survival function, with pointwise intervals.

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
        Column with the time since origin at which a person enters observation (delayed entry,
        left truncation); default 0 for everybody.
    conf_level : float
        Confidence level of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        One row per group and distinct event time: the ``by`` columns, ``time``, ``at_risk``,
        ``events``, ``survival``, ``std_err`` (Greenwood), ``lower``, ``upper``,
        ``conf_level``, ``method`` (``"log-log"``). A group without events has no rows.

    References
    ----------
    .. [1] Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete observations.
       Journal of the American Statistical Association 53(282):457-481.
       https://doi.org/10.1080/01621459.1958.10501452
    .. [2] Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure Time Data,
       2nd edition. Hoboken: Wiley. Section 1.4.
    .. [3] Brookmeyer R, Crowley J (1982). A confidence interval for the median survival time.
       Biometrics 38(1):29-41. https://doi.org/10.2307/2530286

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [6, 6, 6, 6, 7, 9, 10], "dead": [1, 1, 1, 0, 1, 0, 1]})
    >>> km = kaplan_meier(d, "t", "dead")
    >>> km[["time", "at_risk", "events", "survival"]].round(4)
       time  at_risk  events  survival
    0   6.0        7       3    0.5714
    1   7.0        3       1    0.3810
    2  10.0        1       1    0.0000
    """
    caller = "kaplan_meier"
    conf_level = check_conf_level(conf_level, caller=caller)
    z = z_value(conf_level)
    parts = []
    by_cols = as_column_list(by, caller=caller)
    for key, time, status, start in _groups(data, duration, event, by, entry, caller):
        if status.sum() == 0:
            continue
        sf = _fit(time, status, start)
        s = np.asarray(sf.surv_prob, float)
        se = np.asarray(sf.surv_prob_se, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            sig = se / (s * np.abs(np.log(s)))
            ok = (s > 0) & (s < 1) & np.isfinite(sig)
            lower = np.where(ok, s ** np.exp(z * sig), s)
            upper = np.where(ok, s ** np.exp(-z * sig), s)
        part = pd.DataFrame({**{c: key[c] for c in by_cols},
                             "time": np.asarray(sf.surv_times, float),
                             "at_risk": np.asarray(sf.n_risk).astype(np.int64),
                             "events": np.asarray(sf.n_events).astype(np.int64),
                             "survival": s, "std_err": se, "lower": lower, "upper": upper})
        parts.append(part)
    cols = [*by_cols, "time", "at_risk", "events", "survival", "std_err", "lower", "upper"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    out["conf_level"] = conf_level
    out["method"] = _METHOD
    return out


def median_survival(data, duration, event, by=None, entry=None, conf_level=0.95
                    ) -> pd.DataFrame:
    """Median survival time from the Kaplan-Meier curve, with a confidence interval.

    The median is the first time at which the survival estimate falls to 0.5 or below
    (missing if it never does); the interval is Brookmeyer and Crowley's, inverting the
    log-log test, as computed by statsmodels (``SurvfuncRight.quantile_ci(method="cloglog")``).
    An upper limit that the data do not reach is infinite.

    Parameters
    ----------
    data, duration, event, by, entry, conf_level
        As in :func:`kaplan_meier`.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n``, ``events``, ``median``, ``lower``,
        ``upper``, ``conf_level``, ``method``.

    References
    ----------
    .. [1] Brookmeyer R, Crowley J (1982). A confidence interval for the median survival time.
       Biometrics 38(1):29-41. https://doi.org/10.2307/2530286

    Examples
    --------
    The 6-MP arm of Freireich et al. (1963), as in Kalbfleisch and Prentice (2002):

    >>> import pandas as pd
    >>> t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> dead = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> median_survival(pd.DataFrame({"t": t, "dead": dead}), "t", "dead")
        n  events  median  lower  upper  conf_level   method
    0  21       9    23.0   13.0    inf        0.95  log-log
    """
    caller = "median_survival"
    conf_level = check_conf_level(conf_level, caller=caller)
    by_cols = as_column_list(by, caller=caller)
    rows = []
    for key, time, status, start in _groups(data, duration, event, by, entry, caller):
        row = {**key, "n": int(time.size), "events": int(status.sum())}
        if status.sum() == 0:
            row.update(median=np.nan, lower=np.nan, upper=np.nan)
        else:
            sf = _fit(time, status, start)
            with np.errstate(divide="ignore", invalid="ignore"):  # log(0) where S reaches 0
                med = sf.quantile(0.5)
                lo, hi = sf.quantile_ci(0.5, alpha=1 - conf_level, method="cloglog")
            row.update(median=float(med) if med is not None else np.nan,
                       lower=float(lo) if lo is not None else np.nan,
                       upper=float(hi) if hi is not None else np.inf)
        rows.append(row)
    cols = [*by_cols, "n", "events", "median", "lower", "upper"]
    out = pd.DataFrame(rows, columns=cols)
    out["conf_level"] = conf_level
    out["method"] = _METHOD
    return out
