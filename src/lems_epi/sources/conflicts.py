"""Where the sources disagree: one row per parameter, with the spread and who says what."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from lems_epi._validation import check_positive_number
from lems_epi.sources.table import PARAMETERS, evidence, validate_evidence

__all__ = ["CONFLICT_COLUMNS", "READINGS", "conflicts"]

CONFLICT_COLUMNS = ("parameter", "unit", "low", "high", "source_low", "source_high",
                    "n_sources", "sources", "reading")

#: Qualitative parameters whose readings are turned into numbers by assumption rows of
#: another parameter (same ``reading`` label).
QUANTIFIED_BY = {"age_profile_nonparaneoplastic": "onset_age_nonparaneoplastic"}

#: One sentence per parameter that reads the disagreement (written for the shipped table).
READINGS = {
    "prevalence":
        "The seeds' 4-10 per million lies entirely above every population-based estimate "
        "(2.32 South Holland, 2.6-3.3 US veterans, 2.7 with CI 1.9-3.5 Japan) and above the "
        "reference works' 2-3.5, so only Orphanet's 1-9 band and Deenen's bare upper bound "
        "reach it.",
    "incidence":
        "Measured incidences of 0.48-0.7 per million person-years sit below the 0.75 and 1.0 "
        "quoted as background figures in an abstract and a textbook, a spread no seed "
        "addresses.",
    "prevalent_cases":
        "The 400 US cases count only SCLC-associated LEMS while 800-1000 is an extrapolation "
        "for all LEMS, so the two differ mainly in their denominator.",
    "paraneoplastic_share":
        "The seeds' 50-60% and 'nearly 50%' match the consecutive and survey cohorts (47-51%), but sources "
        "range from 'almost one third' to 78% because small, referral or case-report series "
        "and any-tumour versus SCLC-only counts are mixed.",
    "sclc_share_of_all":
        "The share of all LEMS with SCLC runs from a third (Japan, n=30) to 70% (South "
        "Holland, n=10); the large Dutch and UK cohorts give 49-54% and the reviews' 'about "
        "60%' is the figure seed 001 attaches to the wrong denominator.",
    "sclc_share":
        "Seed 001 says 60% of paraneoplastic LEMS have SCLC, but tumour-bearing cohorts give "
        "71-84% and the literature's ~60% is the share of all LEMS, a denominator confusion "
        "shared by one ambiguously worded review.",
    "lems_share_among_sclc":
        "Hospital series and reviews put LEMS at 1.3-6% of SCLC patients (the classic figure "
        "is 3%), while population and claims data find only 0.16-0.44%, a gap usually read as "
        "under-diagnosis.",
    "onset_age_paraneoplastic":
        "The seeds' 'around 60' and 'over 50' agree with medians of 58-65, but Japan reports "
        "a mean of 67 and some figures are ages at diagnosis or usual lower limits rather "
        "than means.",
    "onset_age_nonparaneoplastic":
        "Central onset ages for non-paraneoplastic LEMS range from the 30s (the younger, mostly "
        "female peak of a bimodal pattern) to 58 (Japan, UK), which is why one 'younger' or "
        "'older' age distribution fits only part of the evidence.",
    "onset_age_all":
        "Mean or median onset ages of all LEMS cluster at 55-62, and the apparent spread down "
        "to 40 comes from 'usually over 40', a lower limit rather than a centre.",
    "age_profile_nonparaneoplastic":
        "The seeds read non-paraneoplastic onset as younger (seed 001), older (seed 002) or "
        "any age (seed 004), while the literature describes a bimodal pattern with peaks near "
        "35 and 60, so each seed is partly right and the assumed mean onset moves from 40 to "
        "62.",
    "male_share_all":
        "The seeds' 'slightly more men' (assumed 55%) sits inside a spread from 38% men in "
        "the largest prospective UK cohort (62% women) to 75% in a Japanese review, because "
        "the male share of all LEMS depends on how many cases are paraneoplastic.",
    "male_share_paraneoplastic":
        "Both sources find paraneoplastic LEMS strongly male (70% and 79%), far more than the "
        "seeds' 'slightly more men'; the gap between them is within small-sample noise.",
    "male_share_nonparaneoplastic":
        "Non-paraneoplastic LEMS is read as sex-balanced in the published case review and "
        "BMJ Best Practice but as two-thirds female in Japan, so the seeds' male excess does "
        "not hold for this type.",
    "smoker_share_sclc":
        "Every SCLC-LEMS patient has smoked (ever smoking, 100%), but only 86% still smoked at "
        "diagnosis and 66% at onset in the UK cohort, so the figures differ by definition "
        "(ever versus current) more than by population.",
    "smoker_share_nonparaneoplastic":
        "The UK cohort's 16% current smokers at onset and Medscape's 'only half are long-term "
        "smokers' disagree threefold, partly because one counts current and the other "
        "lifetime smoking.",
    "vgcc_positive_all":
        "Overall P/Q-type VGCC antibody positivity is given as 83% (an incomplete excerpt), "
        "85-90% and 'more than 90%', differences that reflect assays, case mix and what "
        "counted as LEMS.",
    "survival_median_sclc_lems":
        "Median survival from SCLC diagnosis with LEMS is 15-19.6 months in Dutch and UK "
        "series but 30 months in a Chinese series of 19, always longer than SCLC alone.",
    "survival_median_sclc_only":
        "Comparison groups of SCLC without LEMS survive 7-10 months, but general SCLC figures "
        "by stage run from 9-11 (extensive) to 14-20 months (limited), so the comparator's "
        "stage mix decides how large the LEMS advantage looks.",
    "vgcc_positive_controls":
        "False-positive VGCC antibody rates run from 1.7% (healthy controls) to 3.4-4% "
        "(neurological and lung-cancer patients) with the current Mayo assay, but 23-24% of "
        "cancer and ALS patients had low-titre positives in 1995, so the control group and "
        "the assay decide a test's specificity.",
    "sox_sensitivity":
        "SOX antibodies are found in 55-67% of SCLC-LEMS depending on the antigen (SOX1 or "
        "SOX2), the assay and the series, so about a third of SCLC-LEMS tests negative.",
    "sox_specificity":
        "Specificity against non-tumour LEMS runs from 93% (SOX2, 7 of 105 positive) to 100% "
        "(SOX1, none of 50), small series whose intervals overlap.",
    "sclc_probability_delta_p_1":
        "A DELTA-P score of 1 meant a 2.6% chance of SCLC in the Dutch derivation cohort but "
        "18.8% in the UK prospective cohort, the largest disagreement between the two "
        "calibrations.",
    "sclc_probability_delta_p_4":
        "A score of 4 meant 93.5% SCLC in the derivation cohort and 85.7% in the prospective "
        "UK cohort, whose overall AUC was also lower (82.5% against 94.4%).",
    "sclc_probability_delta_p_5":
        "A score of 5 meant 96.6% SCLC in the derivation cohort and 87.5% in the prospective "
        "UK cohort, small groups in both.",
}


def _label(lo: float, hi: float) -> str:
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


def _figures(table: pd.DataFrame) -> pd.DataFrame:
    """Return one row per comparable figure.

    Comparable are numeric seed and literature rows, and qualitative rows whose reading an
    assumption row turns into a number.
    """
    assumed = {}
    for a in table[table["kind"] == "assumption"].itertuples(index=False):
        if a.reading and (a.parameter, a.reading) not in assumed:
            numbers = [x for x in (a.low, a.high) if not np.isnan(x)]
            centre = a.value if not np.isnan(a.value) else float(np.mean(numbers))
            assumed[(a.parameter, a.reading)] = (a.unit, float(centre))
    rows = []
    for r in table[table["kind"] != "assumption"].itertuples(index=False):
        if r.statistic != "qualitative":
            numbers = [x for x in (r.low, r.value, r.high) if not np.isnan(x)]
            lo, hi = min(numbers), max(numbers)
            rows.append((r.parameter, r.unit, r.source_id, r.source_id, lo, hi, _label(lo, hi)))
            continue
        key = (QUANTIFIED_BY.get(r.parameter, r.parameter), r.reading)
        if key not in assumed:
            continue  # a claim with no number and no assumed number cannot be placed
        unit, centre = assumed[key]
        rows.append((r.parameter, unit, r.source_id, f"{r.source_id} ({r.reading})", centre,
                     centre, f"{r.reading} (assumed {centre:g})"))
    return pd.DataFrame(rows, columns=["parameter", "unit", "source_id", "tag", "lo", "hi",
                                       "label"])


def conflicts(*, rtol: float = 0.05, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per parameter on which the sources disagree.

    Every seed and literature row with a number is a figure: the interval ``[low, high]``
    when it gives one (a range, a band or a confidence interval), else its single number.
    A qualitative row counts too when an assumption row quantifies its ``reading`` (for
    example seed 004's "slightly more men" is placed at the assumed 55% men, and the
    non-paraneoplastic age readings at their assumed mean onset ages). Assumption rows are
    never sources themselves.

    A parameter is a conflict when figures come from at least two sources and they do not
    all overlap: the largest lower end exceeds the smallest upper end by more than ``rtol``
    times the latter. A parameter with a single source, or whose figures overlap, is not
    listed.

    Parameters
    ----------
    rtol : float, default 0.05
        Relative tolerance within which two figures count as agreeing.
    data : pandas.DataFrame, optional
        An evidence table to read instead of the shipped one (validated with
        :func:`~lems_epi.sources.validate_evidence`, without requiring the seeds).

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter``, ``unit``, ``low`` and ``high`` (the lowest and highest number
        any source states), ``source_low`` and ``source_high`` (the ``source_id`` values,
        joined by ``"; "``, that state them), ``n_sources`` (distinct sources with a figure),
        ``sources`` (every ``source_id: figure``, joined by ``"; "``) and ``reading`` (one
        sentence on the disagreement). Rows follow the order of
        :data:`~lems_epi.sources.PARAMETERS`.

    Raises
    ------
    ValueError
        If ``rtol`` is negative or ``data`` is not a valid evidence table.

    References
    ----------
    .. [1] Lipka AF, et al. (2020). Neurology 94(5):e511-e520 (survival of SCLC with and
       without LEMS, Dutch cohort).
    .. [2] Maddison P, et al. (2020). Sci Rep (prospective UK LEMS cohort, n=87;
       https://pmc.ncbi.nlm.nih.gov/articles/PMC7324357).

    Examples
    --------
    >>> c = conflicts()
    >>> c.loc[c["parameter"] == "prevalence", ["parameter", "low", "high", "n_sources"]]
        parameter  low  high  n_sources
    0  prevalence  1.0  10.0         11
    >>> age = c[c["parameter"] == "age_profile_nonparaneoplastic"].iloc[0]
    >>> float(age["low"]), float(age["high"]), age["unit"]
    (40.0, 62.0, 'years')
    >>> age["source_low"], age["source_high"]
    ('001_0550fcf935f6308b (younger)', '002_a567babd76eed526 (older)')
    """
    rtol = check_positive_number(rtol, name="rtol", caller="conflicts", allow_zero=True)
    if data is None:
        return _shipped_conflicts(rtol).copy()
    return _conflicts(validate_evidence(data, require_seeds=False), rtol)


