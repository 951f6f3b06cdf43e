"""What the studies together support: every parameter with counts, pooled by meta-analysis.

:func:`pooled_evidence` reads the evidence table's study data (``events`` over
``denominator``, see :data:`lems_epi.sources.COUNT_COLUMNS`), keeps the rows whose design is a
study (population-based or clinical series; reviews, lay pages, classification bands, model
estimates and assumptions are context, never data), keeps one row per overlapping cohort
(``cohort_group``: the largest), and pools every parameter that has at least two studies left
with :func:`lems_epi.stats.meta_pooling.meta_analysis`. :func:`pooled_scenario` builds the
named scenario ``pooled`` from the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from lems_epi.sources.labels import source_labels
from lems_epi.sources.table import evidence
from lems_epi.stats.contract import AnalysisResult, Summary, stack_measures
from lems_epi.stats.meta_pooling import MetaAnalysisResult, meta_analysis

__all__ = ["POOLING_DESIGNS", "PooledEvidence", "pooled_evidence", "pooled_scenario"]

#: Designs whose counts are pooled by default.
POOLING_DESIGNS = ("population-based", "clinical-series")
_CALLER = "pooled_evidence"
_LEFT_OUT_COLUMNS = ("parameter", "subset", "evidence_id", "reason")


def _subset(statistic: str) -> str:
    return statistic if statistic.startswith("within_") else ""


def _effective_counts(row) -> tuple[float, float, str]:
    """Events and denominator, deflated when the source's own interval is wider than Poisson.

    An estimated total (a survey extrapolated to a country) carries less information than a
    count of the same size: its published 95% interval gives the standard error of the log
    rate, and ``1/se^2`` events at the same rate carry the same information.
    """
    x, d = float(row["events"]), float(row["denominator"])
    lo, hi, _v = row["low"], row["high"], row["value"]
    if row["statistic"] != "point" or not (np.isfinite(lo) and np.isfinite(hi) and lo > 0):
        return x, d, ""
    se = (np.log(hi) - np.log(lo)) / (2 * 1.959963984540054)
    eff = float(np.round(1.0 / se**2))
    if not 0 < eff < x:
        return x, d, ""
    note = (f"{x:.0f} estimated cases weighted as {eff:.0f}: the information of the source's "
            f"own interval {lo:g}-{hi:g}")
    return eff, d * eff / x, note


def _select(rows: pd.DataFrame, designs, one_per_cohort: bool):
    """Split a parameter's rows into studies to pool and rows left out (with the reason)."""
    left = []
    has_counts = rows["events"].notna().to_numpy()
    for _, r in rows.loc[~has_counts].iterrows():
        left.append((r["evidence_id"], f"no counts ({r['design'] or r['kind']})"))
    data = rows.loc[has_counts]
    keep = data["design"].isin(designs).to_numpy()
    for _, r in data.loc[~keep].iterrows():
        left.append((r["evidence_id"], f"design '{r['design']}' is not pooled (designs="
                                       f"{list(designs)})"))
    data = data.loc[keep]
    if one_per_cohort:
        grouped = data[data["cohort_group"] != ""]
        for group, part in grouped.groupby("cohort_group", sort=False):
            kept = part.loc[part["denominator"].idxmax(), "evidence_id"]
            for eid in part["evidence_id"]:
                if eid != kept:
                    left.append((eid, f"shares patients with {kept} (cohort {group}); one "
                                      "row per cohort"))
        dropped = {e for e, _ in left}
        data = data[~data["evidence_id"].isin(dropped)]
    return data, left


@dataclass(frozen=True, repr=False)
class PooledEvidence(AnalysisResult):
    """Pooled parameters: one row per parameter, with the analyses behind them.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per pooled parameter on the output contract: ``parameter``, ``subset``,
        ``unit``, the input totals, ``measure, estimate, lower, upper, conf_level, method,
        per`` (and the test), then ``pi_lower, pi_upper`` (prediction interval), ``k``,
        ``tau2``, ``i2``, ``studies`` (evidence ids used) and ``left_out`` (ids with reasons).
    analyses : mapping
        Parameter -> :class:`~lems_epi.stats.meta_pooling.MetaAnalysisResult`.
    left_out_rows : pandas.DataFrame
        Every row of a pooled parameter that was not used, with the reason.
    context : mapping
        Parameter -> the rows with a value but not pooled (label, estimate, lower, upper), for
        the forest plots.
    """

    analyses: Mapping = field(default_factory=dict)
    left_out_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    context: Mapping = field(default_factory=dict)

    def summary(self) -> Summary:
        """The pooled parameters and the rows left out."""
        cols = ["parameter", "subset", "k", "estimate", "lower", "upper", "pi_lower",
                "pi_upper", "tau2", "studies"]
        return Summary("Pooled evidence", {"parameters": len(self.table),
                                           "method": str(self.table["method"].iloc[0])},
                       (("Pooled", self.table[cols]), ("Left out", self.left_out_rows)),
                       ("Counts are pooled only from population-based studies and clinical "
                        "series, one per overlapping cohort; reviews, lay pages and bands are "
                        "context.",))

    def plot(self, parameter: str = "prevalence", **kwargs):
        """Forest plot of one parameter, with the figures not pooled drawn apart."""
        if parameter not in self.analyses:
            raise ValueError(f"PooledEvidence.plot: no pooled parameter {parameter!r}; choose "
                             f"one of {sorted(self.analyses)}.")
        row = self.table[(self.table["parameter"] + self.table["subset"].map(
            lambda v: f":{v}" if v else "")) == parameter].iloc[0]
        per_million = row["unit"].startswith("per_million")
        kwargs.setdefault("title", f"{parameter.replace('_', ' ')}: "
                                   f"{int(row['k'])} studies pooled ({row['method']})")
        kwargs.setdefault("x_title", "per million" if per_million else "proportion")
        return self.analyses[parameter].plot(context=self.context.get(parameter), **kwargs)


