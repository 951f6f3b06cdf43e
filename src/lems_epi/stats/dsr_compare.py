r"""Ratio and difference of two directly standardised rates, with intervals.

For a group and its reference, each with age-specific events :math:`d_k` and person-time
:math:`n_k`, and standard weights :math:`w_k` summing to 1, the directly standardised rates
(DSRs) are :math:`Y = \sum_k w_k d_k / n_k` with Poisson variance
:math:`V = \sum_k w_k^2 d_k / n_k^2` (as in :func:`lems_epi.standardize_direct`); let
:math:`w_M = \max_k w_k / n_k`. The two DSRs are independent (different people).

Ratio :math:`Y_1 / Y_2`:

* ``fay`` (default): Fay's (1999) F interval. Each DSR is treated as a scaled chi-square with
  :math:`\nu = 2Y^2/V` degrees of freedom, as in Fay & Feuer's (1997) gamma interval for one
  DSR, and the ratio of two as a scaled F; the limits add :math:`w_M` as the gamma interval's
  upper limit does:

  .. math::

      \text{lower} = \frac{Y_1}{Y_2 + w_{M2}}\, F^{-1}_{\alpha/2}(\nu_1, \nu_2^*), \qquad
      \text{upper} = \frac{Y_1 + w_{M1}}{Y_2}\, F^{-1}_{1-\alpha/2}(\nu_1^*, \nu_2),

  with :math:`\nu^* = 2(Y + w_M)^2 / (V + w_M^2)`. It is the method of SEER*Stat's rate ratios
  and stays defined when the group has no events (lower 0, :math:`\nu_1^* = 2`).
* ``log-normal``: :math:`\exp\{\log(Y_1/Y_2) \pm z\sqrt{V_1/Y_1^2 + V_2/Y_2^2}\}`, the delta
  method on the log scale (undefined when either group has no events).

Difference :math:`Y_1 - Y_2`: ``normal``, :math:`Y_1 - Y_2 \pm z\sqrt{V_1 + V_2}`.

Groups with no events (the stated rule): the DSR ratio is 0 and only Fay's interval is given
(``[0, upper]``); the log-normal limits are NaN with a :class:`SparseDataWarning`; the
difference uses :math:`V_1 = 0` for that group, which is too narrow. The column
``zero_events`` marks these rows. A reference without events makes the ratio infinite (and
undefined when both are zero), with a warning.

References
----------
.. [1] Fay MP (1999). Approximate confidence intervals for rate ratios from directly
   standardized rates with sparse data. Communications in Statistics - Theory and Methods
   28(9):2141-2160.
.. [2] Fay MP, Feuer EJ (1997). Confidence intervals for directly standardized rates: a method
   based on the gamma distribution. Statistics in Medicine 16(7):791-801.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._validation import (
    as_column_list,
    check_columns,
    check_conf_level,
    check_method,
    check_positive_number,
    describe_rows,
)
from lems_epi.exceptions import SparseDataWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.contract import contract_frame, stack_measures
from lems_epi.stats.standardize import _direct_cells, _standard_table

__all__ = ["DSR_RATIO_METHODS", "DSR_DIFFERENCE_METHODS", "compare_dsr", "dsr_difference",
           "dsr_ratio"]

#: Interval methods of the DSR ratio; the first is the default.
DSR_RATIO_METHODS = ("fay", "log-normal")
#: Interval methods of the DSR difference.
DSR_DIFFERENCE_METHODS = ("normal",)
_ALIASES = {"fay-1999": "fay", "f": "fay", "lognormal": "log-normal", "normal-log": "log-normal",
            "delta-log": "log-normal", "wald-log": "log-normal", "wald": "normal",
            "delta": "normal"}


def _summaries(d, n, w):
    """DSR, variance and max(w/n) of each row of the G x K arrays ``d`` and ``n``."""
    wk = w / n
    return (d * wk).sum(axis=1), (d * wk * wk).sum(axis=1), wk.max(axis=1)


def _fay_limits(y1, v1, m1, y2, v2, m2, conf_level):
    """Fay's (1999) F-distribution limits of y1 / y2."""
    alpha = 1.0 - conf_level
    with np.errstate(divide="ignore", invalid="ignore"):
        nu1, nu2 = 2 * y1**2 / v1, 2 * y2**2 / v2
        nu1s = 2 * (y1 + m1) ** 2 / (v1 + m1**2)
        nu2s = 2 * (y2 + m2) ** 2 / (v2 + m2**2)
        lower = np.where(y1 > 0, y1 / (y2 + m2) * stats.f.ppf(alpha / 2, nu1, nu2s), 0.0)
        upper = np.where(y2 > 0, (y1 + m1) / y2 * stats.f.ppf(1 - alpha / 2, nu1s, nu2),
                         np.inf)
    return lower, upper


