"""Follow-up of an open population over calendar time: LEMS onset, SCLC, death.

:func:`simulate_followup` follows persons from ``start`` to ``start + years``. The design, in
short (each point is an assumption of the simulation, stated here so that it can be judged):

Population (``structure="stationary"``, the default)
    The life table's stationary population (:func:`lems_epi.simulate.incidence.\
stationary_population`): at ``start`` ``n`` persons are drawn from its age x sex structure,
    newborns enter at ``n / e0`` per year (uniform over the calendar period, boys with the
    reference population's share at age 0) and everybody dies at the life table's hazards.
    Births replace deaths, so the size and the age x sex structure stay the same over time. A
    population with fixed mortality and no migration is stationary *only* with this structure,
    so the reference population (e.g. Denmark 2013) is not copied: it enters through the risk
    model, whose stratum risks are rescaled to the stationary population so that the crude
    prevalence by type equals the scenario's (see :func:`~lems_epi.simulate.incidence.\
onset_rates`).
Population (``structure="reference"``)
    At ``start`` ``n`` persons are drawn from the reference population's own age x sex
    structure (:func:`~lems_epi.simulate.incidence.reference_structure`; the stratum risks are
    rescaled to it, by factors within 1e-5 of 1 for the seed scenarios). Every death is
    replaced at its time by an entrant, so the size is exactly ``n`` at all times: free of
    LEMS, with the smoking status of the scenario's table for its age and sex, in the sex and
    single year of age (at the end of the current calendar year of follow-up) furthest below
    the reference structure scaled to ``n``, born at that moment when age 0 is what is short.
    Entrants who die before the year's end are replaced in turn. Nobody leaves except by
    death, so a cohort larger than its target (a baby-boom cohort growing old) cannot be
    reduced, and the structure drifts. Measured with ``n = 10**6`` (scenario ``seed-base``,
    Denmark 2013, Finnish 2013 life table), the total variation distance between the
    simulated and the reference age x sex distribution (:func:`age_sex_distance`) is 0.005 at
    ``start`` (sampling alone), 0.048 after 5 years, 0.069 after 10 and 0.073 after 20 (the
    stationary population is at 0.064 from Denmark 2013 throughout); the mean age rises from
    40.7 to 43.4 (10 years) and 44.8 (20 years): ages 0-19 fall 3.2 points short of their
    share at 10 years, ages 70-89 are 4.3 points over. Because entrants only fill deficits,
    the distance equals the share of persons in cohorts above their target, which no entry rule
    can reduce (figures from one run each). The ageing moves the prevalence that the model's stratum
    risks imply: paraneoplastic +3.6% after 10 years (0.551 to 0.571 per 1000 at a scenario
    prevalence of 1e-3), non-paraneoplastic -1.0% (-2.0% after 20 years). Entrants arriving
    free of LEMS do not break prevalence = incidence x duration: each case leaves at rate
    ``1 / D_t`` whatever the inflow of healthy persons, so the case pool obeys Little's law in
    steady state; their deficit of cases is small because most entrants are newborns (74%;
    the others enter at 23 years on average, where LEMS is rare). Over 10 years
    ``prevalence_ratio`` is 0.993 (paraneoplastic) and 0.969 (non-paraneoplastic), -0.14 and
    -0.38 standard errors from 1 (stationary: 0.976 and 0.941, -0.54 and -0.71). So
    P = I x D passes for both; but the prevalence does not stay at the scenario's: the +3.6%
    drift is 0.85 standard errors of the test's check at ``n = 10**6`` (raising its false-alarm
    rate about eighteenfold, and more with larger ``n``) and grows with follow-up, and the
    reference structure itself is not kept. ``"stationary"`` is therefore the default: it is
    the one structure that stays put without migration, which is what the identity needs.
Smoking
    Each person has a fixed rank ``u`` (uniform); at each age the status is the one whose
    cumulative share (never, former, current) in the scenario's smoking table first exceeds
    ``u``. The shares by age and sex are then exactly the table's and a person changes status
    only when the shares do. The ``smoking`` column is the status at exit.
LEMS onset
    Among persons free of LEMS, at the rates of :func:`~lems_epi.simulate.incidence.\
onset_rates` (rate = stratum prevalence / mean duration). A person has at most one episode.
Paraneoplastic LEMS
    After onset the all-cause death hazard is ``1 / duration_paraneoplastic`` (exponential
    survival; its median ``duration_paraneoplastic * ln 2`` is 17 months for the default 2.04
    years, Lipka et al. 2020 [1]_). The tumour is SCLC with the stratum's SCLC share, otherwise
    ``other``. SCLC is diagnosed after LEMS onset with a delay that is exponential with mean one
    month (90%) or one year (10%): 88% within 3 months, 96% within a year, 99% within two years
    (Titulaer et al. 2008 [2]_; O'Neill et al. 1988 [3]_). A diagnosis that would fall after
    death or after the end of follow-up is missing. Because survival is exponential, survival
    from SCLC diagnosis has the same median as survival from onset.
Non-paraneoplastic LEMS
    Near-normal survival (Lipka et al. 2020): the case dies at the life table's hazard and the
    disease ends (remission, Maddison et al. 2001 [4]_) at the rate that brings the total rate of
    leaving the disease to ``1 / duration_nonparaneoplastic``, so the mean duration is exactly the
    scenario's. Where the background hazard exceeds ``1 / duration_nonparaneoplastic`` (about 80
    years of age for 25 years) the case's death hazard is capped there, a small departure from
    normal survival in the very old that keeps prevalence = incidence x duration exact.
SCLC without LEMS
    Persons free of LEMS aged ``sclc_min_age`` or more develop SCLC at ``sclc_rate`` per
    person-year (default 76.3 per million, SEER 1992-2010, Dores et al. 2015 [5]_; a flat rate,
    a teaching simplification) and then die at a constant hazard with median
    ``sclc_median_survival`` (7 months, Lipka et al. 2020). They are not at risk of LEMS.
Steady state at ``start``
    A person of stratum x is a prevalent case of type t with the rescaled case probability
    ``p_t(x)``; the onset lies ``B`` years before ``start``, ``B`` exponential with mean ``D_t``
    truncated at the person's age (exact for the memoryless exit; an approximation only for the
    reported onset dates). Prevalent SCLC without LEMS is not seeded.

References
----------
.. [1] Lipka AF, Boldingh MI, van Zwet EW, et al. (2020). Long-term follow-up, quality of life,
   and survival of patients with Lambert-Eaton myasthenic syndrome. Neurology 94(5):e511-e520.
   https://doi.org/10.1212/WNL.0000000000008747
.. [2] Titulaer MJ, Wirtz PW, Willems LNA, et al. (2008). Screening for small-cell lung cancer:
   a follow-up study of patients with Lambert-Eaton myasthenic syndrome. Journal of Clinical
   Oncology 26(26):4276-4281.
.. [3] O'Neill JH, Murray NM, Newsom-Davis J (1988). The Lambert-Eaton myasthenic syndrome. A
   review of 50 cases. Brain 111(3):577-596.
.. [4] Maddison P, Lang B, Mills K, Newsom-Davis J (2001). Long term outcome in Lambert-Eaton
   myasthenic syndrome without lung cancer. Journal of Neurology, Neurosurgery and Psychiatry
   70(2):212-217.
.. [5] Dores GM, Qubaiah O, Mody A, Ghabach B, Devesa SS (2015). A population-based study of
   incidence and patient survival of small cell carcinoma in the United States, 1992-2010. BMC
   Cancer 15:185. https://doi.org/10.1186/s12885-015-1188-y
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from lems_epi._rng import as_generator
from lems_epi._validation import check_whole_number
from lems_epi.populations.loaders import population as _population
from lems_epi.populations.smoking import SMOKING_STATUSES, smoking_by_age, smoking_prevalence
from lems_epi.scenario import coerce_scenario
from lems_epi.simulate.incidence import (
    MAX_AGE,
    SEXES,
    STRUCTURES,
    life_table_hazards,
    onset_rates,
    reference_structure,
    stationary_population,
)

__all__ = ["LEMS_TYPES", "SCLC_DELAY", "age_sex_distance", "simulate_followup"]

LEMS_TYPES = ("paraneoplastic", "nonparaneoplastic")
#: Delay from LEMS onset to SCLC diagnosis: (share, mean in years) of two exponential parts.
SCLC_DELAY = ((0.9, 1 / 12), (0.1, 1.0))

# person states during the simulation
_FREE, _PARA, _NONPARA, _REMITTED, _SCLC_ONLY, _DEAD = range(6)


def _sclc_delay(gen: np.random.Generator, size: int) -> np.ndarray:
    (share, short), (_, long_) = SCLC_DELAY
    mean = np.where(gen.random(size) < share, short, long_)
    return gen.exponential(size=size) * mean


def _birth_rate(rates, mu, e0, dp, sclc_rate, sclc_min_age) -> float:
    """Births per person-year: the life table's ``1 / e0`` plus the excess deaths of cases.

    Paraneoplastic cases die at ``1 / D_p`` instead of the background hazard, and persons with
    SCLC without LEMS die within months; the extra births replace those excess deaths so that
    the size stays ``n`` in expectation (a negligible correction at real LEMS prevalences).
    """
    sx = (rates["sex"].to_numpy() == "male").astype(int)
    bg = mu[sx, rates["age"].to_numpy()]
    share = rates["share"].to_numpy()
    para = float((share * rates["prevalence_paraneoplastic"].to_numpy()
                  * np.clip(1 / dp - bg, 0, None)).sum())
    sclc = float(share[rates["age"].to_numpy() >= sclc_min_age].sum()) * sclc_rate
    return 1 / e0 + para + sclc


def _check_inputs(scenario, n, start, years, sclc_rate, sclc_min_age, sclc_median_survival,
                  structure):
    caller = "simulate_followup"
    scenario = coerce_scenario(scenario, caller=caller)
    if n is not None:
        check_whole_number(n, name="n", caller=caller,
                           hint="'n' is the number of persons at start (None: the "
                           "population's size).")
    for name, value, low in (("start", start, None), ("years", years, 0.0),
                             ("sclc_rate", sclc_rate, 0.0), ("sclc_min_age", sclc_min_age, 0.0),
                             ("sclc_median_survival", sclc_median_survival, 0.0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value):
            raise TypeError(f"{caller}: '{name}' must be a finite number, got {value!r}.")
        strict = name in ("years", "sclc_median_survival")
        if low is not None and (value < low or (strict and value == low)):
            raise ValueError(f"{caller}: '{name}' must be {'>' if strict else '>='} {low:g}, "
                             f"got {value!r}.")
    if not isinstance(structure, str) or structure not in STRUCTURES:
        raise ValueError(f"{caller}: 'structure' must be one of {STRUCTURES}, got "
                         f"{structure!r}.")
    return scenario


class _Persons:
    """Growable per-person arrays (capacity doubles, so appending entrants stays cheap)."""

    _SPEC = (("sex", np.int8, 0), ("birth", float, np.nan), ("entry", float, np.nan),
             ("aint", np.int64, 0), ("u", float, np.nan), ("state", np.int8, _FREE),
             ("ltype", np.int8, 0), ("cancer", np.int8, 0), ("onset", float, np.nan),
             ("sclc_dx", float, np.nan), ("lems_end", float, np.nan), ("death", float, np.nan),
             ("t", float, np.nan))

    def __init__(self, capacity):
        self.size = 0
        self._alloc(max(int(capacity), 1))

    def _alloc(self, capacity):
        old = {name: getattr(self, name) for name, _, _ in self._SPEC} if self.size else {}
        for name, dtype, fill in self._SPEC:
            arr = np.full(capacity, fill, dtype=dtype)
            if name in old:
                arr[:self.size] = old[name][:self.size]
            setattr(self, name, arr)
        self.capacity = capacity

    def add(self, sex, birth, entry, aint, u) -> np.ndarray:
        m = len(sex)
        if self.size + m > self.capacity:
            self._alloc(max(2 * self.capacity, self.size + m))
        idx = np.arange(self.size, self.size + m)
        self.sex[idx], self.birth[idx], self.entry[idx] = sex, birth, entry
        self.aint[idx], self.u[idx], self.t[idx] = aint, u, entry
        self.size += m
        return idx

    def column(self, name):
        return getattr(self, name)[:self.size]


class _Model:
    """Rates by (sex, age, smoking) and the state transitions of one person."""

    def __init__(self, scenario, rates, life_table, sclc_rate, sclc_min_age,
                 sclc_median_survival):
        shape = (MAX_AGE + 1, 2, 3)

        def grid(col):
            return rates[col].to_numpy().reshape(shape).transpose(1, 0, 2)

        self.inc_p, self.inc_n = grid("incidence_paraneoplastic"), \
            grid("incidence_nonparaneoplastic")
        self.prev_p, self.prev_n = grid("prevalence_paraneoplastic"), \
            grid("prevalence_nonparaneoplastic")
        self.sclc_sh = grid("sclc_share_of_paraneoplastic")
        self.mu = life_table_hazards(life_table)
        ages = np.arange(MAX_AGE + 1)
        table = smoking_prevalence(scenario.smoking_prevalence)
        cum = np.stack([np.cumsum(smoking_by_age(table, ages, np.full(ages.size, s)), axis=1)
                        for s in SEXES])  # (sex, age, 3)
        cum[..., -1] = 1.0
        self.cum = cum
        self.dp = scenario.duration_paraneoplastic
        self.dn = scenario.duration_nonparaneoplastic
        self.sclc_rate, self.sclc_min_age = float(sclc_rate), float(sclc_min_age)
        self.sclc_death = math.log(2) / sclc_median_survival

    def smoking_of(self, sx, a, u):
        c = self.cum[sx, a]
        return (u[:, None] >= c[:, :2]).sum(axis=1)

    def seed_prevalent(self, P, idx, age0, gen):
        """Prevalent cases among persons ``idx`` alive at their entry (steady state)."""
        a_ = np.minimum(P.aint[idx], MAX_AGE)
        sx = P.sex[idx]
        smk = self.smoking_of(sx, a_, P.u[idx])
        pp, pn = self.prev_p[sx, a_, smk], self.prev_n[sx, a_, smk]
        v = gen.random(idx.size)
        for code, mask, d in ((_PARA, v < pp, self.dp),
                              (_NONPARA, (v >= pp) & (v < pp + pn), self.dn)):
            k = np.flatnonzero(mask)
            j = idx[k]
            ww = gen.random(k.size)
            back = -d * np.log1p(-ww * -np.expm1(-age0[k] / d))
            P.state[j] = code
            P.ltype[j] = code
            P.onset[j] = P.t[j] - back
            if code == _PARA:
                is_sclc = gen.random(k.size) < self.sclc_sh[sx[k], a_[k], smk[k]]
                P.cancer[j] = np.where(is_sclc, 1, 2)
                js = j[is_sclc]
                P.sclc_dx[js] = P.onset[js] + _sclc_delay(gen, js.size)

    def advance(self, P, idx, until, gen) -> np.ndarray:
        """Follow persons ``idx`` from their time ``t`` to ``until``; return those who died.

        Competing hazards, piecewise constant within each year of age.
        """
        mu, dp, dn = self.mu, self.dp, self.dn
        died = []
        active = idx[P.t[idx] < until]
        while active.size:
            i = active
            a_ = np.minimum(P.aint[i], MAX_AGE)
            sx, st = P.sex[i], P.state[i]
            smk = self.smoking_of(sx, a_, P.u[i])
            seg_end = np.minimum(P.birth[i] + P.aint[i] + 1, until)
            bg = mu[sx, a_]
            free = st == _FREE
            haz = np.zeros((i.size, 5))
            haz[:, 0] = np.select([st == _PARA, st == _NONPARA, st == _SCLC_ONLY],
                                  [1 / dp, np.minimum(bg, 1 / dn), self.sclc_death], bg)
            haz[:, 1] = np.where(free, self.inc_p[sx, a_, smk], 0.0)
            haz[:, 2] = np.where(free, self.inc_n[sx, a_, smk], 0.0)
            haz[:, 3] = np.where(free & (P.aint[i] >= self.sclc_min_age), self.sclc_rate, 0.0)
            haz[:, 4] = np.where(st == _NONPARA, 1 / dn - np.minimum(bg, 1 / dn), 0.0)
            tot = haz.sum(axis=1)
            e = gen.exponential(size=i.size)
            dt = np.divide(e, tot, out=np.full(i.size, np.inf), where=tot > 0)
            t_new = P.t[i] + dt
            hit = t_new < seg_end
            # no event in this year of age: move to the birthday (or to ``until``)
            j = i[~hit]
            birthday = seg_end[~hit] < until
            P.t[j] = seg_end[~hit]
            P.aint[j[birthday]] += 1
            # an event: pick which one
            k = i[hit]
            hk, tk = haz[hit], t_new[hit]
            r = gen.random(k.size) * tot[hit]
            which = (r[:, None] > np.cumsum(hk, axis=1)[:, :-1]).sum(axis=1)
            P.t[k] = tk
            d = k[which == 0]
            P.death[d] = P.t[d]
            ended = (P.state[d] == _PARA) | (P.state[d] == _NONPARA)
            P.lems_end[d[ended]] = P.t[d[ended]]
            P.state[d] = _DEAD
            died.append(d)
            for code, col in ((_PARA, 1), (_NONPARA, 2)):
                o = k[which == col]
                P.state[o] = code
                P.ltype[o] = code
                P.onset[o] = P.t[o]
            o = k[which == 1]
            if o.size:
                ao = np.minimum(P.aint[o], MAX_AGE)
                is_sclc = gen.random(o.size) < self.sclc_sh[P.sex[o], ao,
                                                            self.smoking_of(P.sex[o], ao, P.u[o])]
                P.cancer[o] = np.where(is_sclc, 1, 2)
                os_ = o[is_sclc]
                P.sclc_dx[os_] = P.t[os_] + _sclc_delay(gen, os_.size)
            s = k[which == 3]
            P.state[s] = _SCLC_ONLY
            P.cancer[s] = 1
            P.sclc_dx[s] = P.t[s]
            rem = k[which == 4]
            P.state[rem] = _REMITTED
            P.lems_end[rem] = P.t[rem]
            active = i[(P.state[i] != _DEAD) & (P.t[i] < until)]
        return np.concatenate(died) if died else np.zeros(0, np.int64)


def _allocate(deficit: np.ndarray, m: int) -> np.ndarray:
    """Give ``m`` entrants one at a time to the cell furthest below its target.

    The greedy rule (each entrant to the cell with the largest remaining deficit, which then
    drops by one) is computed at once: cell ``c`` receives ``ceil(deficit_c - L)`` entrants
    for the level ``L`` at which they add up to ``m`` (found by bisection), ties broken
    towards the lowest cell index.
    """
    if m <= 0:
        return np.zeros(deficit.size, np.int64)

    def count(level):
        return np.maximum(np.ceil(deficit - level), 0.0)

    lo, hi = float(deficit.min()) - m - 1.0, float(deficit.max())
    for _ in range(100):  # count(lo) >= m > count(hi)
        mid = 0.5 * (lo + hi)
        if count(mid).sum() >= m:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-9:
            break
    x = count(lo).astype(np.int64)
    extra = int(x.sum()) - m
    if extra > 0:  # the last units taken (smallest remaining deficit) go back
        last = np.where(x > 0, deficit - x + 1, np.inf)
        order = np.argsort(last, kind="stable")[:extra]
        x[order] -= 1
    return x


def age_sex_distance(followup, at, *, population=None, life_table="finland-2013") -> pd.DataFrame:
    """Total variation distance between the simulated and the reference age x sex structure.

    The persons followed at ``at`` (``entry <= at < exit``) are counted by sex and single
    year of age, the oldest grouped into the reference population's open last age; the
    distance is half the sum of the absolute differences of the two distributions (0 when
    they agree, 1 when they do not overlap): the share of the population that would have to
    move to another age or sex to restore the reference structure.

    Parameters
    ----------
    followup : pandas.DataFrame
        Output of :func:`simulate_followup` (``sex``, ``birth``, ``entry``, ``exit``).
    at : float or sequence of float
        Calendar times.
    population : str or pandas.DataFrame, optional
        Reference population; default ``followup.attrs["population"]``, else Denmark 2013.
    life_table : str or pandas.DataFrame
        Passed to :func:`~lems_epi.simulate.incidence.reference_structure`.

    Returns
    -------
    pandas.DataFrame
        One row per time: ``at``, ``population`` (persons followed) and ``distance``.

    Examples
    --------
    >>> dist = {st: age_sex_distance(simulate_followup("seed-base", n=50_000, years=1, rng=3,
    ...                                                structure=st), at=2020.0)
    ...         for st in ("reference", "stationary")}
    >>> {st: round(float(d["distance"].iloc[0]), 2) for st, d in dist.items()}
    {'reference': 0.02, 'stationary': 0.07}
    """
    if population is None:
        population = followup.attrs.get("population", "denmark-2013")
    ref = reference_structure(population, life_table)
    top = ref.attrs["top_age"]
    target = np.zeros((2, top + 1))
    sx = (ref["sex"] == "male").to_numpy(int)
    np.add.at(target, (sx, np.minimum(ref["age"].to_numpy(), top)), ref["share"].to_numpy())
    sex = (followup["sex"].astype(object) == "male").to_numpy(int)
    birth = followup["birth"].to_numpy(float)
    entry, exit_ = followup["entry"].to_numpy(float), followup["exit"].to_numpy(float)
    rows = []
    for d in np.atleast_1d(np.asarray(at, float)):
        alive = (entry <= d) & (exit_ > d)
        age = np.clip(np.floor(d - birth[alive]).astype(np.int64), 0, top)
        counts = np.zeros((2, top + 1))
        np.add.at(counts, (sex[alive], age), 1.0)
        total = counts.sum()
        dist = 0.5 * float(np.abs(counts / total - target).sum()) if total else np.nan
        rows.append({"at": float(d), "population": int(total), "distance": dist})
    return pd.DataFrame(rows)


def simulate_followup(scenario, n=None, *, population=None, start=2020.0, years=10, rng=None,
                      structure="stationary", life_table="finland-2013", sclc_rate=76.3e-6,
                      sclc_min_age=40.0, sclc_median_survival=7 / 12) -> pd.DataFrame:
    """Follow an open population over calendar time (LEMS, SCLC and death).

    See the module documentation for the model and its assumptions, and for the choice
    between the two population structures.

    Parameters
    ----------
    scenario : Scenario or str
        The scenario (or a named one): prevalence and share by type, stratum risks, mean
        durations.
    n : int, optional
        Persons alive at ``start``; default the size of ``population``.
    population : str or pandas.DataFrame, optional
        The reference population: sets the default ``n``, the share of boys at birth and,
        with ``structure="reference"``, the age x sex structure kept over time; default the
        scenario's reference population (not :data:`lems_epi.scenario.DEFAULT_POPULATION`:
        the follow-up's figures below are measured against the population the scenario is
        calibrated in).
    start : float
        Calendar time at which follow-up starts (decimal years).
    years : float
        Length of follow-up; everybody alive is followed to ``start + years``.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    structure : {"stationary", "reference"}
        ``"stationary"`` (default): the life table's stationary population, renewed by births
        only; its size, structure and prevalence stay put. ``"reference"``: the population
        starts with the reference population's age x sex structure and each death is replaced
        at once by a disease-free entrant at the age and sex furthest below that structure (a
        birth when births are short); no emigration, so the structure drifts (the module
        documentation gives the figures and why this is not the default).
    life_table : str or pandas.DataFrame
        Background mortality by sex and single year of age (see :func:`lems_epi.life_table`).
    sclc_rate : float
        Incidence of SCLC without LEMS per person-year at ages ``sclc_min_age`` and over.
    sclc_min_age : float
        Youngest age at which SCLC without LEMS occurs.
    sclc_median_survival : float
        Median survival (years) after SCLC without LEMS.

    Returns
    -------
    pandas.DataFrame
        One row per person: ``person_id``, ``sex``, ``birth``, ``smoking`` (at exit),
        ``entry`` (``start``, birth for newborns, or the time of entry at an older age),
        ``exit``, ``exit_reason`` (``death`` or ``end``), ``lems_onset`` (calendar time,
        missing without LEMS; before ``start`` for prevalent cases), ``lems_type``,
        ``cancer`` (``SCLC``, ``other`` or missing), ``sclc_diagnosis`` (missing if SCLC was
        not diagnosed before exit), ``lems_end`` (death or remission; missing while the
        disease lasts) and ``death`` (missing if alive at ``start + years``). Times are
        decimal years. ``attrs`` holds the scenario, the structure, the follow-up window, the
        durations and the rates used.

    Raises
    ------
    TypeError, ValueError
        For a bad scenario, size, structure, time or rate.

    Examples
    --------
    >>> from lems_epi import Scenario
    >>> s = Scenario.named("seed-base").replace(prevalence=1e-3)
    >>> f = simulate_followup(s, n=20_000, years=5, rng=1)
    >>> list(f.columns[:7])
    ['person_id', 'sex', 'birth', 'smoking', 'entry', 'exit', 'exit_reason']
    >>> bool((f["exit"] <= 2025.0).all()), sorted(f["lems_type"].dropna().unique())
    (True, ['nonparaneoplastic', 'paraneoplastic'])
    >>> g = simulate_followup(s, n=20_000, years=5, rng=1, structure="reference")
    >>> alive = lambda t: int(((g["entry"] <= t) & (g["exit"] > t)).sum())
    >>> alive(2020.0), alive(2022.5), alive(2024.999)
    (20000, 20000, 20000)
    """
    scenario = _check_inputs(scenario, n, start, years, sclc_rate, sclc_min_age,
                             sclc_median_survival, structure)
    gen = as_generator(rng, caller="simulate_followup")
    if population is None:
        population = scenario.reference_population
    if n is None:
        n = int(_population(population)["population"].sum())
    start, end = float(start), float(start) + float(years)
    rates = onset_rates(scenario, life_table=life_table, population=population,
                        structure=structure)
    model = _Model(scenario, rates, life_table, sclc_rate, sclc_min_age, sclc_median_survival)
    mu = model.mu
    dp = model.dp
    e0 = rates.attrs["life_expectancy"]

    if structure == "stationary":
        # --- persons alive at start, from the stationary structure
        stat = stationary_population(life_table, rates.attrs["male_share_at_birth"])
        pick = gen.choice(len(stat), size=n, p=stat["share"].to_numpy())
        sex0 = (stat["sex"].to_numpy()[pick] == "male").astype(np.int8)
        a0 = stat["age"].to_numpy()[pick]
        h0 = stat["hazard"].to_numpy()[pick]
        w = gen.random(n)
        frac = np.where(h0 > 0, -np.log1p(-w * -np.expm1(-np.maximum(h0, 1e-300)))
                        / np.maximum(h0, 1e-300), w)
        top = a0 == MAX_AGE
        frac[top] = gen.exponential(size=int(top.sum())) / h0[top]
        age0 = a0 + frac
        # --- newborns
        m = int(gen.poisson(n * _birth_rate(rates, mu, e0, dp, sclc_rate, sclc_min_age)
                            * (end - start)))
        total = n + m
        P = _Persons(total)
        birth = np.concatenate([start - age0, gen.uniform(start, end, size=m)])
        sex = np.concatenate([sex0, (gen.random(m) < rates.attrs["male_share_at_birth"])
                              .astype(np.int8)])
        entry = np.concatenate([np.full(n, start), birth[n:]])
        aint = np.concatenate([np.floor(age0).astype(np.int64), np.zeros(m, np.int64)])
        everyone = P.add(sex, birth, entry, aint, gen.random(total))
        model.seed_prevalent(P, everyone[:n], age0, gen)
        model.advance(P, everyone, end, gen)
    else:
        P = _replacement_run(model, population, life_table, n, start, end, gen)

    out = _table(P, model, end)
    out.attrs = {
        "scenario": scenario.name, "structure": structure,
        "population": population if isinstance(population, str) else "user",
        "start": start, "end": end, "n_start": int(n),
        "prevalence": scenario.prevalence,
        "paraneoplastic_share_prevalent": scenario.paraneoplastic_share_prevalent,
        "paraneoplastic_share_incident": scenario.paraneoplastic_share_incident,
        "duration_paraneoplastic": dp, "duration_nonparaneoplastic": model.dn,
        "life_expectancy": e0, "sclc_rate": float(sclc_rate),
        "sclc_min_age": float(sclc_min_age), "sclc_median_survival": float(sclc_median_survival),
        "life_table": life_table if isinstance(life_table, str) else "user",
    }
    return out


#: Time step (years) at which the deficits of the reference structure are assessed.
_STEP = 1.0


def _replacement_run(model, population, life_table, n, start, end, gen) -> _Persons:
    """The reference structure kept by replacing each death with an entrant where needed."""
    ref = reference_structure(population, life_table)
    top = ref.attrs["top_age"]
    share = ref["share"].to_numpy()
    ref_sex = (ref["sex"] == "male").to_numpy(np.int8)
    ref_age = ref["age"].to_numpy()
    # targets by (sex, age 0..top), the open last age holding everybody older
    target = np.zeros((2, top + 1))
    np.add.at(target, (ref_sex, np.minimum(ref_age, top)), share * n)
    target = target.ravel()

    pick = gen.choice(share.size, size=n, p=share)
    age0 = ref_age[pick] + gen.random(n)
    P = _Persons(int(n * (1 + 0.02 * (end - start))) + 16)
    idx = P.add(ref_sex[pick], start - age0, np.full(n, start),
                np.floor(age0).astype(np.int64), gen.random(n))
    model.seed_prevalent(P, idx, age0, gen)

    steps = np.arange(start + _STEP, end, _STEP)
    for tb in [*steps[steps < end - 1e-9], end]:
        alive = np.flatnonzero(P.state[:P.size] != _DEAD)
        died = model.advance(P, alive, tb, gen)
        while died.size:  # entrants can die before tb; they are replaced in turn
            living = np.flatnonzero(P.state[:P.size] != _DEAD)
            age_tb = np.minimum(np.floor(tb - P.birth[living]).astype(np.int64), top)
            counts = np.bincount(P.sex[living].astype(np.int64) * (top + 1) + age_tb,
                                 minlength=target.size)
            x = _allocate(target - counts, died.size)
            cell = np.repeat(np.arange(target.size), x)
            cell = cell[gen.permutation(cell.size)]
            sx, a = (cell // (top + 1)).astype(np.int8), cell % (top + 1)
            when = P.death[died]
            # age at tb within the cell; newborns are born at the death they replace
            birth = np.where(a == 0, when, tb - a - gen.random(cell.size))
            birth = np.minimum(birth, when)
            new = P.add(sx, birth, when, np.floor(when - birth).astype(np.int64),
                        gen.random(cell.size))
            died = model.advance(P, new, tb, gen)
    return P


def _table(P, model, end) -> pd.DataFrame:
    death = P.column("death")
    exit_ = np.where(np.isnan(death), end, death)
    sclc_dx = P.column("sclc_dx").copy()
    sclc_dx[sclc_dx > exit_] = np.nan
    sex, u = P.column("sex"), P.column("u")
    a_exit = np.minimum(P.column("aint"), MAX_AGE)
    smk_exit = model.smoking_of(sex, a_exit, u)
    return pd.DataFrame({
        "person_id": np.arange(P.size, dtype=np.int64),
        "sex": pd.Categorical.from_codes(sex, categories=list(SEXES)),
        "birth": P.column("birth").copy(),
        "smoking": pd.Categorical.from_codes(smk_exit, categories=list(SMOKING_STATUSES)),
        "entry": P.column("entry").copy(),
        "exit": exit_,
        "exit_reason": pd.Categorical.from_codes(np.isnan(death).astype(np.int8),
                                                 categories=["death", "end"]),
        "lems_onset": P.column("onset").copy(),
        "lems_type": pd.Categorical.from_codes(P.column("ltype").astype(np.int8) - 1,
                                               categories=list(LEMS_TYPES)),
        "cancer": pd.Categorical.from_codes(P.column("cancer").astype(np.int8) - 1,
                                            categories=["SCLC", "other"]),
        "sclc_diagnosis": sclc_dx,
        "lems_end": P.column("lems_end").copy(),
        "death": death.copy(),
    })