def _context(rows: pd.DataFrame, used: set, per: float, left: pd.DataFrame) -> pd.DataFrame:
    """Rows with a number that are not pooled, on the pooled scale (x per)."""
    scale = per / 1e6 if rows["unit"].iloc[0].startswith("per_million") else per
    keep = ~rows["evidence_id"].isin(used) & (rows["value"].notna() | rows["low"].notna())
    part = rows.loc[keep]
    if part.empty:
        return pd.DataFrame(columns=["label", "estimate", "lower", "upper"])
    overlap = set(left.loc[left["reason"].str.startswith("shares patients"), "evidence_id"])
    labels = [f"{lab} ({'same patients as a pooled study' if e in overlap else d or k})"
              for lab, d, k, e in zip(source_labels(part["evidence_id"]), part["design"],
                                      part["kind"], part["evidence_id"], strict=True)]
    est = part["value"].where(part["value"].notna(), (part["low"] + part["high"]) / 2)
    return pd.DataFrame({"label": labels, "estimate": est.to_numpy() * scale,
                         "lower": part["low"].to_numpy() * scale,
                         "upper": part["high"].to_numpy() * scale})


def _pool_parameter(key, rows, *, designs, one_per_cohort, method, test, conf_level):
    parameter, subset = key
    data, left = _select(rows, designs, one_per_cohort)
    left_frame = pd.DataFrame([(parameter, subset, e, r) for e, r in left],
                              columns=list(_LEFT_OUT_COLUMNS))
    if len(data) < 2:
        return None, left_frame, data
    counts = [_effective_counts(r) for _, r in data.iterrows()]
    labels = source_labels(data["evidence_id"])
    if len(set(labels)) < len(labels):
        labels = list(data["evidence_id"])
    frame = pd.DataFrame({"study": labels,
                          "events": [c[0] for c in counts],
                          "denominator": [c[1] for c in counts]})
    per = 1e6 if rows["unit"].iloc[0].startswith("per_million") else 1.0
    rate = rows["unit"].iloc[0].startswith("per_million")
    kw = {"person_time": "denominator"} if rate else {"n": "denominator"}
    res = meta_analysis(frame, events="events", measure="log-rate" if rate else "logit",
                        method=method, test=test if method != "glmm" else "z",
                        conf_level=conf_level, study="study", per=per, **kw)
    notes = "; ".join(f"{s}: {c[2]}" for s, c in zip(data["evidence_id"], counts, strict=True)
                      if c[2])
    return (res, notes), left_frame, data


def _parameter_row(key, res: MetaAnalysisResult, notes, data, left_frame, unit):
    parameter, subset = key
    t = res.table.copy()
    if unit == "per_million":  # a prevalence: persons, pooled as Poisson counts over them
        t = t.rename(columns={"person_time": "n"})
    if parameter in ("prevalence", "incidence"):
        t["measure"] = parameter
    left = "; ".join(f"{e} ({r})" for e, r in zip(left_frame["evidence_id"],
                                                    left_frame["reason"], strict=True))
    extra = {"studies": "; ".join(data["evidence_id"]), "left_out": left,
             "count_notes": notes}
    keep = [c for c in t.columns if not c.startswith("model_") and c not in (
        "q_lrt", "q_lrt_p", "df", "scale", "h2", "q_df")]
    t = t[keep]
    t.insert(0, "unit", unit)
    t.insert(0, "subset", subset)
    t.insert(0, "parameter", parameter)
    for name, value in extra.items():
        t[name] = value
    return t


