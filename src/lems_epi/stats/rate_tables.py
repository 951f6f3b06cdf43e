"""Crude and stratum-specific rates with confidence intervals.

:func:`rates` works in two steps, so that large inputs never reach the interval code:

1. :func:`_aggregate` sums events and person-time into a small stratum table (one row per
   ``by`` group). This is the only step that touches the rows of ``data``; a dask DataFrame path
   can replace it with a dask ``groupby().sum()`` followed by ``.compute()``.
2. :func:`_rate_table` computes rates and intervals on that stratum table with numpy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lems_epi._validation import (
    as_column_list,
    as_count_array,
    as_float_array,
    check_column_name,
    check_columns,
    check_conf_level,
    check_positive_number,
    describe_rows,
    resolve_method,
)
from lems_epi.stats.contract import contract_frame
from lems_epi.stats.dask_reduce import as_stratum_table
from lems_epi.stats.intervals import POISSON_CI_ALIASES, POISSON_CI_METHODS, _poisson_limits

__all__ = ["rates"]


def _aggregate(data: pd.DataFrame, columns: list[str], by: list[str], *, caller: str
               ) -> pd.DataFrame:
    """Sum ``columns`` within ``by`` groups (all rows when ``by`` is empty); validates rows.

    Returns a small table with the ``by`` columns (sorted) followed by ``columns``.
    """
    check_columns(data, [*by, *columns], caller=caller)
    for col in by:
        missing = data[col].isna().to_numpy()
        if missing.any():
            raise ValueError(f"{caller}: grouping column {col!r} has missing values at "
                             f"{describe_rows(missing, data.index)}; fill or drop those rows.")
    # the one conversion of counts and times (text, dates... refused), then numeric sums
    values = {c: as_float_array(data[c], name=c, caller=caller) for c in columns}
    if not by:
        with np.errstate(over="ignore"):
            sums = {c: [float(v.sum())] for c, v in values.items()}
        out = pd.DataFrame(sums)
    else:
        frame = data[by].assign(**values)
        with np.errstate(over="ignore"):     # an overflowing sum is refused just below
            out = frame.groupby(by, observed=True, sort=True)[columns].sum().reset_index()
    for c in columns:
        if not np.isfinite(out[c].to_numpy(dtype=float)).all():
            raise ValueError(f"{caller}: the sum of {c!r} overflows within a group; rescale "
                             "the column (e.g. person-years in thousands).")
    return out


def _check_strata(events: np.ndarray, person_time: np.ndarray, table: pd.DataFrame,
                  by: list[str], *, caller: str) -> None:
    """Raise when a stratum has no person-time (a rate needs T > 0)."""
    bad = person_time <= 0
    if bad.any():
        labels = table.loc[bad, by].to_dict("records") if by else ["all rows"]
        what = "with events" if (events[bad] > 0).any() else "and no events"
        raise ValueError(f"{caller}: strata with zero person-time {what}: {labels[:5]}"
                         f"{' ...' if len(labels) > 5 else ''}. A rate needs person-time > 0; "
                         "check the person_time column or drop those strata.")


def _rate_table(table: pd.DataFrame, events: str, person_time: str, by: list[str], *,
                per: float, conf_level: float, method: str, caller: str) -> pd.DataFrame:
    """Rates and intervals from an aggregated stratum table (numpy only)."""
    x = table[events].to_numpy(dtype=float)
    t = table[person_time].to_numpy(dtype=float)
    _check_strata(x, t, table, by, caller=caller)
    lower, upper = _poisson_limits(x, conf_level, method)
    with np.errstate(over="ignore"):
        est = per * x / t
    if not np.isfinite(est).all():
        raise ValueError(f"{caller}: a rate overflows (person-time too small for the counts) "
                         f"at {describe_rows(~np.isfinite(est))}; rescale person_time.")
    return contract_frame({"events": x.astype(np.int64), "person_time": t},
                          groups=table[by].reset_index(drop=True) if by else None,
                          measure="rate", estimate=est, lower=per * lower / t,
                          upper=per * upper / t, conf_level=conf_level, method=method, per=per)


def rates(data, events="events", person_time="person_time", *, by=None, per=1,
          method="exact", conf_level=0.95) -> pd.DataFrame:
    r"""Crude or stratum-specific rates with confidence intervals.

    ``data`` may hold one row per person (or per person and band, e.g. from
    :func:`lems_epi.split_person_time`) or one row per stratum: events and person-time are
    summed within the ``by`` groups first, then each stratum's rate
    :math:`\text{per}\times x/T` and its interval are computed (see :func:`lems_epi.poisson_ci`
    for the methods).

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        Rows with an event count and a person-time column: stratum counts, or person rows
        (a boolean ``events`` column counts each True as one event). A dask DataFrame is first
        reduced to a small stratum table by a dask groupby
        (:func:`lems_epi.stats.dask_reduce.aggregate`).
    events, person_time : str
        Column names of the counts (whole numbers >= 0) and the person-time (>= 0).
        ``person_time=None`` counts one unit per row, so the rate of a cohort of persons is
        its prevalence.
    by : str or list of str, optional
        Grouping columns; ``None`` gives the crude rate over all rows.
    per : float, default 1
        Multiplier of the rates (e.g. ``100_000`` for rates per 100,000 person-years).
    method : str, default "exact"
        Interval method for the Poisson count of each stratum, one of
        :data:`~lems_epi.stats.intervals.POISSON_CI_METHODS` (see :func:`lems_epi.poisson_ci`).
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        On the output contract: the ``by`` columns, then ``events, person_time, measure``
        ("rate"), ``estimate, lower, upper, conf_level, method, per``; one row per ``by``
        group present in the data, sorted by the groups.

    Raises
    ------
    ValueError
        Missing columns, negative, non-whole or missing counts, negative or missing
        person-time, missing group labels, or a stratum whose person-time sums to zero.
    TypeError
        Text (even digits), dates or complex numbers as counts or person-time.

    References
    ----------
    .. [1] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon: IARC.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import rates
    >>> d = pd.DataFrame({"sex": ["f", "f", "m"], "events": [2, 1, 6],
    ...                   "person_time": [1000.0, 500.0, 2000.0]})
    >>> r = rates(d, by="sex", per=1000)
    >>> r[["sex", "events", "person_time", "measure", "estimate", "lower", "upper"]].round(3)
      sex  events  person_time measure  estimate  lower  upper
    0   f       3       1500.0    rate       2.0  0.412  5.845
    1   m       6       2000.0    rate       3.0  1.101  6.530
    """
    caller = "rates"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = resolve_method(method, POISSON_CI_METHODS, caller=caller,
                            aliases=POISSON_CI_ALIASES)
    per = check_positive_number(per, name="per", caller=caller)
    by = as_column_list(by, caller=caller)
    check_column_name(events, name="events", caller=caller)
    check_column_name(person_time, name="person_time", caller=caller, allow_none=True)
    data, events, person_time = as_stratum_table(data, by, events, person_time)
    check_columns(data, [events, person_time, *by], caller=caller)
    as_count_array(data[events], name=events, caller=caller)
    as_float_array(data[person_time], name=person_time, caller=caller)
    table = _aggregate(data, [events, person_time], by, caller=caller)
    return _rate_table(table, events, person_time, by, per=per, conf_level=conf_level,
                       method=method, caller=caller)
