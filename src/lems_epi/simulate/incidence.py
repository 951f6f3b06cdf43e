r"""Stationary population and age-specific LEMS onset rates derived from a scenario.

The follow-up simulation (:func:`lems_epi.simulate.followup.simulate_followup`) needs two
things that the closed-form risk model does not give directly:

* a population that stays the same over calendar time, and
* onset rates (incidence) by age, sex and smoking that keep the scenario's prevalence.

**Stationary population.** With a fixed life table and no migration, the only age structure
that does not change over time is the life table's stationary population: the number alive at
age ``a`` is proportional to the survivorship ``l(a)`` [1]_. Births replace deaths, at
``n / e0`` per year (``e0`` the life expectancy at birth, mixed over the sexes). Hazards are
constant within each single year of age, so ``l(a + 1) = l(a) exp(-mu_a)`` and the person-years
lived in year ``a`` are ``L_a = l(a) (1 - exp(-mu_a)) / mu_a``; the last age of the life table
is open and keeps its hazard.

**Reference structure.** :func:`reference_structure` gives instead the reference
population's own age x sex structure; the follow-up can keep it as far as replacing deaths by
entrants allows (``structure="reference"`` of the simulation, whose documentation gives the
drift).

**Onset rates.** For each type ``t`` the risk model gives the probability ``p_t(x)`` that a
person of stratum ``x`` (age, sex, smoking) is a case. In the stationary population these
probabilities (or, with ``structure="reference"``, in the reference population) are
rescaled by one factor per type, so that the crude prevalence by type equals
the scenario's (``prevalence * paraneoplastic_share_prevalent`` and the rest): the relative
risks and age profiles of the model are kept, only the calibration moves from the scenario's
reference population to the stationary one. A case of type ``t`` leaves the case state at the
constant rate ``1 / D_t`` (``D_t`` the scenario's mean duration), so by Little's law the
expected number of cases is the number of onsets per year times ``D_t`` [2]_; onset rates

.. math:: i_t(x) = \frac{p_t(x)}{D_t \, (1 - p_p(x) - p_n(x))}

among persons free of LEMS then give, in steady state, exactly ``prevalence = incidence x D_t``
(incidence per person-year of the whole population) and the scenario's prevalence by type up
to a relative error of the order of the prevalence itself (cases age during the disease, so
the at-risk share by age shifts slightly).

References
----------
.. [1] Preston SH, Heuveline P, Guillot M (2001). Demography: Measuring and Modeling Population
   Processes. Oxford: Blackwell. Chapter 3 (the life table and the stationary population).
.. [2] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
   Philadelphia: Lippincott Williams & Wilkins. Chapter 3 (prevalence, incidence and duration).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from lems_epi.populations.loaders import life_table as _life_table
from lems_epi.populations.loaders import population as _population
from lems_epi.populations.smoking import SMOKING_STATUSES, smoking_by_age, smoking_prevalence
from lems_epi.scenario import coerce_scenario

__all__ = ["MAX_AGE", "STRUCTURES", "life_table_hazards", "onset_rates", "reference_structure",
           "stationary_population"]

#: Ages 0..MAX_AGE carry their own hazards; older persons keep the hazards of MAX_AGE.
MAX_AGE = 110
SEXES = ("female", "male")
#: Age x sex structures the follow-up can keep (see :func:`onset_rates`).
STRUCTURES = ("reference", "stationary")


def life_table_hazards(table="finland-2013") -> np.ndarray:
    """Mortality hazard by sex and single year of age 0..``MAX_AGE`` as an array (2, 111).

    Ages beyond the life table's last (open) age keep its hazard.

    Parameters
    ----------
    table : str or pandas.DataFrame
        A shipped life table name or a user table with columns ``sex``, ``age``, ``hazard``
        (see :func:`lems_epi.life_table`).

    Returns
    -------
    numpy.ndarray
        ``out[0]`` female, ``out[1]`` male hazards per person-year.

    Examples
    --------
    >>> mu = life_table_hazards()
    >>> mu.shape, bool(mu[1, 60] > mu[0, 60])
    ((2, 111), True)
    """
    lt = _life_table(table)
    out = np.empty((2, MAX_AGE + 1))
    for k, sex in enumerate(SEXES):
        part = lt[lt["sex"] == sex]
        if part.empty:
            raise ValueError(f"life_table_hazards: the life table has no rows for sex {sex!r}; "
                             "give hazards for both 'female' and 'male'.")
        ages = part["age"].to_numpy(int)
        haz = part["hazard"].to_numpy(float)
        if ages[0] != 0 or (np.diff(ages) != 1).any():
            raise ValueError("life_table_hazards: the life table must give every single year "
                             f"of age from 0 without gaps (sex {sex!r}).")
        pos = np.minimum(np.arange(MAX_AGE + 1), ages[-1])
        out[k] = haz[pos]
        if (out[k, -1] <= 0):
            raise ValueError("life_table_hazards: the hazard of the last (open) age must be > 0 "
                             "so that everybody dies eventually.")
    return out


def _male_share_at_birth(population) -> float:
    pop = _population(population)
    zero = pop[pop["age"] == 0]
    males = float(zero.loc[zero["sex"] == "male", "population"].sum())
    total = float(zero["population"].sum())
    return males / total if total > 0 else 0.5


def stationary_population(life_table="finland-2013", male_share_at_birth=0.5) -> pd.DataFrame:
    """The life table's stationary population by sex and single year of age.

    Parameters
    ----------
    life_table : str or pandas.DataFrame
        See :func:`life_table_hazards`.
    male_share_at_birth : float
        Share of boys among births.

    Returns
    -------
    pandas.DataFrame
        Columns ``age`` (0..``MAX_AGE``; the last age is open), ``sex``, ``hazard``,
        ``survivors`` (``l(a)``, 1 at birth), ``person_years`` (``L_a`` per birth of that
        sex) and ``share`` (share of the whole population, summing to 1). ``attrs`` holds
        ``life_expectancy`` (mixed over the sexes) and ``male_share_at_birth``.

    Examples
    --------
    >>> st = stationary_population()
    >>> round(float(st["share"].sum()), 12)
    1.0
    >>> 78 < st.attrs["life_expectancy"] < 84
    True
    """
    mu = life_table_hazards(life_table)
    rows = []
    e0 = {}
    for k, sex in enumerate(SEXES):
        h = mu[k]
        surv = np.concatenate([[1.0], np.exp(-np.cumsum(h[:-1]))])
        frac = np.ones_like(h)  # share of the year lived by those alive at its start
        pos = h > 0
        frac[pos] = -np.expm1(-h[pos]) / h[pos]
        py = surv * frac
        py[-1] = surv[-1] / h[-1]  # open top age
        e0[sex] = py.sum()
        rows.append(pd.DataFrame({"age": np.arange(MAX_AGE + 1), "sex": sex, "hazard": h,
                                  "survivors": surv, "person_years": py}))
    out = pd.concat(rows, ignore_index=True)
    w = np.where(out["sex"] == "male", male_share_at_birth, 1 - male_share_at_birth)
    out["share"] = out["person_years"] * w
    life_exp = float(out["share"].sum())
    out["share"] = out["share"] / life_exp
    out.attrs = {"life_expectancy": life_exp, "male_share_at_birth": float(male_share_at_birth),
                 "life_expectancy_by_sex": {k: float(v) for k, v in e0.items()}}
    return out


def reference_structure(population="denmark-2013", life_table="finland-2013") -> pd.DataFrame:
    """The reference population's age x sex structure on single years of age 0..``MAX_AGE``.

    The population's last age is open (e.g. "99 and over"); its count is spread over the ages
    from there to ``MAX_AGE`` in proportion to the life table's stationary population of that
    sex (the survivors of an open age group are distributed as the life table says).

    Parameters
    ----------
    population : str or pandas.DataFrame
        A shipped population name or a user table (see :func:`lems_epi.population`).
    life_table : str or pandas.DataFrame
        Spreads the open top age (see :func:`stationary_population`).

    Returns
    -------
    pandas.DataFrame
        Columns ``age`` (0..``MAX_AGE``), ``sex``, ``share`` (summing to 1). ``attrs`` holds
        ``top_age``, the population's open last age, and ``size``, its total.

    Examples
    --------
    >>> rs = reference_structure()
    >>> round(float(rs["share"].sum()), 12), rs.attrs["top_age"]
    (1.0, 99)
    """
    pop = _population(population)
    top = int(pop["age"].max())
    if top > MAX_AGE:
        raise ValueError(f"reference_structure: the population's ages must not exceed {MAX_AGE}, "
                         f"got {top}; group the oldest ages into one open age {MAX_AGE}.")
    stat = stationary_population(life_table)
    rows = []
    for sex in SEXES:
        part = pop[pop["sex"] == sex]
        counts = np.zeros(MAX_AGE + 1)
        np.add.at(counts, part["age"].to_numpy(int), part["population"].to_numpy(float))
        py = stat.loc[stat["sex"] == sex, "person_years"].to_numpy()[top:]
        counts[top:] = counts[top] * py / py.sum()
        rows.append(pd.DataFrame({"age": np.arange(MAX_AGE + 1), "sex": sex, "share": counts}))
    out = pd.concat(rows, ignore_index=True)
    size = float(out["share"].sum())
    if size <= 0:
        raise ValueError("reference_structure: the population is empty; give positive counts.")
    out["share"] = out["share"] / size
    out.attrs = {"top_age": top, "size": size}
    return out


def onset_rates(scenario, *, life_table="finland-2013", population=None, structure="stationary"
                ) -> pd.DataFrame:
    """Prevalence and onset rates of LEMS by age, sex and smoking in a population structure.

    Parameters
    ----------
    scenario : Scenario
        Gives the stratum risks (through :func:`lems_epi.expected_counts`), the prevalence
        targets by type and the mean durations ``D_t``.
    life_table : str or pandas.DataFrame
        Background mortality (see :func:`stationary_population`).
    population : str or pandas.DataFrame, optional
        Population whose sex ratio at age 0 sets the share of boys at birth (default: the
        scenario's reference population); with ``structure="reference"`` also the age x sex
        structure.
    structure : {"stationary", "reference"}
        The age x sex structure to which the case probabilities are rescaled: the life
        table's stationary population (:func:`stationary_population`) or the reference
        population itself (:func:`reference_structure`).

    Returns
    -------
    pandas.DataFrame
        One row per age (0..``MAX_AGE``) x sex x smoking: ``age``, ``sex``, ``smoking``,
        ``share`` (share of the population structure), ``prevalence_paraneoplastic``,
        ``prevalence_nonparaneoplastic`` (case probabilities after rescaling) and
        ``incidence_paraneoplastic``, ``incidence_nonparaneoplastic`` (onset rates per
        person-year among persons free of LEMS). ``attrs`` holds the rescaling factors
        (``scale_paraneoplastic``, ``scale_nonparaneoplastic``), the targets, the durations
        and the stationary population's attributes.

    Examples
    --------
    >>> from lems_epi import Scenario
    >>> r = onset_rates(Scenario.named("seed-base"))
    >>> prev = (r["share"] * (r["prevalence_paraneoplastic"]
    ...                       + r["prevalence_nonparaneoplastic"])).sum()
    >>> round(float(prev) * 1e6, 9)
    7.0
    """
    from lems_epi.model import expected_counts

    if structure not in STRUCTURES:
        raise ValueError(f"onset_rates: 'structure' must be one of {STRUCTURES}, "
                         f"got {structure!r}.")
    scenario = coerce_scenario(scenario, caller="onset_rates")
    if population is None:
        population = scenario.reference_population
    stat = stationary_population(life_table, _male_share_at_birth(population))
    if structure == "reference":
        attrs = dict(stat.attrs)
        ref = reference_structure(population, life_table)
        stat = stat.drop(columns="share").merge(ref[["age", "sex", "share"]], on=["age", "sex"],
                                                how="left")
        stat.attrs = attrs
    grid = pd.DataFrame(list(itertools.product(range(MAX_AGE + 1), SEXES, SMOKING_STATUSES)),
                        columns=["age", "sex", "smoking"])
    grid["population"] = 10**9
    model = expected_counts(scenario, population=grid)
    model = model.set_index(["age", "sex", "smoking"]).reindex(
        pd.MultiIndex.from_frame(grid[["age", "sex", "smoking"]]))
    p_p = model["expected_paraneoplastic"].to_numpy(float) / 1e9
    p_n = model["expected_nonparaneoplastic"].to_numpy(float) / 1e9
    p_sclc = model["expected_sclc"].to_numpy(float) / 1e9
    shares = smoking_by_age(smoking_prevalence(scenario.smoking_prevalence),
                            grid["age"].to_numpy(), grid["sex"].to_numpy())
    col = {s: i for i, s in enumerate(SMOKING_STATUSES)}
    smk_share = shares[np.arange(len(grid)), grid["smoking"].map(col).to_numpy()]
    stat_share = stat.set_index(["age", "sex"])["share"]
    share = stat_share.reindex(pd.MultiIndex.from_frame(grid[["age", "sex"]])).to_numpy() \
        * smk_share
    target_p = scenario.prevalence * scenario.paraneoplastic_share_prevalent
    target_n = scenario.prevalence - target_p
    k_p = target_p / float((share * p_p).sum()) if target_p > 0 else 0.0
    k_n = target_n / float((share * p_n).sum()) if target_n > 0 else 0.0
    p_p, p_n, p_sclc = p_p * k_p, p_n * k_n, p_sclc * k_p
    free = 1.0 - p_p - p_n
    if (free <= 0).any():
        raise ValueError("onset_rates: after rescaling to the population structure some "
                         "stratum's case probability reaches 1; lower the scenario's prevalence.")
    dp, dn = scenario.duration_paraneoplastic, scenario.duration_nonparaneoplastic
    out = grid[["age", "sex", "smoking"]].copy()
    out["share"] = share
    out["prevalence_paraneoplastic"] = p_p
    out["prevalence_nonparaneoplastic"] = p_n
    out["sclc_share_of_paraneoplastic"] = np.divide(p_sclc, p_p, out=np.zeros_like(p_p),
                                                    where=p_p > 0)
    out["incidence_paraneoplastic"] = p_p / (dp * free)
    out["incidence_nonparaneoplastic"] = p_n / (dn * free)
    out.attrs = {
        "scale_paraneoplastic": k_p, "scale_nonparaneoplastic": k_n,
        "target_paraneoplastic": target_p, "target_nonparaneoplastic": target_n,
        "duration_paraneoplastic": dp, "duration_nonparaneoplastic": dn,
        **stat.attrs, "structure": structure,
    }
    return out
