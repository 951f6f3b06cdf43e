"""Public functions of the risk model: expected counts, resolved scenarios, calibration report."""

from __future__ import annotations

import dataclasses

import pandas as pd

from lems_epi.model.core import BatchResult, batch_expected
from lems_epi.scenario import DEFAULT_POPULATION, coerce_scenario

__all__ = ["expected_counts", "model_figures", "resolve", "run_scenario"]

_COLUMNS = ["age", "sex", "smoking", "population", "expected_paraneoplastic", "expected_sclc",
            "expected_nonparaneoplastic", "expected_cases"]


def run_scenario(scenario, population=None, *, caller: str = "run_scenario") -> BatchResult:
    """Run the risk model for one scenario (a one-row :func:`batch_expected`).

    ``population=None`` is the scenario's reference population.

    Examples
    --------
    >>> res = run_scenario("seed-base")
    >>> res.strata.name
    'denmark-2013'
    """
    scenario = coerce_scenario(scenario, caller=caller)
    return batch_expected(pd.DataFrame(index=[0]), population, base=scenario, caller=caller)


def expected_counts(scenario, *, population=DEFAULT_POPULATION) -> pd.DataFrame:
    """Expected LEMS cases by age, sex and smoking stratum (no randomness).

    The stratum risks are calibrated in the scenario's reference population (see
    :mod:`lems_epi.model.core` for the model): there the expected prevalence and the
    paraneoplastic share equal the scenario's targets up to rounding error. On another
    population the same stratum risks give other crude figures.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario or the name of a named one.
    population : str, pandas.DataFrame or None, default DEFAULT_POPULATION
        Where to count: a shipped population name or a population table (columns ``age``,
        ``sex``, ``population`` and optionally ``smoking``). Default
        :data:`lems_epi.scenario.DEFAULT_POPULATION` (``"finland-2016"``); ``None`` counts in
        the scenario's reference population, where its targets hold exactly.

    Returns
    -------
    pandas.DataFrame
        One row per stratum: ``age``, ``sex``, ``smoking`` (``never``/``former``/``current``),
        ``population`` (whole persons: each age x sex count split with the scenario's smoking
        table by largest-remainder rounding, so each age x sex total is kept exactly),
        ``expected_paraneoplastic``, ``expected_sclc`` (the SCLC-linked part of the
        paraneoplastic cases), ``expected_nonparaneoplastic`` and ``expected_cases``. Divide an
        expected count by ``population`` for the stratum's case probability. ``attrs`` holds
        the scenario name, the population name and the solved relative risks and constants.

    Raises
    ------
    ValueError
        For an unknown population, a share of cases that no relative risk reaches, or a
        scenario whose calibrated case probability would exceed 1 in some stratum.

    Examples
    --------
    >>> import lems_epi as le
    >>> t = le.expected_counts("seed-base", population=None)  # the reference population
    >>> list(t.columns[:4]), len(t)
    (['age', 'sex', 'smoking', 'population'], 600)
    >>> round(float(t["expected_cases"].sum() / t["population"].sum()) * 1e6, 9)
    7.0
    >>> fi = le.expected_counts("seed-base")  # DEFAULT_POPULATION, finland-2016
    >>> round(float(fi["expected_cases"].sum() / fi["population"].sum()) * 1e6, 2)
    7.11
    """
    caller = "expected_counts"
    scenario = coerce_scenario(scenario, caller=caller)
    res = run_scenario(scenario, population, caller=caller)
    table = res.strata.table.copy()
    table["expected_paraneoplastic"] = res.paraneoplastic[0]
    table["expected_sclc"] = res.sclc[0]
    table["expected_nonparaneoplastic"] = res.nonparaneoplastic[0]
    table["expected_cases"] = res.paraneoplastic[0] + res.nonparaneoplastic[0]
    ref = scenario.reference_population
    table.attrs = {
        "scenario": scenario.name,
        "population": res.strata.name,
        "reference_population": ref if isinstance(ref, str) else "user",
        "parameters": res.params.iloc[0].to_dict(),
    }
    return table[_COLUMNS]


