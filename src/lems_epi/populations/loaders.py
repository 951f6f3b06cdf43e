"""Loaders and validation for populations, standard populations and life tables."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from lems_epi._validation import check_columns, check_method, describe_rows

__all__ = [
    "POPULATION_NAMES",
    "STANDARD_NAMES",
    "check_population",
    "life_table",
    "population",
    "standard_population",
]

POPULATION_NAMES = ("denmark-2013", "finland-2016")
STANDARD_NAMES = ("esp2013", "who2000", "segi1960", "esp1976", "nordic2000")
LIFE_TABLE_NAMES = ("finland-2013",)
SEXES = ("female", "male")

_POPULATION_FILES = {
    "denmark-2013": ("population_denmark_2013.csv",
                     "Statistics Denmark, 1 January 2013 (Epi::N.dk); age 99 means 99 and over"),
    "finland-2016": ("population_finland_2016.csv",
                     "Statistics Finland, mean population 2016 (popEpi::meanpop_fi); "
                     "age 100 means 100 and over"),
}


def _read(filename: str) -> pd.DataFrame:
    path = resources.files("lems_epi.populations").joinpath("data", filename)
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


def check_population(data, *, caller: str = "population", name: str = "population"
                     ) -> pd.DataFrame:
    """Validate a population table and return a clean copy.

    A population table has one row per stratum with columns ``age`` (whole years, the last age
    taken as open-ended), ``sex`` (``"female"`` or ``"male"``) and ``population`` (whole,
    non-negative counts). Extra stratum columns (e.g. ``smoking``) are kept.

    Parameters
    ----------
    data : pandas.DataFrame
        The table to check.
    caller, name : str
        Used in error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``age`` (int16), ``sex`` (categorical ``female``/``male``), ``population``
        (int64) and any extra columns, sorted by age and sex.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        On missing columns, negative, missing or non-integer counts or ages, unknown sex
        values or duplicated strata; the message names the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"age": [0, 0], "sex": ["male", "female"], "population": [10, 12]})
    >>> check_population(t)["population"].sum()
    np.int64(22)
    >>> check_population(t.assign(population=[10, -1]))
    Traceback (most recent call last):
    ...
    ValueError: population: 'population' has negative, missing or non-integer counts at rows [1] (1 of 2); counts must be whole numbers >= 0.
    """
    check_columns(data, ["age", "sex", "population"], caller=caller, name=name)
    if len(data) == 0:
        raise ValueError(f"{caller}: the {name} table has no rows; give one row per age and "
                         "sex with the number of persons (see lems_epi.population('finland-2016')"
                         " for the layout).")
    df = data.copy()
    counts = pd.to_numeric(df["population"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(counts) | (counts < 0) | (counts != np.round(counts))
    if bad.any():
        raise ValueError(f"{caller}: 'population' has negative, missing or non-integer counts "
                         f"at {describe_rows(bad, df.index)}; counts must be whole numbers >= 0.")
    if counts.sum() == 0:
        raise ValueError(f"{caller}: the {name} table counts 0 persons in all its "
                         f"{len(df)} rows; a population needs at least one person.")
    ages = pd.to_numeric(df["age"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(ages) | (ages < 0) | (ages != np.round(ages)) | (ages > 130)
    if bad.any():
        raise ValueError(f"{caller}: 'age' must be whole years between 0 and 130; bad values at "
                         f"{describe_rows(bad, df.index)}. Band ages with age_bands() only "
                         "after building the population.")
    sex = df["sex"].astype(str).str.lower()
    bad = ~sex.isin(SEXES).to_numpy()
    if bad.any():
        raise ValueError(f"{caller}: 'sex' must be 'female' or 'male'; unknown values "
                         f"{sorted(set(df['sex'][bad].astype(str)))} at "
                         f"{describe_rows(bad, df.index)}.")
    df["age"] = ages.astype(np.int16)
    df["sex"] = pd.Categorical(sex, categories=list(SEXES))
    df["population"] = counts.astype(np.int64)
    keys = ["age", "sex"] + [c for c in ("smoking",) if c in df.columns]
    dup = df.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{caller}: duplicated strata ({', '.join(keys)}) at "
                         f"{describe_rows(dup, df.index)}; give each stratum once.")
    df = df.sort_values(keys, kind="stable").reset_index(drop=True)
    df.attrs = dict(getattr(data, "attrs", {}))
    return df


@lru_cache(maxsize=None)
def _population(name: str) -> pd.DataFrame:
    filename, source = _POPULATION_FILES[name]
    raw = _read(filename)[["age", "sex", "population"]]
    df = check_population(raw, caller="population")
    df.attrs = {"name": name, "source": source, "open_top_age": int(df["age"].max())}
    return df


def population(name="denmark-2013") -> pd.DataFrame:
    """Population counts by single year of age and sex.

    Parameters
    ----------
    name : {"denmark-2013", "finland-2016"} or pandas.DataFrame
        A shipped population, or the user's own table (validated by :func:`check_population`).

        * ``denmark-2013``: Denmark on 1 January 2013, ages 0-99 (99 means 99 and over),
          5,602,628 persons. Source: Statistics Denmark, as distributed in R's Epi package
          (``N.dk``).
        * ``finland-2016``: Finland, mean population of 2016, ages 0-100 (100 means 100 and
          over). Source: Statistics Finland, as distributed in R's popEpi package
          (``meanpop_fi``).

    Returns
    -------
    pandas.DataFrame
        Columns ``age``, ``sex`` (``female``/``male``), ``population``; ``attrs`` holds the
        name, the source and ``open_top_age``.

    Examples
    --------
    >>> pop = population("denmark-2013")
    >>> int(pop["population"].sum())
    5602628
    >>> pop.attrs["open_top_age"]
    99
    """
    if isinstance(name, pd.DataFrame):
        df = check_population(name, caller="population")
        df.attrs.setdefault("name", "user")
        df.attrs.setdefault("open_top_age", int(df["age"].max()))
        return df
    check_method(name, POPULATION_NAMES, caller="population", name="population name")
    return _population(name).copy()


@lru_cache(maxsize=None)
def _standards() -> pd.DataFrame:
    df = _read("standard_populations.csv")
    df["age_start"] = df["age_start"].astype(np.int16)
    df["age_end"] = df["age_end"].astype("Int16")
    return df


def standard_population(name="esp2013") -> pd.DataFrame:
    """Weights of a standard population by age group.

    Parameters
    ----------
    name : {"esp2013", "who2000", "segi1960", "esp1976", "nordic2000"}
        ``esp2013``: revised European Standard Population (Eurostat 2013), 19 groups to 90+.
        ``who2000``: WHO World Standard 2000-2025 (Ahmad et al. 2001), 21 groups to 100+.
        ``segi1960``: Segi's world standard (1960), ``esp1976``: European standard (1976) and
        ``nordic2000``: Nordic standard (2000), each 18 groups to 85+.

    Returns
    -------
    pandas.DataFrame
        Columns ``age_group``, ``age_start``, ``age_end`` (missing for the open top group),
        ``weight``; ``attrs["source"]`` names the source.

    Examples
    --------
    >>> std = standard_population("esp2013")
    >>> int(std["weight"].sum()), std["age_group"].iloc[-1]
    (100000, '90+')
    """
    check_method(name, STANDARD_NAMES, caller="standard_population", name="standard name")
    all_std = _standards()
    df = all_std.loc[all_std["standard"] == name,
                     ["age_group", "age_start", "age_end", "weight"]].reset_index(drop=True)
    df["weight"] = df["weight"].astype(float)
    df.attrs = {"name": name, "source": all_std.loc[all_std["standard"] == name,
                                                    "source"].iloc[0]}
    return df


def life_table(name="finland-2013") -> pd.DataFrame:
    """All-cause mortality hazard by sex and single year of age.

    Parameters
    ----------
    name : {"finland-2013"} or pandas.DataFrame
        ``finland-2013``: Finland 2013, ages 0-100 (100 means 100 and over), hazards per
        person-year. Source: Statistics Finland, as distributed in R's popEpi package
        (``popmort``). A user table needs columns ``sex``, ``age``, ``hazard``.

    Returns
    -------
    pandas.DataFrame
        Columns ``sex``, ``age``, ``hazard``.

    Examples
    --------
    >>> lt = life_table()
    >>> sorted(lt["sex"].unique()), int(lt["age"].max())
    (['female', 'male'], 100)
    """
    if isinstance(name, pd.DataFrame):
        check_columns(name, ["sex", "age", "hazard"], caller="life_table", name="life table")
        df = name[["sex", "age", "hazard"]].copy()
    else:
        check_method(name, LIFE_TABLE_NAMES, caller="life_table", name="life table name")
        df = _read("mortality_finland_2013.csv")[["sex", "age", "hazard"]]
        df.attrs = {"name": name, "source": "Statistics Finland 2013 (popEpi::popmort)"}
    haz = pd.to_numeric(df["hazard"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(haz) | (haz < 0)
    if bad.any():
        raise ValueError(f"life_table: 'hazard' must be finite and >= 0; bad values at "
                         f"{describe_rows(bad, df.index)}.")
    sex = df["sex"].astype(str)
    if not sex.isin(SEXES).all():
        bad = ~sex.isin(SEXES).to_numpy()
        raise ValueError(f"life_table: 'sex' must be 'female' or 'male'; bad values at "
                         f"{describe_rows(bad, df.index)}.")
    df = df.assign(age=df["age"].astype(np.int16), hazard=haz)
    return df.sort_values(["sex", "age"]).reset_index(drop=True)
