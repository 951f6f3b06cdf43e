"""Reduce a large (pandas or dask) table of rows to a small stratum table.

The statistics functions (:func:`lems_epi.rates`, :func:`lems_epi.standardize_direct`) work on
a table of strata: one row per group, with an event count and a person-time. A table of persons
that does not fit in memory -- a dask DataFrame -- is first reduced here, partition by partition:
each partition is turned into its own small table of counts (:func:`_chunk`), the small tables
are summed in a tree (:func:`_combine`), and only the final table, a few hundred rows, reaches
the statistics code. Memory therefore stays bounded by a few partitions, whatever the number of
rows.

Dask is never imported here: :func:`is_dask_dataframe` looks for it in :data:`sys.modules`, so
a dask DataFrame can only exist (and be detected) when the user has imported dask already.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from lems_epi._validation import as_column_list, check_columns, describe_rows

__all__ = ["aggregate", "as_stratum_table", "is_dask_dataframe"]

#: Columns that :func:`aggregate` adds after the ``by`` columns, always in this order.
COUNT_COLUMNS = ("persons", "events", "person_time")


def is_dask_dataframe(data) -> bool:
    """Whether ``data`` is a dask DataFrame (without importing dask).

    Examples
    --------
    >>> import pandas as pd
    >>> is_dask_dataframe(pd.DataFrame({"a": [1]}))
    False
    """
    module = sys.modules.get("dask.dataframe")
    return module is not None and isinstance(data, module.DataFrame)


def _value_dtype(dtype):
    """The dtype of the values: a categorical column's categories (numeric counts accepted)."""
    return dtype.categories.dtype if isinstance(dtype, pd.CategoricalDtype) else dtype


def _check_dtypes(meta: pd.DataFrame, events: str, person_time: str | None, *,
                  caller: str) -> None:
    """Type checks that need only the columns' dtypes (cheap on a dask DataFrame)."""
    ev = _value_dtype(meta[events].dtype)
    if not (pd.api.types.is_bool_dtype(ev) or pd.api.types.is_integer_dtype(ev)
            or pd.api.types.is_float_dtype(ev)):
        raise TypeError(f"{caller}: the events column {events!r} must hold booleans (one "
                        f"row per person: True for a case) or whole numbers, got dtype {ev}.")
    if person_time is not None:
        pt = _value_dtype(meta[person_time].dtype)
        if pd.api.types.is_bool_dtype(pt) or not pd.api.types.is_numeric_dtype(pt):
            raise TypeError(f"{caller}: the person_time column {person_time!r} must be "
                            f"numeric, got dtype {pt}; or pass person_time=None to count each "
                            "row as one unit.")


