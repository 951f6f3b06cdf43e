"""The lems_epi report: one self-contained HTML file (plotly.js inline, works offline).

Sections: the sources and where they conflict; the scenario and its calibration; simulated
cases and prevalence by age, sex and smoking with intervals; crude vs age-standardised
prevalence for the shipped populations under several standards; and the sensitivity of the main
outputs to the conflicting figures (tornado and Sobol indices), under the sources' low-high
ranges and under distributions fitted to the pooled evidence. Under each figure, two or three
sentences say what it shows, with the numbers of this run.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lems_epi.scenario import DEFAULT_POPULATION

__all__ = ["build_report", "write_report"]

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;
margin:2em auto;padding:0 1.2em;color:#222;line-height:1.5;font-size:17px}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #1f3b73;
padding-bottom:.2em} h3{margin-top:1.4em}
p.caption{color:#333;background:#f4f6fa;border-left:4px solid #1f3b73;padding:.6em .9em;
max-width:75ch}
div.figure{max-width:100%;overflow:hidden}
div.table{max-width:100%;overflow-x:auto;margin:.8em 0}
table.lems{border-collapse:collapse;font-size:.9em;width:100%}
table.lems th,table.lems td{border:1px solid #ccc;padding:4px 8px;text-align:left;
vertical-align:top;overflow-wrap:normal;word-break:normal;hyphens:none}
table.lems th{background:#eef1f7} table.lems td.flag{color:#a40000;font-weight:600}
table.lems td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
table.lems td.text{min-width:16ch;max-width:42ch}
table.lems details summary{cursor:pointer;color:#1f3b73}
table.lems details[open] summary{margin-bottom:.3em}
.meta{color:#555;font-size:.9em}
nav.contents{background:#f7f8fb;border:1px solid #dde2ee;padding:.4em 1.2em;margin:1em 0;
max-width:75ch} nav.contents h2{margin:.4em 0;border:none;font-size:1.15em}
nav.contents ol{margin:.3em 0 .6em;padding-left:1.4em}
"""

#: Standards used for the crude-vs-standardised comparison.
STANDARDS = ("esp2013", "who2000", "nordic2000")
#: Named outputs analysed in the sensitivity section.
SENSITIVITY_OUTPUTS = ("expected_cases", "expected_sclc_cases")


@dataclass
class _Section:
    anchor: str
    title: str
    parts: list = field(default_factory=list)


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}g}"


#: A cell longer than this is folded (``<details>``): its first words, the rest on a click.
FOLD_CHARS = 90


def number_for_people(value) -> str:
    """A number as a reader wants it: 3 significant figures, small rates per million.

    Examples
    --------
    >>> [number_for_people(v) for v in (7e-06, 0.5504, 2.4e-16, 1234567.0, 58.69, float("nan"))]
    ['7 per million', '0.55', '0', '1,234,567', '58.7', '']
    """
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    v = float(value)
    if not np.isfinite(v):
        return ""
    if abs(v) < 1e-9:
        return "0"
    if abs(v) < 1e-3:
        return f"{float(f'{v * 1e6:.3g}'):g} per million"
    if abs(v) >= 1e4 or float(v).is_integer():
        return f"{round(v):,}" if abs(v) >= 1e4 else f"{v:g}"
    return f"{float(f'{v:.3g}'):g}"


_NUMBER = re.compile(r"^-?\d+(\.\d+)?(e[-+]?\d+)?$")


def _words(text: str) -> str:
    """Escaped text that may break after an underscore (long names wrap at their parts)."""
    return html.escape(text).replace("_", "_<wbr>")


def _cell(value) -> str:
    """One table cell: numbers right-aligned for people, long text folded."""
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        value = float(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"<td class='num'>{html.escape(number_for_people(value))}</td>"
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if text == "outside every source":
        return f"<td class='flag'>{html.escape(text)}</td>"
    if len(text) <= 30:
        return f"<td>{_words(text)}</td>"
    if len(text) <= FOLD_CHARS:
        return f"<td class='text'>{_words(text)}</td>"
    head = text[:60].rsplit(" ", 1)[0]
    return (f"<td class='text'><details><summary>{_words(head)} …</summary>"
            f"{_words(text)}</details></td>")


def _table_html(frame: pd.DataFrame, max_rows: int = 60) -> str:
    """A table that fits the page: headers as words, numbers for people, long text folded."""
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c).replace('_', ' '))}</th>" for c in shown.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>"
                   for row in shown.itertuples(index=False, name=None))
    out = (f"<div class='table'><table class='lems'><thead><tr>{head}</tr></thead>"
           f"<tbody>{body}</tbody></table></div>")
    if len(frame) > max_rows:
        out += f"<p class='meta'>({len(frame) - max_rows} more rows not shown)</p>"
    return out