@lru_cache(maxsize=8)
def _shipped_conflicts(rtol: float) -> pd.DataFrame:
    return _conflicts(evidence(), rtol)


def _conflicts(table: pd.DataFrame, rtol: float) -> pd.DataFrame:
    figures = _figures(table)
    out = []
    for parameter, f in figures.groupby("parameter", sort=False):
        if f["source_id"].nunique() < 2:
            continue
        top_low, bottom_high = f["lo"].max(), f["hi"].min()
        if top_low - bottom_high <= rtol * abs(bottom_high):
            continue
        low, high = f["lo"].min(), f["hi"].max()
        out.append({
            "parameter": parameter,
            "unit": f["unit"].iloc[0],
            "low": float(low),
            "high": float(high),
            "source_low": _who(f, f["lo"] == low),
            "source_high": _who(f, f["hi"] == high),
            "n_sources": int(f["source_id"].nunique()),
            "sources": "; ".join(f"{s}: {lab}" for s, lab in zip(f["source_id"], f["label"],
                                                             strict=True)),
            "reading": READINGS.get(parameter, _fallback(parameter, low, high)),
        })
    order = {name: i for i, name in enumerate(PARAMETERS)}
    out.sort(key=lambda row: order[row["parameter"]])
    return pd.DataFrame(out, columns=list(CONFLICT_COLUMNS))


def _who(figures: pd.DataFrame, mask) -> str:
    return "; ".join(dict.fromkeys(figures.loc[mask, "tag"]))


def _fallback(parameter: str, low: float, high: float) -> str:
    return (f"Sources give {parameter} from {low:g} to {high:g}; read the rows of "
            f"evidence(parameter={parameter!r}) to see why.")
