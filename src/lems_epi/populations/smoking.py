"""Smoking prevalence by age and sex: the package's stated assumption, or the user's table.

The shipped table ``"assumption-2013"`` is an illustrative assumption, not survey data: shares of
never, former and current smokers by ten-year age band and sex, chosen to resemble the pattern of
a Northern European country around 2013 (no smoking before 15; about one adult in five smokes,
slightly more men than women; former smoking accumulates with age, mostly among men). It is there
so that the risk model has a smoking dimension out of the box. Replace it with survey figures for
a real analysis: any table with the same columns is accepted wherever a smoking table is.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from lems_epi._validation import check_columns, check_method, describe_rows

__all__ = ["SMOKING_STATUSES", "smoking_prevalence", "smoking_by_age"]

SMOKING_STATUSES = ("never", "former", "current")
SMOKING_NAMES = ("assumption-2013",)


@lru_cache(maxsize=None)
def _shipped() -> pd.DataFrame:
    path = resources.files("lems_epi.populations").joinpath(
        "data", "smoking_prevalence_assumption.csv")
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


def smoking_prevalence(name="assumption-2013") -> pd.DataFrame:
    """Shares of never, former and current smokers by age band and sex.

    Parameters
    ----------
    name : {"assumption-2013"} or pandas.DataFrame
        The shipped assumption table (see the module docstring), or a user table with columns
        ``age_start``, ``age_end`` (missing for the open top band), ``sex``, ``never``,
        ``former``, ``current``; each row's shares must sum to 1 and the bands of each sex must
        cover every age from 0 without gaps.

    Returns
    -------
    pandas.DataFrame
        The validated table, sorted by sex and age.

    Examples
    --------
    >>> t = smoking_prevalence()
    >>> t.loc[(t["sex"] == "male") & (t["age_start"] == 45), "current"].item()
    0.26
    """
    caller = "smoking_prevalence"
    if isinstance(name, pd.DataFrame):
        raw = name
    else:
        check_method(name, SMOKING_NAMES, caller=caller, name="smoking table name")
        raw = _shipped()
    check_columns(raw, ["age_start", "age_end", "sex", *SMOKING_STATUSES], caller=caller,
                  name="smoking table")
    df = raw[["age_start", "age_end", "sex", *SMOKING_STATUSES]].copy()
    shares = df[list(SMOKING_STATUSES)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(shares).all(axis=1) | (shares < 0).any(axis=1) | (shares > 1).any(axis=1)
    bad |= np.abs(shares.sum(axis=1) - 1.0) > 1e-6
    if bad.any():
        raise ValueError(f"{caller}: shares must be numbers in [0, 1] summing to 1 in each row; "
                         f"bad rows {describe_rows(bad, df.index)}.")
    sex = df["sex"].astype(str)
    if not sex.isin(["female", "male"]).all():
        raise ValueError(f"{caller}: 'sex' must be 'female' or 'male'; bad rows "
                         f"{describe_rows(~sex.isin(['female', 'male']).to_numpy(), df.index)}.")
    df["sex"] = sex
    df[list(SMOKING_STATUSES)] = shares
    df = df.sort_values(["sex", "age_start"]).reset_index(drop=True)
    for s, part in df.groupby("sex"):
        starts = part["age_start"].to_numpy(float)
        ends = pd.to_numeric(part["age_end"], errors="coerce").to_numpy(float)
        ok = starts[0] == 0 and np.isnan(ends[-1]) and np.all(ends[:-1] + 1 == starts[1:])
        if not ok:
            raise ValueError(f"{caller}: the age bands for sex {s!r} must start at 0, follow each "
                             "other without gaps (age_end + 1 == next age_start) and end with an "
                             "open band (age_end missing).")
    df.attrs = {"name": name if isinstance(name, str) else "user"}
    return df


def smoking_by_age(table, ages, sexes) -> np.ndarray:
    """Look up the smoking shares for each (age, sex) pair.

    Parameters
    ----------
    table : pandas.DataFrame
        A validated table from :func:`smoking_prevalence`.
    ages, sexes : array_like
        Whole ages and ``"female"``/``"male"`` labels of equal length.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(ages), 3)``: never, former, current.

    Examples
    --------
    >>> smoking_by_age(smoking_prevalence(), [10, 50], ["male", "female"]).round(2).tolist()
    [[1.0, 0.0, 0.0], [0.48, 0.3, 0.22]]
    """
    ages = np.asarray(ages, dtype=float)
    sexes = np.asarray(sexes).astype(str)
    out = np.empty((ages.size, 3))
    for s in ("female", "male"):
        part = table[table["sex"] == s]
        pos = np.searchsorted(part["age_start"].to_numpy(float), ages, side="right") - 1
        mask = sexes == s
        out[mask] = part[list(SMOKING_STATUSES)].to_numpy(float)[pos[mask]]
    return out