class _Builder:
    """Collects sections, figures and captions, then renders one HTML page."""

    def __init__(self):
        self.sections: list[_Section] = []
        self.n_figures = 0

    def section(self, anchor: str, title: str) -> _Section:
        s = _Section(anchor, title)
        self.sections.append(s)
        return s

    def figure(self, section: _Section, fig, caption: str) -> None:
        self.n_figures += 1
        div = fig.to_html(full_html=False, include_plotlyjs=False,
                          div_id=f"figure-{self.n_figures}",
                          config={"displaylogo": False, "responsive": True})
        section.parts.append(f"<div class='figure'>{div}</div>"
                             f"<p class='caption'>{html.escape(caption)}</p>")

    def table(self, section: _Section, frame: pd.DataFrame, caption: str | None = None) -> None:
        section.parts.append(_table_html(frame))
        if caption:
            section.parts.append(f"<p class='caption'>{html.escape(caption)}</p>")

    def text(self, section: _Section, text: str) -> None:
        section.parts.append(f"<p>{html.escape(text)}</p>")

    def render(self, title: str, meta: str) -> str:
        from plotly.offline import get_plotlyjs

        items = "".join(f"<li><a href='#{s.anchor}'>{html.escape(s.title.split('. ', 1)[-1])}"
                        "</a></li>" for s in self.sections)
        nav = f"<h2>Contents</h2><ol>{items}</ol>"
        body = "\n".join(
            f"<section id='{s.anchor}'><h2>{html.escape(s.title)}</h2>{''.join(s.parts)}"
            "</section>" for s in self.sections)
        return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
                f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
                f"<h1>{html.escape(title)}</h1><p class='meta'>{html.escape(meta)}</p>"
                f"<nav class='contents' aria-label='Contents'>{nav}</nav>{body}</body></html>")


# ---------------------------------------------------------------------------- sections
def _sources(b: _Builder) -> None:
    from lems_epi.plots import forest_plot
    from lems_epi.sources import conflicts, evidence, source_label, with_source_labels

    sec = b.section("sources", "1. The sources and where they conflict")
    ev = evidence()
    n_seed = int((ev["kind"] == "seed").sum())
    n_lit = int((ev["kind"] == "literature").sum())
    b.text(sec, f"The evidence table holds {len(ev)} figures: {n_seed} from the five seed "
           f"documents, {n_lit} published figures read in the literature, and "
           f"{int((ev['kind'] == 'assumption').sum())} stated assumptions that turn qualitative "
           "claims into numbers.")
    conf = conflicts()
    b.table(sec, with_source_labels(conf[["parameter", "unit", "low", "high", "source_low",
                                          "source_high", "n_sources", "reading"]]),
            f"{len(conf)} parameters on which the sources disagree, with the lowest and highest "
            "figure and who gives each.")
    prev = ev[(ev["parameter"] == "prevalence") & ev["unit"].eq("per_million")
              & ev["statistic"].isin(["point", "range"])].copy()
    prev["estimate"] = prev["value"].fillna((prev["low"] + prev["high"]) / 2)
    prev["lower"] = prev["low"].fillna(prev["estimate"])
    prev["upper"] = prev["high"].fillna(prev["estimate"])
    prev["label"] = _evidence_labels(prev, source_label)
    prev = prev.dropna(subset=["estimate"]).sort_values("estimate")
    numeric = ev[(ev["parameter"] == "prevalence") & ev["unit"].eq("per_million")
                 & ev[["value", "low", "high"]].notna().any(axis=1)]
    left_out = numeric[~numeric["evidence_id"].isin(prev["evidence_id"])]
    if len(prev):
        fig = forest_plot(prev[["label", "estimate", "lower", "upper"]], estimate="estimate",
                          label="label", title="Prevalence of LEMS by source (per million)",
                          x_title="per million")
        seed = prev[prev["kind"] == "seed"]
        lit = prev[prev["kind"] == "literature"]
        above = seed["lower"].min() > lit["upper"].max()
        skipped = "; ".join(
            f"{source_label(r.evidence_id)} ({r.statistic.replace('_', ' ')} "
            f"{'-'.join(_fmt(v) for v in (r.low, r.high) if pd.notna(v))})"
            for r in left_out.itertuples())
        b.figure(sec, fig,
                 f"Each row is one source's prevalence estimate, with its range or interval. "
                 f"The seeds' range ({_fmt(seed['lower'].min())}-{_fmt(seed['upper'].max())} "
                 f"per million) {'lies entirely above' if above else 'overlaps'} the literature "
                 f"estimates ({_fmt(lit['estimate'].min())}-{_fmt(lit['estimate'].max())} per "
                 f"million, no interval reaching above {_fmt(lit['upper'].max())}), so the "
                 "choice of source scales every count in this report."
                 + (f" Not drawn, because a prevalence class or a bare bound is not an "
                    f"estimate: {skipped}." if skipped else ""))
    _pooled_sources(b, sec)


