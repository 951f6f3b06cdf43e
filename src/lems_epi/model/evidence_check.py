"""Where a scenario departs from the evidence: each derived quantity against the sources.

A scenario states a few figures (prevalence, the paraneoplastic share, age, sex and smoking
settings); the model turns them into many others. :func:`check_scenario` puts every derived
quantity that a source also reports beside the range of those sources, on the same footing:

* the same denominator: a share of paraneoplastic cases is compared with shares of
  paraneoplastic cases, never with shares of all cases;
* new against new, existing against existing: the case series count patients at diagnosis
  (new, *incident* cases). A share stated without a denominator (reviews, lay pages, the seeds)
  is read the same way, as that is how the series behind them count (``unstated="incident"``;
  pass ``unstated="prevalent"`` to read them as shares of people living with LEMS). A share of
  incident cases ``s`` is converted to a share of prevalent cases with the scenario's mean
  durations, ``s D_p / (s D_p + (1 - s) D_n)``, and the other way round;
* current and ever smokers are different quantities; SCLC-LEMS smoking figures stand for all
  paraneoplastic LEMS (SCLC is its usual tumour, the bulk of paraneoplastic cases);
* estimates only: classification bands (Orphanet's 1-9 per million), bare bounds and the
  package's own assumptions are not evidence here.

Each source row gives an interval: its published interval or range when it has one, else the
exact 95% interval from its counts (``events``/``denominator``, or a share and the ``n=`` of
its population: Clopper-Pearson for a share, Garwood for a rate), else its value give or take
half a unit of its last published digit (0.91 stands for 0.905-0.915). A quantity is
**outside every source** when it lies outside every one of these intervals.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi.scenario import coerce_scenario

__all__ = ["CHECK_COLUMNS", "annotate_departures", "check_scenario", "departures"]

#: Columns of :func:`check_scenario`'s table.
CHECK_COLUMNS = ("quantity", "key", "scenario", "evidence_low", "evidence_high", "unit",
                 "status", "n_sources", "sources", "evidence_ids", "note")

_ESTIMATES = ("point", "share", "mean", "median", "range")
_TYPES = ("paraneoplastic", "nonparaneoplastic")


def _interval(row: pd.Series, *, kind: str, per: float) -> tuple[float, float]:
    """The row's interval: published, else exact 95% from its counts, else its value."""
    value, low, high = (float(row[c]) if pd.notna(row[c]) else math.nan
                        for c in ("value", "low", "high"))
    if not (math.isnan(low) or math.isnan(high)):
        return low, high
    events, denominator = row.get("events"), row.get("denominator")
    if kind == "share" and not (pd.notna(events) and pd.notna(denominator)):
        n = _sample_size(row)
        if n and not math.isnan(value):
            events, denominator = round(value * n), n
    if pd.notna(events) and pd.notna(denominator) and float(denominator) > 0:
        k, n = float(events), float(denominator)
        if kind == "share":
            lo = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
            hi = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
            return float(lo), float(hi)
        lo = stats.chi2.ppf(0.025, 2 * k) / 2 if k > 0 else 0.0
        hi = stats.chi2.ppf(0.975, 2 * k + 2) / 2
        return float(lo / n * per), float(hi / n * per)
    half = _half_unit(value)
    if kind == "share":
        return max(value - half, 0.0), min(value + half, 1.0)
    return value - half, value + half


_N = re.compile(r"\bn\s*=\s*([0-9][0-9,]*)")


def _sample_size(row: pd.Series) -> int | None:
    """The series size a share was measured in, where the population says ``n=...``."""
    match = _N.search(str(row.get("population", "")))
    return int(match.group(1).replace(",", "")) if match else None


def _half_unit(value: float) -> float:
    """Half a unit of the last published digit, at least the second significant one.

    0.91 -> 0.005, 2.32 -> 0.005, 1.0 -> 0.05: a published figure stands for the values that
    round to it.
    """
    if math.isnan(value) or value == 0:
        return 0.0
    digits = f"{abs(value):.6g}".replace(".", "").lstrip("0").rstrip("0")
    significant = max(len(digits), 2)
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - significant + 1)


def _is_current(row: pd.Series) -> bool:
    return "current" in str(row["note"]).lower()


def _rows(ev: pd.DataFrame, parameters, *, smoking: str | None = None) -> pd.DataFrame:
    """Numeric estimates of the given parameters (no bands, bounds, assumptions)."""
    part = ev[ev["parameter"].isin(parameters) & ev["statistic"].isin(_ESTIMATES)
              & (ev["kind"] != "assumption") & ev["value"].notna()]
    if smoking is not None:
        current = part.apply(_is_current, axis=1) if len(part) else pd.Series(dtype=bool)
        part = part[current] if smoking == "current" else part[~current]
    return part


