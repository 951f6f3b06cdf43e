"""Banding single-year ages into age groups, including a standard population's bands."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from lems_epi._validation import check_columns, describe_rows

__all__ = ["age_bands", "band_ages", "band_population", "merge_open_top"]


def age_bands(scheme) -> pd.DataFrame:
    """Return a band table (``age_group, age_start, age_end``) for a banding scheme.

    Parameters
    ----------
    scheme : str, sequence of int or pandas.DataFrame
        A standard population name (see :func:`lems_epi.standard_population`), a sorted list of
        left ends such as ``[0, 15, 50, 70]`` (the last band is open), or a table with
        ``age_start`` and ``age_end`` columns (``age_group`` and ``weight`` are kept).

    Returns
    -------
    pandas.DataFrame
        ``age_group`` labels like ``"0-14"`` and ``"70+"``, ``age_start``, ``age_end``
        (missing for the open band).

    Examples
    --------
    >>> age_bands([0, 50, 70])["age_group"].tolist()
    ['0-49', '50-69', '70+']
    """
    from lems_epi.populations.loaders import standard_population

    if isinstance(scheme, str):
        return standard_population(scheme)
    if isinstance(scheme, pd.DataFrame):
        check_columns(scheme, ["age_start", "age_end"], caller="age_bands", name="scheme")
        df = scheme.copy()
        if "age_group" not in df.columns:
            df["age_group"] = _labels(df["age_start"].to_numpy(), df["age_end"].to_numpy())
        return df.reset_index(drop=True)
    starts = list(scheme)
    if not starts or not all(isinstance(s, numbers.Integral) for s in starts):
        raise TypeError(f"age_bands: a list scheme must be whole-year left ends, got {scheme!r}.")
    if any(b <= a for a, b in zip(starts, starts[1:], strict=False)) or starts[0] < 0:
        raise ValueError(f"age_bands: left ends must be increasing and >= 0, got {starts}.")
    ends = [b - 1 for b in starts[1:]] + [pd.NA]
    df = pd.DataFrame({"age_start": np.array(starts, dtype=np.int16),
                       "age_end": pd.array(ends, dtype="Int16")})
    df.insert(0, "age_group", _labels(df["age_start"].to_numpy(), df["age_end"].to_numpy()))
    return df


def _labels(starts, ends) -> list[str]:
    out = []
    for s, e in zip(starts, ends, strict=True):
        out.append(f"{int(s)}+" if pd.isna(e) else f"{int(s)}-{int(e)}")
    return out


def merge_open_top(bands, open_top_age: int) -> pd.DataFrame:
    """Merge the bands at and above an open top age into one open band.

    A population whose last age is open (Denmark's 99 means 99 and over) cannot be split
    across a standard's bands above it. The band containing ``open_top_age`` and every band
    above it become one open band whose weight is their sum: for ``who2000`` and an open age
    99, the bands 95-99 and 100+ become ``95+``.

    Parameters
    ----------
    bands : str, sequence or pandas.DataFrame
        Anything :func:`age_bands` accepts.
    open_top_age : int
        The first age of the population's open top group.

    Returns
    -------
    pandas.DataFrame
        The band table with the top bands merged (unchanged when the open age already starts
        the last band or lies in it).

    Examples
    --------
    >>> merge_open_top("who2000", 99)["age_group"].tolist()[-2:]
    ['90-94', '95+']
    """
    df = age_bands(bands)
    starts = df["age_start"].to_numpy(dtype=float)
    pos = int(np.searchsorted(starts, open_top_age, side="right") - 1)
    if pos < 0:
        raise ValueError(f"merge_open_top: open_top_age {open_top_age} lies below the first "
                         f"band, which starts at {int(starts[0])}.")
    if pos == len(df) - 1:
        return df
    top = df.iloc[[pos]].copy()
    top["age_end"] = pd.array([pd.NA], dtype="Int16")
    top["age_group"] = f"{int(top['age_start'].iloc[0])}+"
    if "weight" in df.columns:
        top["weight"] = float(df["weight"].iloc[pos:].sum())
    out = pd.concat([df.iloc[:pos], top], ignore_index=True)
    out.attrs = dict(df.attrs)
    return out


def band_ages(ages, bands) -> pd.Categorical:
    """Assign each age the label of the band that contains it.

    Parameters
    ----------
    ages : array_like
        Ages in years (whole or decimal).
    bands : str, sequence or pandas.DataFrame
        Anything :func:`age_bands` accepts.

    Returns
    -------
    pandas.Categorical
        Ordered band labels.

    Raises
    ------
    ValueError
        If an age lies below the first band, above a closed last band, or is missing.

    Examples
    --------
    >>> list(band_ages([3, 50, 99], [0, 50, 70]))
    ['0-49', '50-69', '70+']
    """
    table = age_bands(bands)
    a = np.asarray(ages, dtype=float)
    starts = table["age_start"].to_numpy(dtype=float)
    ends = table["age_end"].to_numpy(dtype=float, na_value=np.inf)
    pos = np.searchsorted(starts, np.floor(a), side="right") - 1
    bad = np.isnan(a) | (pos < 0)
    bad |= ~bad & (np.floor(a) > ends[np.clip(pos, 0, len(ends) - 1)])
    if bad.any():
        raise ValueError(f"band_ages: ages outside the bands ({table['age_group'].iloc[0]} to "
                         f"{table['age_group'].iloc[-1]}) or missing at {describe_rows(bad)}.")
    labels = table["age_group"].astype(str).tolist()
    return pd.Categorical.from_codes(pos, categories=labels, ordered=True)


def band_population(data, bands, *, age: str = "age", value_columns=("population",),
                    by=None, open_top_age=None) -> pd.DataFrame:
    """Sum single-year rows into age bands.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with an ``age`` column and the columns to sum.
    bands : str, sequence or pandas.DataFrame
        Anything :func:`age_bands` accepts.
    age : str, default "age"
        The age column.
    value_columns : sequence of str
        Columns to sum.
    by : sequence of str, optional
        Extra grouping columns (e.g. ``["sex"]``).
    open_top_age : int, optional
        When the data's last age is open, the standard's bands above it are merged (see
        :func:`merge_open_top`). Defaults to ``data.attrs["open_top_age"]`` when present.

    Returns
    -------
    pandas.DataFrame
        One row per band (and ``by`` group) with ``age_group`` and the summed columns; the
        band table's ``weight`` column is joined when present.

    Examples
    --------
    >>> from lems_epi import population
    >>> b = band_population(population("denmark-2013"), "who2000")
    >>> b["age_group"].iloc[-1], int(b["population"].sum())
    ('95+', 5602628)
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    check_columns(data, [age, *value_columns, *by], caller="band_population", name="data")
    if open_top_age is None:
        open_top_age = data.attrs.get("open_top_age")
    table = age_bands(bands)
    if open_top_age is not None:
        table = merge_open_top(table, int(open_top_age))
    labels = band_ages(data[age].to_numpy(), table)
    grouped = (data.assign(age_group=labels)
               .groupby([*by, "age_group"], observed=False, sort=True)[list(value_columns)]
               .sum().reset_index())
    if "weight" in table.columns:
        grouped = grouped.merge(table[["age_group", "weight"]].astype({"age_group": str}),
                                on="age_group", how="left")
        grouped["age_group"] = pd.Categorical(grouped["age_group"],
                                              categories=table["age_group"].tolist(),
                                              ordered=True)
    return grouped