def pooled_evidence(*, method: str = "glmm", test: str = "z", designs=POOLING_DESIGNS,
                    one_per_cohort: bool = True, conf_level: float = 0.95) -> PooledEvidence:
    """Pool every parameter of the evidence table that has at least two studies with counts.

    Parameters
    ----------
    method : str, default "glmm"
        Meta-analysis method (see :func:`lems_epi.stats.meta_pooling.meta_analysis`). The
        default, the Poisson-normal / binomial-normal GLMM, is the model for the small counts
        of LEMS studies (4 to 81 events).
    test : {"z", "knha"}, default "z"
        Test of the inverse-variance methods (the GLMM uses z).
    designs : sequence of str, default ("population-based", "clinical-series")
        Designs whose counts are pooled; add ``"claims-data"`` or ``"case-report-review"``
        to include those rows.
    one_per_cohort : bool, default True
        Keep only the largest row of each ``cohort_group`` (e.g. the Dutch series of Wirtz
        2003, Titulaer 2008 and Lipka 2020 share patients: Lipka 2020 is kept), so no patient
        counts twice.
    conf_level : float, default 0.95

    Returns
    -------
    PooledEvidence
        ``.table`` has one row per pooled parameter (estimate, interval, prediction interval,
        tau^2, the studies used and the rows left out with the reason), ``.analyses`` the
        meta-analyses, ``.plot(parameter)`` a forest plot with the unpooled figures as
        context.

    Notes
    -----
    Prevalences (per million) are pooled as Poisson counts over persons (log scale; with
    prevalences of a few per million the binomial and Poisson likelihoods agree to 1e-5) and
    reported per million; shares are pooled on the logit scale. An estimated national total
    with a published interval (Japan's 348, 95% CI 247-449) is weighted as the number of
    events that carries the information of that interval (about 41), not as 348 counted
    cases. The result is cached for the default arguments.

    Examples
    --------
    >>> p = pooled_evidence()
    >>> "prevalence" in set(p.table["parameter"])
    True
    >>> p.table.set_index("parameter").loc["sclc_share_of_all", "k"]
    np.int64(6)
    """
    return _pooled_cached(method, test, tuple(designs), bool(one_per_cohort),
                          float(conf_level))


@lru_cache(maxsize=8)
def _pooled_cached(method, test, designs, one_per_cohort, conf_level) -> PooledEvidence:
    table = evidence()
    rows = table[table["kind"] != "seed"].copy()
    rows = pd.concat([rows, table[table["kind"] == "seed"]], ignore_index=True)
    rows["subset"] = rows["statistic"].map(_subset)
    with_counts = rows.loc[rows["events"].notna(), ["parameter", "subset"]].drop_duplicates()
    out, analyses, lefts, context = [], {}, [], {}
    for key in with_counts.itertuples(index=False, name=None):
        part = rows[(rows["parameter"] == key[0]) & (rows["subset"] == key[1])]
        if key[1] == "":
            part = part[~part["statistic"].str.startswith("within_")]
        pooled, left_frame, data = _pool_parameter(
            key, part, designs=designs, one_per_cohort=one_per_cohort, method=method,
            test=test, conf_level=conf_level)
        if pooled is None:
            continue
        res, notes = pooled
        name = key[0] if not key[1] else f"{key[0]}:{key[1]}"
        analyses[name] = res
        lefts.append(left_frame)
        per = float(res.table["per"].iloc[0])
        context[name] = _context(part, set(data["evidence_id"]), per, left_frame)
        out.append(_parameter_row(key, res, notes, data, left_frame, part["unit"].iloc[0]))
    table_out = stack_measures(out, group_columns=("parameter", "subset"))
    inputs = [c for c in ("events", "n", "person_time") if c in table_out.columns]
    head = ["parameter", "subset", "unit", *inputs]
    table_out = table_out[head + [c for c in table_out.columns if c not in head]]
    left_all = pd.concat(lefts, ignore_index=True) if lefts else pd.DataFrame(
        columns=list(_LEFT_OUT_COLUMNS))
    return PooledEvidence(table_out, analyses=analyses, left_out_rows=left_all,
                          context=context)


def pooled_scenario(base):
    """The named scenario ``pooled``: ``base`` (the ``literature`` scenario) with the pooled figures.

    Prevalence, paraneoplastic share (of incident cases, as the cohorts count patients at
    diagnosis) and SCLC share of paraneoplastic cases are the GLMM-pooled estimates of
    :func:`pooled_evidence`; every other parameter is ``base``'s. The base is passed in (the
    scenario registry passes ``Scenario.named("literature")``) so that the evidence layer never
    imports the scenario layer above it.

    Examples
    --------
    >>> import lems_epi as le
    >>> s = pooled_scenario(le.Scenario.named("literature"))
    >>> s.name, 1e-6 < s.prevalence < 1e-5
    ('pooled', True)
    """
    p = pooled_evidence().table.set_index("parameter")
    sources = dict(base.sources)
    values = {}
    for param, attr, scale in (("prevalence", "prevalence", 1e-6),
                               ("paraneoplastic_share", "paraneoplastic_share", 1.0),
                               ("sclc_share", "sclc_share", 1.0)):
        values[attr] = float(p.loc[param, "estimate"]) * scale
        sources[attr] = tuple(str(p.loc[param, "studies"]).split("; "))
    sources["paraneoplastic_share_of"] = sources["paraneoplastic_share"]
    description = (
        f"Pooled studies (GLMM meta-analysis of the evidence table's counts): prevalence "
        f"{values['prevalence'] * 1e6:.2f} per million, paraneoplastic share "
        f"{values['paraneoplastic_share']:.2f} of incident cases, SCLC in "
        f"{values['sclc_share']:.2f} of them; other parameters as the literature scenario.")
    return dataclasses.replace(base, name="pooled", sources=sources, description=description,
                               paraneoplastic_share_of="incident", **values)