def resolve(scenario):
    """Return the scenario with every relative risk numeric (shares of cases solved).

    Where the scenario gives a share of cases (``male_share_*``, ``smoker_share_*``), the
    relative risk that reproduces it in the reference population is solved and put in the
    ``male_rr_*`` / ``smoking_rr_*`` field; the share field becomes ``None`` (the dataclass
    keeps exactly one of the two). The solved target is kept for the record: the relative
    risk's ``sources`` entry is the share's evidence ids, and the description ends with a
    sentence naming each solved target. Calibrating the resolved scenario in the same
    reference population gives the same stratum risks.

    Parameters
    ----------
    scenario : Scenario or str

    Returns
    -------
    Scenario

    Examples
    --------
    >>> import lems_epi as le
    >>> from lems_epi.model import resolve
    >>> s = le.Scenario.named("seed-base").replace(male_rr_paraneoplastic=None,
    ...                                            male_share_paraneoplastic=0.72)
    >>> r = resolve(s)
    >>> r.male_share_paraneoplastic is None, round(r.male_rr_paraneoplastic, 3)
    (True, 2.271)
    """
    caller = "resolve"
    scenario = coerce_scenario(scenario, caller=caller)
    res = run_scenario(scenario, None, caller=caller)
    row = res.params.iloc[0]
    changes, sources, notes = {}, dict(scenario.sources), []
    for t in ("paraneoplastic", "nonparaneoplastic"):
        share = getattr(scenario, f"male_share_{t}")
        if share is not None:
            changes[f"male_rr_{t}"] = float(row[f"male_rr_{t}"])
            changes[f"male_share_{t}"] = None
            sources[f"male_rr_{t}"] = scenario.sources.get(f"male_share_{t}", ("solved",))
            notes.append(f"male_rr_{t} solved from male_share_{t}={share:g}")
        share = getattr(scenario, f"smoker_share_{t}")
        if share is not None:
            changes[f"smoking_rr_{t}"] = {"former": float(row[f"smoking_rr_{t}_former"]),
                                          "current": float(row[f"smoking_rr_{t}_current"])}
            changes[f"smoker_share_{t}"] = None
            sources[f"smoking_rr_{t}"] = scenario.sources.get(f"smoker_share_{t}", ("solved",))
            notes.append(f"smoking_rr_{t} solved from smoker_share_{t}={share:g}")
    if not changes:
        return scenario
    ref = scenario.reference_population
    where = ref if isinstance(ref, str) else "the reference population"
    text = (scenario.description + " " if scenario.description else "") + \
        f"Resolved in {where}: " + "; ".join(notes) + "."
    return dataclasses.replace(scenario, **changes, sources=sources, description=text)


def model_figures(res: BatchResult) -> dict:
    """Crude figures of a one-scenario result (used by the calibration report).

    Per type: the total, the shares of men, of ever and current smokers and of persons aged 50
    or over, and the mean age; and the population size.

    Examples
    --------
    >>> fig = model_figures(run_scenario("seed-base"))
    >>> round(float(fig["paraneoplastic"]["total"] / (fig["paraneoplastic"]["total"]
    ...       + fig["nonparaneoplastic"]["total"])), 6)
    0.55
    """
    t = res.strata.table
    age = t["age"].to_numpy(float)
    male = (t["sex"] == "male").to_numpy()
    ever = (t["smoking"] != "never").to_numpy()
    current = (t["smoking"] == "current").to_numpy()
    out = {}
    for key, arr in (("paraneoplastic", res.paraneoplastic[0]),
                     ("nonparaneoplastic", res.nonparaneoplastic[0]), ("sclc", res.sclc[0])):
        total = arr.sum()
        out[key] = {
            "total": total,
            "male_share": arr[male].sum() / total,
            "smoker_share": arr[ever].sum() / total,
            "current_share": arr[current].sum() / total,
            "over_50": arr[age >= 50].sum() / total,
            "mean_age": float((arr * (age + 0.5)).sum() / total),
        }
    out["population"] = res.strata.total
    return out