def _pooled_sources(b: _Builder, sec: _Section) -> None:
    """Section 1: what the studies together support (meta-analysis of the counts)."""
    from lems_epi.sources import with_source_labels
    from lems_epi.sources.pooled import pooled_evidence

    pooled = pooled_evidence()
    t = pooled.table
    cols = ["parameter", "subset", "k", "estimate", "lower", "upper", "pi_lower", "pi_upper",
            "tau2", "studies"]
    b.table(sec, with_source_labels(t[cols].rename(columns={"studies": "sources"})),
            f"{len(t)} parameters have at least two studies with counts; each is pooled "
            f"({t['method'].iloc[0]}: Poisson-normal for the prevalence, binomial-normal for "
            "shares), one study per overlapping cohort. lower/upper: 95% confidence interval "
            "of the mean; pi_lower/pi_upper: 95% prediction interval, where a new "
            "population's value is expected. Reviews, lay pages and classification bands are "
            "not pooled.")
    prev = t.set_index("parameter").loc["prevalence"]
    seeds = pooled.context["prevalence"]
    seeds = seeds[seeds["label"].str.contains("lay-summary")]
    above = seeds["lower"].dropna()
    b.figure(sec, pooled.plot("prevalence", title="Pooled prevalence of LEMS (per million)"),
             f"Studies with counts (squares sized by weight), their pooled prevalence "
             f"{_fmt(prev['estimate'])} per million (95% CI {_fmt(prev['lower'])}-"
             f"{_fmt(prev['upper'])}) and the prediction interval {_fmt(prev['pi_lower'])}-"
             f"{_fmt(prev['pi_upper'])}; grey: figures not pooled. "
             + (f"The seed pages' lower figure ({_fmt(above.min())} per million) lies "
                f"{'above' if above.min() > prev['pi_upper'] else 'inside'} the prediction "
                "interval." if len(above) else ""))


def _evidence_labels(rows: pd.DataFrame, source_label) -> list[str]:
    """One label per evidence row: its source's label, with the row's own words if repeated."""
    labels = [source_label(e) for e in rows["evidence_id"]]
    counts = pd.Series(labels).value_counts()
    out = []
    for label, eid, param in zip(labels, rows["evidence_id"], rows["parameter"], strict=True):
        if counts[label] > 1:
            tail = eid.split(param.replace("_", "-"), 1)[-1].strip("-") or eid
            label = f"{label} ({tail.replace('-', ' ')})"
        out.append(label)
    return out


def _scenario(b: _Builder, scenario, population) -> None:
    from lems_epi.model import calibration_report
    from lems_epi.model.evidence_check import departures
    from lems_epi.sources import label_sources, with_source_labels

    sec = b.section("scenario", "2. The scenario and its calibration")
    b.text(sec, f"Scenario '{scenario.name}': {scenario.description}")
    b.table(sec, with_source_labels(scenario.summary()), "Every parameter with the sources it "
            "rests on ('assumption' where the sources give no number).")
    cal = calibration_report(scenario)
    b.table(sec, cal.assign(source=cal["source"].map(label_sources)),
            _calibration_caption(cal, scenario.reference_population))
    check = scenario.check()
    away = departures(check)
    b.table(sec, check[["quantity", "scenario", "evidence_low", "evidence_high", "status",
                        "sources", "note"]],
            "Where the scenario departs from the evidence: each quantity the model derives "
            "against the range of the sources on the same quantity (shares of new cases "
            "against shares of new cases, current against current smokers; published "
            "intervals, else exact 95% intervals from the counts). "
            + (f"{len(away)} of {len(check)} lie outside every source: " + "; ".join(away)
               + "." if away else "Every quantity with a source lies within the evidence."))
    _pooled_scenario_part(b, sec, scenario)


