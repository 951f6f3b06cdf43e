r"""Population (background) mortality followed along each person's follow-up.

Relative and net survival compare a cohort's deaths with those it would have had at the
mortality of the general population of the same sex, age and calendar year. This module turns a
life table into a :class:`RateTable` (hazard per person-year by sex, calendar year and single
year of age) and follows each person through it: :func:`hazard_segments` cuts every person's
follow-up at the birthdays and new years where the table's hazard changes, giving one segment
per cell with its hazard and the cumulative population hazard at its start.

Two ways of integrating the population hazard are offered:

* **exact**: the hazard changes at the exact birthday (and new year), so the cumulative hazard
  ``Lambda_i(t)`` is the exact integral of the piecewise-constant hazard;
* **daily** (R's relsurv): follow-up is cut into 1-day steps and each step takes the hazard of
  the cell in which it *starts*, so a birthday inside a step counts from the next step. Passing
  the step grid to :func:`hazard_segments` moves each change of cell to the first step start
  at or after it, which reproduces the stepwise integral exactly without looping over days.

A year is :data:`DAYS_PER_YEAR` = 365.241 days (relsurv's constant).

Examples
--------
>>> import pandas as pd
>>> lt = pd.DataFrame({"sex": ["female"] * 3, "age": [0, 1, 2], "hazard": [0.1, 0.2, 0.3]})
>>> rt = as_rate_table(lt)
>>> rt.sexes, rt.min_age, rt.max_age
(('female',), 0, 2)
>>> seg = hazard_segments(rt, age=[0.5], sex=[0], year=None, horizon=[2.0])
>>> seg.start.tolist(), seg.hazard.tolist()
([0.0, 0.5, 1.5], [0.1, 0.2, 0.3])
>>> [round(x, 10) for x in seg.cum_start.tolist()], round(float(seg.cum_end[0]), 10)
([0.0, 0.05, 0.25], 0.4)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from lems_epi._validation import check_columns, describe_rows

__all__ = ["DAYS_PER_YEAR", "RateTable", "as_rate_table", "hazard_segments", "day_grid"]

#: Days in a year, as R's relsurv counts them (its rate tables are per day).
DAYS_PER_YEAR = 365.241


@dataclass(frozen=True)
class RateTable:
    """Hazard per person-year by sex, calendar year and single year of age.

    Attributes
    ----------
    sexes : tuple of str
        Sex labels, in the order of the first axis of ``hazard``.
    years : numpy.ndarray or None
        Sorted calendar years of the second axis; ``None`` for a table used in every year.
    min_age : int
        The youngest age of the table (ages below it have no hazard: persons must be older).
    hazard : numpy.ndarray
        Shape ``(sexes, years or 1, ages)``; the last age is open (used for all older ages).
    name : str
        The table's name (``"user"`` for a table given as a DataFrame).
    """

    sexes: tuple
    years: np.ndarray | None
    min_age: int
    hazard: np.ndarray
    name: str = "user"

    @property
    def max_age(self) -> int:
        """The oldest (open) age of the table."""
        return self.min_age + self.hazard.shape[2] - 1

    def year_index(self, year) -> np.ndarray:
        """Index of the table year used for calendar year ``year`` (whole years).

        A year between two table years takes the earlier one; years before the first or after
        the last take the first or the last.
        """
        year = np.asarray(year, dtype=np.int64)
        if self.years is None:
            return np.zeros(year.shape, np.int64)
        pos = np.searchsorted(self.years, year, side="right") - 1
        return np.clip(pos, 0, self.years.size - 1)


def _hazard_column(table: pd.DataFrame, caller: str) -> np.ndarray:
    has = [c for c in ("hazard", "q") if c in table.columns]
    if len(has) != 1:
        raise ValueError(f"{caller}: the life table needs exactly one of the columns 'hazard' "
                         f"(deaths per person-year) or 'q' (probability of dying before the "
                         f"next birthday); it has {list(table.columns)}.")
    values = pd.to_numeric(table[has[0]], errors="coerce").to_numpy(float)
    if has[0] == "hazard":
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            raise ValueError(f"{caller}: life table 'hazard' must be finite and >= 0; bad "
                             f"values at {describe_rows(bad, table.index)}.")
        return values
    bad = ~np.isfinite(values) | (values < 0) | (values >= 1)
    if bad.any():
        raise ValueError(f"{caller}: life table 'q' must lie in [0, 1); bad values at "
                         f"{describe_rows(bad, table.index)}. Give q = 1 at the open top age "
                         "as a large hazard instead.")
    return -np.log1p(-values)


def _whole(table: pd.DataFrame, column: str, caller: str) -> np.ndarray:
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0)
    if bad.any():
        raise ValueError(f"{caller}: life table '{column}' must hold whole numbers >= 0; bad "
                         f"values at {describe_rows(bad, table.index)}.")
    return values.astype(np.int64)


def as_rate_table(life_table, *, caller: str = "as_rate_table") -> RateTable:
    """Validate a life table and return it as a :class:`RateTable`.

    Parameters
    ----------
    life_table : str, pandas.DataFrame or RateTable
        A shipped table's name (``"finland-2013"``, read by :func:`lems_epi.life_table`), or a
        DataFrame with the columns ``sex``, ``age`` (single years; the oldest age is open),
        optionally ``year`` (calendar year; without it the table is used for every year) and
        exactly one of ``hazard`` (deaths per person-year) or ``q`` (probability of dying
        before the next birthday, turned into the hazard ``-log(1 - q)``). Every sex and year
        must have the same ages, each single year from the youngest to the oldest.
    caller : str
        Name used in error messages.

    Returns
    -------
    RateTable

    Examples
    --------
    >>> rt = as_rate_table("finland-2013")
    >>> rt.sexes, rt.max_age, rt.years is None
    (('female', 'male'), 100, True)
    """
    if isinstance(life_table, RateTable):
        return life_table
    if isinstance(life_table, str):
        return _named_rate_table(life_table, caller)
    return _rate_table(life_table, "user", caller)


@lru_cache(maxsize=8)
def _named_rate_table(name: str, caller: str) -> RateTable:
    from lems_epi.populations.loaders import life_table as load

    return _rate_table(load(name), name, caller)


def _rate_table(life_table, name, caller) -> RateTable:
    if not isinstance(life_table, pd.DataFrame):
        raise TypeError(f"{caller}: 'life_table' must be a name such as 'finland-2013' or a "
                        f"DataFrame, got {type(life_table).__name__}.")
    check_columns(life_table, ["sex", "age"], caller=caller, name="life_table")
    haz = _hazard_column(life_table, caller)
    age = _whole(life_table, "age", caller)
    has_year = "year" in life_table.columns
    year = _whole(life_table, "year", caller) if has_year else np.zeros(age.size, np.int64)
    sex = life_table["sex"].astype(str).to_numpy()
    if pd.isna(life_table["sex"]).any():
        raise ValueError(f"{caller}: life table 'sex' has missing values at "
                         f"{describe_rows(pd.isna(life_table['sex']).to_numpy(), life_table.index)}.")
    keys = pd.DataFrame({"sex": sex, "year": year, "age": age})
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{caller}: the life table has more than one row for the same sex, "
                         f"{'year, ' if has_year else ''}age at {describe_rows(dup, life_table.index)}.")
    sexes = tuple(sorted(pd.unique(sex)))
    years = np.unique(year)
    ages = np.arange(age.min(), age.max() + 1)
    if keys.shape[0] != len(sexes) * years.size * ages.size:
        raise ValueError(f"{caller}: the life table must give every single year of age from "
                         f"{ages[0]} to {ages[-1]} for every sex{' and year' if has_year else ''}"
                         f" ({len(sexes)} x {years.size if has_year else 1} x {ages.size} rows); "
                         f"it has {keys.shape[0]} rows.")
    grid = np.empty((len(sexes), years.size, ages.size))
    grid[np.searchsorted(np.array(sexes), sex), np.searchsorted(years, year),
         age - ages[0]] = haz
    return RateTable(sexes, years if has_year else None, int(ages[0]), grid, name)


def day_grid(times) -> tuple[np.ndarray, np.ndarray]:
    """The 1-day step grid of relsurv over sorted distinct times (in years).

    Each interval ``(t_{j-1}, t_j]`` (``t_0 = 0``) is cut into steps of one day starting at
    ``t_{j-1}``, the last one shorter.

    Returns
    -------
    grid : numpy.ndarray
        Step starts followed by the last time (``grid[0] = 0``).
    interval : numpy.ndarray
        For each step ``k`` (from ``grid[k]`` to ``grid[k + 1]``), the index ``j - 1`` of its
        interval.

    Examples
    --------
    >>> g, j = day_grid([2.5 / DAYS_PER_YEAR, 3 / DAYS_PER_YEAR])
    >>> (g * DAYS_PER_YEAR).round(6).tolist(), j.tolist()
    ([0.0, 1.0, 2.0, 2.5, 3.0], [0, 0, 0, 1])
    """
    times = np.asarray(times, float)
    starts = np.concatenate([[0.0], times[:-1]])
    steps = np.maximum(np.ceil((times - starts) * DAYS_PER_YEAR - 1e-7), 1).astype(np.int64)
    interval = np.repeat(np.arange(times.size), steps)
    offset = np.arange(interval.size) - np.repeat(np.cumsum(steps) - steps, steps)
    grid = np.concatenate([starts[interval] + offset / DAYS_PER_YEAR, times[-1:]])
    return grid, interval


@dataclass(frozen=True)
class Segments:
    """Pieces of follow-up with a constant population hazard (see :func:`hazard_segments`)."""

    person: np.ndarray     # index of the person
    start: np.ndarray      # start of the piece (years since the origin)
    end: np.ndarray        # end of the piece
    hazard: np.ndarray     # population hazard per person-year on the piece
    cum_start: np.ndarray  # the person's cumulative population hazard at ``start``
    cum_end: np.ndarray    # per person: cumulative population hazard at the horizon
    cell: np.ndarray       # flat index of the piece's life-table cell

    @cached_property
    def by_cell(self) -> tuple[np.ndarray, np.ndarray]:
        """Pieces ordered by cell (``order``) and where each cell's pieces start (``cuts``)."""
        codes, cell = np.unique(self.cell, return_inverse=True)
        small = cell.astype(np.uint16) if codes.size < 65536 else cell
        order = np.argsort(small, kind="stable")
        return order, np.searchsorted(cell[order], np.arange(codes.size + 1))


