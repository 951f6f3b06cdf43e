r"""A registry-style cohort of small-cell lung cancer (SCLC) patients, with and without LEMS.

:func:`simulate_sclc_cohort` draws patients diagnosed with SCLC over a calendar period and
follows them to death or to the close of the study, with everything that
:func:`lems_epi.net_survival` needs: sex, age and date of diagnosis, duration, vital status
(and, because it is a simulation, the cause of death). It uses the same model as the follow-up
simulation (:mod:`lems_epi.simulate.followup`):

Who gets SCLC, at which age
    *With LEMS*: the onset rates of paraneoplastic LEMS by age, sex and smoking
    (:func:`lems_epi.simulate.incidence.onset_rates`) times the stratum's SCLC share, in the
    life table's stationary population (mean age at onset 58.7 years for ``seed-base``), plus
    the delay from LEMS onset to SCLC diagnosis (:data:`lems_epi.simulate.followup.SCLC_DELAY`:
    one month on average for 90%, one year for 10%). *Without LEMS*: a flat rate at ages
    ``sclc_min_age`` and over, so the age at diagnosis follows the stationary population over
    that age (the follow-up simulation's teaching simplification). The age within the single
    year of age is uniform.
When
    Diagnoses are spread uniformly over ``start`` to ``start + years``; follow-up closes at
    ``start + years`` (administrative censoring only).
Survival (``hazard="excess"``, the default)
    Each patient dies of the cancer at a constant excess hazard and of other causes at the life
    table's hazard for the current age and sex, whichever comes first: the net survival is then
    exactly ``exp(-excess t)``, with median 17 months with LEMS (the scenario's
    ``duration_paraneoplastic`` x ln 2, Lipka et al. 2020 [1]_) and 7 months without
    (``sclc_median_survival``, Lipka et al. 2020). ``hazard="all-cause"`` instead takes these
    medians as the all-cause survival, as :func:`~lems_epi.simulate.followup.simulate_followup`
    does; the net survival then has no simple true value and ``cause`` is missing.

Patient numbers are chosen (``n_lems``, ``n_without``); the share of SCLC with LEMS that the
model itself implies (2.8% for ``seed-base``, close to the 3% of prospective series, Titulaer
et al. 2008 [2]_) is in ``attrs["lems_share_model"]``.

References
----------
.. [1] Lipka AF, Boldingh MI, van Zwet EW, et al. (2020). Long-term follow-up, quality of life,
   and survival of patients with Lambert-Eaton myasthenic syndrome. Neurology 94(5):e511-e520.
   https://doi.org/10.1212/WNL.0000000000008747
.. [2] Titulaer MJ, Wirtz PW, Willems LNA, et al. (2008). Screening for small-cell lung cancer:
   a follow-up study of patients with Lambert-Eaton myasthenic syndrome. Journal of Clinical
   Oncology 26(26):4276-4281.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from lems_epi._rng import as_generator
from lems_epi._validation import check_whole_number
from lems_epi.scenario import coerce_scenario
from lems_epi.simulate.followup import SCLC_DELAY
from lems_epi.simulate.incidence import MAX_AGE, SEXES, life_table_hazards, onset_rates

__all__ = ["GROUPS", "background_death_age", "simulate_sclc_cohort"]

#: Labels of the two groups, with LEMS first.
GROUPS = ("SCLC with LEMS", "SCLC without LEMS")
HAZARDS = ("excess", "all-cause")


def background_death_age(age, sex, rng, life_table="finland-2013") -> np.ndarray:
    """Age at death from other causes of persons alive at ``age``, at the life table's hazards.

    The hazard is constant within each single year of age (ages beyond the table's last keep
    its hazard), so the age at death is found by inverting the cumulative hazard.

    Parameters
    ----------
    age : array_like
        Current ages (years).
    sex : array_like of int
        0 female, 1 male.
    rng : numpy.random.Generator
    life_table : str or pandas.DataFrame
        See :func:`lems_epi.life_table`.

    Returns
    -------
    numpy.ndarray
        Ages at death (> ``age``).

    Examples
    --------
    >>> a = background_death_age(np.full(20_000, 60.0), np.zeros(20_000, int),
    ...                          np.random.default_rng(1))
    >>> bool(80 < np.median(a) < 90)
    True
    """
    mu = life_table_hazards(life_table)
    age = np.asarray(age, float)
    sex = np.asarray(sex, np.int64)
    cum = np.concatenate([np.zeros((2, 1)), np.cumsum(mu, axis=1)], axis=1)
    k0 = np.minimum(np.floor(age).astype(np.int64), MAX_AGE)
    target = cum[sex, k0] + mu[sex, k0] * (age - k0) - np.log(rng.random(age.size))
    out = np.empty(age.size)
    for s in (0, 1):
        m = sex == s
        k = np.minimum(np.searchsorted(cum[s], target[m], side="right") - 1, MAX_AGE)
        out[m] = k + (target[m] - cum[s, k]) / mu[s, k]
    return np.maximum(out, np.nextafter(age, np.inf))


def _check(n_lems, n_without, start, years, medians, hazard, caller):
    check_whole_number(n_lems, name="n_lems", caller=caller, minimum=0)
    check_whole_number(n_without, name="n_without", caller=caller, minimum=0)
    for name, value in (("start", start), ("years", years), *medians.items()):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value):
            raise TypeError(f"{caller}: '{name}' must be a finite number, got {value!r}.")
        if name != "start" and value <= 0:
            raise ValueError(f"{caller}: '{name}' must be > 0, got {value!r}.")
    if hazard not in HAZARDS:
        raise ValueError(f"{caller}: 'hazard' must be one of {HAZARDS}, got {hazard!r}.")


def _draw_cells(weight, rates, n, gen):
    """Sex, age (uniform within the year) and smoking of ``n`` patients, cells by ``weight``."""
    p = weight / weight.sum()
    pick = gen.choice(p.size, size=n, p=p)
    age = rates["age"].to_numpy()[pick] + gen.random(n)
    sex = (rates["sex"].to_numpy()[pick] == "male").astype(np.int64)
    return sex, age, rates["smoking"].to_numpy()[pick]


def _sclc_delay(gen, n):
    (share, short), (_, long_) = SCLC_DELAY
    return gen.exponential(size=n) * np.where(gen.random(n) < share, short, long_)


def simulate_sclc_cohort(scenario="seed-base", *, n_lems=500, n_without=5000, start=2010.0,
                         years=10.0, rng=None, life_table="finland-2013", population=None,
                         sclc_min_age=40.0, sclc_median_survival=7 / 12, sclc_rate=76.3e-6,
                         hazard="excess") -> pd.DataFrame:
    """Patients diagnosed with SCLC, with and without LEMS, followed to death or study close.

    See the module documentation for the model.

    Parameters
    ----------
    scenario : Scenario or str
        Gives the age, sex and smoking profile of paraneoplastic LEMS, the SCLC share and the
        median survival with LEMS (``duration_paraneoplastic`` x ln 2).
    n_lems, n_without : int
        Patients with SCLC and LEMS, and with SCLC alone.
    start, years : float
        Diagnoses from ``start`` to ``start + years`` (decimal years); follow-up closes at
        ``start + years``.
    rng : None, int or numpy.random.Generator
    life_table : str or pandas.DataFrame
        Mortality from other causes (see :func:`lems_epi.life_table`).
    population : str or pandas.DataFrame, optional
        Sets the share of boys at birth of the stationary population (default: the scenario's
        reference population).
    sclc_min_age : float
        Youngest age at which SCLC without LEMS occurs.
    sclc_median_survival : float
        Median net (``hazard="excess"``) or all-cause survival (years) of SCLC without LEMS.
    sclc_rate : float
        Incidence of SCLC without LEMS per person-year at ages ``sclc_min_age`` and over (the
        follow-up simulation's default, Dores et al. 2015); used only for
        ``attrs["lems_share_model"]``.
    hazard : {"excess", "all-cause"}
        What the medians describe (see the module documentation).

    Returns
    -------
    pandas.DataFrame
        One row per patient: ``patient_id``, ``group`` (:data:`GROUPS`), ``lems`` (bool),
        ``sex``, ``smoking`` (at diagnosis), ``age`` (at diagnosis, years), ``diagnosis``
        (decimal year), ``diagnosis_date``, ``duration`` (years from diagnosis to death or
        study close), ``dead`` (1/0), ``cause`` (``cancer``, ``other`` or missing if alive or
        with ``hazard="all-cause"``). ``attrs`` holds the medians (``median_net_survival``,
        or ``median_survival`` with ``hazard="all-cause"``), the ``excess_hazard`` per group,
        the ``close`` of follow-up and ``lems_share_model``.

    Examples
    --------
    >>> c = simulate_sclc_cohort(n_lems=200, n_without=300, rng=1)
    >>> c.groupby("group")["age"].mean().round(0).to_dict()
    {'SCLC with LEMS': 60.0, 'SCLC without LEMS': 63.0}
    >>> round(c.attrs["median_net_survival"]["SCLC with LEMS"] * 12, 1)
    17.0
    """
    caller = "simulate_sclc_cohort"
    scenario = coerce_scenario(scenario, caller=caller)
    _check(n_lems, n_without, start, years, {"sclc_median_survival": sclc_median_survival,
                                             "sclc_min_age": sclc_min_age + 1,
                                             "sclc_rate": sclc_rate}, hazard, caller)
    gen = as_generator(rng, caller=caller)
    rates = onset_rates(scenario, life_table=life_table, population=population)
    free = 1 - rates["prevalence_paraneoplastic"] - rates["prevalence_nonparaneoplastic"]
    w_lems = (rates["share"] * rates["incidence_paraneoplastic"]
              * rates["sclc_share_of_paraneoplastic"]).to_numpy()
    w_sclc = (rates["share"] * free * (rates["age"] >= sclc_min_age)).to_numpy()
    medians = {GROUPS[0]: scenario.duration_paraneoplastic * math.log(2),
               GROUPS[1]: float(sclc_median_survival)}
    parts = []
    for group, n, weight in ((GROUPS[0], int(n_lems), w_lems), (GROUPS[1], int(n_without),
                                                                 w_sclc)):
        sex, age, smoking = _draw_cells(weight, rates, n, gen)
        if group == GROUPS[0]:
            age = age + _sclc_delay(gen, n)
        parts.append(pd.DataFrame({"group": group, "lems": group == GROUPS[0],
                                   "sex": sex, "smoking": smoking, "age": age}))
    out = pd.concat(parts, ignore_index=True)
    n = len(out)
    sex = out["sex"].to_numpy()
    diagnosis = float(start) + gen.random(n) * float(years)
    close = float(start) + float(years)
    rate = np.where(out["lems"], math.log(2) / medians[GROUPS[0]],
                    math.log(2) / medians[GROUPS[1]])
    cancer = gen.exponential(size=n) / rate
    if hazard == "excess":
        other = background_death_age(out["age"].to_numpy(), sex, gen, life_table) - out["age"]
        death = np.minimum(cancer, other.to_numpy())
        cause = np.where(cancer <= other, "cancer", "other").astype(object)
    else:
        death, cause = cancer, np.full(n, None, dtype=object)
    dead = diagnosis + death < close
    cause[~dead] = None
    out = out.assign(
        patient_id=np.arange(n, dtype=np.int64),
        sex=pd.Categorical.from_codes(sex, categories=list(SEXES)),
        diagnosis=diagnosis, diagnosis_date=_dates(diagnosis),
        duration=np.where(dead, death, close - diagnosis), dead=dead.astype(np.int64),
        cause=pd.Categorical(cause, categories=["cancer", "other"]))
    out = out[["patient_id", "group", "lems", "sex", "smoking", "age", "diagnosis",
               "diagnosis_date", "duration", "dead", "cause"]]
    out.attrs = _attrs(scenario, medians, w_lems, w_sclc, sclc_rate, start, close, hazard,
                       life_table)
    return out


def _dates(decimal_years) -> pd.Series:
    """Decimal years as dates (the day within the year, 365 or 366 days)."""
    year = np.floor(decimal_years).astype(np.int64)
    first = pd.to_datetime(pd.Series(year).astype(str) + "-01-01")
    length = np.where(pd.DatetimeIndex(first).is_leap_year, 366, 365)
    days = np.floor((decimal_years - year) * length).astype(np.int64)
    return first + pd.to_timedelta(days, unit="D")


def _attrs(scenario, medians, w_lems, w_sclc, sclc_rate, start, close, hazard, life_table):
    lems_rate = float(w_lems.sum())
    return {"scenario": scenario.name, "hazard": hazard,
            "median_net_survival" if hazard == "excess" else "median_survival": medians,
            "excess_hazard": {g: math.log(2) / m for g, m in medians.items()}
            if hazard == "excess" else None,
            "start": float(start), "close": close,
            "lems_share_model": lems_rate / (lems_rate + sclc_rate * float(w_sclc.sum())),
            "life_table": life_table if isinstance(life_table, str) else "user"}