def _pooled_scenario_part(b: _Builder, sec: _Section, scenario) -> None:
    """Section 2: this scenario beside the ``pooled`` one, and the pooled one's calibration."""
    from lems_epi.model import calibration_report
    from lems_epi.scenario import Scenario
    from lems_epi.sources.pooled import pooled_evidence

    pooled = Scenario.named("pooled")
    t = pooled_evidence().table.set_index("parameter")
    rows = []
    for name, param, factor in (("prevalence (per million)", "prevalence", 1e6),
                                ("paraneoplastic share", "paraneoplastic_share", 1.0),
                                ("SCLC share of paraneoplastic cases", "sclc_share", 1.0)):
        r = t.loc[param]
        attr = param
        rows.append({"parameter": name, scenario.name: getattr(scenario, attr) * factor,
                     "pooled": getattr(pooled, attr) * factor, "ci_lower": r["lower"],
                     "ci_upper": r["upper"], "pi_lower": r["pi_lower"],
                     "pi_upper": r["pi_upper"], "studies": int(r["k"])})
    frame = pd.DataFrame(rows)
    outside = [r["parameter"] for r in rows
               if not r["pi_lower"] <= r[scenario.name] <= r["pi_upper"]]
    b.table(sec, frame,
            f"The scenario '{scenario.name}' beside the named scenario 'pooled', built from "
            "the meta-analysis of section 1 (other parameters as 'literature'). "
            + (f"Outside the pooled prediction interval: {', '.join(outside)}."
               if outside else "Every value lies inside the pooled prediction interval."))
    cal = calibration_report(pooled)
    cal = cal[cal["target"].notna()][["quantity", "target", "model", "relative_error"]]
    b.table(sec, cal, "Calibration of the 'pooled' scenario: its targets against the risk "
            "model's figures in the reference population.")


def _calibration_caption(cal: pd.DataFrame, reference) -> str:
    """Say which rows the calibration meets, which have no target, and the largest gap."""
    err = cal["relative_error"].abs()
    exact = cal.loc[err < 1e-9, "quantity"].tolist()
    no_target = cal["target"].isna()
    gaps = cal[~no_target & (err >= 1e-9)]
    text = (f"Targets against what the risk model gives in the reference population "
            f"({_population_label(reference)}). Met exactly, because the calibration solves "
            f"for them: {', '.join(exact)}.")
    if no_target.any():
        text += (" Rows without a target show what the scenario's relative risks and age "
                 "profiles imply.")
    if len(gaps):
        worst = gaps.loc[err[gaps.index].idxmax()]
        text += (f" The other rows compare the model with published figures it is not fitted "
                 f"to; the largest gap is {worst['quantity']}: {_fmt(worst['model'])} in the "
                 f"model against {_fmt(worst['target'])} published.")
    return text


