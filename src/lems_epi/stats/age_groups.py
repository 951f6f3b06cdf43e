r"""Map an analyst's own age groups onto a standard population's age groups.

A data set may be banded in any way: labels such as ``"0-4"``, ``"85+"`` or ``"0-39"``,
numeric band starts (``0, 5, 10, ...``) or single years of age. :func:`map_age_groups` places
each data band on the standard's bands:

* a data band inside one standard band (single years, or a finer banding) adds its events
  and person-time to that band;
* a data band made of whole standard bands (``"0-39"`` against 5-year bands) merges those
  bands: their weights are summed;
* an open top band (``"85+"`` against ``85-89, 90+``, or single years whose last, 99, means
  99 and over, against ``95-99, 100+``) merges the standard's bands from the one it starts
  in upwards;
* a data band that straddles a standard band's boundary (``"35-44"`` against ``30-39,
  40-49``) cannot be placed without assuming how its events spread within it, and is an
  error that names the band.

Examples
--------
>>> parse_age_band("0-4"), parse_age_band("85+"), parse_age_band(" 40 to 59 ")
((0.0, 5.0), (85.0, inf), (40.0, 60.0))
"""

from __future__ import annotations

import numbers
import re

import numpy as np
import pandas as pd

__all__ = ["parse_age_band", "map_age_groups", "check_open_top_age"]

_RANGE = re.compile(r"^\s*\[?\s*(\d+(?:\.\d+)?)\s*(?:-|–|—|to|,)\s*(\d+(?:\.\d+)?)\s*[\])]?\s*$")
_OPEN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:\+|plus|and over|or more|-|–)\s*$")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")


def parse_age_band(label) -> tuple[float, float] | None:
    """The ages ``[start, end)`` a band label covers, or ``None`` when it is not a band.

    ``"0-4"`` covers ``[0, 5)`` (whole-year labels include their last year), ``"85+"``
    ``[85, inf)``; a plain number is a band start (its end is set by the next band).

    Examples
    --------
    >>> parse_age_band("90+"), parse_age_band("young")
    ((90.0, inf), None)
    """
    if isinstance(label, numbers.Real) and not isinstance(label, bool):
        return (float(label), np.nan)
    text = str(label)
    m = _RANGE.match(text)
    if m:
        lo, hi = float(m.group(1)), float(m.group(2))
        whole = hi == int(hi) and "." not in m.group(2) and not text.strip().endswith(")")
        return (lo, hi + 1.0 if whole else hi) if hi >= lo else None
    m = _OPEN.match(text)
    if m:
        return (float(m.group(1)), np.inf)
    m = _NUMBER.match(text)
    if m:
        return (float(m.group(1)), np.nan)
    return None


def check_open_top_age(value, *, caller: str):
    """Check ``open_top_age`` (``None`` or a finite number >= 0) and return it as float."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{caller}: 'open_top_age' must be a number (the first age of the "
                        f"data's open top group, e.g. 85 for '85+'), got {value!r} of type "
                        f"{type(value).__name__}.")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{caller}: 'open_top_age' must be a finite age >= 0, got {value!r}.")
    return float(value)


def _data_intervals(labels, *, single_year_ages: bool, open_top_age, caller: str):
    """``[start, end)`` of each distinct data label; numeric starts end at the next start."""
    parsed = [parse_age_band(v) for v in labels]
    bad = [v for v, p in zip(labels, parsed, strict=True) if p is None]
    if bad:
        return None, bad
    starts = np.array([p[0] for p in parsed])
    ends = np.array([p[1] for p in parsed])
    open_end = np.isnan(ends)
    if open_end.any():
        known = np.unique(starts)
        nxt = np.searchsorted(known, starts[open_end], side="right")
        fill = np.where(nxt < known.size, known[np.minimum(nxt, known.size - 1)], np.inf)
        if single_year_ages:
            fill = starts[open_end] + 1.0
        ends[open_end] = fill
    if open_top_age is not None:
        above = starts > open_top_age
        if above.any():
            raise ValueError(f"{caller}: the data has ages above open_top_age="
                             f"{open_top_age:g}: {[labels[i] for i in np.flatnonzero(above)][:5]}"
                             "; open_top_age must be the start of the data's last age group.")
        ends[starts == open_top_age] = np.inf
    return np.column_stack([starts, ends]), []


def _standard_intervals(std: pd.DataFrame):
    """``[start, end)`` of the standard's bands (from age_start/age_end or the labels)."""
    if {"age_start", "age_end"} <= set(std.columns):
        starts = pd.to_numeric(std["age_start"], errors="coerce").to_numpy(float)
        ends = pd.to_numeric(std["age_end"], errors="coerce").to_numpy(float) + 1.0
        ends = np.where(np.isnan(ends), np.inf, ends)
    else:
        parsed = [parse_age_band(v) for v in std["age_group"]]
        if any(p is None for p in parsed):
            return None
        starts = np.array([p[0] for p in parsed])
        ends = np.array([p[1] for p in parsed])
        ends = np.where(np.isnan(ends), np.r_[starts[1:], np.inf], ends)
    if np.isnan(starts).any() or (np.diff(starts) <= 0).any():
        return None
    return np.column_stack([starts, ends])


