"""Scenario grids, one-way (tornado) and probabilistic sensitivity analysis of named outputs."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from lems_epi._validation import check_conf_level, check_method, check_whole_number
from lems_epi.scenario import DEFAULT_POPULATION
from lems_epi.sensitivity.defaults import (
    _CONTINUOUS_DEFAULT,
    CATEGORICAL,
    evidence_ranges,
    evidence_values,
)
from lems_epi.sensitivity.outputs import coerce_base, evaluate, get_output, output_name
from lems_epi.sensitivity.sampling import SAMPLING_METHODS, check_distributions, draw
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame

__all__ = ["ONE_WAY_COLUMNS", "ProbabilisticResult", "one_way", "probabilistic",
           "scenario_grid"]

ONE_WAY_COLUMNS = ["parameter", "low", "high", "source_low", "source_high", "output_base",
                   "output_low", "output_high", "swing"]
GRID_COLUMNS = ["scenario", "parameter", "value", "source", "output"]
_DEFAULT_VARIANTS = (("younger", "001_0550fcf935f6308b"), ("older", "002_a567babd76eed526"))


def _default_continuous(base) -> list:
    names = list(_CONTINUOUS_DEFAULT)
    if base.paraneoplastic_share_of == "incident":
        names.append("duration_paraneoplastic")
    return names


# ---------------------------------------------------------------------- one-way
def _ranges_table(ranges, base, *, caller: str) -> pd.DataFrame:
    if ranges is None:
        table = evidence_ranges(_default_continuous(base), base=base)
        table = table[["parameter", "low", "high", "source_low", "source_high"]]
        (lo, slo), (hi, shi) = _DEFAULT_VARIANTS
        variant = pd.DataFrame([{"parameter": "age_profile_nonparaneoplastic", "low": lo,
                                 "high": hi, "source_low": slo, "source_high": shi}])
        return pd.concat([table.astype({"low": object, "high": object}), variant],
                         ignore_index=True)
    if isinstance(ranges, pd.DataFrame):
        missing = [c for c in ("parameter", "low", "high") if c not in ranges.columns]
        if missing:
            raise ValueError(f"{caller}: 'ranges' lacks column(s) {missing}; give "
                             "parameter, low, high (and optionally source_low, source_high).")
        table = ranges.copy()
    elif isinstance(ranges, Mapping):
        rows = []
        for name, pair in ranges.items():
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"{caller}: ranges[{name!r}] must be a (low, high) pair, got "
                                 f"{pair!r}.")
            rows.append({"parameter": name, "low": pair[0], "high": pair[1]})
        table = pd.DataFrame(rows)
    else:
        raise TypeError(f"{caller}: 'ranges' must be None, a mapping parameter -> (low, high) "
                        f"or a DataFrame, got {type(ranges).__name__}.")
    for col in ("source_low", "source_high"):
        if col not in table.columns:
            table[col] = "user"
    if table.empty:
        raise ValueError(f"{caller}: 'ranges' is empty; give at least one parameter.")
    if table["parameter"].duplicated().any():
        raise ValueError(f"{caller}: 'ranges' lists a parameter twice: "
                         f"{sorted(set(table.loc[table['parameter'].duplicated(), 'parameter']))}.")
    return table[["parameter", "low", "high", "source_low", "source_high"]].astype(
        {"low": object, "high": object}).reset_index(drop=True)


def one_way(output, *, base=None, ranges=None, population=DEFAULT_POPULATION) -> pd.DataFrame:
    """One-way sensitivity analysis: tornado data, sorted by swing.

    Each parameter is moved alone to its low and its high value, the others staying at the
    base scenario's values; the output is evaluated for each on the risk model.

    Parameters
    ----------
    output : str, Output or callable
        A named output (see :func:`lems_epi.sensitivity.outputs`), an ``Output``, or a
        function of a Scenario.
    base : Scenario or str, optional
        The base case (default ``"seed-base"``).
    ranges : mapping or pandas.DataFrame, optional
        Parameter -> ``(low, high)``, or a table with columns ``parameter, low, high`` and
        optionally ``source_low, source_high``. Default: the sources' lowest and highest
        figures (:func:`lems_epi.sensitivity.evidence_ranges`) for the continuous parameters,
        and the seeds' two readings of the non-paraneoplastic age profile (``younger``, seed
        001; ``older``, seed 002) as a categorical row.
    population : str or pandas.DataFrame, default DEFAULT_POPULATION
        The target population.

    Returns
    -------
    pandas.DataFrame
        One row per parameter, largest swing first: ``parameter, low, high, source_low,
        source_high, output_base, output_low, output_high, swing`` (``swing`` is
        ``|output_high - output_low|``).

    References
    ----------
    .. [1] Briggs AH, Weinstein MC, Fenwick EAL, Karnon J, Sculpher MJ, Paltiel AD (2012).
       Model parameter estimation and uncertainty analysis: a report of the ISPOR-SMDM
       Modeling Good Research Practices Task Force Working Group-6. Medical Decision Making
       32(5):722-732.

    Examples
    --------
    >>> t = one_way("expected_cases", base="seed-base",
    ...             ranges={"prevalence": (4e-6, 1e-5), "sclc_share": (0.5, 0.9)})
    >>> t["parameter"].tolist()
    ['prevalence', 'sclc_share']
    >>> bool(t["output_low"].iloc[0] < t["output_base"].iloc[0] < t["output_high"].iloc[0])
    True
    """
    caller = "one_way"
    out = get_output(output, caller=caller)
    base = coerce_base(base, caller=caller)
    table = _ranges_table(ranges, base, caller=caller)
    value_base = float(evaluate(out, base, population=population, caller=caller)[0])
    lows, highs = [], []
    for row in table.itertuples():
        params = pd.DataFrame({row.parameter: [row.low, row.high]})
        v = evaluate(out, params, base=base, population=population, caller=caller)
        lows.append(float(v[0]))
        highs.append(float(v[1]))
    table["output_base"] = value_base
    table["output_low"] = lows
    table["output_high"] = highs
    table["swing"] = np.abs(np.asarray(highs) - np.asarray(lows))
    table = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs = {"output": output_name(out), "base": base.name,
                   "population": population if isinstance(population, str) else "user"}
    return table[ONE_WAY_COLUMNS]


# ---------------------------------------------------------------------- grid
def _choices_from_evidence(name: str) -> list:
    vals = evidence_values([name])
    if name not in CATEGORICAL:
        vals = vals.assign(value=vals["value"].astype(float))
    merged = vals.groupby("value", sort=True)["source"].agg(
        lambda s: "; ".join(sorted(set(s)))).reset_index()
    return list(zip(merged["value"], merged["source"], strict=True))


def _grid_choices(choices, base, *, caller: str) -> dict:
    if choices is None:
        ranges = evidence_ranges(_default_continuous(base), base=base)
        out = {r.parameter: [(r.low, r.source_low), (r.high, r.source_high)]
               for r in ranges.itertuples()}
        out["age_profile_nonparaneoplastic"] = _choices_from_evidence(
            "age_profile_nonparaneoplastic")
        return out
    if isinstance(choices, str):
        choices = [choices]
    if isinstance(choices, (list, tuple)):
        from lems_epi.sensitivity.defaults import EVIDENCE_MAP

        for name in choices:
            check_method(name, list(EVIDENCE_MAP), caller=caller, name="parameter")
        return {name: _choices_from_evidence(name) for name in choices}
    if not isinstance(choices, Mapping):
        raise TypeError(f"{caller}: 'choices' must be None, a list of parameter names, or a "
                        f"mapping parameter -> values, got {type(choices).__name__}.")
    out = {}
    for name, values in choices.items():
        if isinstance(values, Mapping):
            pairs = [(v, str(label)) for label, v in values.items()]
        elif isinstance(values, (list, tuple)) and values:
            pairs = [tuple(v) if isinstance(v, tuple) and len(v) == 2 else (v, "user")
                     for v in values]
        else:
            raise ValueError(f"{caller}: choices[{name!r}] must be a non-empty list of values, "
                             "of (value, source) pairs, or a mapping source -> value.")
        out[name] = pairs
    return out


def scenario_grid(output, *, choices=None, base=None, population=DEFAULT_POPULATION,
                  max_scenarios=200_000) -> pd.DataFrame:
    """Evaluate an output for every combination of the sources' values.

    Parameters
    ----------
    output : str, Output or callable
        A named output, an ``Output``, or a function of a Scenario.
    choices : list of str or mapping, optional
        Which values to combine. A list of parameter names takes every source's figure for
        each (:func:`lems_epi.sensitivity.evidence_values`, equal figures merged with their
        sources joined by ``"; "``). A mapping gives, per parameter, a list of values, a list
        of ``(value, source)`` pairs, or a mapping ``source -> value``. Default: the lowest
        and highest figure (with their sources) of every continuous parameter the sources
        disagree on, times every reading of the non-paraneoplastic age profile.
    base : Scenario or str, optional
        Scenario supplying the other parameters (default ``"seed-base"``).
    population : str or pandas.DataFrame, default DEFAULT_POPULATION
        The target population.
    max_scenarios : int, default 200000
        Refuse larger grids (choose fewer parameters or values).

    Returns
    -------
    pandas.DataFrame
        Long and tidy: one row per scenario and parameter, ``scenario, parameter, value,
        source, output`` (the output value repeats over a scenario's rows). Pivot on
        ``scenario`` for one row per scenario.

    Examples
    --------
    >>> g = scenario_grid("expected_sclc_cases", choices={"sclc_share": [0.5, 0.9],
    ...                   "prevalence": {"wirtz2003": 2.32e-6, "seed004": 7e-6}})
    >>> g["scenario"].nunique(), list(g.columns)
    (4, ['scenario', 'parameter', 'value', 'source', 'output'])
    """
    caller = "scenario_grid"
    out = get_output(output, caller=caller)
    base = coerce_base(base, caller=caller)
    grid = _grid_choices(choices, base, caller=caller)
    sizes = [len(v) for v in grid.values()]
    total = int(np.prod(sizes))
    check_whole_number(max_scenarios, name="max_scenarios", caller=caller)
    if total > max_scenarios:
        raise ValueError(f"{caller}: the grid has {total:,} scenarios ({' x '.join(map(str, sizes))}"
                         f" values for {list(grid)}), more than max_scenarios={max_scenarios:,}."
                         " Choose fewer parameters or values, or use probabilistic().")
    names = list(grid)
    combos = list(itertools.product(*(grid[n] for n in names)))
    params = pd.DataFrame({n: [c[i][0] for c in combos] for i, n in enumerate(names)})
    values = evaluate(out, params, base=base, population=population, caller=caller)
    k = len(combos)
    result = pd.DataFrame({
        "scenario": np.repeat(np.arange(k), len(names)),
        "parameter": np.tile(np.asarray(names, dtype=object), k),
        "value": np.asarray([c[i][0] for c in combos for i in range(len(names))], dtype=object),
        "source": [str(c[i][1]) for c in combos for i in range(len(names))],
        "output": np.repeat(values, len(names))})
    result.attrs = {"output": output_name(out), "base": base.name}
    return result


# ---------------------------------------------------------------------- probabilistic
@dataclasses.dataclass(frozen=True, repr=False)
class ProbabilisticResult(AnalysisResult):
    """Result of :func:`probabilistic`.

    Attributes
    ----------
    table : pandas.DataFrame
        On the output contract, one row: ``output`` (its name), ``measure`` (``"median"``),
        ``estimate`` (the median of the output's distribution), ``lower``/``upper`` (the
        central ``conf_level`` interval of that distribution: an uncertainty interval, not a
        confidence interval of the median), ``conf_level``, ``method`` (``"lhs"`` or
        ``"mc"``), ``per``; then ``n, mean, sd, min, q05, q25, q75, q95, max``.
    samples : pandas.DataFrame
        One row per draw: the sampled parameters and ``output``.
    rank_correlation : pandas.DataFrame
        Spearman correlation of each parameter with the output: ``parameter, spearman``,
        strongest first.
    """

    samples: pd.DataFrame = None
    rank_correlation: pd.DataFrame = None

    def summary(self) -> Summary:
        """The output's distribution and the rank correlations."""
        row = self.table.iloc[0]
        facts = {"output": row["output"], "draws": int(row["n"]), "method": row["method"]}
        return Summary("Probabilistic sensitivity analysis", facts,
                       (("Distribution of the output", self.table.drop(columns=["output"])),
                        ("Rank correlation with the output", self.rank_correlation)))

    def plot(self, **kwargs):
        """Histogram of the output with its median and central interval."""
        from lems_epi.plots.sensitivity import distribution_plot

        return distribution_plot(self, **kwargs)


def probabilistic(output, distributions=None, *, n=1000, method="lhs", correlation=None,
                  base=None, population=DEFAULT_POPULATION, conf_level=0.95,
                  rng=None) -> ProbabilisticResult:
    """Probabilistic sensitivity analysis: the output's distribution over the inputs'.

    Parameters
    ----------
    output : str, Output or callable
        A named output, an ``Output``, or a function of a Scenario.
    distributions : mapping of str to scipy.stats frozen distribution, optional
        Parameter -> distribution. Default:
        :func:`lems_epi.sensitivity.default_distributions` (uniform between the sources'
        extremes; log-uniform for prevalence).
    n : int, default 1000
        Number of draws.
    rng : {None, int, numpy.random.Generator}, optional
        Source of randomness; the same ``rng`` gives the same result.
    method : {"lhs", "mc"}, default "lhs"
        Latin hypercube or plain Monte Carlo sampling.
    correlation : array_like or pandas.DataFrame, optional
        Target rank correlation between the inputs, induced with the Iman-Conover method
        (:func:`lems_epi.sensitivity.iman_conover`); it must be a valid (positive definite)
        correlation matrix, else a ValueError says why.
    base : Scenario or str, optional
        Scenario supplying the other parameters (default ``"seed-base"``).
    population : str or pandas.DataFrame, default DEFAULT_POPULATION
        The target population.
    conf_level : float, default 0.95
        Coverage of the central interval in the summary.

    Returns
    -------
    ProbabilisticResult

    References
    ----------
    .. [1] Briggs AH, Weinstein MC, Fenwick EAL, Karnon J, Sculpher MJ, Paltiel AD (2012).
       Model parameter estimation and uncertainty analysis: a report of the ISPOR-SMDM
       Modeling Good Research Practices Task Force Working Group-6. Medical Decision Making
       32(5):722-732.

    Examples
    --------
    >>> from lems_epi.sensitivity import uniform
    >>> r = probabilistic("expected_cases", {"prevalence": uniform(2e-6, 4e-6)}, n=200, rng=1)
    >>> r.table[["output", "measure", "n"]].values.tolist()
    [['expected_cases', 'median', 200]]
    """
    caller = "probabilistic"
    out = get_output(output, caller=caller)
    conf_level = check_conf_level(conf_level, caller=caller)
    check_method(method, SAMPLING_METHODS, caller=caller)
    base = coerce_base(base, caller=caller)
    if distributions is None:
        from lems_epi.sensitivity.defaults import default_distributions

        distributions = default_distributions(base=base)
    dists = check_distributions(distributions, caller=caller)
    bad = [k for k in dists if k in CATEGORICAL]
    if bad:
        raise ValueError(f"{caller}: {bad} is categorical and cannot have a continuous "
                         "distribution; run probabilistic() once per variant (base with the "
                         "variant set) or use scenario_grid().")
    samples = draw(dists, n, rng=rng, method=method, correlation=correlation)
    values = evaluate(out, samples, base=base, population=population, caller=caller)
    name = output_name(out)
    alpha = (1 - conf_level) / 2
    q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95, alpha, 1 - alpha])
    table = contract_frame(
        measure="median", estimate=q[2], lower=q[5], upper=q[6], conf_level=conf_level,
        method=method, groups={"output": [name]}, space=None,
        extra={"n": int(values.size), "mean": float(values.mean()),
               "sd": float(values.std(ddof=1)), "min": float(values.min()), "q05": q[0],
               "q25": q[1], "q75": q[3], "q95": q[4], "max": float(values.max())})
    samples = samples.assign(output=values)
    rho = samples.corr(method="spearman")["output"].drop("output")
    ranks = pd.DataFrame({"parameter": rho.index, "spearman": rho.to_numpy()})
    ranks = ranks.reindex(ranks["spearman"].abs().sort_values(ascending=False).index)
    samples.attrs = {"output": name, "base": base.name}
    return ProbabilisticResult(table=table, samples=samples,
                               rank_correlation=ranks.reset_index(drop=True))
