"""Calibration report: the scenario's targets against the model's figures, with sources."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lems_epi.model.api import model_figures, run_scenario
from lems_epi.model.evidence_check import annotate_departures, check_scenario
from lems_epi.scenario import coerce_scenario

__all__ = ["calibration_report"]

#: Published checks that are not calibrated (evidence id, value).
EVIDENCE_CHECKS = {
    "share_over_50_paraneoplastic": ("lit-maddison2020-share-over-50-paraneoplastic", 0.91),
    "share_over_50_nonparaneoplastic": ("lit-maddison2020-share-over-50-nonparaneoplastic", 0.70),
    "current_smoker_share_paraneoplastic": ("lit-titulaer2008-smoker-share-sclc-current", 0.86),
    "current_smoker_share_nonparaneoplastic": ("lit-maddison2020-smoker-share-nonparaneoplastic",
                                               0.16),
}


def calibration_report(scenario, *, population=None) -> pd.DataFrame:
    """Compare a scenario's targets with the risk model's figures.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario or the name of a named one.
    population : str or pandas.DataFrame, optional
        Population in which the model's figures are computed. Default ``None``: the scenario's
        reference population, where the calibrated targets hold exactly (the one function
        whose default is not :data:`lems_epi.scenario.DEFAULT_POPULATION`, because calibration
        is defined there). On another population the calibrated rows differ from their
        targets, and the note says so.

    Returns
    -------
    pandas.DataFrame
        One row per quantity, columns ``quantity``, ``target``, ``model``, ``relative_error``
        (``(model - target) / target``; NaN without a target), ``source`` (evidence ids of
        the target, ``;``-separated) and ``note``. Quantities: ``prevalence``;
        ``paraneoplastic_share_prevalent`` and ``paraneoplastic_share_incident`` (an incident
        share is converted to the prevalent one with the mean durations before calibrating,
        and the note says so; the model's incident share is its prevalent share converted back
        with the same durations, i.e. incidence = prevalence / duration in a steady state);
        ``sclc_share`` (among paraneoplastic cases); ``male_share_<type>`` and
        ``smoker_share_<type>`` (ever smokers) for both types, with a target where the scenario
        gives a share of cases; ``current_smoker_share_<type>`` (checked against Titulaer et al.
        2008's 86% and Maddison et al. 2020's 16%); ``share_over_50_<type>`` (checked against Maddison et al.
        2020's 91% and 70%, not calibrated); ``mean_age_<type>`` (mean current age of the
        expected cases, ages taken as mid-year; the paraneoplastic target is the scenario's
        profile mean, which the case mean misses by the population's age structure). A
        quantity outside every source on the same quantity (:meth:`lems_epi.Scenario.check`,
        also in ``attrs["evidence_check"]`` as a list of row dicts) says so in its note, with
        the sources' range.

    Examples
    --------
    >>> import lems_epi as le
    >>> rep = le.calibration_report("seed-base").set_index("quantity")
    >>> bool(abs(rep.loc["prevalence", "relative_error"]) < 1e-12)
    True
    >>> list(rep.columns)
    ['target', 'model', 'relative_error', 'source', 'note']
    """
    caller = "calibration_report"
    scenario = coerce_scenario(scenario, caller=caller)
    res = run_scenario(scenario, population, caller=caller)
    fig = model_figures(res)
    ref = scenario.reference_population
    ref_name = ref if isinstance(ref, str) else "the user's reference population"
    elsewhere = population is not None and not (isinstance(population, str) and population == ref)
    where = (f"calibrated in {ref_name}; computed here on {res.strata.name}, so it differs"
             if elsewhere else f"calibrated in {ref_name}")
    rows = (_main_rows(scenario, fig, where) + _share_rows(scenario, fig, res.params.iloc[0], where)
            + _check_rows(scenario, fig, where))
    out = pd.DataFrame(rows, columns=["quantity", "target", "model", "source", "note"])
    out["target"] = out["target"].astype(float)
    out["model"] = out["model"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relative_error"] = (out["model"] - out["target"]) / out["target"]
    out["source"] = ["; ".join(s) if s else "" for s in out["source"]]
    check = check_scenario(scenario, population=population)  # where it departs from evidence
    out["note"] = annotate_departures(out["quantity"], out["note"], check)
    # records, not a DataFrame: pandas compares attrs when it combines frames, and a DataFrame
    # in attrs makes that comparison (e.g. in report.round(...)) raise
    out.attrs = {"scenario": scenario.name, "population": res.strata.name,
                 "evidence_check": check.to_dict("records")}
    return out[["quantity", "target", "model", "relative_error", "source", "note"]]


def _main_rows(scenario, fig: dict, where: str) -> list[tuple]:
    """Prevalence, paraneoplastic shares (prevalent and incident) and the SCLC share."""
    src = scenario.sources
    dp, dn = scenario.duration_paraneoplastic, scenario.duration_nonparaneoplastic
    p_tot, n_tot = fig["paraneoplastic"]["total"], fig["nonparaneoplastic"]["total"]
    model_prev_share = p_tot / (p_tot + n_tot)
    model_inc_share = (model_prev_share / dp) / (model_prev_share / dp
                                                 + (1 - model_prev_share) / dn)
    conversion = (f"converted with mean durations {dp:g} (paraneoplastic) and {dn:g} years "
                  "(non-paraneoplastic)")
    given = scenario.paraneoplastic_share_of
    return [
        ("prevalence", scenario.prevalence, (p_tot + n_tot) / fig["population"],
         src.get("prevalence"), where),
        ("paraneoplastic_share_prevalent", scenario.paraneoplastic_share_prevalent,
         model_prev_share, src.get("paraneoplastic_share"),
         where + ("" if given == "prevalent"
                  else f"; the scenario's incident share {scenario.paraneoplastic_share:g} "
                       f"{conversion} before calibrating")),
        ("paraneoplastic_share_incident", scenario.paraneoplastic_share_incident,
         model_inc_share, src.get("paraneoplastic_share"),
         (f"target given by the scenario; model {conversion}" if given == "incident"
          else f"target and model {conversion}")),
        ("sclc_share", scenario.sclc_share, fig["sclc"]["total"] / p_tot, src.get("sclc_share"),
         "SCLC-linked share of paraneoplastic cases (the same in every stratum)"),
    ]


def _share_rows(scenario, fig: dict, row: pd.Series, where: str) -> list[tuple]:
    """Shares of men and of ever smokers among cases of each type (a target or a given RR)."""
    src = scenario.sources
    rows = []
    for t in ("paraneoplastic", "nonparaneoplastic"):
        for factor, rr_field in (("male_share", "male_rr"), ("smoker_share", "smoking_rr")):
            target = getattr(scenario, f"{factor}_{t}")
            if target is not None:
                if rr_field == "male_rr":
                    solved = f"male RR {row[f'male_rr_{t}']:.4g}"
                else:
                    solved = (f"current-smoker RR {row[f'smoking_rr_{t}_current']:.4g}, former "
                              f"{row[f'smoking_rr_{t}_former']:.4g}")
                note = f"solved {solved}; " + where
                source = src.get(f"{factor}_{t}")
            else:
                rr = getattr(scenario, f"{rr_field}_{t}")
                text = f"{rr:g}" if rr_field == "male_rr" else ", ".join(
                    f"{k} {v:g}" for k, v in rr.items())
                note = f"no target: the scenario gives the relative risk ({text})"
                source = src.get(f"{rr_field}_{t}")
            if factor == "smoker_share":
                note += "; share of ever smokers (former or current)"
            rows.append((f"{factor}_{t}", np.nan if target is None else target,
                         fig[t][factor], source, note))
    return rows


def _check_rows(scenario, fig: dict, where: str) -> list[tuple]:
    """Published figures that are not calibrated: current smokers, over 50, mean ages."""
    src = scenario.sources
    rows = []
    for t in ("paraneoplastic", "nonparaneoplastic"):
        eid, value = EVIDENCE_CHECKS[f"current_smoker_share_{t}"]
        if eid in src.get(f"smoking_rr_{t}", ()):
            note = f"smoking_rr_{t} was solved to reproduce this share; " + where
        elif eid in src.get("former_excess_fraction", ()):
            note = (f"former_excess_fraction ({scenario.former_excess_fraction:.4g}) was solved "
                    "to reproduce this share; " + where)
        else:
            note = ("not calibrated: published share of current smokers at diagnosis or onset "
                    "(SCLC-LEMS: Titulaer 2008; non-tumour LEMS: Maddison 2020)")
        rows.append((f"current_smoker_share_{t}", value, fig[t]["current_share"], (eid,), note))
    for t in ("paraneoplastic", "nonparaneoplastic"):
        eid, value = EVIDENCE_CHECKS[f"share_over_50_{t}"]
        rows.append((f"share_over_50_{t}", value, fig[t]["over_50"], (eid,),
                     "not calibrated: published share of patients aged 50 or over at onset "
                     "(SCLC-LEMS vs non-tumour LEMS)"))
    rows.append(("mean_age_paraneoplastic", scenario.age_paraneoplastic_mean,
                 fig["paraneoplastic"]["mean_age"], src.get("age_paraneoplastic_mean"),
                 "not calibrated: the profile mean is a risk shape; case ages follow "
                 "population x profile"))
    rows.append(("mean_age_nonparaneoplastic", np.nan, fig["nonparaneoplastic"]["mean_age"],
                 src.get("age_profile_nonparaneoplastic"),
                 f"profile '{scenario.age_profile_nonparaneoplastic}'; no target"))
    return rows
