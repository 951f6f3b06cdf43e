"""The probabilistic and Sobol analyses under the low-high ranges and under fitted distributions.

:func:`lems_epi.sensitivity.default_distributions` spreads each conflicting parameter evenly
between its lowest and its highest source: every source's extreme is as likely as the middle.
:func:`lems_epi.sensitivity.fitted_distributions` draws the pooled parameters (prevalence, the
paraneoplastic and the SCLC shares) from distributions fitted to what the studies together
support: the pooled estimate as median, the pooled prediction interval as central 95%.
:func:`fitted_vs_ranges` runs the same analysis under both, with the same random numbers, and
says in sentences computed from the run which conclusion changes: how much the output's
interval narrows or widens, whether its median moves, and whether the parameter that drives
the output is still the same one.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from lems_epi._rng import as_generator
from lems_epi._validation import check_conf_level, check_whole_number
from lems_epi.scenario import DEFAULT_POPULATION
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame

__all__ = ["INPUT_SETS", "MATTERS", "FittedVsRangesResult", "fitted_vs_ranges"]

#: The two input sets compared, in the order of the result's rows.
INPUT_SETS = ("evidence ranges", "fitted to pooled evidence")
#: A total Sobol index below this is "does not matter" in the sentences.
MATTERS = 0.01


def _g(x: float) -> str:
    """Three significant figures, as the sentences print every number."""
    return f"{float(x):.3g}"


@dataclasses.dataclass(frozen=True, repr=False)
class FittedVsRangesResult(AnalysisResult):
    """Result of :func:`fitted_vs_ranges`.

    Attributes
    ----------
    table : pandas.DataFrame
        On the output contract, two rows per output: ``output``, ``inputs`` (one of
        :data:`INPUT_SETS`), ``measure`` (``"median"``), ``estimate`` (the median of the
        output's distribution), ``lower``/``upper`` (its central ``conf_level`` interval: an
        uncertainty interval, not a confidence interval), ``conf_level``, ``method``, ``per``;
        then ``n``, ``width`` (upper - lower), ``relative_width`` (width over the width under
        the evidence ranges) and ``top_parameter`` (the input with the strongest Spearman
        correlation with the output).
    ranking : pandas.DataFrame
        ``output, inputs, rank, parameter, spearman``: every input by the absolute value of its
        rank correlation with the output.
    sobol : pandas.DataFrame
        For ``sobol_output``, one row per parameter: ``parameter``, ``total_ranges``,
        ``total_fitted`` (total-order Sobol indices), ``rank_ranges``, ``rank_fitted``; empty
        when no Sobol analysis was asked for.
    fitted_parameters : tuple of str
        The parameters drawn from fitted distributions (the others keep their ranges).
    notes : tuple of str
        Sobol convergence notes.
    """

    ranking: pd.DataFrame = None
    sobol: pd.DataFrame = None
    fitted_parameters: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def conclusions(self) -> list[str]:
        """Sentences, computed from the run, saying what changes between the two input sets."""
        out = []
        level = f"{float(self.table['conf_level'].iloc[0]):.0%}"
        for output, part in self.table.groupby("output", sort=False):
            r, f = (part[part["inputs"] == k].iloc[0] for k in INPUT_SETS)
            change = 1 - f["relative_width"]
            how = f"{abs(change):.0%} {'narrower' if change >= 0 else 'wider'}"
            shift = f["estimate"] / r["estimate"] - 1
            lead = (f"the input that drives it stays {r['top_parameter']}"
                    if r["top_parameter"] == f["top_parameter"] else
                    f"the input that drives it changes from {r['top_parameter']} to "
                    f"{f['top_parameter']}")
            out.append(f"{output}: median {_g(r['estimate'])} ({level} interval "
                       f"{_g(r['lower'])}-{_g(r['upper'])}) under the evidence ranges, "
                       f"{_g(f['estimate'])} ({_g(f['lower'])}-{_g(f['upper'])}) under the "
                       f"fitted distributions: the median moves by {shift:+.0%}, the "
                       f"interval is {how}, and {lead}.")
        if self.sobol is not None and len(self.sobol):
            s = self.sobol
            top_r = s.sort_values("rank_ranges").iloc[0]
            top_f = s.sort_values("rank_fitted").iloc[0]
            same = top_r["parameter"] == top_f["parameter"]
            # order among the parameters that matter (total index >= 0.01 under either set)
            big = s[s[["total_ranges", "total_fitted"]].max(axis=1) >= MATTERS]
            order_same = (big.sort_values("rank_ranges")["parameter"].tolist()
                          == big.sort_values("rank_fitted")["parameter"].tolist())
            out.append(
                f"Sobol total indices of {self.sobol.attrs.get('output', 'the output')}: "
                f"{top_r['parameter']} leads under the ranges ({_g(top_r['total_ranges'])}), "
                + (f"and still leads under the fitted distributions "
                   f"({_g(top_f['total_fitted'])})" if same else
                   f"{top_f['parameter']} under the fitted distributions "
                   f"({_g(top_f['total_fitted'])}, against {_g(top_r['total_fitted'])} for "
                   f"{top_r['parameter']})")
                + ("; the order of the parameters with a total index of at least "
                   f"{MATTERS} is the same." if order_same else "; the order of the "
                   f"parameters with a total index of at least {MATTERS} changes."))
        return out

    def caption(self) -> str:
        """The conclusions as one paragraph, with what was drawn from what."""
        fitted = ", ".join(self.fitted_parameters)
        return (f"Drawn from distributions fitted to the pooled estimate and prediction "
                f"interval: {fitted}; every other parameter keeps its uniform range between "
                "the sources. " + " ".join(self.conclusions()))

    def summary(self) -> Summary:
        """Both runs' medians and intervals, the rankings and the conclusions."""
        first = self.table.iloc[0]
        facts = {"draws": int(first["n"]), "method": first["method"],
                 "conf_level": float(first["conf_level"]),
                 "fitted parameters": ", ".join(self.fitted_parameters)}
        sections = [("Output under both input sets", self.table), ("Rank correlations",
                                                                    self.ranking)]
        if self.sobol is not None and len(self.sobol):
            sections.append(("Sobol total indices", self.sobol))
        return Summary("Fitted distributions vs evidence ranges", facts, tuple(sections),
                       tuple(self.conclusions()) + self.notes)

    def plot(self, **kwargs):
        """Forest plot: each output's median and interval under both input sets."""
        from lems_epi.plots import forest_plot

        kwargs.setdefault("title", "Output under the evidence ranges and the fitted inputs")
        kwargs.setdefault("x_title", "expected persons (median and central interval)")
        return forest_plot(self.table, label=["output", "inputs"], **kwargs)