def _codes(column: pd.Series, name: str, *, caller: str):
    """Integer codes of a grouping column within one chunk, and how to turn them back.

    Categorical columns use their own codes; integer columns with a narrow range (ages,
    years) their offset from the minimum; other columns are factorized.
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = column.array.codes
        uniques = None
        size = len(dtype.categories)
    elif (isinstance(dtype, np.dtype) and dtype.kind in "iu" and len(column)
          and int(column.max()) - int(column.min()) <= 2 * len(column) + 4096):
        low = int(column.min())
        codes = column.to_numpy().astype(np.int64) - low
        size = int(column.max()) - low + 1
        uniques = np.arange(low, low + size).astype(dtype)
        return codes, uniques, size
    else:
        codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
        size = len(uniques)
    missing = codes < 0
    if missing.any():
        raise ValueError(f"{caller}: grouping column {name!r} has missing values at "
                         f"{describe_rows(missing, column.index)}; fill or drop those rows "
                         "before aggregating (e.g. lems_type is missing for non-cases).")
    return codes.astype(np.int64, copy=False), uniques, size


def _event_values(frame: pd.DataFrame, events: str, caller: str):
    """The events column as a bool mask (one row per person) or float counts, checked."""
    column = frame[events]
    missing = column.isna().to_numpy()
    if missing.any():
        raise ValueError(f"{caller}: the events column {events!r} has missing values at "
                         f"{describe_rows(missing, frame.index)}; fill or drop those rows.")
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype=bool)
    values = column.to_numpy(dtype=np.float64)
    bad = ~(values >= 0) | (values != np.floor(values))
    if bad.any():
        raise ValueError(f"{caller}: the events column {events!r} must hold whole numbers "
                         f">= 0; see {describe_rows(bad, frame.index)}.")
    return values


def _chunk(frame: pd.DataFrame, by: list[str], events: str, person_time: str | None,
           caller: str) -> pd.DataFrame:
    """Counts of one partition: the ``by`` columns, then ``persons, events, person_time``."""
    ev = _event_values(frame, events, caller)
    if person_time is None:
        pt = None
    else:
        pt = frame[person_time].to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~(pt >= 0) | ~np.isfinite(pt)
        if bad.any():
            raise ValueError(f"{caller}: the person_time column {person_time!r} must be "
                             f"finite and >= 0; see {describe_rows(bad, frame.index)}.")

    key = np.zeros(len(frame), dtype=np.int64)
    decoders = []
    total = 1
    for name in by:
        codes, uniques, size = _codes(frame[name], name, caller=caller)
        key = key * size + codes if size > 1 else key
        decoders.append((name, uniques, size))
        total *= max(size, 1)
        if total > 2**62:
            raise ValueError(f"{caller}: the 'by' columns {by!r} have too many combinations "
                             "to count in one table; group by fewer or coarser columns.")
    if total <= 2 * len(frame) + 4096:          # dense: one bincount per column
        persons = np.bincount(key, minlength=total)
        cell = np.flatnonzero(persons)
        persons = persons[cell]
        n_events = (np.bincount(key[ev], minlength=total) if ev.dtype == bool
                    else np.bincount(key, weights=ev, minlength=total))[cell]
        n_pt = (persons.astype(np.float64) if pt is None
                else np.bincount(key, weights=pt, minlength=total)[cell])
    else:                                       # sparse: factorize the combined key first
        cell, inverse = np.unique(key, return_inverse=True)
        persons = np.bincount(inverse)
        n_events = (np.bincount(inverse[ev], minlength=len(cell)) if ev.dtype == bool
                    else np.bincount(inverse, weights=ev, minlength=len(cell)))
        n_pt = persons.astype(np.float64) if pt is None else np.bincount(inverse, weights=pt)

    out = {}
    rest = cell
    for name, uniques, size in reversed(decoders):
        rest, codes = np.divmod(rest, size) if size > 1 else (rest, np.zeros_like(rest))
        column = frame[name]
        if uniques is None:
            out[name] = pd.Categorical.from_codes(codes, dtype=column.dtype)
        else:
            out[name] = pd.Index(uniques).take(codes).astype(column.dtype)
    table = pd.DataFrame({name: out[name] for name in by}, index=pd.RangeIndex(len(cell)))
    table["persons"] = persons.astype(np.int64)
    table["events"] = np.rint(n_events).astype(np.int64)
    table["person_time"] = np.asarray(n_pt, dtype=np.float64)
    return table


def _combine(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum small count tables over equal ``by`` values; sorted by ``by``."""
    if not by:
        sums = table[list(COUNT_COLUMNS)].sum()
        return pd.DataFrame({"persons": [np.int64(sums["persons"])],
                             "events": [np.int64(sums["events"])],
                             "person_time": [float(sums["person_time"])]})
    out = (table.groupby(by, observed=True, sort=True)[list(COUNT_COLUMNS)].sum()
           .reset_index())
    return out.astype({"persons": np.int64, "events": np.int64, "person_time": np.float64})


