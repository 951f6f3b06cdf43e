r"""Synthetic areas: one population split into regions that share the same true risks.

:func:`simulate_areas` is the teaching data set for "is this region unusual?". A national
population is split into ``n_areas`` areas of unequal size and unequal age structure, and the
cases of every area are drawn from the *same* age x sex risks (those of the scenario), so any
difference between areas' crude or standardised rates is chance or age structure. Optionally a
few areas get a true relative risk, for lessons on power.

How the areas are built
-----------------------
1. **Sizes.** Area :math:`i` gets a size weight :math:`s_i = \exp(\sigma Z_i)`,
   :math:`Z_i \sim N(0, 1)`: log-normal sizes, as municipalities' are (a few large towns, many
   small places); ``size_sigma`` = :math:`\sigma` sets how unequal they are (1.0: the largest of
   300 areas is typically 100-200 times the smallest).
2. **Age structures.** Area :math:`i` gets age x sex shares
   :math:`\pi_i \sim \mathrm{Dirichlet}(\kappa\,\pi)` around the national shares :math:`\pi`
   (``age_concentration`` = :math:`\kappa`): mean :math:`\pi`, variance
   :math:`\pi_c(1 - \pi_c)/(\kappa + 1)` per cell, so smaller :math:`\kappa` gives more
   contrast between young and old areas.
3. **Split.** Each national age x sex count :math:`N_c` is split among the areas by one
   multinomial draw with probabilities :math:`\propto s_i \pi_{ic}`. The areas' populations add
   up exactly to the national population in every cell; area :math:`i` holds about
   :math:`s_i / \sum_j s_j` of the population with an age structure near :math:`\pi_i`.
4. **Cases.** The risk of a cell is the scenario's expected cases over the population there
   (:func:`lems_epi.expected_counts` on the national population, summed over smoking status
   and the single years of the band: every area keeps the national smoking mix and the
   national age distribution within a band). Cases are
   :math:`\mathrm{Binomial}(N_{ic}, \min(1, \rho_i p_c))` with :math:`\rho_i` the area's true
   relative risk (1 except in planted areas), as :func:`lems_epi.simulate_counts` draws
   prevalent cases.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from lems_epi._rng import as_generator
from lems_epi._validation import check_positive_number, check_whole_number
from lems_epi.scenario import DEFAULT_POPULATION, coerce_scenario

__all__ = ["simulate_areas", "area_risks"]


def area_risks(scenario, population=DEFAULT_POPULATION, *, age_groups="esp2013") -> pd.DataFrame:
    """National age-group x sex populations and case risks of a scenario.

    Parameters
    ----------
    scenario : Scenario or str
        The parameter set or its name.
    population : str or pandas.DataFrame, default DEFAULT_POPULATION ("finland-2016")
        The national population (a shipped name or a table with ``age``, ``sex``,
        ``population``).
    age_groups : str, sequence of int or pandas.DataFrame, default "esp2013"
        The banding (anything :func:`lems_epi.age_bands` accepts): a standard's name gives its
        bands, so the result standardises directly on that standard.

    Returns
    -------
    pandas.DataFrame
        ``age_group`` (ordered categorical), ``sex``, ``population``, ``expected`` (expected
        cases) and ``risk`` (``expected / population``).

    Examples
    --------
    >>> r = area_risks("seed-base")
    >>> r["age_group"].iloc[-1], len(r)
    ('90+', 38)
    """
    from lems_epi.model import expected_counts
    from lems_epi.populations import band_population

    scenario = coerce_scenario(scenario, caller="area_risks")
    table = expected_counts(scenario, population=population)
    cells = table.groupby(["age", "sex"], as_index=False)[["population", "expected_cases"]].sum()
    cells.attrs = dict(table.attrs)
    top = cells["age"].max()
    open_top = None if not isinstance(population, str) else top
    banded = band_population(cells, age_groups, value_columns=("population", "expected_cases"),
                             by=["sex"], open_top_age=open_top)
    banded = banded.rename(columns={"expected_cases": "expected"})
    banded = banded[["age_group", "sex", "population", "expected"]]
    banded = banded.sort_values(["age_group", "sex"]).reset_index(drop=True)
    banded["population"] = banded["population"].astype(np.int64)
    pop = banded["population"].to_numpy(dtype=float)
    banded["risk"] = np.divide(banded["expected"].to_numpy(), pop, out=np.zeros_like(pop),
                               where=pop > 0)
    banded.attrs = {"scenario": scenario.name,
                    "population": population if isinstance(population, str) else "user"}
    return banded


def _planted(excess, labels, gen, caller):
    """Relative risk of each area from the ``excess`` option."""
    rr = np.ones(len(labels))
    if excess is None:
        return rr
    if isinstance(excess, numbers.Real) and not isinstance(excess, bool):
        value = check_positive_number(excess, name="excess", caller=caller)
        rr[gen.integers(len(labels))] = value
        return rr
    if not isinstance(excess, Mapping):
        raise TypeError(f"{caller}: 'excess' must be None, a relative risk (one area chosen at "
                        "random gets it) or a mapping {area: relative risk} with area labels "
                        f"like {labels[0]!r} or 0-based positions; got {type(excess).__name__}.")
    index = {lab: i for i, lab in enumerate(labels)}
    for key, value in excess.items():
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            if not 0 <= key < len(labels):
                raise ValueError(f"{caller}: 'excess' names area position {key}; positions run "
                                 f"from 0 to {len(labels) - 1}.")
            pos = int(key)
        elif key in index:
            pos = index[key]
        else:
            raise ValueError(f"{caller}: 'excess' names an unknown area {key!r}; areas are "
                             f"labelled {labels[0]!r} to {labels[-1]!r}.")
        rr[pos] = check_positive_number(value, name=f"excess[{key!r}]", caller=caller)
    return rr


def simulate_areas(scenario, *, population=DEFAULT_POPULATION, n_areas=300, rng=None,
                   size_sigma=1.0, age_concentration=50.0, excess=None,
                   age_groups="esp2013") -> pd.DataFrame:
    r"""Split a population into synthetic areas and draw their cases from one set of risks.

    See the module docstring (:mod:`lems_epi.simulate.areas`) for how sizes, age structures
    and cases are drawn.

    Parameters
    ----------
    scenario : Scenario or str
        The parameter set whose age x sex risks every area shares (e.g. ``"seed-base"``).
    population : str or pandas.DataFrame, default DEFAULT_POPULATION ("finland-2016")
        The national population to split.
    n_areas : int, default 300
        Number of areas.
    rng : None, int or numpy.random.Generator, optional
        Source of randomness; the same int gives the same areas and cases.
    size_sigma : float, default 1.0
        Standard deviation of the log size weights (0 gives areas of about equal size).
    age_concentration : float, default 50.0
        Dirichlet concentration :math:`\kappa` of the areas' age x sex shares around the
        national ones (larger: areas closer to the national structure). The default 50 gives
        a standard deviation of about 6 percentage points between areas in the share aged 60
        and over (27% in Finland in 2016): :math:`\sqrt{0.27 \cdot 0.73 / 51}`.
    excess : None, float or mapping, optional
        Planted true relative risks: a number gives it to one area chosen at random; a mapping
        ``{area: rr}`` (labels such as ``"A007"`` or 0-based positions) to those areas.
    age_groups : str, sequence of int or pandas.DataFrame, default "esp2013"
        The age banding (see :func:`area_risks`).

    Returns
    -------
    pandas.DataFrame
        One row per area x age group x sex: ``area`` (``"A001"``...), ``age_group``, ``sex``,
        ``population``, ``cases`` (drawn), ``expected`` (population x the national risk: the
        expected count under no difference, for SMRs) and ``true_rr`` (the area's true
        relative risk). ``attrs`` records the scenario, the population, the settings and the
        planted areas.

    Examples
    --------
    >>> import lems_epi as le
    >>> a = le.simulate_areas("seed-base", n_areas=50, rng=1)
    >>> a["area"].nunique(), int(a["population"].sum())
    (50, 5495315)
    >>> by_area = a.groupby("area")["population"].sum()
    >>> bool(by_area.max() > 10 * by_area.min())  # unequal sizes
    True
    >>> a2 = le.simulate_areas("seed-base", n_areas=50, rng=1, excess={"A010": 2.0})
    >>> sorted(a2.loc[a2["true_rr"] != 1, "area"].unique())
    ['A010']
    """
    caller = "simulate_areas"
    n_areas = check_whole_number(n_areas, name="n_areas", caller=caller, minimum=1)
    sigma = check_positive_number(size_sigma, name="size_sigma", caller=caller, allow_zero=True)
    kappa = check_positive_number(age_concentration, name="age_concentration", caller=caller)
    gen = as_generator(rng, caller=caller)
    risks = area_risks(scenario, population, age_groups=age_groups)
    n_cells = len(risks)
    national = risks["population"].to_numpy(dtype=np.int64)
    share = national / national.sum()
    labels = [f"A{i + 1:0{max(3, len(str(n_areas)))}d}" for i in range(n_areas)]
    size = np.exp(sigma * gen.standard_normal(n_areas))
    # Dirichlet around the national shares; cells absent nationally stay empty
    alpha = np.maximum(kappa * share, 1e-12)
    profile = gen.dirichlet(alpha, size=n_areas) if n_cells > 1 else np.ones((n_areas, 1))
    weight = size[:, None] * profile                               # areas x cells
    probs = weight / weight.sum(axis=0, keepdims=True)
    pop = np.empty((n_areas, n_cells), dtype=np.int64)
    for c in range(n_cells):
        pop[:, c] = gen.multinomial(national[c], probs[:, c])
    rr = _planted(excess, labels, gen, caller)
    p = risks["risk"].to_numpy()
    cases = gen.binomial(pop, np.clip(rr[:, None] * p[None, :], 0.0, 1.0))
    out = pd.DataFrame({
        "area": np.repeat(labels, n_cells),
        "age_group": pd.Categorical(np.tile(risks["age_group"].astype(str), n_areas),
                                    categories=risks["age_group"].cat.categories
                                    if isinstance(risks["age_group"].dtype, pd.CategoricalDtype)
                                    else None, ordered=True),
        "sex": np.tile(risks["sex"].to_numpy(), n_areas),
        "population": pop.ravel(),
        "cases": cases.ravel().astype(np.int64),
        "expected": (pop * p[None, :]).ravel(),
        "true_rr": np.repeat(rr, n_cells),
    })
    out.attrs = {"scenario": risks.attrs["scenario"], "population": risks.attrs["population"],
                 "size_sigma": sigma, "age_concentration": kappa,
                 "planted": {labels[i]: float(rr[i]) for i in np.flatnonzero(rr != 1)}}
    return out