def _changes(first, frac, horizon, limit):
    """Per person the times (since origin) of the changes of a whole-year clock.

    A clock at ``first + frac`` at the origin changes at ``k - frac``, ``k = 1, 2, ...``,
    before ``horizon``; only ``limit`` changes (per person) can change the cell.
    """
    count = np.ceil(horizon + frac).astype(np.int64) - 1
    count = np.clip(np.minimum(count, limit), 0, None)
    person = np.repeat(np.arange(frac.size), count)
    k = np.arange(person.size) - np.repeat(np.cumsum(count) - count, count) + 1
    return person, k - frac[person], count


def _knots(n, pa, ua, count_a, py, uy):
    """Change times of all persons sorted by person, then time (origin first)."""
    if py.size == 0:  # birthdays only: already in order within each person
        size = count_a + 1
        first = np.cumsum(size) - size
        person = np.repeat(np.arange(n), size)
        when = np.zeros(person.size)
        kind = np.ones(person.size, np.int8)
        kind[first] = 0
        when[kind == 1] = ua
        return person, when, kind
    person = np.concatenate([np.arange(n), pa, py])
    when = np.concatenate([np.zeros(n), ua, uy])
    kind = np.concatenate([np.zeros(n, np.int8), np.ones(pa.size, np.int8),
                           np.full(py.size, 2, np.int8)])
    order = np.lexsort((kind, when, person))
    return person[order], when[order], kind[order]


