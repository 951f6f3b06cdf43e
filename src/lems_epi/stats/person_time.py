"""Splitting follow-up time by age and calendar period (Lexis splitting), vectorised."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lems_epi._validation import (
    as_numeric_array,
    check_column_name,
    check_columns,
    describe_rows,
)
from lems_epi.exceptions import DroppedRowsWarning

__all__ = ["split_person_time"]


def _breaks(values, *, name: str, caller: str):
    if values is None:
        return None
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0 or not np.isfinite(arr).all():
        raise ValueError(f"{caller}: '{name}' must be a non-empty list of finite numbers, "
                         f"got {values!r}.")
    if (np.diff(arr) <= 0).any():
        raise ValueError(f"{caller}: '{name}' must be strictly increasing, got "
                         f"{arr.tolist()}.")
    return arr


def _inner_range(breaks, lo, hi):
    """First index and number of the breaks strictly inside (lo, hi), per row."""
    first = np.searchsorted(breaks, lo, side="right")
    last = np.searchsorted(breaks, hi, side="left")
    return first, np.maximum(last - first, 0)


def _ragged(count):
    """Row index and rank within the row of a ragged array with ``count`` items per row."""
    rows = np.repeat(np.arange(count.size), count)
    starts = np.cumsum(count) - count
    return rows, np.arange(rows.size) - starts[rows]


def _count_age_cuts_below(age_breaks, birth, cut, first, count):
    """Number of a person's age cuts (birth + age break) strictly before calendar time cut.

    The search runs on the age scale (cut - birth), then is corrected by one step where
    rounding makes it disagree with the calendar-scale comparison birth + break < cut.
    """
    m = age_breaks.size
    q = np.searchsorted(age_breaks, cut - birth, side="left")
    prev = age_breaks[np.maximum(q - 1, 0)]
    q = np.where((q > 0) & (birth + prev >= cut), q - 1, q)
    nxt = age_breaks[np.minimum(q, m - 1)]
    q = np.where((q < m) & (birth + nxt < cut), q + 1, q)
    return np.clip(q - first, 0, count)


def _labels(values, keep):
    """Band labels of the kept pieces: integers when every break is whole, else floats."""
    if values is None:
        return np.nan
    values = values[keep]
    if values.size and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def _band_of(breaks, value):
    """Index of the band (left end) holding each value; -1 below the first break."""
    return np.searchsorted(breaks, value, side="right") - 1


def split_person_time(data, entry="entry", exit="exit", birth="birth", *, status=None,
                      age_breaks=None, period_breaks=None) -> pd.DataFrame:
    """Split each person's follow-up at age and calendar-period breaks (Lexis diagram).

    Follow-up from ``entry`` to ``exit`` (calendar times, decimal years) is cut at the
    calendar times of ``period_breaks`` and at the calendar times when the person reaches the
    ages in ``age_breaks`` (``birth`` + age). Each piece becomes one row, labelled by the left
    ends of its age band and period.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person (or per follow-up record).
    entry, exit, birth : str
        Columns with calendar times of entry, exit and birth (decimal years, e.g. 1934.5).
    status : str, optional
        Column with the event indicator at exit (e.g. 1 for death from the cause studied).
        It keeps its name and is kept only on the row where follow-up ends; the other
        rows of the person get 0.
    age_breaks, period_breaks : sequence of float, optional
        Increasing left ends of the age bands and calendar periods. Time after the last break
        falls in an open band labelled by the last break; time before the first break is
        dropped with a :class:`~lems_epi.exceptions.DroppedRowsWarning`. A column whose
        breaks are not given is present but empty (missing values).

    Returns
    -------
    pandas.DataFrame
        One row per person and band: the other columns of ``data`` (repeated), ``entry`` and
        ``exit`` replaced by the start and end of the piece, ``birth``, ``age_group``,
        ``period``, ``person_time`` and the ``status`` column. Pieces of zero length are left
        out, except for a person whose whole follow-up has zero length (one row).

    Raises
    ------
    ValueError
        Missing or infinite times, exit before entry, or birth after entry: the message
        names the rows.

    References
    ----------
    .. [1] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon: IARC.
    .. [2] Carstensen B (2007). Age-period-cohort models for the Lexis diagram. Statistics in
       Medicine 26(15):3018-3045. https://doi.org/10.1002/sim.2764

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import split_person_time
    >>> d = pd.DataFrame({"id": [1], "born": [1920.5], "start": [1958.0], "end": [1962.5],
    ...                   "dead": [1]})
    >>> split = split_person_time(d, "start", "end", "born", status="dead", age_breaks=[0, 40],
    ...                           period_breaks=[1950, 1960])
    >>> split
       id    born   start     end  dead  age_group  period  person_time
    0   1  1920.5  1958.0  1960.0     0          0    1950          2.0
    1   1  1920.5  1960.0  1960.5     0          0    1960          0.5
    2   1  1920.5  1960.5  1962.5     1         40    1960          2.0

    The split table feeds indirect standardisation directly (reference rates per person-year
    by ``age_group``):

    >>> from lems_epi import standardize_indirect
    >>> ref = pd.DataFrame({"age_group": [0, 40], "rate": [0.01, 0.05]})
    >>> standardize_indirect(split, ref, events="dead")[["observed", "expected", "estimate"]]
       observed  expected  estimate
    0         1      0.125       8.0
    """
    caller = "split_person_time"
    t0, t1, b = _checked_times(data, entry, exit, birth, status, caller)
    a_br = _breaks(age_breaks, name="age_breaks", caller=caller)
    p_br = _breaks(period_breaks, name="period_breaks", caller=caller)
    person, start, end, length = _pieces(t0, t1, b, a_br, p_br)
    mid = start + length / 2.0
    dropped = np.zeros(person.size, dtype=bool)
    age_group = period = None
    if a_br is not None:
        k = _band_of(a_br, mid - b[person])
        dropped |= k < 0
        age_group = a_br[np.maximum(k, 0)]
    if p_br is not None:
        k = _band_of(p_br, mid)
        dropped |= k < 0
        period = p_br[np.maximum(k, 0)]
    last = np.r_[person[1:] != person[:-1], True] if person.size else np.zeros(0, dtype=bool)
    if dropped.any():
        _warn_dropped(data, status, person, dropped, last, length, caller)
    keep = ~dropped
    person, start, end, length, last = (person[keep], start[keep], end[keep], length[keep],
                                        last[keep])
    out = data.iloc[person].reset_index(drop=True)
    out[entry] = start
    out[exit] = end
    if status is not None:
        values = out[status].to_numpy()
        out[status] = np.where(last, values, np.zeros_like(values))
    out["age_group"] = _labels(age_group, keep)
    out["period"] = _labels(period, keep)
    out["person_time"] = length
    return out


def _checked_times(data, entry, exit, birth, status, caller):
    """Entry, exit and birth as floats, with every row problem named."""
    for name, value in (("entry", entry), ("exit", exit), ("birth", birth)):
        check_column_name(value, name=name, caller=caller)
    check_column_name(status, name="status", caller=caller, allow_none=True)
    names = [entry, exit, birth] + ([status] if status is not None else [])
    check_columns(data, names, caller=caller)
    if len(set(names)) != len(names):
        raise ValueError(f"{caller}: entry, exit, birth and status must be different columns, "
                         f"got {names}.")
    t0 = as_numeric_array(data[entry], name=entry, caller=caller)
    t1 = as_numeric_array(data[exit], name=exit, caller=caller)
    b = as_numeric_array(data[birth], name=birth, caller=caller)
    idx = data.index
    checks = (
        (np.isnan(t0) | np.isnan(t1) | np.isnan(b), "missing entry, exit or birth times",
         "fill or drop those rows."),
        (np.isinf(t0) | np.isinf(t1) | np.isinf(b), "infinite entry, exit or birth times",
         "give calendar times as finite decimal years (close open follow-up at the end of "
         "the study)."),
        (t1 < t0, "exit before entry", f"check the '{entry}' and '{exit}' columns."),
        (b > t0, "birth after entry",
         f"check the '{birth}' column (calendar time of birth, e.g. 1934.5)."),
    )
    for bad, what, todo in checks:
        if bad.any():
            raise ValueError(f"{caller}: {what} at {describe_rows(bad, idx)}; {todo}")
    if status is not None and data[status].isna().any():
        raise ValueError(f"{caller}: status column {status!r} has missing values at "
                         f"{describe_rows(data[status].isna().to_numpy(), idx)}.")
    return t0, t1, b


def _pieces(t0, t1, b, a_br, p_br):
    """Person, start, end and length of every piece of follow-up between cut times.

    Each person's cut times (entry, inner period and age cuts, exit) go to consecutive
    slots; the slot of an inner cut is found by counting, without a sort: a period cut counts
    the person's age cuts strictly before it, an age cut the period cuts at or before it (so
    a tie puts the period cut first and gives a zero-length piece).
    """
    n = t0.size
    empty = np.zeros(n, dtype=np.intp)
    fp = cp = fa = ca = empty
    if p_br is not None:
        fp, cp = _inner_range(p_br, t0, t1)
    if a_br is not None:
        fa, ca = _inner_range(a_br, t0 - b, t1 - b)
    size = cp + ca + 2
    offset = np.cumsum(size) - size
    times = np.empty(int(size.sum()))
    times[offset] = t0
    times[offset + size - 1] = t1
    if p_br is not None and cp.any():
        rows, rank = _ragged(cp)
        cut = p_br[fp[rows] + rank]
        below = 0
        if a_br is not None:
            below = _count_age_cuts_below(a_br, b[rows], cut, fa[rows], ca[rows])
        times[offset[rows] + 1 + rank + below] = cut
    if a_br is not None and ca.any():
        rows, rank = _ragged(ca)
        cut = b[rows] + a_br[fa[rows] + rank]
        below = 0
        if p_br is not None:
            below = np.clip(np.searchsorted(p_br, cut, side="right") - fp[rows], 0, cp[rows])
        times[offset[rows] + 1 + rank + below] = np.clip(cut, t0[rows], t1[rows])
    is_last = np.zeros(times.size, dtype=bool)
    is_last[offset + size - 1] = True
    is_first = np.zeros(times.size, dtype=bool)
    is_first[offset] = True
    person = np.repeat(np.arange(n), size - 1)
    start, end = times[~is_last], times[~is_first]
    length = end - start
    keep = (length > 0) | (t1 == t0)[person]
    return person[keep], start[keep], end[keep], length[keep]


def _warn_dropped(data, status, person, dropped, last, length, caller):
    lost_people = np.unique(person[dropped])
    lost_events = 0
    if status is not None:
        st_vals = data[status].to_numpy()[person[dropped & last]]
        lost_events = int(np.count_nonzero(st_vals))
    warnings.warn(f"{caller}: {length[dropped].sum():g} person-time of "
                  f"{lost_people.size} person(s) lies before the first age or period "
                  f"break and was dropped ({lost_events} event(s) at exit among it); "
                  "add a lower break to keep it.", DroppedRowsWarning, stacklevel=3)