def _input_sets(base, *, kind, pooled) -> tuple[dict, dict, tuple[str, ...]]:
    from lems_epi.sensitivity.defaults import default_distributions
    from lems_epi.sensitivity.fitted import fitted_distributions

    ranges = default_distributions(base=base)
    fitted = fitted_distributions(kind, pooled=pooled)
    return ranges, {**ranges, **fitted}, tuple(fitted)


def fitted_vs_ranges(outputs=("expected_cases", "expected_sclc_cases"), *, n=2000,
                     method="lhs", sobol_output=None, sobol_n=4096, kind="logit-normal",
                     pooled=None, base=None, population=DEFAULT_POPULATION, conf_level=0.90,
                     rng=None) -> FittedVsRangesResult:
    """Compare the probabilistic (and Sobol) analysis under ranges and under fitted inputs.

    Each output's distribution is computed twice with :func:`lems_epi.sensitivity.probabilistic`
    and the same random numbers: once with :func:`lems_epi.sensitivity.default_distributions`
    (uniform between the sources' extremes, log-uniform for prevalence), once with the pooled
    parameters replaced by :func:`lems_epi.sensitivity.fitted_distributions`.

    Parameters
    ----------
    outputs : str or sequence of str, default ("expected_cases", "expected_sclc_cases")
        Named outputs (:func:`lems_epi.sensitivity.outputs`).
    n : int, default 2000
        Draws per run.
    method : {"lhs", "mc"}, default "lhs"
        Sampling method of :func:`lems_epi.sensitivity.probabilistic`.
    sobol_output : str, optional
        Also compare the total Sobol indices of this output (:func:`lems_epi.sensitivity.sobol`).
    sobol_n : int, default 4096
        Base sample size of the Sobol analyses (a power of two).
    kind : {"logit-normal", "beta"}, default "logit-normal"
        Shape fitted to the shares.
    pooled : PooledEvidence, optional
        The pooled evidence (default :func:`lems_epi.sources.pooled.pooled_evidence`).
    base : Scenario or str, optional
        Scenario supplying the parameters not drawn (default ``"seed-base"``).
    population : str or pandas.DataFrame, default DEFAULT_POPULATION
        The target population.
    conf_level : float, default 0.90
        Coverage of the central interval of each output.
    rng : {None, int, numpy.random.Generator}, optional
        Source of randomness; the same ``rng`` gives the same result.

    Returns
    -------
    FittedVsRangesResult
        ``.table`` on the output contract, ``.ranking``, ``.sobol``, ``.conclusions()``,
        ``.caption()``, ``.summary()`` and ``.plot()``.

    References
    ----------
    .. [1] Briggs AH, Weinstein MC, Fenwick EAL, Karnon J, Sculpher MJ, Paltiel AD (2012).
       Model parameter estimation and uncertainty analysis: a report of the ISPOR-SMDM
       Modeling Good Research Practices Task Force Working Group-6. Medical Decision Making
       32(5):722-732.

    Examples
    --------
    >>> res = fitted_vs_ranges("expected_cases", n=500, rng=1)
    >>> res.table[["output", "inputs"]].values.tolist()
    [['expected_cases', 'evidence ranges'], ['expected_cases', 'fitted to pooled evidence']]
    >>> bool(res.table["relative_width"].iloc[1] < 1)
    True
    """
    from lems_epi.sensitivity.analysis import probabilistic
    from lems_epi.sensitivity.outputs import coerce_base

    caller = "fitted_vs_ranges"
    outputs = [outputs] if isinstance(outputs, str) else list(outputs)
    if not outputs:
        raise ValueError(f"{caller}: 'outputs' is empty; give at least one named output.")
    n = check_whole_number(n, name="n", caller=caller, minimum=10)
    conf_level = check_conf_level(conf_level, caller=caller)
    base = coerce_base(base, caller=caller)
    gen = as_generator(rng, caller=caller)
    ranges, fitted, fitted_names = _input_sets(base, kind=kind, pooled=pooled)
    rows, ranks = [], []
    for output in outputs:
        seed = int(gen.integers(2**63))  # the same random numbers for both input sets
        width_ranges = None
        for label, dists in zip(INPUT_SETS, (ranges, fitted), strict=True):
            res = probabilistic(output, dists, n=n, method=method, base=base,
                                population=population, conf_level=conf_level, rng=seed)
            t = res.table.iloc[0]
            width = float(t["upper"] - t["lower"])
            width_ranges = width if width_ranges is None else width_ranges
            rc = res.rank_correlation
            rows.append({"output": t["output"], "inputs": label, "estimate": t["estimate"],
                         "lower": t["lower"], "upper": t["upper"], "method": t["method"],
                         "n": int(t["n"]), "width": width,
                         "relative_width": width / width_ranges if width_ranges else np.nan,
                         "top_parameter": rc["parameter"].iloc[0]})
            ranks.append(rc.assign(output=t["output"], inputs=label,
                                   rank=np.arange(1, len(rc) + 1)))
    frame = pd.DataFrame(rows)
    table = contract_frame(
        measure="median", estimate=frame["estimate"], lower=frame["lower"],
        upper=frame["upper"], conf_level=conf_level, method=frame["method"],
        groups={"output": frame["output"], "inputs": frame["inputs"]}, space=None,
        extra={c: frame[c] for c in ("n", "width", "relative_width", "top_parameter")})
    ranking = pd.concat(ranks, ignore_index=True)[["output", "inputs", "rank", "parameter",
                                                   "spearman"]]
    sobol_table, notes = _sobol_comparison(sobol_output, ranges, fitted, n=sobol_n, base=base,
                                           population=population, gen=gen)
    return FittedVsRangesResult(table=table, ranking=ranking, sobol=sobol_table,
                                fitted_parameters=fitted_names, notes=notes)