def hazard_segments(table: RateTable, *, age, sex, year, horizon, grid=None) -> Segments:
    """Cut each person's follow-up into pieces of constant population hazard.

    Parameters
    ----------
    table : RateTable
    age : array_like
        Age (years) at the origin; at least ``table.min_age``.
    sex : array_like of int
        Index into ``table.sexes``.
    year : array_like or None
        Calendar year (decimal) at the origin; ignored by a table without years.
    horizon : array_like
        End of each person's follow-up (years since the origin, > 0).
    grid : array_like, optional
        relsurv's day-step starts (see :func:`day_grid`): each change of cell moves to the
        first grid point at or after it. Without it the changes are exact.

    Returns
    -------
    Segments
        Sorted by person, then time; the pieces of a person cover ``[0, horizon)``.
    """
    age = np.asarray(age, float)
    sex = np.asarray(sex, np.int64)
    horizon = np.asarray(horizon, float)
    n = age.size
    a0 = np.floor(age).astype(np.int64)
    pa, ua, count_a = _changes(a0, age - a0, horizon, np.maximum(table.max_age - a0, 0))
    y0 = np.zeros(n, np.int64)
    py, uy = np.zeros(0, np.int64), np.zeros(0)
    if table.years is not None and year is not None:
        year = np.asarray(year, float)
        y0 = np.floor(year).astype(np.int64)
        py, uy, _ = _changes(y0, year - y0, horizon, np.maximum(table.years[-1] - y0, 0))
    person, when, kind = _knots(n, pa, ua, count_a, py, uy)
    if grid is not None:  # the order is kept: the shift is monotone
        grid = np.asarray(grid, float)
        pos = np.searchsorted(grid, when, side="left")
        when = np.where(pos < grid.size, grid[np.minimum(pos, grid.size - 1)], when)
        keep = (kind == 0) | (when < horizon[person])
        person, when, kind = person[keep], when[keep], kind[keep]
    first = np.flatnonzero(kind == 0)  # one per person, in person order
    age_i = np.minimum(a0[person] + _within(kind == 1, first), table.max_age) - table.min_age
    year_i = table.year_index(y0[person] + _within(kind == 2, first))
    shape = table.hazard.shape
    cell = (sex[person] * shape[1] + year_i) * shape[2] + age_i
    haz = table.hazard.ravel()[cell]
    end = np.empty_like(when)
    end[:-1] = when[1:]
    last = np.append(first[1:] - 1, person.size - 1)
    end[last] = horizon
    inc = haz * (end - when)
    cum = np.cumsum(inc)
    cum_start = cum - inc - np.repeat(cum[first] - inc[first], np.diff(np.append(first,
                                                                                person.size)))
    return Segments(person, when, end, haz, cum_start, cum_start[last] + inc[last], cell)


def _within(flags: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Running count of ``flags`` within each person (persons start at ``first``)."""
    c = np.cumsum(flags.astype(np.int64))
    base = c[first] - flags[first]
    return c - np.repeat(base, np.diff(np.append(first, flags.size)))