def _log_normal_limits(y1, v1, y2, v2, conf_level):
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (y1 > 0) & (y2 > 0)
        se = np.sqrt(v1 / y1**2 + v2 / y2**2)
        log_ratio = np.log(y1 / y2)
        z = z_value(conf_level)
        lower = np.where(ok, np.exp(log_ratio - z * se), np.nan)
        upper = np.where(ok, np.exp(log_ratio + z * se), np.nan)
    return lower, upper


def _reference_arrays(d, n, groups, by, reference, caller):
    """Events and person-time of each group's reference (one named group, or the rest)."""
    if isinstance(reference, str) and reference == "rest":
        if len(d) < 2:
            raise ValueError(f"{caller}: reference='rest' needs at least two groups.")
        return d.sum(axis=0) - d, n.sum(axis=0) - n, np.ones(len(d), dtype=bool)
    key = reference if isinstance(reference, tuple) else (reference,)
    if len(key) != len(by):
        raise ValueError(f"{caller}: 'reference' must name one group by its {by} value(s) "
                         f"(a tuple for several columns) or be 'rest'; got {reference!r}.")
    match = np.ones(len(groups), dtype=bool)
    for col, value in zip(by, key, strict=True):
        match &= (groups[col].astype(object) == value).to_numpy()
    if not match.any():
        raise ValueError(f"{caller}: reference {reference!r} is not a group of {by}; groups "
                         f"are e.g. {groups.head(5).to_dict('records')}; or use 'rest'.")
    r = int(np.flatnonzero(match)[0])
    keep = ~match
    return np.repeat(d[r:r + 1], len(d), axis=0), np.repeat(n[r:r + 1], len(n), axis=0), keep


def _warn_sparse(y1, y2, measures, ratio_method, caller):
    if "dsr_ratio" in measures and ratio_method == "log-normal" and ((y1 == 0) | (y2 == 0)).any():
        warnings.warn(f"{caller}: the log-normal interval is undefined for a group or "
                      f"reference without events ({describe_rows((y1 == 0) | (y2 == 0))}); its "
                      "limits are NaN there. Use method='fay'.", SparseDataWarning,
                      stacklevel=3)
    if "dsr_ratio" in measures and (y2 == 0).any():
        warnings.warn(f"{caller}: the reference has no events for {describe_rows(y2 == 0)}; "
                      "the DSR ratio is infinite there (undefined when the group has none "
                      "either).", SparseDataWarning, stacklevel=3)