def _sobol_comparison(output, ranges, fitted, *, n, base, population, gen):
    """Total Sobol indices of ``output`` under both input sets, ranked (1 = largest)."""
    columns = ["parameter", "total_ranges", "total_fitted", "rank_ranges", "rank_fitted"]
    if output is None:
        return pd.DataFrame(columns=columns), ()
    from lems_epi.sensitivity.sobol_indices import sobol

    seed = int(gen.integers(2**63))
    runs = [sobol(output, d, n=n, base=base, population=population, rng=seed)
            for d in (ranges, fitted)]
    totals = [r.indices.set_index("parameter")["total_order"].clip(lower=0) for r in runs]
    out = pd.DataFrame({"total_ranges": totals[0], "total_fitted": totals[1]})
    out["rank_ranges"] = out["total_ranges"].rank(ascending=False, method="first").astype(int)
    out["rank_fitted"] = out["total_fitted"].rank(ascending=False, method="first").astype(int)
    out = out.rename_axis("parameter").reset_index()[columns].sort_values("rank_ranges")
    out = out.reset_index(drop=True)
    out.attrs = {"output": output}
    notes = tuple(f"{label}: {r.notes[0]}" for label, r in zip(INPUT_SETS, runs, strict=True)
                  if not r.converged)
    return out, notes