def _simulated(b: _Builder, scenario, population, rng) -> pd.DataFrame:
    from lems_epi.plots import age_pyramid, forest_plot
    from lems_epi.simulate.counts import simulate_counts
    from lems_epi.stats.intervals import poisson_ci
    from lems_epi.stats.rate_tables import rates

    sec = b.section("simulated", "3. Simulated cases and prevalence by age, sex and smoking")
    sim = simulate_counts(scenario, population=population, rng=rng)
    total, pop = int(sim["cases"].sum()), int(sim["population"].sum())
    ci = poisson_ci(total, pop)
    b.text(sec, f"One draw of the synthetic population ({pop:,} persons in "
           f"{_population_label(population)}): {total} prevalent cases, "
           f"{int(sim['paraneoplastic'].sum())} paraneoplastic "
           f"({int(sim['sclc'].sum())} with SCLC) and {int(sim['nonparaneoplastic'].sum())} "
           f"non-paraneoplastic. Crude prevalence {ci['estimate'].iloc[0] * 1e6:.2f} per million "
           f"(exact 95% interval {ci['lower'].iloc[0] * 1e6:.2f}-"
           f"{ci['upper'].iloc[0] * 1e6:.2f}).")
    fig = age_pyramid(sim, sim, title="Population and simulated cases by age and sex")
    over50 = sim["age"] >= 50
    share_cases = sim.loc[over50, "cases"].sum() / max(total, 1)
    share_pop = sim.loc[over50, "population"].sum() / pop
    men = sim.loc[sim["sex"] == "male", "cases"].sum() / max(total, 1)
    b.figure(sec, fig, f"Left: the population by ten-year age band (men left, women right). "
             f"Right: the simulated LEMS cases in the same bands. {share_cases:.0%} of the "
             f"cases are aged 50 or over against {share_pop:.0%} of the population, because "
             f"paraneoplastic LEMS and smoking concentrate at older ages; {men:.0%} of the "
             "cases are men. With so few cases, one draw is ragged: rerun with another --seed "
             "to see how much.")
    banded = sim.assign(age_band=pd.cut(sim["age"], [0, 30, 50, 60, 70, 80, 200], right=False,
                                        labels=["0-29", "30-49", "50-59", "60-69", "70-79",
                                                "80+"]).astype(str))
    for by, what in (("age_band", "age band"), ("sex", "sex"), ("smoking", "smoking status")):
        table = rates(banded, events="cases", person_time="population", by=by, per=1e6)
        fig = forest_plot(table, label=by, reference=ci["estimate"].iloc[0] * 1e6,
                          title=f"Prevalence per million by {what} (exact 95% intervals)",
                          x_title="prevalent cases per million")
        top = table.sort_values("estimate").iloc[-1]
        b.figure(sec, fig,
                 f"Prevalence per million by {what} with exact (Garwood) 95% intervals; the "
                 f"dashed line is the crude prevalence. The highest is {top[by]} at "
                 f"{top['estimate']:.2f} per million ({int(top['events'])} cases), and "
                 f"{_contrast(table, by)}. "
                 "Exact intervals keep their coverage where a normal approximation would reach "
                 "below zero.")
    return sim


def _contrast(table: pd.DataFrame, by: str) -> str:
    """Say which groups' intervals lie entirely below the highest group's interval, if any."""
    top = table.sort_values("estimate").iloc[-1]
    apart = table.loc[table["upper"] < top["lower"], by].astype(str).tolist()
    if not apart:
        return ("every other interval overlaps its interval, so with so few cases this draw "
                "alone cannot rank the groups")
    verb = "lies" if len(apart) == 1 else "lie"
    return (f"the interval of {' and '.join(apart)} {verb} entirely below its interval, so even "
            "with so few cases that contrast is unlikely to be chance alone")


def _population_label(population) -> str:
    return population if isinstance(population, str) else "the user's population"


def _standardised(b: _Builder, scenario, rng, drawn: dict, target) -> None:
    """``drawn`` maps population names to draws already shown (section 3), reused here."""
    from lems_epi.plots import crude_vs_standardized
    from lems_epi.populations import POPULATION_NAMES
    from lems_epi.simulate.counts import simulate_counts
    from lems_epi.stats.standardize import standardize_direct

    sec = b.section("standardised", "4. Crude vs age-standardised prevalence")
    rows = []
    sims = {}
    for name, gen in zip(POPULATION_NAMES, rng.spawn(len(POPULATION_NAMES)), strict=True):
        sim = drawn[name] if name in drawn else simulate_counts(scenario, population=name,
                                                                 rng=gen)
        sims[name] = sim
        by_age = sim.groupby("age", as_index=False)[["cases", "population"]].sum()
        for std in STANDARDS:
            res = standardize_direct(by_age, std, events="cases", person_time="population",
                                     age="age", single_year_ages=True,
                                     open_top_age=int(by_age["age"].max()))
            rows.append(res.assign(population=name, standard=std))
    table = pd.concat(rows, ignore_index=True)
    fig = crude_vs_standardized(table, rate="estimate", per=1e6,
                                title="Simulated prevalence per million: crude and standardised")
    crude = table.groupby("population", sort=False)["crude_rate"].first() * 1e6
    # simulate_counts carries the model's expected counts beside the draws
    expected = {name: sim["expected_cases"].sum() / sim["population"].sum() * 1e6
                for name, sim in sims.items()}
    first, second = POPULATION_NAMES[:2]
    a, b_, ea, eb = crude[first], crude[second], expected[first], expected[second]
    b.figure(sec, fig,
             f"The same stratum risks, drawn in {first} and {second} (the draw of section 3 "
             f"for {_population_label(target)}), give crude prevalences of {a:.2f} and "
             f"{b_:.2f} per million. Without chance the model expects {ea:.2f} and {eb:.2f}: "
             f"the populations' age, sex and smoking structure alone moves crude prevalence by "
             f"{eb - ea:+.2f} per million from {first} to {second}, and the rest of the observed "
             f"{b_ - a:+.2f} is chance. "
             "Standardising to a common standard removes the age part (Fay-Feuer gamma "
             "intervals); the standards themselves differ (the world standard WHO 2000 is young, "
             "the European and Nordic ones old), so a standardised rate is comparable only with "
             "others on the same standard.")
    shown = table[["population", "standard", "events", "person_time"]].copy()
    for col, name in (("crude_rate", "crude_rate"), ("estimate", "rate"), ("lower", "lower"),
                      ("upper", "upper")):
        shown[f"{name}_per_million"] = table[col] * 1e6
    b.table(sec, shown.assign(method=table["method"]),
            "The figure's numbers: cases, persons, and crude and standardised prevalence per "
            "million with the 95% interval of the standardised rate.")


