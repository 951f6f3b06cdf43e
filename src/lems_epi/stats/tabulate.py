"""Counting the cells of 2x2 tables from person rows or long tables of counts.

The one tabulation behind :func:`~lems_epi.two_by_two` and :func:`~lems_epi.mantel_haenszel`:
``a`` exposed cases, ``b`` exposed non-cases, ``c`` unexposed cases, ``d`` unexposed non-cases,
overall or one row per stratum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lems_epi._validation import as_column_list, as_count_array, check_columns, describe_rows

__all__ = ["CELLS", "count_cells"]

#: The four cells, in the layout used throughout lems_epi.
CELLS = ("a", "b", "c", "d")
_CELLS = CELLS


def _indicator(data: pd.DataFrame, spec, *, name: str, caller: str) -> np.ndarray:
    """Boolean array for a column name or a ``(column, value)`` pair."""
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ValueError(f"{caller}: '{name}' must be a column name or a (column, value) "
                             f"pair, got a tuple of length {len(spec)}: {spec!r}.")
        column, value = spec
    else:
        column, value = spec, None
    if not isinstance(column, str):
        raise TypeError(f"{caller}: '{name}' must name one column (a string) or a (column, "
                        f"value) pair, got {spec!r}.")
    check_columns(data, [column], caller=caller)
    values = data[column]
    if values.isna().any():
        raise ValueError(f"{caller}: column {column!r} ('{name}') has missing values at "
                         f"{describe_rows(values.isna().to_numpy(), data.index)}; drop or fill "
                         "them first.")
    if value is not None:
        wanted = list(value) if isinstance(value, (list, set, frozenset)) else [value]
        present = set(values.unique().tolist())
        if not any(v in present for v in wanted):
            raise ValueError(f"{caller}: no row of column {column!r} equals {value!r} (the "
                             f"'{name}' value); values present: {sorted(map(str, present))}.")
        return values.isin(wanted).to_numpy()
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(values):
        arr = values.to_numpy(dtype=float)
        bad = (arr != 0) & (arr != 1)
        if not bad.any():
            return arr == 1
        raise ValueError(f"{caller}: column {column!r} ('{name}') must be boolean or 0/1, but "
                         f"{describe_rows(bad, data.index)} hold other values (e.g. "
                         f"{arr[bad][:3].tolist()}); pass ({column!r}, value) to name the value "
                         "that counts.")
    raise ValueError(f"{caller}: column {column!r} ('{name}') is not boolean or 0/1 (dtype "
                     f"{values.dtype}, e.g. {values.iloc[:3].tolist()!r}); pass "
                     f"({column!r}, value) to name the value that counts, e.g. "
                     f"({column!r}, {values.iloc[0]!r}).")


def _check_strata(data, keys, caller):
    check_columns(data, keys, caller=caller)
    clash = [k for k in keys if k in _CELLS]
    if clash:
        raise ValueError(f"{caller}: stratum column(s) {clash} have the names of the output "
                         "cells a, b, c, d; rename them (e.g. data.rename(columns={"
                         f"{clash[0]!r}: 'stratum'}})) first.")
    missing = data[keys].isna().any(axis=1).to_numpy()
    if missing.any():
        raise ValueError(f"{caller}: stratum columns {keys} have missing values at "
                         f"{describe_rows(missing, data.index)}; drop or fill them first.")


def _stratum_codes(data, keys):
    grouped = data[keys].groupby(keys, sort=True, observed=True)
    labels = grouped.size().reset_index()[keys]
    return grouped.ngroup().to_numpy(np.int32), labels


_CHUNK = 1 << 20  # rows counted at a time: memory stays near the size of the frame


def count_cells(data, exposure, outcome, strata=None, *, count=None,
                caller: str = "count_cells") -> pd.DataFrame:
    """Counts ``a, b, c, d`` (one row per stratum) from person rows or a long table of counts.

    Parameters
    ----------
    data : pandas.DataFrame
        Person rows, or a long table of counts with the column ``count``.
    exposure, outcome : str or tuple
        A boolean or 0/1 column, or a pair ``(column, value)`` naming the value that counts.
    strata : str or list of str, optional
        Stratum columns: one row per observed combination, sorted.
    count : str, optional
        The column of counts of a long table.
    caller : str
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        The stratum columns and ``a, b, c, d`` (int64). Rows are counted a million at a time,
        so memory stays near the size of ``data``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": [1, 1, 0, 0], "y": [1, 0, 1, 0], "n": [5, 7, 2, 9]})
    >>> count_cells(d, "x", "y", count="n")
       a  b  c  d
    0  5  7  2  9
    """
    exposed = _indicator(data, exposure, name="exposure", caller=caller)
    case = _indicator(data, outcome, name="outcome", caller=caller)
    weights = None
    if count is not None:
        check_columns(data, [count], caller=caller)
        weights = as_count_array(data[count], name=count, caller=caller)
    keys = as_column_list(strata, caller=caller, name="strata")
    if keys:
        _check_strata(data, keys, caller)
    parts = []
    for start in range(0, max(len(data), 1), _CHUNK):
        rows = slice(start, start + _CHUNK)
        cell = 2 * (~exposed[rows]).astype(np.int32) + (~case[rows]).astype(np.int32)
        w = None if weights is None else weights[rows]
        if not keys:
            parts.append(np.bincount(cell, weights=w, minlength=4)[None, :])
            continue
        codes, labels = _stratum_codes(data.iloc[rows], keys)
        counts = np.bincount(cell + 4 * codes, weights=w, minlength=4 * len(labels))
        parts.append(pd.concat([labels, pd.DataFrame(counts.reshape(-1, 4).astype(np.int64),
                                                     columns=list(_CELLS))], axis=1))
    if not keys:
        return pd.DataFrame(np.sum(parts, axis=0).astype(np.int64), columns=list(_CELLS))
    both = pd.concat(parts, ignore_index=True)
    return both.groupby(keys, sort=True, observed=True)[list(_CELLS)].sum().reset_index()
