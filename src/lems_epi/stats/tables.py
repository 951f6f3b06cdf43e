"""From persons to 2x2 tables: count exposed and unexposed cases and non-cases.

:func:`two_by_two` turns a cohort, cross-sectional or case-control frame (one row per person)
into the ``a, b, c, d`` table that :mod:`lems_epi.stats.compare` and
:func:`~lems_epi.mantel_haenszel` take, overall or one row per stratum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lems_epi._validation import as_column_list, check_columns, describe_rows

__all__ = ["two_by_two"]


def _indicator(data: pd.DataFrame, spec, *, name: str, caller: str) -> tuple[str, np.ndarray]:
    """Return (column, boolean array) for a column name or a ``(column, value)`` pair."""
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ValueError(f"{caller}: '{name}' must be a column name or a (column, value) "
                             f"pair, got a tuple of length {len(spec)}: {spec!r}.")
        column, value = spec
        check_columns(data, [column], caller=caller)
        values = data[column]
        if values.isna().any():
            raise ValueError(f"{caller}: column {column!r} ('{name}') has missing values at "
                             f"{describe_rows(values.isna().to_numpy(), data.index)}; drop or "
                             "fill them first.")
        wanted = list(value) if isinstance(value, (list, set, frozenset)) else [value]
        present = set(values.unique().tolist())
        if not any(v in present for v in wanted):
            raise ValueError(f"{caller}: no row of column {column!r} equals {value!r} (the "
                             f"'{name}' value); values present: {sorted(map(str, present))}.")
        return column, values.isin(wanted).to_numpy()
    column = spec
    check_columns(data, [column], caller=caller)
    values = data[column]
    if values.isna().any():
        raise ValueError(f"{caller}: column {column!r} ('{name}') has missing values at "
                         f"{describe_rows(values.isna().to_numpy(), data.index)}; drop or fill "
                         "them first.")
    if pd.api.types.is_bool_dtype(values):
        return column, values.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(values):
        arr = values.to_numpy(dtype=float)
        bad = (arr != 0) & (arr != 1)
        if not bad.any():
            return column, arr == 1
        raise ValueError(f"{caller}: column {column!r} ('{name}') must be boolean or 0/1, but "
                         f"{describe_rows(bad, data.index)} hold other values (e.g. "
                         f"{arr[bad][:3].tolist()}); pass ({column!r}, value) to name the value "
                         "that counts.")
    raise ValueError(f"{caller}: column {column!r} ('{name}') is not boolean or 0/1 (dtype "
                     f"{values.dtype}, e.g. {values.iloc[:3].tolist()!r}); pass "
                     f"({column!r}, value) to name the value that counts, e.g. "
                     f"({column!r}, {values.iloc[0]!r}).")


def two_by_two(data, exposure, outcome, strata=None) -> pd.DataFrame:
    """Count a, b, c, d (exposed cases and non-cases, unexposed cases and non-cases).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person.
    exposure, outcome : str or tuple
        A boolean or 0/1 column, or a pair ``(column, value)`` where rows equal to ``value``
        (or to any of a list of values) count as exposed / as cases, e.g.
        ``("smoking", "current")`` or ``("smoking", ["current", "former"])``.
    strata : str or list of str, optional
        Columns whose combinations define strata: one table per observed combination.

    Returns
    -------
    pandas.DataFrame
        Columns ``strata..., a, b, c, d`` (int64): one row, or one row per stratum sorted by
        the stratum columns. ``a`` = exposed cases, ``b`` = exposed non-cases, ``c`` =
        unexposed cases, ``d`` = unexposed non-cases. In a case-control sample, cases and
        controls take the places of cases and non-cases.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        On missing columns, missing values, a non-boolean column given without a value, or a
        value that no row has.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import two_by_two
    >>> persons = pd.DataFrame({
    ...     "smoking": ["current", "never", "current", "never", "former", "current"],
    ...     "lems": [True, False, False, False, True, True],
    ...     "sex": ["male", "male", "female", "female", "male", "female"]})
    >>> two_by_two(persons, ("smoking", "current"), "lems")
       a  b  c  d
    0  2  1  1  2
    >>> two_by_two(persons, ("smoking", "current"), "lems", strata="sex")
          sex  a  b  c  d
    0  female  1  1  0  1
    1    male  1  0  1  1
    """
    caller = "two_by_two"
    check_columns(data, [], caller=caller)
    _, exposed = _indicator(data, exposure, name="exposure", caller=caller)
    _, case = _indicator(data, outcome, name="outcome", caller=caller)
    cells = pd.DataFrame({"a": exposed & case, "b": exposed & ~case, "c": ~exposed & case,
                          "d": ~exposed & ~case}, index=data.index).astype(np.int64)
    if strata is None:
        return cells.sum().to_frame().T.reset_index(drop=True)
    keys = as_column_list(strata, caller=caller, name="strata")
    check_columns(data, keys, caller=caller)
    clash = [k for k in keys if k in ("a", "b", "c", "d")]
    if clash:
        raise ValueError(f"{caller}: stratum column(s) {clash} have the names of the output "
                         "cells a, b, c, d; rename them (e.g. data.rename(columns={"
                         f"{clash[0]!r}: 'stratum'}})) before calling two_by_two.")
    missing = data[keys].isna().any(axis=1).to_numpy()
    if missing.any():
        raise ValueError(f"{caller}: stratum columns {keys} have missing values at "
                         f"{describe_rows(missing, data.index)}; drop or fill them first.")
    grouped = pd.concat([data[keys], cells], axis=1).groupby(keys, observed=True, sort=True)
    return grouped[["a", "b", "c", "d"]].sum().reset_index()