def compare_dsr(data, standard=None, *, by, reference="rest", measure=("dsr_ratio",
                "dsr_difference"), events="events", person_time="person_time",
                age="age_group", weights=None, method=None, conf_level=0.95, per=1,
                single_year_ages=False, open_top_age=None) -> pd.DataFrame:
    r"""Ratio and difference of each group's directly standardised rate to a reference's.

    See the module docstring (:mod:`lems_epi.stats.dsr_compare`) for the formulas and the rule
    for groups without events.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with the group, the age group, events and person-time (as
        :func:`lems_epi.standardize_direct` takes them; any banding it accepts).
    standard : str or weights
        The standard population (as in :func:`lems_epi.standardize_direct`).
    by : str or list of str
        The grouping columns (areas, periods).
    reference : "rest", value or tuple, default "rest"
        ``"rest"`` compares each group with all the other groups pooled (independent of the
        group, as the intervals assume); a value of ``by`` (a tuple for several columns)
        compares every other group with that one.
    measure : str or sequence of str, default ("dsr_ratio", "dsr_difference")
        Which comparisons to return.
    events, person_time, age, weights, single_year_ages, open_top_age
        As in :func:`lems_epi.standardize_direct`.
    method : str or mapping, optional
        Interval method: for the ratio ``"fay"`` (default) or ``"log-normal"``; for the
        difference ``"normal"``. One string applies to the measure it names; a mapping
        ``{"dsr_ratio": ..., "dsr_difference": ...}`` sets both.
    conf_level : float, default 0.95
        Confidence level.
    per : float, default 1
        Multiplier of the rates and of the difference (the ratio has no unit).

    Returns
    -------
    pandas.DataFrame
        On the output contract, one row per compared group and measure: the ``by`` columns,
        ``events``, ``person_time`` (the group's), ``measure`` (``"dsr_ratio"`` or
        ``"dsr_difference"``), ``estimate, lower, upper, conf_level, method, per`` (``per`` is
        1 for the ratio), then ``dsr``, ``dsr_reference`` (times ``per``),
        ``reference_events``, ``reference_person_time`` and ``zero_events``.

    References
    ----------
    .. [1] Fay MP (1999). Approximate confidence intervals for rate ratios from directly
       standardized rates with sparse data. Communications in Statistics - Theory and Methods
       28(9):2141-2160.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi.stats import compare_dsr
    >>> d = pd.DataFrame({"area": ["a", "a", "b", "b"], "age_group": ["young", "old"] * 2,
    ...                   "events": [20, 60, 10, 30], "person_time": [1e4, 1e4, 1e4, 1e4]})
    >>> std = pd.DataFrame({"age_group": ["young", "old"], "weight": [0.5, 0.5]})
    >>> t = compare_dsr(d, std, by="area", reference="b", per=1000)
    >>> t[["area", "measure", "estimate", "lower", "upper"]].round(3)
      area         measure  estimate  lower  upper
    0    a       dsr_ratio       2.0  1.352  3.001
    1    a  dsr_difference       2.0  0.926  3.074
    """
    caller = "compare_dsr"
    conf_level = check_conf_level(conf_level, caller=caller)
    per = check_positive_number(per, name="per", caller=caller)
    by = as_column_list(by, caller=caller)
    if not by:
        raise ValueError(f"{caller}: 'by' must name the column(s) of the groups to compare.")
    measures = [measure] if isinstance(measure, str) else list(measure)
    for m in measures:
        check_method(m, ("dsr_ratio", "dsr_difference"), caller=caller, name="measure")
    ratio_method, diff_method = _methods(method, caller)
    check_columns(data, [events, person_time, age, *by], caller=caller)
    if isinstance(weights, str):
        std = _weights_column(data, age, weights, caller)
    else:
        std = _standard_table(weights if weights is not None else standard, caller=caller)
    d, n, w, groups, _ = _direct_cells(data, age, events, person_time, by, std,
                                       single_year_ages=single_year_ages,
                                       open_top_age=open_top_age, caller=caller)
    d_ref, n_ref, keep = _reference_arrays(d, n, groups, by, reference, caller)
    y1, v1, m1 = _summaries(d, n, w)
    y2, v2, m2 = _summaries(d_ref, n_ref, w)
    sel = np.flatnonzero(keep)
    y1, v1, m1, y2, v2, m2 = (a[sel] for a in (y1, v1, m1, y2, v2, m2))
    _warn_sparse(y1, y2, measures, ratio_method, caller)
    inputs = {"events": d[sel].sum(axis=1).astype(np.int64), "person_time": n[sel].sum(axis=1)}
    extra = {"dsr": per * y1, "dsr_reference": per * y2,
             "reference_events": d_ref[sel].sum(axis=1).astype(np.int64),
             "reference_person_time": n_ref[sel].sum(axis=1), "zero_events": y1 == 0}
    frames = []
    grp = groups.iloc[sel].reset_index(drop=True)
    if "dsr_ratio" in measures:
        if ratio_method == "fay":
            lo, hi = _fay_limits(y1, v1, m1, y2, v2, m2, conf_level)
        else:
            lo, hi = _log_normal_limits(y1, v1, y2, v2, conf_level)
        with np.errstate(divide="ignore", invalid="ignore"):
            est = np.where(y2 > 0, y1 / y2, np.where(y1 > 0, np.inf, np.nan))
        frames.append(contract_frame(inputs, groups=grp, measure="dsr_ratio", estimate=est,
                                     lower=lo, upper=hi, conf_level=conf_level,
                                     method=ratio_method, per=1.0, extra=extra))
    if "dsr_difference" in measures:
        half = z_value(conf_level) * np.sqrt(v1 + v2)
        frames.append(contract_frame(inputs, groups=grp, measure="dsr_difference",
                                     estimate=per * (y1 - y2), lower=per * (y1 - y2 - half),
                                     upper=per * (y1 - y2 + half), conf_level=conf_level,
                                     method=diff_method, per=per, extra=extra))
    return stack_measures(frames, group_columns=by)