def _spec(scenario, fig: dict, unstated: str) -> list[dict]:
    """One entry per derived quantity: name, key, value, evidence rows, conversion."""
    dp, dn = scenario.duration_paraneoplastic, scenario.duration_nonparaneoplastic
    to_prev = lambda s: s * dp / (s * dp + (1 - s) * dn)  # noqa: E731
    to_inc = lambda s: (s / dp) / (s / dp + (1 - s) / dn)  # noqa: E731
    s_prev = scenario.paraneoplastic_share_prevalent
    incidence = scenario.prevalence * (s_prev / dp + (1 - s_prev) / dn) * 1e6
    durations = f"converted with the scenario's mean durations ({dp:g} and {dn:g} years)"
    share_basis = (lambda s: s) if unstated == "incident" else to_inc
    out = [
        dict(quantity="prevalence (per million)", key="prevalence",
             value=scenario.prevalence * 1e6, params=["prevalence"], unit="per million",
             kind="rate", per=1e6, note="estimates only: Orphanet's 1-9 per million class "
             "and bare upper bounds are context, not estimates"),
        dict(quantity="implied incidence (per million person-years)", key="incidence",
             value=incidence, params=["incidence"], unit="per million person-years",
             kind="rate", per=1e6, note="prevalence / duration of each type (steady state)"),
        dict(quantity="paraneoplastic share of incident cases",
             key="paraneoplastic_share_incident", value=scenario.paraneoplastic_share_incident,
             params=["paraneoplastic_share"], unit="proportion", kind="share",
             convert=share_basis,
             note="case series count new (incident) cases; shares without a denominator "
                  f"read as {unstated} cases"
                  + ("" if unstated == "incident" else f", {durations}")),
        dict(quantity="paraneoplastic share of prevalent cases",
             key="paraneoplastic_share_prevalent", value=s_prev,
             params=["paraneoplastic_share"], unit="proportion", kind="share",
             convert=(lambda s: to_prev(share_basis(s))),
             note=f"the sources' shares of new cases {durations}"),
    ]
    for t in _TYPES:
        sclc = ["smoker_share_sclc", "smoker_share_paraneoplastic"] if t == _TYPES[0] \
            else ["smoker_share_nonparaneoplastic"]
        out += [
            dict(quantity=f"male share of {t} cases", key=f"male_share_{t}",
                 value=fig[t]["male_share"], params=[f"male_share_{t}"], unit="proportion",
                 kind="share", note="the same among new and existing cases (durations do "
                 "not depend on sex in the model)"),
            dict(quantity=f"current-smoker share of {t} cases",
                 key=f"current_smoker_share_{t}", value=fig[t]["current_share"], params=sclc,
                 smoking="current", unit="proportion", kind="share",
                 note="current smokers only" + ("; SCLC-LEMS figures" if t == _TYPES[0]
                                                else "")),
            dict(quantity=f"ever-smoker share of {t} cases", key=f"smoker_share_{t}",
                 value=fig[t]["smoker_share"], params=sclc, smoking="ever",
                 unit="proportion", kind="share",
                 note="former or current smokers" + ("; SCLC-LEMS figures" if t == _TYPES[0]
                                                     else "")),
            dict(quantity=f"share aged 50 or over, {t} cases", key=f"share_over_50_{t}",
                 value=fig[t]["over_50"], params=[f"share_over_50_{t}"], unit="proportion",
                 kind="share", note="model: current age of existing cases"),
        ]
    out.append(dict(quantity="share of cases under 18", key="share_under_18",
                     value=fig["under_18"], params=[], unit="proportion", kind="share",
                     note="no source gives a share; patients' published age ranges start at "
                          "17-18 years, and seed 004 says 'including in childhood'"))
    return out


def _figures(scenario, population) -> dict:
    from lems_epi.model.api import model_figures, run_scenario

    res = run_scenario(scenario, population, caller="check_scenario")
    fig = model_figures(res)
    age = res.strata.table["age"].to_numpy(float)
    cases = res.paraneoplastic[0] + res.nonparaneoplastic[0]
    fig["under_18"] = float(cases[age < 18].sum() / cases.sum())
    fig["population_name"] = res.strata.name
    return fig


