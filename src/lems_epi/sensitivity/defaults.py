"""Default inputs of the sensitivity analysis, read from the evidence table.

Each scenario parameter that the sources disagree on takes its values, range and distribution
from the rows of :func:`lems_epi.sources.evidence` listed below. A range compares like with
like: it runs between **estimates of the parameter it varies**, and every row of the evidence
table on that parameter is either used or left out with its reason
(:func:`evidence_listing` prints both; :func:`evidence_ranges` names them in its ``used`` and
``excluded`` columns).

* Used: point estimates (``point``, ``share``, ``mean``, ``median``) at their value, and a
  source's own range of estimates (``range``) at its two ends. A published confidence interval
  is the sampling uncertainty of one estimate, not a disagreement between sources, so it does
  not widen the range.
* Left out: classification bands (Orphanet's 1-9 per million prevalence class), bare bounds
  (``upper_bound``, ``lower_bound``, "usually over 50"), typical ages that are not a mean or
  median, qualitative statements, and the package's own assumptions.
* Current and ever smokers are different quantities. The scenario's smoker shares count ever
  smokers (former or current), so current-smoker figures are left out of their ranges (they
  are what :meth:`lems_epi.Scenario.check` compares the model's current-smoker shares with).

==================================  ================================  ========================
Scenario (batch) parameter          evidence ``parameter``            conversion
==================================  ================================  ========================
``prevalence``                      ``prevalence``                    per million / 1e6;
                                                                      log-uniform distribution
``paraneoplastic_share``            ``paraneoplastic_share``          as is (share of all
                                                                      LEMS)
``sclc_share``                      ``sclc_share``                    as is (share of
                                                                      paraneoplastic cases)
``age_paraneoplastic_mean``         ``onset_age_paraneoplastic``,     years
                                    means and medians only
``male_share_paraneoplastic``       ``male_share_paraneoplastic``     as is; ``male_rr_*`` set
``male_share_nonparaneoplastic``    ``male_share_nonparaneoplastic``  to None (the model
                                                                      solves the RR)
``smoker_share_paraneoplastic``     ``smoker_share_sclc`` and         ever smokers only, capped
                                    ``smoker_share_paraneoplastic``   at the 98% assumption
                                    (SCLC-LEMS is the bulk of
                                    paraneoplastic LEMS)
``smoker_share_nonparaneoplastic``  ``smoker_share_nonparaneoplastic``  ever smokers only; a
                                                                      low end below what the
                                                                      model can reach is raised
                                                                      to it plus 0.02
``duration_paraneoplastic``         ``survival_median_sclc_lems``     median months / 12 /
                                                                      ln 2 = mean years
                                                                      (exponential survival)
``age_profile_nonparaneoplastic``   ``age_profile_nonparaneoplastic`` categorical: the
                                    (``reading``)                     ``reading`` label
==================================  ================================  ========================

Where the estimates agree (one distinct value, e.g. every source on ever smokers among
SCLC-LEMS says all of them), the range has ``low == high``: a one-way analysis shows no swing,
and :func:`default_distributions` leaves the parameter at the base scenario's value.

``duration_nonparaneoplastic`` has no survival figure in the evidence (the one median, 7.5
years, is the time lived with LEMS so far by patients of a survey, not a duration), so it stays
at the base scenario's value. The durations matter only for a paraneoplastic share of *incident*
cases; :func:`default_distributions` includes ``duration_paraneoplastic`` only then.

The non-paraneoplastic age profile is categorical: it is a dimension of
:func:`~lems_epi.sensitivity.scenario_grid` and can be a row of
:func:`~lems_epi.sensitivity.one_way` (two named variants as its low and high), but it is never
a continuous input of :func:`~lems_epi.sensitivity.sobol` or
:func:`~lems_epi.sensitivity.probabilistic`; run those once per variant (``base`` with the
variant set) to see how the variant changes the indices.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from lems_epi._validation import check_method
from lems_epi.sensitivity.sampling import distribution_from_range

__all__ = ["CATEGORICAL", "EVIDENCE_MAP", "default_distributions", "evidence_listing",
           "evidence_ranges", "evidence_values"]

#: Scenario (batch) parameter -> (evidence parameter, unit of the Scenario value).
EVIDENCE_MAP = {
    "prevalence": ("prevalence", "proportion"),
    "paraneoplastic_share": ("paraneoplastic_share", "proportion"),
    "sclc_share": ("sclc_share", "proportion"),
    "age_paraneoplastic_mean": ("onset_age_paraneoplastic", "years"),
    "male_share_paraneoplastic": ("male_share_paraneoplastic", "proportion"),
    "male_share_nonparaneoplastic": ("male_share_nonparaneoplastic", "proportion"),
    "smoker_share_paraneoplastic": ("smoker_share_sclc", "proportion"),
    "smoker_share_nonparaneoplastic": ("smoker_share_nonparaneoplastic", "proportion"),
    "duration_paraneoplastic": ("survival_median_sclc_lems", "years"),
    "age_profile_nonparaneoplastic": ("age_profile_nonparaneoplastic", "category"),
}
CATEGORICAL = ("age_profile_nonparaneoplastic",)
_CONTINUOUS_DEFAULT = ("prevalence", "paraneoplastic_share", "sclc_share",
                       "age_paraneoplastic_mean", "male_share_paraneoplastic",
                       "male_share_nonparaneoplastic", "smoker_share_paraneoplastic",
                       "smoker_share_nonparaneoplastic")
_VALUE_COLUMNS = ["parameter", "value", "low", "high", "source", "evidence_id", "statistic",
                  "conversion"]
_LISTING_COLUMNS = ["parameter", "evidence_id", "source", "statistic", "value", "low", "high",
                    "used", "reason"]
_RANGE_COLUMNS = ["parameter", "unit", "low", "high", "source_low", "source_high", "mode",
                  "n_sources", "used", "excluded"]
#: statistics that are estimates of the parameter (a ``range`` is a source's range of them)
_ESTIMATES = ("point", "share", "mean", "median", "range")
_WHY = {
    "band": "classification band, not an estimate",
    "upper_bound": "a bare bound, not an estimate",
    "lower_bound": "a bare bound, not an estimate",
    "minimum_typical": "a usual lower limit, not a mean or median",
    "typical": "a typical value, not a mean or median",
    "qualitative": "no number",
}


def _number(x) -> float:
    return float(x) if pd.notna(x) else math.nan


def _reason(name: str, r: pd.Series) -> str:
    """Why a row is left out of the range of ``name`` ('' when it is used)."""
    if r["kind"] == "assumption":
        return "the package's assumption, not evidence"
    stat = str(r["statistic"])
    if name == "age_profile_nonparaneoplastic":
        return "" if pd.notna(r["reading"]) and str(r["reading"]) else "no reading"
    if name == "age_paraneoplastic_mean" and stat not in ("mean", "median"):
        return _WHY.get(stat, "not a mean or median")
    if stat not in _ESTIMATES:
        return _WHY.get(stat, f"statistic '{stat}' is not an estimate")
    if all(pd.isna(r[c]) for c in ("value", "low", "high")):
        return "no number"
    if name.startswith("smoker_share_") and "current" in str(r["note"]).lower():
        return "current smokers: a different quantity (the smoker share counts ever smokers)"
    return ""


def _convert(name: str, r: pd.Series, cap: float) -> tuple[float, float, float, str]:
    """Value, low and high of a used row in Scenario units; low/high only for a range."""
    value, low, high = _number(r["value"]), _number(r["low"]), _number(r["high"])
    if r["statistic"] != "range":
        low = high = math.nan  # a confidence interval is not a disagreement between sources
    conversion = "as is"
    if name == "prevalence":
        value, low, high = value / 1e6, low / 1e6, high / 1e6
        conversion = "per million / 1e6"
    elif name == "age_paraneoplastic_mean":
        conversion = f"onset age {r['statistic']}"
    elif name.startswith("smoker_share_"):
        conversion = "ever smokers"
        if value > cap:
            value, conversion = cap, f"ever smokers, capped at {cap:g}"
    elif name == "duration_paraneoplastic":
        factor = 1 / 12 / math.log(2)
        value, low, high = value * factor, low * factor, high * factor
        conversion = "median months / 12 / ln 2"
    return value, low, high, conversion


def _smoker_parameters(name: str, source_param: str) -> list[str]:
    if name == "smoker_share_paraneoplastic":
        return [source_param, "smoker_share_paraneoplastic"]
    return [source_param]


@lru_cache(maxsize=1)
def _listing() -> pd.DataFrame:
    """Every evidence row on each parameter, used or left out with the reason."""
    from lems_epi.sources import evidence

    ev = evidence()
    cap = ev.loc[ev["evidence_id"] == "assumption-smoker-share-sclc-cap", "value"]
    cap = float(cap.iloc[0]) if len(cap) else 0.98
    rows = []
    for name, (source_param, _) in EVIDENCE_MAP.items():
        params = _smoker_parameters(name, source_param)
        for _, r in ev[ev["parameter"].isin(params)].iterrows():
            reason = _reason(name, r)
            row = {"parameter": name, "evidence_id": r["evidence_id"],
                   "source": r["source_id"], "statistic": r["statistic"],
                   "value": _number(r["value"]), "low": _number(r["low"]),
                   "high": _number(r["high"]), "used": not reason, "reason": reason,
                   "conversion": ""}
            if name == "age_profile_nonparaneoplastic":
                row["value"] = str(r["reading"]) if not reason else math.nan
                row["conversion"] = "reading"
            elif not reason:
                (row["value"], row["low"], row["high"],
                 row["conversion"]) = _convert(name, r, cap)
            rows.append(row)
    return pd.DataFrame(rows)


def evidence_listing(parameters=None) -> pd.DataFrame:
    """Every evidence row behind each default range: used, or left out and why.

    Parameters
    ----------
    parameters : list of str, optional
        Scenario parameters (keys of :data:`EVIDENCE_MAP`); default all.

    Returns
    -------
    pandas.DataFrame
        One row per evidence row and parameter: ``parameter, evidence_id, source (the source's
        label), statistic, value, low, high`` (Scenario units where used), ``used`` (bool) and
        ``reason`` (why it is left out; empty when used).

    Examples
    --------
    >>> t = evidence_listing(["prevalence"]).set_index("evidence_id")
    >>> t.loc["lit-orphanet-prevalence", "reason"]
    'classification band, not an estimate'
    >>> bool(t.loc["lit-wirtz2003-prevalence", "used"])
    True
    """
    from lems_epi.sources import source_labels

    names = _check_parameters(parameters, caller="evidence_listing")
    out = _listing()
    out = out[out["parameter"].isin(names)].reset_index(drop=True)
    out = out.assign(source=source_labels(out["source"].tolist()))
    return out[_LISTING_COLUMNS]


def _values() -> pd.DataFrame:
    used = _listing()
    used = used[used["used"]]
    return used[_VALUE_COLUMNS].reset_index(drop=True)


def evidence_values(parameters=None) -> pd.DataFrame:
    """The sources' estimates for each scenario parameter, converted to Scenario units.

    Only the rows that :func:`evidence_listing` marks as used: estimates of the parameter
    itself (no bands, bounds, current-smoker figures for ever-smoker shares, or assumptions).

    Parameters
    ----------
    parameters : list of str, optional
        Scenario parameters (keys of :data:`EVIDENCE_MAP`); default all.

    Returns
    -------
    pandas.DataFrame
        One row per estimate: ``parameter, value, low, high, source, evidence_id, statistic,
        conversion`` (``value`` is text for the categorical age profile; ``low``/``high`` are
        the ends of a source's own range, else NaN).

    Examples
    --------
    >>> v = evidence_values(["prevalence"])
    >>> bool((v["value"].dropna() < 1e-4).all())
    True
    """
    names = _check_parameters(parameters, caller="evidence_values")
    out = _values()
    return out[out["parameter"].isin(names)].reset_index(drop=True)


def _check_parameters(parameters, *, caller: str, allowed=None) -> list:
    allowed = list(EVIDENCE_MAP) if allowed is None else list(allowed)
    if parameters is None:
        return allowed
    if isinstance(parameters, str):
        parameters = [parameters]
    parameters = list(parameters)
    for p in parameters:
        check_method(p, allowed, caller=caller, name="parameter")
    return parameters


def _floor_smoker_share(name: str, base) -> float:
    """Cached :func:`_floor_smoker_share_uncached` for named base scenarios."""
    if base is None or isinstance(base, str):
        return _floor_cached(name, base or "seed-base")
    return _floor_smoker_share_uncached(name, base)


@lru_cache(maxsize=32)
def _floor_cached(name: str, base: str) -> float:
    return _floor_smoker_share_uncached(name, base)


def _floor_smoker_share_uncached(name: str, base) -> float:
    """Smallest target share of ever smokers that the model reaches for every age variant.

    Checked with ``base`` under each non-paraneoplastic age profile and at both ends of the
    sources' male share of the same type, so that grids and draws that combine them stay
    within reach.
    """
    from lems_epi.model import NONPARANEOPLASTIC_PROFILES, batch_expected

    t = name.removeprefix("smoker_share_")
    male = evidence_values([f"male_share_{t}"])["value"].astype(float)
    males = [float(male.min()), float(male.max())] if len(male) else [None]
    grid = np.linspace(0.01, 0.99, 99)
    rows = []
    for variant in NONPARANEOPLASTIC_PROFILES:
        for m in males:
            row = {name: grid, "age_profile_nonparaneoplastic": variant}
            if m is not None:
                row[f"male_share_{t}"] = m
            rows.append(pd.DataFrame(row))
    res = batch_expected(pd.concat(rows, ignore_index=True), base=base, errors="nan",
                         reduce=lambda r: r.params["ok"].to_numpy())
    ok = np.asarray(res, dtype=bool).reshape(len(rows), grid.size).all(axis=0)
    return float(grid[ok].min()) if ok.any() else math.nan


def evidence_ranges(parameters=None, *, base=None) -> pd.DataFrame:
    """Lowest and highest estimate of the sources for each continuous scenario parameter.

    The range runs between estimates of the parameter itself (a source's own range counts with
    both ends); bands, bounds, confidence intervals, current-smoker figures for ever-smoker
    shares and assumptions are left out (see the module docstring). ``mode`` is the median of
    the estimates (the most likely value for triangular and PERT distributions).

    Parameters
    ----------
    parameters : list of str, optional
        Continuous scenario parameters (default: all of :data:`EVIDENCE_MAP` but the age
        profile).
    base : Scenario or str, optional
        Scenario whose model settings decide the lowest reachable smoker shares (default
        ``"seed-base"``).

    Returns
    -------
    pandas.DataFrame
        One row per parameter: ``parameter, unit, low, high, source_low, source_high, mode,
        n_sources, used, excluded``. ``used`` lists the evidence ids the range rests on;
        ``excluded`` the ids left out, each with its reason in brackets
        (:func:`evidence_listing` gives the same as a table). ``low == high`` where the
        estimates agree.

    Examples
    --------
    >>> r = evidence_ranges(["paraneoplastic_share", "prevalence"]).set_index("parameter")
    >>> r.loc["paraneoplastic_share", ["low", "high"]].astype(float).round(3).tolist()
    [0.33, 0.781]
    >>> r.loc["prevalence", ["low", "high"]].astype(float).tolist()  # no Orphanet band
    [2e-06, 1e-05]
    >>> "lit-orphanet-prevalence (classification band" in r.loc["prevalence", "excluded"]
    True
    """
    allowed = [p for p in EVIDENCE_MAP if p not in CATEGORICAL]
    names = _check_parameters(parameters, caller="evidence_ranges", allowed=allowed)
    listing = _listing()
    rows = []
    for name in names:
        rows_of = listing[listing["parameter"] == name]
        part = rows_of[rows_of["used"]]
        out = {"parameter": name, "unit": EVIDENCE_MAP[name][1],
               "used": "; ".join(part["evidence_id"]),
               "excluded": "; ".join(f"{r.evidence_id} ({r.reason})"
                                     for r in rows_of[~rows_of["used"]].itertuples())}
        if part.empty:
            rows.append({**out, "low": math.nan, "high": math.nan, "source_low": "",
                         "source_high": "", "mode": math.nan, "n_sources": 0})
            continue
        lows = part["low"].where(part["low"].notna(), part["value"]).astype(float)
        highs = part["high"].where(part["high"].notna(), part["value"]).astype(float)
        low, high = float(lows.min()), float(highs.max())
        source_low = "; ".join(sorted(set(part.loc[lows == low, "source"])))
        source_high = "; ".join(sorted(set(part.loc[highs == high, "source"])))
        if name.startswith("smoker_share_"):
            floor = _floor_smoker_share(name, base)
            if np.isfinite(floor) and low < floor:
                low = round(floor + 0.02, 2)
                source_low = f"{source_low} (raised to the model's floor)"
                if high < low:
                    high, source_high = low, source_low
        mode = float(np.nanmedian(part["value"].astype(float)))
        mode = min(max(mode, low), high)
        rows.append({**out, "low": low, "high": high, "source_low": source_low,
                     "source_high": source_high, "mode": mode,
                     "n_sources": int(part["source"].nunique())})
    return pd.DataFrame(rows, columns=_RANGE_COLUMNS)


def default_distributions(kind="uniform", *, parameters=None, base=None) -> dict:
    """Evidence-based input distributions for :func:`probabilistic` and :func:`sobol`.

    Parameters
    ----------
    kind : {"uniform", "triangular", "pert"}, default "uniform"
        Shape between the sources' lowest and highest estimate (mode: the median estimate).
        Prevalence, whose sources differ by a factor of five, is always log-uniform.
    parameters : list of str, optional
        Continuous parameters to include. Default: prevalence, the paraneoplastic and SCLC
        shares, the paraneoplastic mean age, the male and the smoker shares of both types, and
        ``duration_paraneoplastic`` when ``base`` gives the paraneoplastic share of incident
        cases. A parameter whose estimates agree (``low == high`` in
        :func:`evidence_ranges`) is left out: it stays at the base scenario's value.
    base : Scenario or str, optional
        The base scenario (default ``"seed-base"``).

    Returns
    -------
    dict
        Parameter name -> scipy.stats frozen distribution.

    Examples
    --------
    >>> d = default_distributions()
    >>> sorted(d)[:3]
    ['age_paraneoplastic_mean', 'male_share_nonparaneoplastic', 'male_share_paraneoplastic']
    """
    check_method(kind, ("uniform", "triangular", "pert"), caller="default_distributions",
                 name="kind")
    if parameters is None:
        from lems_epi.sensitivity.outputs import coerce_base

        parameters = list(_CONTINUOUS_DEFAULT)
        if coerce_base(base, caller="default_distributions").paraneoplastic_share_of == \
                "incident":
            parameters.append("duration_paraneoplastic")
    ranges = evidence_ranges(parameters, base=base)
    out = {}
    for r in ranges.itertuples():
        if not r.high > r.low:  # the estimates agree: nothing to vary
            continue
        shape = "loguniform" if r.parameter == "prevalence" else kind
        out[r.parameter] = distribution_from_range(shape, r.low, r.high, r.mode)
    return out