def _sensitivity(b: _Builder, scenario, target, rng) -> None:
    from lems_epi import sensitivity as sa
    from lems_epi.plots.sensitivity import sobol_plot, tornado_plot
    from lems_epi.sources import label_sources

    sec = b.section("sensitivity", "5. Which disagreement matters for which conclusion")
    for output in SENSITIVITY_OUTPUTS:
        tor = sa.one_way(output, base=scenario, population=target)
        fig = tornado_plot(tor, title=f"One-way sensitivity of {output} ({target})")
        top = tor.iloc[0]
        b.figure(sec, fig,
                 f"Each bar moves one parameter from its lowest to its highest source figure "
                 f"with everything else at the base case. For {output} in {target} the widest "
                 f"bar is {top['parameter']} ({label_sources(top['source_low'])} to "
                 f"{label_sources(top['source_high'])}), "
                 f"which moves the output from {_fmt(top['output_low'])} to "
                 f"{_fmt(top['output_high'])} against a base of {_fmt(top['output_base'])}.")
    rng_main, rng_table, rng_fitted = rng.spawn(3)
    res = sa.sobol("expected_sclc_cases", None, n=4096, rng=rng_main, base=scenario,
                   population=target).indices
    fig = sobol_plot(res, title=f"Sobol indices of expected_sclc_cases ({target})")
    ranked = res.sort_values("total_order", ascending=False)
    top, second = ranked.iloc[0], ranked.iloc[1]
    small = ranked.loc[ranked["total_order"] < 0.01, "parameter"].tolist()
    b.figure(sec, fig,
             f"Variance-based (Sobol) indices with all conflicting parameters drawn together "
             f"from their evidence ranges. The first-order index is the share of the output's "
             f"variance a parameter explains alone; the total index adds its interactions. "
             f"{top['parameter']} dominates (total index {top['total_order']:.2f}), then "
             f"{second['parameter']} ({second['total_order']:.2f}). "
             + (f"{len(small)} parameters ({', '.join(small)}) have a total index below 0.01: "
                "for this output they could be fixed at any source's value without changing "
                "the conclusion." if small else ""))
    matrix, notes = _sobol_matrix(sa, scenario, target, rng_table)
    b.table(sec, matrix,
            "Total Sobol index of each conflicting parameter (rows) for several outputs "
            "(columns), same evidence ranges: which disagreement matters for which conclusion. "
            "Prevalence scales every count but cancels from shares and ratios, where the "
            "relative risks and shares of cases take over." + (" " + " ".join(notes)
                                                                if notes else ""))
    _fitted_vs_ranges(b, sec, sa, scenario, target, rng_fitted)


