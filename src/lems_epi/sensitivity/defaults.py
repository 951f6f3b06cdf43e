"""Default inputs of the sensitivity analysis, read from the evidence table.

Each scenario parameter that the sources disagree on takes its values, range and distribution
from the rows of :func:`lems_epi.evidence.evidence` listed below; every value keeps the
``source_id`` of the row it comes from.

==================================  ================================  ========================
Scenario (batch) parameter          evidence ``parameter`` (rows)     conversion
==================================  ================================  ========================
``prevalence``                      ``prevalence`` (figures with a    per million / 1e6;
                                    number; an upper bound gives      log-uniform distribution
                                    only a high end)
``paraneoplastic_share``            ``paraneoplastic_share``          as is (share of all
                                                                      LEMS, prevalent cases)
``sclc_share``                      ``sclc_share``                    as is (share of
                                                                      paraneoplastic cases)
``age_paraneoplastic_mean``         ``onset_age_paraneoplastic``,     years; "over 50" and
                                    means and medians only            ranges of typical ages
                                                                      are left out
``male_share_paraneoplastic``       ``male_share_paraneoplastic``     as is; ``male_rr_*`` set
``male_share_nonparaneoplastic``    ``male_share_nonparaneoplastic``  to None (the model
                                                                      solves the RR)
``smoker_share_paraneoplastic``     ``smoker_share_sclc`` (SCLC-LEMS  ever-smoker figures
                                    is the bulk of paraneoplastic     capped at the 98%
                                    LEMS)                             assumption; current-
                                                                      smoker figures used as
                                                                      lower bounds (ever >=
                                                                      current)
``smoker_share_nonparaneoplastic``  ``smoker_share_nonparaneoplastic``  same; a low end below
                                                                      what the model can
                                                                      reach (under every age
                                                                      profile) is raised to
                                                                      it plus 0.02 (source
                                                                      marked ``floor``)
``duration_paraneoplastic``         ``survival_median_sclc_lems``     median months / 12 /
                                                                      ln 2 = mean years
                                                                      (exponential survival)
``age_profile_nonparaneoplastic``   ``age_profile_nonparaneoplastic`` categorical: the
                                    (``reading``)                     ``reading`` label
==================================  ================================  ========================

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

__all__ = ["CATEGORICAL", "EVIDENCE_MAP", "default_distributions", "evidence_ranges",
           "evidence_values"]

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
_RANGE_COLUMNS = ["parameter", "unit", "low", "high", "source_low", "source_high", "mode",
                  "n_sources"]


def _number(x) -> float:
    return float(x) if pd.notna(x) else math.nan


@lru_cache(maxsize=1)
def _values() -> pd.DataFrame:
    from lems_epi.evidence import evidence

    ev = evidence()
    ev = ev[ev["kind"] != "assumption"]
    rows = []
    cap_rows = evidence()
    cap = cap_rows.loc[cap_rows["evidence_id"] == "assumption-smoker-share-sclc-cap", "value"]
    cap = float(cap.iloc[0]) if len(cap) else 0.98
    for name, (source_param, _) in EVIDENCE_MAP.items():
        part = ev[ev["parameter"] == source_param]
        for _, r in part.iterrows():
            value, low, high = _number(r["value"]), _number(r["low"]), _number(r["high"])
            conversion = "as is"
            if name == "age_profile_nonparaneoplastic":
                if pd.isna(r["reading"]) or not str(r["reading"]):
                    continue
                rows.append({"parameter": name, "value": str(r["reading"]), "low": math.nan,
                             "high": math.nan, "source": r["source_id"],
                             "evidence_id": r["evidence_id"], "statistic": r["statistic"],
                             "conversion": "reading"})
                continue
            if np.isnan(value) and np.isnan(low) and np.isnan(high):
                continue
            if name == "prevalence":
                value, low, high = value / 1e6, low / 1e6, high / 1e6
                conversion = "per million / 1e6"
            elif name == "age_paraneoplastic_mean":
                if r["statistic"] not in ("mean", "median"):
                    continue
                low = high = math.nan
                conversion = f"onset age {r['statistic']}"
            elif name.startswith("smoker_share_"):
                current = "current" in str(r["note"]).lower()
                if current:
                    conversion = "current smokers: lower bound of ever smokers"
                elif value > cap:
                    value = cap
                    conversion = f"ever smokers, capped at {cap:g}"
                else:
                    conversion = "ever smokers"
                low = high = math.nan
            elif name == "duration_paraneoplastic":
                factor = 1 / 12 / math.log(2)
                value, low, high = value * factor, low * factor, high * factor
                conversion = "median months / 12 / ln 2"
            rows.append({"parameter": name, "value": value, "low": low, "high": high,
                         "source": r["source_id"], "evidence_id": r["evidence_id"],
                         "statistic": r["statistic"], "conversion": conversion})
    return pd.DataFrame(rows, columns=_VALUE_COLUMNS)


def evidence_values(parameters=None) -> pd.DataFrame:
    """The sources' figures for each scenario parameter, converted to Scenario units.

    Parameters
    ----------
    parameters : list of str, optional
        Scenario parameters (keys of :data:`EVIDENCE_MAP`); default all.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``parameter, value, low, high, source, evidence_id, statistic,
        conversion`` (``value`` is text for the categorical age profile; ``low``/``high`` hold
        a published range or interval, else NaN).

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
    """Lowest and highest figure of the sources for each continuous scenario parameter.

    A figure is its published range or interval when it has one, else its value; the range
    of a parameter runs from the smallest to the largest end. ``mode`` is the median of the
    figures' central values (the most likely value for triangular and PERT distributions).

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
        n_sources``.

    Examples
    --------
    >>> r = evidence_ranges(["paraneoplastic_share"])
    >>> r[["low", "high"]].round(3).values.tolist()
    [[0.33, 0.781]]
    """
    allowed = [p for p in EVIDENCE_MAP if p not in CATEGORICAL]
    names = _check_parameters(parameters, caller="evidence_ranges", allowed=allowed)
    values = _values()
    rows = []
    for name in names:
        part = values[values["parameter"] == name]
        lows = part["low"].where(part["low"].notna(), part["value"]).astype(float)
        highs = part["high"].where(part["high"].notna(), part["value"]).astype(float)
        lo_i, hi_i = lows.idxmin(), highs.idxmax()
        low, high = float(lows[lo_i]), float(highs[hi_i])
        source_low = "; ".join(sorted(set(part.loc[lows == low, "source"])))
        source_high = "; ".join(sorted(set(part.loc[highs == high, "source"])))
        if name.startswith("smoker_share_"):
            floor = _floor_smoker_share(name, base)
            if np.isfinite(floor) and low < floor:
                low = round(floor + 0.02, 2)
                source_low = f"{source_low} (raised to the model's floor)"
        mode = float(np.nanmedian(part["value"].astype(float)))
        mode = min(max(mode, low), high)
        rows.append({"parameter": name, "unit": EVIDENCE_MAP[name][1], "low": low,
                     "high": high, "source_low": source_low, "source_high": source_high,
                     "mode": mode, "n_sources": int(part["source"].nunique())})
    return pd.DataFrame(rows, columns=_RANGE_COLUMNS)


def default_distributions(kind="uniform", *, parameters=None, base=None) -> dict:
    """Evidence-based input distributions for :func:`probabilistic` and :func:`sobol`.

    Parameters
    ----------
    kind : {"uniform", "triangular", "pert"}, default "uniform"
        Shape between the sources' lowest and highest figure (mode: the median figure).
        Prevalence, whose sources differ by a factor of ten, is always log-uniform.
    parameters : list of str, optional
        Continuous parameters to include. Default: prevalence, the paraneoplastic and SCLC
        shares, the paraneoplastic mean age, the male and the smoker shares of both types, and
        ``duration_paraneoplastic`` when ``base`` gives the paraneoplastic share of incident
        cases.
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
        shape = "loguniform" if r.parameter == "prevalence" else kind
        out[r.parameter] = distribution_from_range(shape, r.low, r.high, r.mode)
    return out