def aggregate(data, by=None, events="events", person_time=None, *, split_every=None
              ) -> pd.DataFrame:
    """Sum a (pandas or dask) table into one row per ``by`` group.

    Each partition of a dask DataFrame is reduced to its own small table of counts as soon as
    it is made, and those tables are summed in a tree, so memory stays bounded however many
    rows there are. The result is a small pandas DataFrame that :func:`lems_epi.rates` and
    :func:`lems_epi.standardize_direct` take as it is.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        One row per person (or per person and band).
    by : str or list of str, optional
        Grouping columns (no missing values); ``None`` gives one row for the whole table.
    events : str, default "events"
        Column of event counts: booleans (one row per person, ``True`` for a case, e.g.
        ``"lems"`` in a simulated cohort) or whole numbers >= 0.
    person_time : str, optional
        Column of person-time to sum; ``None`` counts each row as one unit, so that the
        "rate" of a cohort of persons is its prevalence (cases per person).
    split_every : int, optional
        Number of small tables summed at once in dask's tree reduction (dask's default when
        ``None``).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns (with their dtypes; categories kept), then ``persons`` (rows,
        int64), ``events`` (int64) and ``person_time`` (float64); one row per group present
        in the data, sorted by the groups.

    Raises
    ------
    TypeError
        A non-numeric events or person_time column.
    ValueError
        Missing columns; missing group labels, negative or non-whole events, or negative or
        missing person-time (raised when the offending partition is computed).

    See Also
    --------
    lems_epi.simulate.scale.simulate_cohort_dask : a cohort as a dask DataFrame.

    References
    ----------
    .. [1] Dean J, Ghemawat S (2008). MapReduce: simplified data processing on large
       clusters. Communications of the ACM 51(1):107-113 (reduce each part, then combine).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"sex": ["f", "m", "f", "f"], "case": [True, False, False, True]})
    >>> aggregate(d, by="sex", events="case")
      sex  persons  events  person_time
    0   f        3       2          3.0
    1   m        1       0          1.0
    >>> import dask.dataframe as dd
    >>> aggregate(dd.from_pandas(d, npartitions=2), by="sex", events="case")
      sex  persons  events  person_time
    0   f        3       2          3.0
    1   m        1       0          1.0

    (Dask turns text columns into its own string dtype, so the ``sex`` column of the second
    table is ``string`` rather than ``str``; the values are the same.)
    """
    caller = "aggregate"
    by = as_column_list(by, caller=caller)
    if not (isinstance(events, str) and (person_time is None or isinstance(person_time, str))):
        raise TypeError(f"{caller}: 'events' and 'person_time' must be column names (person_"
                        f"time may be None), got {events!r} and {person_time!r}.")
    dask_input = is_dask_dataframe(data)
    if not (dask_input or isinstance(data, pd.DataFrame)):
        raise TypeError(f"{caller}: 'data' must be a pandas or dask DataFrame, got "
                        f"{type(data).__name__}.")
    needed = [*by, events, *([person_time] if person_time else [])]
    if len(set(needed)) != len(needed):
        raise ValueError(f"{caller}: the events and person_time columns must differ from each "
                         f"other and from the 'by' columns, got {needed!r}.")
    meta = data._meta if dask_input else data       # dask's empty frame with the dtypes
    check_columns(meta, needed, caller=caller)
    _check_dtypes(meta, events, person_time, caller=caller)
    if not dask_input:
        return _combine(_chunk(data, by, events, person_time, caller), by)

    small = data[needed]              # column projection reaches the partitions' source
    meta_out = _chunk(small._meta, by, events, person_time, caller)
    reduced = small.reduction(
        _chunk, aggregate=_combine, combine=_combine, meta=meta_out, split_every=split_every,
        chunk_kwargs={"by": by, "events": events, "person_time": person_time,
                      "caller": caller},
        aggregate_kwargs={"by": by}, combine_kwargs={"by": by})
    out = reduced.compute()
    return out.reset_index(drop=True)


def as_stratum_table(data, by, events, person_time):
    """Let a statistics function accept a dask DataFrame: reduce it, pass pandas through.

    A pandas ``data`` is returned with ``events`` and ``person_time`` (a boolean ``events``
    column becomes 0/1 counts, and ``person_time=None`` adds one unit per row); a dask
    DataFrame is reduced by :func:`aggregate` over the ``by`` columns, and the small table is
    returned with the column names ``"events"`` and ``"person_time"``. One line at the top of
    a function that sums events and person-time within groups::

        data, events, person_time = as_stratum_table(data, by, events, person_time)

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        The function's input.
    by : list of str
        Every column the function groups by (for direct standardisation: the age column and
        the ``by`` groups).
    events, person_time : str
        The function's column names (``person_time`` may be ``None`` for one unit per row).

    Returns
    -------
    tuple
        ``(data, events, person_time)`` to carry on with.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"g": ["a", "b"], "x": [1, 2], "t": [10.0, 20.0]})
    >>> as_stratum_table(d, ["g"], "x", "t")[0] is d
    True
    >>> persons = pd.DataFrame({"g": ["a", "a", "b"], "case": [True, False, True]})
    >>> table, ev, pt = as_stratum_table(persons, ["g"], "case", None)
    >>> table[[ev, pt]].to_numpy().tolist()
    [[1.0, 1.0], [0.0, 1.0], [1.0, 1.0]]
    """
    if not is_dask_dataframe(data):
        if isinstance(data, pd.DataFrame) and events in data.columns \
                and pd.api.types.is_bool_dtype(data[events]) and data[events].notna().all():
            # person rows with a yes/no outcome: each True is one event
            data = data.assign(**{events: data[events].astype(np.int64)})
        if person_time is None and isinstance(data, pd.DataFrame):
            # one unit of person-time per row: the rate of a cohort is its prevalence
            person_time = "person_time" if "person_time" not in data.columns else "_units"
            data = data.assign(**{person_time: 1.0})
        return data, events, person_time
    return aggregate(data, by=list(by), events=events, person_time=person_time), \
        "events", "person_time"
