"""Named outputs of a scenario, evaluated on the closed-form risk model for a target population.

An *output* is one number per scenario: the expected number of SCLC-linked cases in Finland,
the share of smokers among cases, and so on. Outputs are computed from the expected counts
that :func:`lems_epi.model.batch_expected` returns for a whole batch of scenarios at once, so a
sensitivity analysis over 100,000 scenarios is array code, not 100,000 Python calls.

The target population defaults to :data:`lems_epi.scenario.DEFAULT_POPULATION`
(``"finland-2016"``), not to the scenarios' reference
population (``"denmark-2013"``): in the reference population calibration fixes the expected
prevalence and the paraneoplastic share, so only those two targets (and the SCLC share) could
move an output; in another population the age profiles, the male and smoking relative risks
matter too.

Named outputs (:func:`outputs` lists them):

==============================  =========================================================
``expected_cases``              expected prevalent LEMS cases (persons)
``expected_paraneoplastic_cases``  expected paraneoplastic cases
``expected_sclc_cases``         expected SCLC-linked cases
``expected_cases_under_50``     expected cases aged under 50
``share_smokers_among_cases``   share of ever smokers (former or current) among cases
``male_to_female_ratio``        expected male cases / expected female cases
``population_for_100_cases``    persons among whom 100 cases are expected
``age_standardised_prevalence`` prevalence per million, directly standardised to the
                                2013 European standard population (``esp2013``)
==============================  =========================================================

Your own outputs work the same way: a function of a :class:`~lems_epi.Scenario` that returns a
number is evaluated once per scenario (simple, but a Python call each); for speed, wrap a
function of the model's :class:`~lems_epi.model.BatchResult` in :class:`Output`, which gets
the expected counts of a whole chunk of scenarios at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from lems_epi.model.core import PARAMETERS, TEXT_PARAMETERS, BatchResult, batch_expected
from lems_epi.scenario import DEFAULT_POPULATION, coerce_scenario

__all__ = ["OUTPUTS", "Output", "age_standardised", "coerce_base", "evaluate", "get_output",
           "outputs", "scenario_from_params"]


def coerce_base(base, *, caller: str):
    """The base scenario of a sensitivity analysis (``None`` is ``"seed-base"``).

    A Scenario or a name, as for :func:`lems_epi.scenario.coerce_scenario`.
    """
    return coerce_scenario("seed-base" if base is None else base, name="base", caller=caller)


@dataclasses.dataclass(frozen=True)
class Output:
    """A named output computed for a batch of scenarios at once.

    Parameters
    ----------
    name : str
        Short snake_case name.
    reduce : callable
        Takes a :class:`lems_epi.model.BatchResult` (expected counts of ``k`` scenarios over the
        strata of the target population) and returns ``k`` numbers.
    description : str
        One sentence.
    unit : str
        Unit of the output (``"persons"``, ``"proportion"``, ``"per million"``, ...).
    from_totals : callable, optional
        The same output from the per-scenario crude figures of
        ``batch_expected(..., reduce="totals")`` (a DataFrame), which the model computes from
        group sums without the stratum arrays; used instead of ``reduce`` when given.
    age_bands : str or sequence of int, optional
        Passed to ``batch_expected(..., reduce="totals", age_bands=...)`` so that
        ``from_totals`` also receives expected cases and persons by age band
        (``expected_cases_age_<start>``, ``population_age_<start>``).

    Examples
    --------
    >>> older = Output("expected_cases_over_80",
    ...                lambda r: r.cases[:, r.strata.table["age"].to_numpy() >= 80].sum(axis=1),
    ...                "expected cases aged 80 and over", "persons")
    >>> bool(evaluate(older, "seed-base")[0] > 0)
    True
    """

    name: str
    reduce: Callable[[BatchResult], np.ndarray]
    description: str = ""
    unit: str = ""
    from_totals: Callable[[pd.DataFrame], np.ndarray] | None = None
    age_bands: str | tuple | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Output: 'name' must be a non-empty string, got {self.name!r}.")
        if not callable(self.reduce):
            raise TypeError("Output: 'reduce' must be a function of a BatchResult.")
        if self.from_totals is not None and not callable(self.from_totals):
            raise TypeError("Output: 'from_totals' must be None or a function of a DataFrame.")


_MASK_CACHE: dict = {}


def _strata_masks(result: BatchResult) -> dict:
    """Indicator vectors over the strata of the target population (cached per strata)."""
    key = id(result.strata)
    hit = _MASK_CACHE.get(key)
    if hit is not None and hit[0] is result.strata:
        return hit[1]
    table = result.strata.table
    masks = {"age": table["age"].to_numpy(), "male": (table["sex"] == "male").to_numpy(float),
             "smoker": table["smoking"].isin(["former", "current"]).to_numpy(float),
             "under_50": (table["age"] < 50).to_numpy(float),
             "population": table["population"].to_numpy(dtype=float)}
    if len(_MASK_CACHE) > 16:
        _MASK_CACHE.clear()
    _MASK_CACHE[key] = (result.strata, masks)
    return masks


def _cases_times(r: BatchResult, *vectors) -> np.ndarray:
    """Expected cases (both types) summed with weights: shape (k, len(vectors))."""
    w = np.column_stack(vectors)
    return r.paraneoplastic @ w + r.nonparaneoplastic @ w


def _under_50(r: BatchResult) -> np.ndarray:
    return _cases_times(r, _strata_masks(r)["under_50"])[:, 0]


def _share_smokers(r: BatchResult) -> np.ndarray:
    m = _strata_masks(r)
    s = _cases_times(r, m["smoker"], np.ones_like(m["smoker"]))
    return s[:, 0] / s[:, 1]


def _male_to_female(r: BatchResult) -> np.ndarray:
    male = _strata_masks(r)["male"]
    s = _cases_times(r, male, 1.0 - male)
    return s[:, 0] / s[:, 1]


def _population_for_100(r: BatchResult) -> np.ndarray:
    return 100.0 * r.strata.total / (r.paraneoplastic.sum(axis=1)
                                     + r.nonparaneoplastic.sum(axis=1))


@lru_cache(maxsize=8)
def _standard_weights(name: str) -> tuple[np.ndarray, np.ndarray]:
    from lems_epi.populations import standard_population

    std = standard_population(name)
    starts = std["age_start"].to_numpy(dtype=float)
    weights = std["weight"].to_numpy(dtype=float)
    return starts, weights / weights.sum()


def age_standardised(standard: str = "esp2013", *, per: float = 1e6) -> Output:
    """Output: prevalence directly standardised to a standard population.

    Parameters
    ----------
    standard : str, default "esp2013"
        A standard population of :func:`lems_epi.standard_population`.
    per : float, default 1e6
        Multiplier (per million persons by default).

    Returns
    -------
    Output

    Examples
    --------
    >>> age_standardised("who2000").name
    'age_standardised_prevalence_who2000'
    """
    starts, weights = _standard_weights(standard)

    def reduce(r: BatchResult) -> np.ndarray:
        band = np.searchsorted(starts, _strata_masks(r)["age"], side="right") - 1
        indicator = np.zeros((band.size, starts.size))
        indicator[np.arange(band.size), band] = 1.0
        persons = _strata_masks(r)["population"] @ indicator
        rates = (r.paraneoplastic @ indicator + r.nonparaneoplastic @ indicator) / np.where(
            persons > 0, persons, np.nan)
        if np.isnan(rates).any():
            empty = [int(s) for s in starts[persons == 0]]
            raise ValueError(f"age_standardised_prevalence: the target population has no "
                             f"persons in the standard's age bands starting at {empty}.")
        return per * rates @ weights

    def from_totals(t: pd.DataFrame) -> np.ndarray:
        labels = [int(x) for x in starts]
        cases = t[[f"expected_cases_age_{a}" for a in labels]].to_numpy(dtype=float)
        persons = t[[f"population_age_{a}" for a in labels]].to_numpy(dtype=float)
        if (persons <= 0).any():
            empty = [a for a, p in zip(labels, persons[0], strict=True) if p <= 0]
            raise ValueError(f"age_standardised_prevalence: the target population has no "
                             f"persons in the standard's age bands starting at {empty}.")
        return per * (cases / persons) @ weights

    name = "age_standardised_prevalence" + ("" if standard == "esp2013" else f"_{standard}")
    return Output(name, reduce, f"prevalence per {per:g} persons, directly standardised to "
                                f"the {standard} standard population", f"per {per:g}",
                  from_totals, age_bands=standard)


def _col(t: pd.DataFrame, name: str) -> np.ndarray:
    return t[name].to_numpy(dtype=float)


def _weighted(t: pd.DataFrame, prefix: str) -> np.ndarray:
    """Cases of both types times a per-type share (e.g. the male share of each type)."""
    return (_col(t, "expected_paraneoplastic") * _col(t, f"{prefix}_paraneoplastic")
            + _col(t, "expected_nonparaneoplastic") * _col(t, f"{prefix}_nonparaneoplastic"))


OUTPUTS: dict[str, Output] = {o.name: o for o in (
    Output("expected_cases", lambda r: r.paraneoplastic.sum(axis=1)
           + r.nonparaneoplastic.sum(axis=1),
           "expected prevalent LEMS cases in the target population", "persons",
           lambda t: _col(t, "expected_cases")),
    Output("expected_paraneoplastic_cases", lambda r: r.paraneoplastic.sum(axis=1),
           "expected paraneoplastic LEMS cases", "persons",
           lambda t: _col(t, "expected_paraneoplastic")),
    Output("expected_sclc_cases", lambda r: r.sclc.sum(axis=1),
           "expected LEMS cases linked to small-cell lung cancer", "persons",
           lambda t: _col(t, "expected_sclc")),
    Output("expected_cases_under_50", _under_50, "expected LEMS cases aged under 50",
           "persons", lambda t: _col(t, "expected_cases") - _weighted(t, "share_over_50")),
    Output("share_smokers_among_cases", _share_smokers,
           "share of ever smokers (former or current) among expected cases", "proportion",
           lambda t: _weighted(t, "smoker_share") / _col(t, "expected_cases")),
    Output("male_to_female_ratio", _male_to_female,
           "expected male cases divided by expected female cases", "ratio",
           lambda t: _weighted(t, "male_share") / (_col(t, "expected_cases")
                                                    - _weighted(t, "male_share"))),
    Output("population_for_100_cases", _population_for_100,
           "persons among whom 100 prevalent cases are expected", "persons",
           lambda t: 100.0 * _col(t, "population") / _col(t, "expected_cases")),
    age_standardised("esp2013"),
)}


def outputs() -> pd.DataFrame:
    """List the named outputs: ``name, description, unit``.

    Examples
    --------
    >>> "expected_sclc_cases" in set(outputs()["name"])
    True
    """
    return pd.DataFrame([{"name": o.name, "description": o.description, "unit": o.unit}
                         for o in OUTPUTS.values()])


def get_output(output, *, caller: str = "get_output"):
    """Return an :class:`Output`, or a function of a Scenario, from what the user gave.

    A string names an output of :data:`OUTPUTS`; an :class:`Output` is returned as is; any other
    callable is taken as a function of a Scenario returning a number.
    """
    if isinstance(output, Output):
        return output
    if isinstance(output, str):
        if output not in OUTPUTS:
            import difflib

            close = difflib.get_close_matches(output, list(OUTPUTS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{caller}: unknown output {output!r}; choose one of "
                             f"{list(OUTPUTS)}, or pass an Output or a function of a "
                             f"Scenario.{hint}")
        return OUTPUTS[output]
    if callable(output):
        return output
    raise TypeError(f"{caller}: 'output' must be an output name, an Output or a function of a "
                    f"Scenario, got {type(output).__name__}.")


def output_name(output) -> str:
    """Name of an output (the function's name for a function of a Scenario)."""
    if isinstance(output, Output):
        return output.name
    return getattr(output, "__name__", "output")


def scenario_from_params(base, row) -> object:
    """Build the Scenario that one row of batch parameters describes.

    Parameters
    ----------
    base : Scenario or str
        Scenario supplying every parameter the row does not give.
    row : mapping
        Batch parameter names (see :data:`lems_epi.model.PARAMETERS`) -> values.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> s = scenario_from_params("seed-base", {"male_share_paraneoplastic": 0.7,
    ...                                        "smoking_rr_paraneoplastic_current": 12.0})
    >>> s.male_rr_paraneoplastic is None, dict(s.smoking_rr_paraneoplastic)
    (True, {'former': 4.0, 'current': 12.0})
    """
    base = coerce_base(base, caller="scenario_from_params")
    changes = {}
    for key, value in dict(row).items():
        if key not in PARAMETERS and key not in TEXT_PARAMETERS:
            raise ValueError(f"scenario_from_params: unknown parameter {key!r}; known: "
                             f"{list(PARAMETERS + TEXT_PARAMETERS)}.")
        value = value.item() if isinstance(value, np.generic) else value
        if key.startswith("smoking_rr_"):
            field, _, status = key.rpartition("_")
            current = changes.get(field) or getattr(base, field) or {}
            changes[field] = {**dict(current), status: float(value)}
            other = "former" if status == "current" else "current"
            if other not in changes[field]:
                phi = float(dict(row).get("former_excess_fraction",
                                          base.former_excess_fraction))
                if other == "current" and phi == 0:
                    raise ValueError("scenario_from_params: a former-smoker relative risk "
                                     "alone cannot give the current one when "
                                     "former_excess_fraction is 0; give both.")
                changes[field][other] = (1 + phi * (float(value) - 1) if other == "former"
                                         else 1 + (float(value) - 1) / phi)
            changes[field.replace("smoking_rr_", "smoker_share_")] = None
        elif key.startswith(("male_share_", "male_rr_")):
            t = key.rpartition("_")[2]
            changes[key] = float(value)
            other = f"male_rr_{t}" if key.startswith("male_share_") else f"male_share_{t}"
            changes[other] = None
        elif key.startswith("smoker_share_"):
            changes[key] = float(value)
            changes[key.replace("smoker_share_", "smoking_rr_")] = None
        else:
            changes[key] = value if key in TEXT_PARAMETERS else float(value)
    return base.replace(**changes)


def evaluate(output, params=None, *, base=None, population=DEFAULT_POPULATION,
             caller: str = "evaluate") -> np.ndarray:
    """Evaluate an output for a batch of scenarios.

    Parameters
    ----------
    output : str, Output or callable
        A named output, an :class:`Output`, or a function of a Scenario.
    params : pandas.DataFrame or str or Scenario, optional
        One row per scenario, one column per batch parameter (the rest taken from ``base``);
        or a single scenario (or scenario name) to evaluate alone.
    base : Scenario or str, optional
        The scenario supplying every parameter ``params`` does not give (default
        ``"seed-base"``).
    population : str or pandas.DataFrame, default DEFAULT_POPULATION
        The target population.
    caller : str
        Used in error messages.

    Returns
    -------
    numpy.ndarray
        One value per scenario.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"prevalence": [3e-6, 6e-6]})
    >>> v = evaluate("expected_cases", p)
    >>> round(float(v[1] / v[0]), 10)
    2.0
    """
    from lems_epi.scenario import Scenario

    output = get_output(output, caller=caller)
    if params is None or isinstance(params, (str, Scenario)):
        base = coerce_base(params if params is not None else base, caller=caller)
        params = pd.DataFrame(index=[0])
    else:
        base = coerce_base(base, caller=caller)
        if not isinstance(params, pd.DataFrame):
            raise TypeError(f"{caller}: 'params' must be a DataFrame of batch parameters, got "
                            f"{type(params).__name__}.")
    if isinstance(output, Output) and output.from_totals is not None:
        extra = {} if output.age_bands is None else {"age_bands": output.age_bands}
        totals = batch_expected(params, population, base=base, reduce="totals", **extra)
        values = np.asarray(output.from_totals(totals), dtype=float).reshape(-1)
    elif isinstance(output, Output):
        values = batch_expected(params, population, base=base, reduce=output.reduce)
        values = np.asarray(values, dtype=float).reshape(-1)
    else:
        rows = params.to_dict("records")
        values = np.array([float(output(scenario_from_params(base, row))) for row in rows])
    if values.shape != (len(params),):
        raise ValueError(f"{caller}: the output returned {values.size} values for "
                         f"{len(params)} scenarios; it must return one number per scenario.")
    return values


def frame_function(func, *, base=None, population=DEFAULT_POPULATION, caller: str = "sobol"):
    """Turn an output into a function of a DataFrame of parameter samples (for :func:`sobol`)."""
    output = get_output(func, caller=caller)

    def f(frame: pd.DataFrame) -> np.ndarray:
        return evaluate(output, frame, base=base, population=population, caller=caller)

    return f
