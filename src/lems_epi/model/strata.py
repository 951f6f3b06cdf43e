"""Strata of a population: single year of age x sex x smoking status, in whole persons.

:func:`make_strata` splits each age x sex count with the smoking shares of its age band by
largest-remainder rounding; ``_strata_for`` caches the strata of shipped populations (by name)
and of population tables (by content) for the batch model.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from lems_epi._validation import describe_rows
from lems_epi.populations.loaders import population as load_population
from lems_epi.populations.smoking import SMOKING_STATUSES, smoking_by_age, smoking_prevalence

__all__ = ["Strata", "make_strata"]


@dataclasses.dataclass(frozen=True)
class Strata:
    """A population split into age x sex x smoking strata of whole persons.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``age``, ``sex``, ``smoking``, ``population``; one row per stratum, ordered by
        age, sex (female, male) and smoking (never, former, current).
    ages : numpy.ndarray
        Whole age of each age x sex row (shape ``(m,)``, ``m = len(table) // 3``).
    male : numpy.ndarray
        Boolean, male of each age x sex row.
    counts : numpy.ndarray
        Shape ``(m, 3)``: persons by age x sex row and smoking status.
    name : str
        Name of the population (``"user"`` for a user table).
    """

    table: pd.DataFrame
    ages: np.ndarray
    male: np.ndarray
    counts: np.ndarray
    name: str

    @property
    def total(self) -> float:
        """Total number of persons."""
        return float(self.counts.sum())


def _largest_remainder(totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split each total into whole parts proportional to ``shares`` keeping the total exactly."""
    raw = totals[:, None] * shares
    base = np.floor(raw)
    left = (totals - base.sum(axis=1)).round().astype(np.int64)
    frac = raw - base
    # rank the fractional parts within each row (largest first; ties: never, former, current)
    order = np.argsort(-frac, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(shares.shape[1])[None, :], axis=1)
    return (base + (ranks < left[:, None])).astype(np.int64)


def make_strata(population, smoking="assumption-2013", *, caller: str = "expected_counts"
                ) -> Strata:
    """Split a population into age x sex x smoking strata of whole persons.

    Each age x sex count is split with the smoking shares of its age band and sex by
    largest-remainder rounding, so the parts are whole persons and add up to the count exactly.
    A population that already has a ``smoking`` column is used as it is (missing strata count
    0 persons).

    Parameters
    ----------
    population : str or pandas.DataFrame
        A shipped population name (``"denmark-2013"``, ``"finland-2016"``) or a population
        table (columns ``age``, ``sex``, ``population`` and optionally ``smoking``).
    smoking : str or pandas.DataFrame
        Smoking shares (see :func:`lems_epi.populations.smoking_prevalence`).
    caller : str
        Used in error messages.

    Returns
    -------
    Strata

    Examples
    --------
    >>> st = make_strata("denmark-2013")
    >>> len(st.table), int(st.table["population"].sum())
    (600, 5602628)
    """
    if isinstance(population, str):
        from lems_epi.populations.loaders import POPULATION_NAMES

        if population not in POPULATION_NAMES:
            raise ValueError(f"{caller}: unknown population {population!r}; choose one of "
                             f"{list(POPULATION_NAMES)} or pass a population table (columns "
                             "age, sex, population).")
    elif not isinstance(population, pd.DataFrame):
        raise TypeError(f"{caller}: 'population' must be a population name or a DataFrame, "
                        f"got {type(population).__name__}.")
    pop = load_population(population)
    name = str(pop.attrs.get("name", "user"))
    if "smoking" in pop.columns:
        status = pop["smoking"].astype(str)
        bad = ~status.isin(SMOKING_STATUSES).to_numpy()
        if bad.any():
            raise ValueError(f"{caller}: 'smoking' must be one of {list(SMOKING_STATUSES)}; "
                             f"bad values at {describe_rows(bad, pop.index)}.")
        wide = (pop.assign(smoking=pd.Categorical(status, categories=list(SMOKING_STATUSES)))
                .pivot_table(index=["age", "sex"], columns="smoking", values="population",
                             aggfunc="sum", fill_value=0, observed=False))
        wide = wide.reset_index().sort_values(["age", "sex"])
        ages = wide["age"].to_numpy(np.int64)
        male = (wide["sex"].astype(str) == "male").to_numpy()
        counts = wide[list(SMOKING_STATUSES)].to_numpy(np.int64)
    else:
        table = smoking if isinstance(smoking, pd.DataFrame) else smoking_prevalence(smoking)
        ages = pop["age"].to_numpy(np.int64)
        sexes = pop["sex"].astype(str).to_numpy()
        male = sexes == "male"
        shares = smoking_by_age(table, ages, sexes)
        counts = _largest_remainder(pop["population"].to_numpy(np.int64).astype(float), shares)
    m = ages.size
    tab = pd.DataFrame({
        "age": np.repeat(ages, 3).astype(np.int16),
        "sex": pd.Categorical(np.repeat(np.where(male, "male", "female"), 3),
                              categories=["female", "male"]),
        "smoking": pd.Categorical(np.tile(SMOKING_STATUSES, m), categories=SMOKING_STATUSES),
        "population": counts.ravel(),
    })
    return Strata(table=tab, ages=ages, male=male, counts=counts, name=name)


_STRATA_CACHE: dict = {}
_FRAME_CACHE: dict = {}
_FRAME_CACHE_SIZE = 8


def _strata_for(population, smoking) -> Strata:
    """Strata of a population, cached for a named smoking table.

    Shipped populations are cached by name; population tables by content (a hash of the
    values and index, confirmed by comparing with a stored copy), so a sensitivity analysis
    that passes the same table in every call splits it into strata once.
    """
    if isinstance(population, str) and isinstance(smoking, str):
        key = (population, smoking)
        if key not in _STRATA_CACHE:
            _STRATA_CACHE[key] = make_strata(population, smoking)
        return _STRATA_CACHE[key]
    if isinstance(population, pd.DataFrame) and isinstance(smoking, str):
        try:
            digest = pd.util.hash_pandas_object(population, index=True).to_numpy().tobytes()
        except TypeError:  # unhashable cells: no caching
            return make_strata(population, smoking)
        key = (smoking, str(population.attrs.get("name", "user")),
               tuple(map(str, population.columns)), hash(digest))
        hit = _FRAME_CACHE.get(key)
        if hit is not None and hit[0].equals(population):
            return hit[1]
        strata = make_strata(population, smoking)
        if len(_FRAME_CACHE) >= _FRAME_CACHE_SIZE:
            _FRAME_CACHE.clear()
        _FRAME_CACHE[key] = (population.copy(), strata)
        return strata
    return make_strata(population, smoking)