def check_scenario(scenario, *, population=None, unstated: str = "incident") -> pd.DataFrame:
    """Compare every derived quantity of a scenario with the sources on the same quantity.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario or the name of a named one.
    population : str or pandas.DataFrame, optional
        Population in which the model's shares (sex, smoking, age) are computed; default the
        scenario's reference population, where its targets hold exactly.
    unstated : {"incident", "prevalent"}, default "incident"
        How to read a share of cases that its source gives without saying whether it counts
        new or existing cases (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per derived quantity, columns :data:`CHECK_COLUMNS`: ``quantity`` (named
        plainly), ``key`` (the quantity's name in :func:`calibration_report`), ``scenario``
        (its value), ``evidence_low``/``evidence_high`` (the union of the sources'
        intervals, converted to the same basis), ``status`` ("within the evidence", "outside
        every source" or "no figure in the evidence"), ``n_sources``, ``sources`` (human
        labels), ``evidence_ids`` and ``note`` (how the sources were read).

    Examples
    --------
    >>> import lems_epi as le
    >>> check = le.Scenario.named("seed-base").check().set_index("key")
    >>> row = check.loc["paraneoplastic_share_incident"]
    >>> round(float(row["scenario"]), 2), row["status"]
    (0.94, 'outside every source')
    """
    from lems_epi.sources import evidence, source_labels

    if unstated not in ("incident", "prevalent"):
        raise ValueError(f"check_scenario: 'unstated' must be 'incident' or 'prevalent', got "
                         f"{unstated!r}.")
    scenario = coerce_scenario(scenario, caller="check_scenario")
    fig = _figures(scenario, population)
    ev = evidence()
    rows = []
    for spec in _spec(scenario, fig, unstated):
        part = _rows(ev, spec["params"], smoking=spec.get("smoking"))
        convert = spec.get("convert", lambda s: s)
        ends = [_interval(r, kind=spec["kind"], per=spec.get("per", 1.0))
                for _, r in part.iterrows()]
        ends = [(convert(lo), convert(hi)) for lo, hi in ends]
        low = min((e[0] for e in ends), default=math.nan)
        high = max((e[1] for e in ends), default=math.nan)
        value = float(spec["value"])
        if not ends:
            status = "no figure in the evidence"
        elif any(lo - 1e-9 <= value <= hi + 1e-9 for lo, hi in ends) or low <= value <= high:
            status = "within the evidence"
        else:
            status = "outside every source"
        ids = part["evidence_id"].tolist()
        labels = list(dict.fromkeys(source_labels(part["source_id"].tolist(), table=ev)))
        rows.append({"quantity": spec["quantity"], "key": spec["key"], "scenario": value,
                     "evidence_low": low, "evidence_high": high, "unit": spec["unit"],
                     "status": status, "n_sources": len(labels), "sources": "; ".join(labels),
                     "evidence_ids": "; ".join(ids), "note": spec["note"]})
    out = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    out.attrs = {"scenario": scenario.name, "population": fig["population_name"]}
    return out


def departures(check: pd.DataFrame) -> list[str]:
    """Sentences naming each quantity outside every source (for captions and reports).

    Examples
    --------
    >>> import lems_epi as le
    >>> text = departures(le.Scenario.named("seed-base").check())
    >>> any(t.startswith("paraneoplastic share of incident cases") for t in text)
    True
    """
    out = []
    for r in check[check["status"] == "outside every source"].itertuples():
        out.append(f"{r.quantity}: {_fmt(r.scenario, r.unit)} against "
                   f"{_fmt(r.evidence_low, r.unit)}-{_fmt(r.evidence_high, r.unit)} in "
                   f"{r.n_sources} source{'s' if r.n_sources != 1 else ''}")
    return out


def _fmt(x: float, unit: str) -> str:
    if not np.isfinite(x):
        return "n/a"
    if unit == "proportion":
        return f"{x:.0%}" if abs(x - round(x, 2)) < 5e-3 or x >= 0.1 else f"{x:.1%}"
    return f"{x:.3g}"


def annotate_departures(quantities, notes, check: pd.DataFrame) -> list[str]:
    """Notes of a table keyed like ``check["key"]``, each departure from the evidence stated.

    Used by :func:`lems_epi.calibration_report`: a quantity outside every source gets
    "outside every source (range in n sources: see Scenario.check())" added to its note.

    Examples
    --------
    >>> import lems_epi as le
    >>> check = le.Scenario.named("seed-base").check()
    >>> annotate_departures(["paraneoplastic_share_incident"], ["x"], check)[0]
    'x; outside every source (28%-91% in 14 sources: see Scenario.check())'
    """
    flagged = check[check["status"] == "outside every source"].set_index("key")
    out = []
    for quantity, note in zip(quantities, notes, strict=True):
        if quantity in flagged.index:
            r = flagged.loc[quantity]
            n = int(r["n_sources"])
            note = (f"{note}; outside every source ({_fmt(r['evidence_low'], r['unit'])}-"
                    f"{_fmt(r['evidence_high'], r['unit'])} in {n} source{'s' * (n != 1)}: "
                    "see Scenario.check())")
        out.append(note)
    return out
