"""Follow-up of an open, stationary population over calendar time: LEMS onset, SCLC, death.

:func:`simulate_followup` follows persons from ``start`` to ``start + years``. The design, in
short (each point is an assumption of the simulation, stated here so that it can be judged):

Population
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
from lems_epi.populations.loaders import population as _population
from lems_epi.populations.smoking import SMOKING_STATUSES, smoking_by_age, smoking_prevalence
from lems_epi.simulate.incidence import (
    MAX_AGE,
    SEXES,
    life_table_hazards,
    onset_rates,
    stationary_population,
)

__all__ = ["LEMS_TYPES", "SCLC_DELAY", "simulate_followup"]

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


def _check_inputs(scenario, n, start, years, sclc_rate, sclc_min_age, sclc_median_survival):
    from lems_epi.scenario import Scenario

    caller = "simulate_followup"
    if isinstance(scenario, str):
        scenario = Scenario.named(scenario)
    if not isinstance(scenario, Scenario):
        raise TypeError(f"{caller}: 'scenario' must be a Scenario or the name of a named one, "
                        f"got {type(scenario).__name__}.")
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"{caller}: 'n' must be a whole number >= 1 (persons at start) or "
                             f"None for the population's size, got {n!r}.")
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
    return scenario


def simulate_followup(scenario, n=None, population=None, start=2020.0, years=10, rng=None, *,
                      life_table="finland-2013", sclc_rate=76.3e-6, sclc_min_age=40.0,
                      sclc_median_survival=7 / 12) -> pd.DataFrame:
    """Follow an open, stationary population over calendar time (LEMS, SCLC and death).

    See the module documentation for the model and its assumptions.

    Parameters
    ----------
    scenario : Scenario or str
        The scenario (or a named one): prevalence and share by type, stratum risks, mean
        durations.
    n : int, optional
        Persons alive at ``start``; default the size of ``population``.
    population : str or pandas.DataFrame, optional
        Sets the default ``n`` and the share of boys at birth; default the scenario's reference
        population.
    start : float
        Calendar time at which follow-up starts (decimal years).
    years : float
        Length of follow-up; everybody alive is followed to ``start + years``.
    rng : None, int or numpy.random.Generator
        Source of randomness.
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
        ``entry`` (``start``, or birth for newborns), ``exit``, ``exit_reason`` (``death`` or
        ``end``), ``lems_onset`` (calendar time, missing without LEMS; before ``start`` for
        prevalent cases), ``lems_type``, ``cancer`` (``SCLC``, ``other`` or missing),
        ``sclc_diagnosis`` (missing if SCLC was not diagnosed before exit), ``lems_end``
        (death or remission; missing while the disease lasts) and ``death`` (missing if alive
        at ``start + years``). Times are decimal years. ``attrs`` holds the scenario, the
        follow-up window, the durations and the rates used.

    Raises
    ------
    TypeError, ValueError
        For a bad scenario, size, time or rate.

    Examples
    --------
    >>> from lems_epi import Scenario
    >>> s = Scenario.named("seed-base").replace(prevalence=1e-3)
    >>> f = simulate_followup(s, n=20_000, years=5, rng=1)
    >>> list(f.columns[:7])
    ['person_id', 'sex', 'birth', 'smoking', 'entry', 'exit', 'exit_reason']
    >>> bool((f["exit"] <= 2025.0).all()), sorted(f["lems_type"].dropna().unique())
    (True, ['nonparaneoplastic', 'paraneoplastic'])
    """
    scenario = _check_inputs(scenario, n, start, years, sclc_rate, sclc_min_age,
                             sclc_median_survival)
    gen = as_generator(rng, caller="simulate_followup")
    if population is None:
        population = scenario.reference_population
    if n is None:
        n = int(_population(population)["population"].sum())
    start, end = float(start), float(start) + float(years)
    rates = onset_rates(scenario, life_table, population)
    mu = life_table_hazards(life_table)
    shape = (MAX_AGE + 1, 2, 3)
    inc_p = rates["incidence_paraneoplastic"].to_numpy().reshape(shape).transpose(1, 0, 2)
    inc_n = rates["incidence_nonparaneoplastic"].to_numpy().reshape(shape).transpose(1, 0, 2)
    prev_p = rates["prevalence_paraneoplastic"].to_numpy().reshape(shape).transpose(1, 0, 2)
    prev_n = rates["prevalence_nonparaneoplastic"].to_numpy().reshape(shape).transpose(1, 0, 2)
    sclc_sh = rates["sclc_share_of_paraneoplastic"].to_numpy().reshape(shape).transpose(1, 0, 2)
    ages = np.arange(MAX_AGE + 1)
    table = smoking_prevalence(scenario.smoking_prevalence)
    cum = np.stack([np.cumsum(smoking_by_age(table, ages, np.full(ages.size, s)), axis=1)
                    for s in SEXES])  # (sex, age, 3)
    cum[..., -1] = 1.0

    def smoking_of(sx, a, u):
        c = cum[sx, a]
        return (u[:, None] >= c[:, :2]).sum(axis=1)

    dp, dn = scenario.duration_paraneoplastic, scenario.duration_nonparaneoplastic
    stat = stationary_population(life_table, rates.attrs["male_share_at_birth"])

    # --- persons alive at start, from the stationary structure
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
    e0 = rates.attrs["life_expectancy"]
    m = int(gen.poisson(n * _birth_rate(rates, mu, e0, dp, sclc_rate, sclc_min_age)
                        * (end - start)))
    total = n + m
    birth = np.concatenate([start - age0, gen.uniform(start, end, size=m)])
    sex = np.concatenate([sex0, (gen.random(m) < rates.attrs["male_share_at_birth"])
                          .astype(np.int8)])
    entry = np.concatenate([np.full(n, start), birth[n:]])
    aint = np.concatenate([np.floor(age0).astype(np.int64), np.zeros(m, np.int64)])
    u = gen.random(total)
    state = np.full(total, _FREE, np.int8)
    ltype = np.zeros(total, np.int8)
    cancer = np.zeros(total, np.int8)
    onset = np.full(total, np.nan)
    sclc_dx = np.full(total, np.nan)
    lems_end = np.full(total, np.nan)
    death = np.full(total, np.nan)

    # --- prevalent LEMS at start
    idx = np.arange(n)
    a_ = np.minimum(aint[idx], MAX_AGE)
    smk = smoking_of(sex[idx], a_, u[idx])
    pp, pn = prev_p[sex[idx], a_, smk], prev_n[sex[idx], a_, smk]
    v = gen.random(n)
    for code, mask, d in ((_PARA, v < pp, dp), (_NONPARA, (v >= pp) & (v < pp + pn), dn)):
        k = np.flatnonzero(mask)
        ww = gen.random(k.size)
        back = -d * np.log1p(-ww * -np.expm1(-age0[k] / d))
        state[k] = code
        ltype[k] = code
        onset[k] = start - back
        if code == _PARA:
            is_sclc = gen.random(k.size) < sclc_sh[sex[k], a_[k], smk[k]]
            cancer[k] = np.where(is_sclc, 1, 2)
            ks = k[is_sclc]
            sclc_dx[ks] = onset[ks] + _sclc_delay(gen, ks.size)

    # --- competing hazards, piecewise constant within each year of age
    t = entry.copy()
    sclc_death = math.log(2) / sclc_median_survival
    active = np.flatnonzero(t < end)
    while active.size:
        i = active
        a_ = np.minimum(aint[i], MAX_AGE)
        sx, st = sex[i], state[i]
        smk = smoking_of(sx, a_, u[i])
        seg_end = np.minimum(birth[i] + aint[i] + 1, end)
        bg = mu[sx, a_]
        free = st == _FREE
        haz = np.zeros((i.size, 5))
        haz[:, 0] = np.select([st == _PARA, st == _NONPARA, st == _SCLC_ONLY],
                              [1 / dp, np.minimum(bg, 1 / dn), sclc_death], bg)
        haz[:, 1] = np.where(free, inc_p[sx, a_, smk], 0.0)
        haz[:, 2] = np.where(free, inc_n[sx, a_, smk], 0.0)
        haz[:, 3] = np.where(free & (aint[i] >= sclc_min_age), sclc_rate, 0.0)
        haz[:, 4] = np.where(st == _NONPARA, 1 / dn - np.minimum(bg, 1 / dn), 0.0)
        tot = haz.sum(axis=1)
        e = gen.exponential(size=i.size)
        dt = np.divide(e, tot, out=np.full(i.size, np.inf), where=tot > 0)
        t_new = t[i] + dt
        hit = t_new < seg_end
        # no event in this year of age: move to the birthday (or the end of follow-up)
        j = i[~hit]
        birthday = seg_end[~hit] < end
        t[j] = seg_end[~hit]
        aint[j[birthday]] += 1
        # an event: pick which one
        k = i[hit]
        hk, tk = haz[hit], t_new[hit]
        r = gen.random(k.size) * tot[hit]
        which = (r[:, None] > np.cumsum(hk, axis=1)[:, :-1]).sum(axis=1)
        t[k] = tk
        d = k[which == 0]
        death[d] = t[d]
        ended = (state[d] == _PARA) | (state[d] == _NONPARA)
        lems_end[d[ended]] = t[d[ended]]
        state[d] = _DEAD
        for code, col in ((_PARA, 1), (_NONPARA, 2)):
            o = k[which == col]
            state[o] = code
            ltype[o] = code
            onset[o] = t[o]
        o = k[which == 1]
        if o.size:
            ao = np.minimum(aint[o], MAX_AGE)
            is_sclc = gen.random(o.size) < sclc_sh[sex[o], ao, smoking_of(sex[o], ao, u[o])]
            cancer[o] = np.where(is_sclc, 1, 2)
            os_ = o[is_sclc]
            sclc_dx[os_] = t[os_] + _sclc_delay(gen, os_.size)
        s = k[which == 3]
        state[s] = _SCLC_ONLY
        cancer[s] = 1
        sclc_dx[s] = t[s]
        rem = k[which == 4]
        state[rem] = _REMITTED
        lems_end[rem] = t[rem]
        active = i[(state[i] != _DEAD) & (t[i] < end)]

    exit_ = np.where(np.isnan(death), end, death)
    sclc_dx[sclc_dx > exit_] = np.nan
    a_exit = np.minimum(aint, MAX_AGE)
    smk_exit = smoking_of(sex, a_exit, u)
    out = pd.DataFrame({
        "person_id": np.arange(total, dtype=np.int64),
        "sex": pd.Categorical.from_codes(sex, categories=list(SEXES)),
        "birth": birth,
        "smoking": pd.Categorical.from_codes(smk_exit, categories=list(SMOKING_STATUSES)),
        "entry": entry,
        "exit": exit_,
        "exit_reason": pd.Categorical.from_codes(np.isnan(death).astype(np.int8),
                                                 categories=["death", "end"]),
        "lems_onset": onset,
        "lems_type": pd.Categorical.from_codes(ltype.astype(np.int8) - 1,
                                               categories=list(LEMS_TYPES)),
        "cancer": pd.Categorical.from_codes(cancer.astype(np.int8) - 1,
                                            categories=["SCLC", "other"]),
        "sclc_diagnosis": sclc_dx,
        "lems_end": lems_end,
        "death": death,
    })
    out.attrs = {
        "scenario": scenario.name, "start": start, "end": end, "n_start": int(n),
        "prevalence": scenario.prevalence,
        "paraneoplastic_share_prevalent": scenario.paraneoplastic_share_prevalent,
        "paraneoplastic_share_incident": scenario.paraneoplastic_share_incident,
        "duration_paraneoplastic": dp, "duration_nonparaneoplastic": dn,
        "life_expectancy": e0, "sclc_rate": float(sclc_rate),
        "sclc_min_age": float(sclc_min_age), "sclc_median_survival": float(sclc_median_survival),
        "life_table": life_table if isinstance(life_table, str) else "user",
    }
    return out