def _fitted_vs_ranges(b: _Builder, sec: _Section, sa, scenario, target, rng) -> None:
    """Section 5: the probabilistic and Sobol analyses under ranges and fitted inputs."""
    res = sa.fitted_vs_ranges(SENSITIVITY_OUTPUTS, n=2000, sobol_output="expected_sclc_cases",
                              sobol_n=4096, base=scenario, population=target, rng=rng)
    level = f"{float(res.table['conf_level'].iloc[0]):.0%}"
    b.figure(sec, res.plot(title=f"Median and {level} interval: evidence ranges vs "
                                 f"distributions fitted to the pooled evidence ({target})"),
             "Each output drawn twice with the same random numbers: with every conflicting "
             "parameter uniform between its lowest and highest source (each source's extreme "
             "as likely as the middle), and with the pooled parameters drawn from what the "
             "studies together support. " + res.caption())
    b.table(sec, res.sobol.round(3),
            "Total Sobol index of each parameter for expected_sclc_cases under the evidence "
            "ranges and under the fitted distributions, with its rank (1 = largest)."
            + (" " + " ".join(res.notes) if res.notes else ""))


MATRIX_OUTPUTS = ("expected_cases", "expected_sclc_cases", "expected_cases_under_50",
                  "share_smokers_among_cases", "male_to_female_ratio")


def _sobol_matrix(sa, scenario, target, rng):
    """Total-order indices of every parameter for several outputs, and convergence notes."""
    columns, notes = {}, []
    for output, gen in zip(MATRIX_OUTPUTS, rng.spawn(len(MATRIX_OUTPUTS)), strict=True):
        res = sa.sobol(output, None, n=4096, rng=gen, base=scenario, population=target)
        if not res.converged:
            notes.append(f"For {output} some intervals are still wide at n=4096: read its "
                         "small indices as 'small', not as exact values.")
        columns[output] = res.indices.set_index("parameter")["total_order"].clip(lower=0)
    matrix = pd.DataFrame(columns).round(3).reset_index()
    return matrix, notes


def _remember(drawn: dict, population, sim: pd.DataFrame) -> None:
    """Keep section 3's draw of a shipped population for section 4 (user tables have no name)."""
    if isinstance(population, str):
        drawn[population] = sim


# ---------------------------------------------------------------------------- public
def build_report(scenario="seed-base", population=DEFAULT_POPULATION, rng=2013,
                 progress: bool = False) -> str:
    """Build the report and return it as one HTML string.

    Parameters
    ----------
    scenario : str or Scenario
        A named scenario or a :class:`lems_epi.Scenario` (default ``"seed-base"``).
    population : str or pandas.DataFrame
        The target population for simulation and sensitivity (default ``"finland-2016"``).
    rng : None, int or numpy.random.Generator
        Seed for the simulated draws and the Sobol sample (default 2013).
    progress : bool
        Show a progress bar (tqdm) on standard error.

    Returns
    -------
    str
        A complete HTML document with plotly.js inline.
    """
    from lems_epi import __version__
    from lems_epi._rng import as_generator
    from lems_epi.scenario import coerce_scenario

    scenario = coerce_scenario(scenario, caller="report")
    gen = as_generator(rng, caller="report")
    sim_rng, std_rng, sobol_rng = gen.spawn(3)
    drawn: dict = {}  # draws of section 3, by population name, reused in section 4
    steps = [
        ("sources", lambda b: _sources(b)),
        ("scenario", lambda b: _scenario(b, scenario, population)),
        ("simulation", lambda b: _remember(drawn, population,
                                           _simulated(b, scenario, population, sim_rng))),
        ("standardisation", lambda b: _standardised(b, scenario, std_rng, drawn, population)),
        ("sensitivity", lambda b: _sensitivity(b, scenario, population, sobol_rng)),
    ]
    builder = _Builder()
    from tqdm.auto import tqdm

    for _name, step in tqdm(steps, desc="report", disable=not progress, leave=False):
        step(builder)
    meta = (f"lems_epi {__version__} - scenario {scenario.name} - target population "
            f"{_population_label(population)} - seed {rng!r}. Every figure is synthetic, "
            "generated from the sources listed in section 1; none is an observation.")
    return builder.render("LEMS epidemiology: sources, scenario, synthetic data and "
                          "sensitivity", meta)


def write_report(out="report.html", *, scenario="seed-base", population=DEFAULT_POPULATION,
                 rng=2013, overwrite: bool = False, progress: bool = False) -> Path:
    """Build the report and write it atomically to ``out``; return the path.

    An existing file is not overwritten unless ``overwrite=True``.
    """
    from lems_epi._io import check_target, write_text_atomic

    out = check_target(out, overwrite=overwrite, caller="report")
    text = build_report(scenario=scenario, population=population, rng=rng, progress=progress)
    return write_text_atomic(out, text, overwrite=overwrite, caller="report")