def _merged_label(band: np.ndarray, labels: np.ndarray, first: int, last: int) -> str:
    if first == last:
        return str(labels[first])
    lo, hi = band[first, 0], band[last, 1]
    return f"{lo:g}+" if np.isinf(hi) else f"{lo:g}-{hi - 1:g}"


def map_age_groups(values, std: pd.DataFrame, *, single_year_ages=False, open_top_age=None,
                   caller: str, age: str = "age_group"):
    """Place each data age group on the standard's bands, merging bands where needed.

    Parameters
    ----------
    values : array_like
        The distinct age groups of the data (labels, band starts or single years).
    std : pandas.DataFrame
        The standard: ``age_group``, ``weight`` and, where the labels do not say it,
        ``age_start`` and ``age_end``.

    Returns
    -------
    codes : numpy.ndarray
        For each of ``values``, the position of its (merged) standard band.
    labels : numpy.ndarray
        Label of each merged band.
    weights : numpy.ndarray
        Summed standard weight of each merged band.

    Examples
    --------
    >>> std = pd.DataFrame({"age_group": ["0-4", "5-9", "10+"], "weight": [1.0, 2.0, 3.0]})
    >>> codes, labels, weights = map_age_groups(["0-4", "5+"], std, caller="f")
    >>> codes.tolist(), labels.tolist(), weights.tolist()
    ([0, 1], ['0-4', '5+'], [1.0, 5.0])
    """
    labels_std = std["age_group"].astype(str).to_numpy()
    w = std["weight"].to_numpy(float)
    values = list(values)
    exact = pd.Index(labels_std).get_indexer(pd.Index([str(v) for v in values]))
    if (exact >= 0).all() and open_top_age is None and not single_year_ages:
        return exact, labels_std, w
    band = _standard_intervals(std)
    data, bad = _data_intervals(values, single_year_ages=single_year_ages,
                                open_top_age=open_top_age, caller=caller)
    if band is None or data is None:
        unknown = bad or [v for v, e in zip(values, exact, strict=True) if e < 0]
        raise ValueError(f"{caller}: age groups of the data have no weight in the standard: "
                         f"{unknown[:8]!r}. The standard's groups are {list(labels_std)[:25]}; "
                         "give the data's age groups as labels like '0-4' and '85+' or as "
                         "numbers (band starts or single years), or relabel them to the "
                         "standard's.")
    return _place(values, data, band, labels_std, w, caller=caller, age=age)


def _place(values, data, band, labels_std, w, *, caller: str, age: str):
    """Codes, merged labels and weights of data intervals placed on the standard's bands."""
    s_start, s_end = band[:, 0], band[:, 1]
    a, b = data[:, 0], data[:, 1]
    below = a < s_start[0]
    if below.any():
        raise ValueError(f"{caller}: age groups {[values[i] for i in np.flatnonzero(below)]} "
                         f"start below the standard's first band ({s_start[0]:g}).")
    ja = np.searchsorted(s_start, a, side="right") - 1
    jb = np.where(np.isinf(b), len(s_start) - 1, np.searchsorted(s_start, b, side="left") - 1)
    inside = ja == jb
    # an open top group merges every standard band from the one it starts in
    aligned = ((a == s_start[ja]) & np.isin(b, s_end)) | np.isinf(b)
    straddle = ~inside & ~aligned
    if straddle.any():
        i = int(np.flatnonzero(straddle)[0])
        part = ja[i] if a[i] != s_start[ja[i]] else jb[i]
        raise ValueError(
            f"{caller}: the data's age group {values[i]!r} (ages {a[i]:g} to "
            f"{'open' if np.isinf(b[i]) else f'{b[i]:g}'}) straddles a boundary of the "
            f"standard: it covers only part of the standard's band {labels_std[part]!r}, so "
            f"its events cannot be given one weight. Regroup the {age!r} column so each "
            f"group starts and ends at the standard's limits ({s_start.astype(int).tolist()}"
            "), or pass a standard banded like the data.")
    joined = np.zeros(len(s_start), dtype=bool)      # band j merged with band j + 1
    for lo, hi in zip(ja[~inside], jb[~inside], strict=True):
        joined[lo:hi] = True
    merged = np.r_[0, np.cumsum(~joined[:-1])]
    firsts = np.flatnonzero(np.r_[True, ~joined[:-1]])
    lasts = np.r_[firsts[1:] - 1, len(s_start) - 1]
    labels = np.array([_merged_label(band, labels_std, f, la)
                       for f, la in zip(firsts, lasts, strict=True)], dtype=object)
    weights = np.bincount(merged, weights=w)
    return merged[ja], labels, weights