def _weights_column(data, age, weights, caller):
    check_columns(data, [weights], caller=caller)
    table = data[[age, weights]].drop_duplicates()
    if table[age].duplicated().any():
        raise ValueError(f"{caller}: the weights column {weights!r} holds different weights "
                         "for one age group; give one weight per age group.")
    return _standard_table(pd.Series(table[weights].to_numpy(),
                                     index=table[age].astype(str).to_numpy()), caller=caller)


def _methods(method, caller):
    ratio, diff = "fay", "normal"
    if isinstance(method, dict):
        ratio = method.get("dsr_ratio", ratio)
        diff = method.get("dsr_difference", diff)
    elif isinstance(method, str):
        name = _ALIASES.get(method, method)
        if name in DSR_DIFFERENCE_METHODS:
            diff = name
        else:
            ratio = name
    elif method is not None:
        raise TypeError(f"{caller}: 'method' must be a string or a mapping by measure, got "
                        f"{type(method).__name__}.")
    ratio = check_method(_ALIASES.get(ratio, ratio), DSR_RATIO_METHODS, caller=caller)
    diff = check_method(_ALIASES.get(diff, diff), DSR_DIFFERENCE_METHODS, caller=caller)
    return ratio, diff


def dsr_ratio(data, standard=None, *, by, reference="rest", method="fay", **kwargs
              ) -> pd.DataFrame:
    """Ratio of directly standardised rates to a reference (Fay's F interval by default).

    Shorthand for :func:`compare_dsr` with ``measure="dsr_ratio"``; the keywords are
    :func:`compare_dsr`'s.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"area": ["a", "a", "b", "b"], "age_group": ["young", "old"] * 2,
    ...                   "events": [0, 0, 10, 30], "person_time": [1e4, 1e4, 1e4, 1e4]})
    >>> t = dsr_ratio(d, {"young": 1, "old": 1}, by="area", reference="b")
    >>> t[["estimate", "lower", "upper", "zero_events"]].round(3)
       estimate  lower  upper  zero_events
    0       0.0    0.0  0.097         True
    """
    return compare_dsr(data, standard, by=by, reference=reference, measure="dsr_ratio",
                       method={"dsr_ratio": method}, **kwargs)


def dsr_difference(data, standard=None, *, by, reference="rest", method="normal", **kwargs
                   ) -> pd.DataFrame:
    """Difference of directly standardised rates from a reference (normal interval).

    Shorthand for :func:`compare_dsr` with ``measure="dsr_difference"``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"area": ["a", "a", "b", "b"], "age_group": ["young", "old"] * 2,
    ...                   "events": [20, 60, 10, 30], "person_time": [1e4, 1e4, 1e4, 1e4]})
    >>> t = dsr_difference(d, {"young": 1, "old": 1}, by="area", reference="b", per=1000)
    >>> float(t["estimate"].iloc[0])
    2.0
    """
    return compare_dsr(data, standard, by=by, reference=reference, measure="dsr_difference",
                       method={"dsr_difference": method}, **kwargs)
