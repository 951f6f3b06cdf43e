"""Loading and validating the evidence table (``evidence.csv``).

The table ships as a CSV file inside the package. :func:`read_evidence` reads and validates a
CSV file with the same columns (the shipped one by default); :func:`validate_evidence` checks a
DataFrame; :func:`evidence` returns a filtered copy of the shipped table, read once and cached.
"""

from __future__ import annotations

import difflib
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from lems_epi._validation import describe_rows

__all__ = [
    "EVIDENCE_COLUMNS",
    "KINDS",
    "PARAMETERS",
    "SEED_IDS",
    "STATISTICS",
    "STATUSES",
    "UNITS",
    "AGE_PROFILE_READINGS",
    "COUNT_COLUMNS",
    "DENOMINATOR_UNITS",
    "DESIGNS",
    "evidence",
    "read_evidence",
    "validate_evidence",
]

#: Columns of the evidence table, in order. The first 14 are the fixed schema; ``reading``
#: holds a short kebab-case label for qualitative rows (and for assumption rows that turn
#: such a label into a number), empty otherwise; the last six (:data:`COUNT_COLUMNS`) hold
#: a study's data where the source gives it.
EVIDENCE_COLUMNS = (
    "evidence_id", "parameter", "statistic", "value", "low", "high", "unit", "population",
    "source_id", "source", "locator", "kind", "status", "note", "reading",
    "events", "denominator", "denominator_unit", "design", "cohort_group", "count_note",
)
#: Optional columns (empty when a table omits them): the study's ``events`` over its
#: ``denominator`` in ``denominator_unit``, its ``design`` (:data:`DESIGNS`), a
#: ``cohort_group`` shared by rows whose patients overlap, and ``count_note`` (how the counts
#: were derived).
COUNT_COLUMNS = ("events", "denominator", "denominator_unit", "design", "cohort_group",
                 "count_note")
_NUMBER_COLUMNS = ("value", "low", "high")
_COUNT_NUMBERS = ("events", "denominator")
_TEXT_COLUMNS = tuple(c for c in EVIDENCE_COLUMNS if c not in _NUMBER_COLUMNS + _COUNT_NUMBERS)
#: Units of ``denominator``.
DENOMINATOR_UNITS = ("persons", "person_years")
#: Study designs: the first three are data that pooling uses; the rest are context.
DESIGNS = ("population-based", "clinical-series", "claims-data", "case-report-review",
           "review", "lay-summary", "classification-band", "model-estimate", "assumption")

#: The five seed documents (file names in ``shared/seeds`` without ``.txt``).
SEED_IDS = (
    "000_49f4798c04258ec4",
    "001_0550fcf935f6308b",
    "002_a567babd76eed526",
    "003_24031032f9d47664",
    "004_113001bf63506033",
)
ASSUMPTION_SOURCE_ID = "lems_epi"
#: The shipped evidence files, read and validated together: the main table and the screening
#: and diagnosis rows (antibody tests, DELTA-P).
SHIPPED_FILES = ("evidence.csv", "evidence_screening.csv")

#: Row kinds and the statuses each allows.
KINDS = {
    "seed": ("SEED",),
    "literature": ("READ", "READ-SECONDARY"),
    "assumption": ("ASSUMPTION",),
}
STATUSES = ("SEED", "READ", "READ-SECONDARY", "ASSUMPTION")
_ID_PREFIX = {"seed": "seed", "literature": "lit-", "assumption": "assumption-"}

#: Units and the closed interval their numbers must lie in.
UNITS = {
    "per_million": (0.0, 1e6),
    "per_million_person_years": (0.0, 1e6),
    "proportion": (0.0, 1.0),
    "years": (0.0, 120.0),
    "months": (0.0, 1200.0),
    "persons": (0.0, math.inf),
    "persons_per_year": (0.0, math.inf),
    "category": None,
    "qualitative": None,
}

#: What the ``statistic`` column may say. ``range`` and ``band`` carry ``low``/``high`` with
#: ``value`` their midpoint; ``lower_bound``/``upper_bound`` carry only ``low``/``high``;
#: ``modes`` carries two peaks in ``low``/``high``; ``within_<n>_months`` is the share found
#: within that time; ``qualitative`` rows carry no number and a ``reading``.
STATISTICS = (
    "point", "share", "mean", "median", "typical", "minimum_typical", "model_estimate",
    "range", "band", "lower_bound", "upper_bound", "modes", "cap", "qualitative",
)
_WITHIN = re.compile(r"^within_[0-9]+_months$")
_RANGE_STATISTICS = ("range", "band")

#: Parameters: name -> (unit, meaning). Names beyond the project's canonical list are marked
#: "(added)".
PARAMETERS = {
    "prevalence": ("per_million", "point prevalence of LEMS"),
    "incidence": ("per_million_person_years", "incidence of LEMS"),
    "prevalent_cases": ("persons", "(added) number of people living with LEMS in a country"),
    "expected_incident_cases_sclc_lems": ("persons_per_year",
                                          "(added) SCLC-LEMS cases a country should see a "
                                          "year, derived by the source"),
    "initial_misdiagnosis_share": ("proportion",
                                   "(added) share of LEMS patients first misdiagnosed"),
    "paraneoplastic_share": ("proportion", "share of ALL LEMS cases with a tumour"),
    "sclc_share_of_all": ("proportion", "share of ALL LEMS cases with SCLC"),
    "sclc_share": ("proportion", "share of PARANEOPLASTIC LEMS cases with SCLC"),
    "onset_age_paraneoplastic": ("years", "onset age of paraneoplastic LEMS"),
    "onset_age_nonparaneoplastic": ("years", "onset age of non-paraneoplastic LEMS"),
    "onset_age_all": ("years", "onset age of all LEMS"),
    "share_over_50_paraneoplastic": ("proportion", "share of paraneoplastic cases aged >= 50"),
    "share_over_50_nonparaneoplastic": ("proportion",
                                        "share of non-paraneoplastic cases aged >= 50"),
    "age_profile_nonparaneoplastic": ("category",
                                      "age pattern of non-paraneoplastic LEMS: younger, older, "
                                      "any-age or bimodal (in ``reading``)"),
    "male_share_paraneoplastic": ("proportion", "share of paraneoplastic cases who are men"),
    "male_share_nonparaneoplastic": ("proportion",
                                     "share of non-paraneoplastic cases who are men"),
    "male_share_all": ("proportion", "share of all cases who are men"),
    "smoker_share_sclc": ("proportion", "share of SCLC-LEMS cases who smoke(d)"),
    "smoker_share_paraneoplastic": ("proportion", "share of paraneoplastic cases who smoke(d)"),
    "smoker_share_nonparaneoplastic": ("proportion",
                                       "share of non-paraneoplastic cases who smoke(d)"),
    "smoking_effect": ("qualitative", "(added) direction of smoking's link with LEMS or SCLC"),
    "vgcc_positive_paraneoplastic": ("proportion", "P/Q-type VGCC antibody positive share"),
    "vgcc_positive_nonparaneoplastic": ("proportion", "P/Q-type VGCC antibody positive share"),
    "vgcc_positive_all": ("proportion", "P/Q-type VGCC antibody positive share"),
    "survival_median_sclc_lems": ("months", "median survival from SCLC diagnosis, SCLC-LEMS"),
    "survival_median_sclc_only": ("months", "median survival from SCLC diagnosis, SCLC alone"),
    "survival_nonparaneoplastic": ("qualitative", "survival of non-paraneoplastic LEMS"),
    "duration_paraneoplastic": ("years", "(added) disease duration, paraneoplastic LEMS"),
    "duration_nonparaneoplastic": ("years", "(added) disease duration, non-paraneoplastic LEMS"),
    "lems_share_among_sclc": ("proportion", "share of SCLC patients who have LEMS"),
    "sclc_detection_within": ("proportion",
                              "share of SCLC found within a time after LEMS (``statistic``)"),
    "associated_autoimmune": ("qualitative", "other autoimmune diseases with LEMS"),
    "risk_factor": ("qualitative", "(added) other proposed causes or risk factors"),
    "geographic_variation": ("qualitative", "(added) geographic clustering of LEMS"),
    "site_community_size": ("persons",
                            "(added) a website's member count; not epidemiological"),
    # screening and diagnosis (rows in evidence_screening.csv)
    "vgcc_positive_controls": ("proportion", "(added) P/Q-type VGCC antibody positive share "
                               "in people without LEMS (false-positive rate; group in "
                               "``population``)"),
    "sox_sensitivity": ("proportion", "(added) SOX antibody positive share in LEMS with SCLC"),
    "sox_specificity": ("proportion", "(added) SOX antibody negative share in non-tumour LEMS"),
    **{f"sclc_probability_delta_p_{k}": ("proportion", f"(added) probability of SCLC in LEMS "
                                         f"at a DELTA-P score of {k}") for k in range(7)},
    "delta_p_auc": ("proportion", "(added) area under the ROC curve of the DELTA-P score "
                    "for SCLC in LEMS"),
}

#: Readings allowed for ``age_profile_nonparaneoplastic``.
AGE_PROFILE_READINGS = ("younger", "older", "any-age", "bimodal")

_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_LOCATOR_MAX = 60
_CALLER = "evidence"


def _fail(problem: str, mask, table: pd.DataFrame, fix: str) -> None:
    ids = table["evidence_id"].to_numpy() if "evidence_id" in table else None
    where = describe_rows(mask, index=ids)
    raise ValueError(f"{_CALLER}: {problem} at {where}; {fix}")


def _as_numbers(table: pd.DataFrame, columns=_NUMBER_COLUMNS) -> pd.DataFrame:
    out = table.copy()
    for col in columns:
        raw = out[col]
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            out[col] = raw.astype(float)
            continue
        text = raw.astype(object).where(raw.notna(), "").map(lambda v: str(v).strip())
        nums = pd.to_numeric(text.where(text != "", np.nan), errors="coerce")
        bad = (text != "") & nums.isna()
        if bad.any():
            _fail(f"column {col!r} has entries that are not numbers", bad.to_numpy(), out,
                  "write plain decimal numbers (e.g. 0.55) or leave the cell empty.")
        out[col] = nums.astype(float)
    return out


def validate_evidence(table: pd.DataFrame, *, require_seeds: bool = True) -> pd.DataFrame:
    """Check an evidence table and return a clean copy.

    Parameters
    ----------
    table : pandas.DataFrame
        A table with the columns in :data:`EVIDENCE_COLUMNS` (``reading`` may be omitted).
        Numbers may be given as floats or as text.
    require_seeds : bool, default True
        Also require that each of the five seed documents (:data:`SEED_IDS`) is cited.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`EVIDENCE_COLUMNS` in order: text columns as strings (empty
        string when blank), ``value``, ``low``, ``high`` as floats (NaN when blank), a fresh
        ``RangeIndex``.

    Raises
    ------
    TypeError
        If ``table`` is not a DataFrame.
    ValueError
        On missing columns, duplicated or malformed ``evidence_id``, unknown ``parameter``,
        ``unit``, ``statistic``, ``kind`` or ``status``, a unit that does not match the
        parameter, numbers outside their unit's range, ``low > value`` or ``value > high``,
        rows without the numbers their statistic needs, or an uncited seed document. The
        message names the offending rows by ``evidence_id``.

    Examples
    --------
    >>> t = evidence()
    >>> bad = t.assign(value=t["value"].where(t["evidence_id"] != "seed002-paraneoplastic-share",
    ...                                       5.0))
    >>> validate_evidence(bad)
    Traceback (most recent call last):
    ...
    ValueError: evidence: numbers outside the range allowed for unit 'proportion' [0.0, 1.0] at rows ['seed002-paraneoplastic-share'] (1 of ...); ...
    """
    table = _clean_table(table)
    _check_labels(table)
    _check_sources(table)
    _check_numbers(table)
    _check_counts(table)
    if require_seeds:
        cited = set(table.loc[(table["kind"] == "seed").to_numpy(), "source_id"])
        uncited = [s for s in SEED_IDS if s not in cited]
        if uncited:
            raise ValueError(f"{_CALLER}: seed document(s) {uncited} are not cited by any row; "
                             "every seed document must have at least one row.")
    return table


def _clean_table(table) -> pd.DataFrame:
    """The table's columns in order, text stripped, numbers as floats."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{_CALLER}: the evidence table must be a pandas DataFrame, got "
                        f"{type(table).__name__}.")
    table = table.copy()
    for col in ("reading", *COUNT_COLUMNS):
        if col not in table.columns:
            table[col] = ""
    missing = [c for c in EVIDENCE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{_CALLER}: the evidence table lacks column(s) {missing}; it needs "
                         f"{list(EVIDENCE_COLUMNS)}.")
    table = table.loc[:, list(EVIDENCE_COLUMNS)].reset_index(drop=True)
    for col in _TEXT_COLUMNS:
        col_values = table[col].astype(object).where(table[col].notna(), "")
        table[col] = col_values.map(lambda v: str(v).strip()).astype(str)
    return _as_numbers(table, _NUMBER_COLUMNS + _COUNT_NUMBERS)


def _check_labels(table: pd.DataFrame) -> None:
    """Required cells, ids, and the controlled vocabularies (kind, status, unit, statistic)."""
    ids = table["evidence_id"]
    required = ["evidence_id", "parameter", "statistic", "unit", "population", "source_id",
                "source", "locator", "kind", "status", "note"]
    for col in required:
        blank = (table[col] == "").to_numpy()
        if blank.any():
            _fail(f"column {col!r} is empty", blank, table, f"fill in {col!r} for every row.")
    bad = ~ids.map(lambda s: bool(_KEBAB.match(s))).to_numpy(dtype=bool)
    if bad.any():
        _fail("evidence_id is not kebab-case", bad, table,
              "use lower-case letters, digits and single hyphens (e.g. 'seed004-prevalence').")
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        _fail("evidence_id is duplicated", dup, table, "give every row its own id.")

    for col, allowed in (("kind", tuple(KINDS)), ("status", STATUSES),
                         ("unit", tuple(UNITS)), ("parameter", tuple(PARAMETERS))):
        bad = ~table[col].isin(allowed).to_numpy()
        if bad.any():
            seen = sorted(set(table.loc[bad, col]))
            _fail(f"unknown {col} {seen}", bad, table, f"use one of {list(allowed)}.")
    stat = table["statistic"]
    bad = ~(stat.isin(STATISTICS) | stat.map(lambda s: bool(_WITHIN.match(s)))).to_numpy(
        dtype=bool)
    if bad.any():
        _fail(f"unknown statistic {sorted(set(stat[bad]))}", bad, table,
              f"use one of {list(STATISTICS)} or 'within_<n>_months'.")


def _check_sources(table: pd.DataFrame) -> None:
    """Kinds, statuses, id prefixes, seed and assumption sources, locators, units."""
    ids = table["evidence_id"]
    bad = np.array([s not in KINDS[k] for k, s in zip(table["kind"], table["status"],
                                                                         strict=True)])
    if bad.any():
        _fail("status does not match kind", bad, table, f"allowed pairs are {KINDS}.")
    bad = np.array([not i.startswith(_ID_PREFIX[k]) for i, k in zip(ids, table["kind"], strict=True)])
    if bad.any():
        _fail("evidence_id does not start with its kind's prefix", bad, table,
              f"start ids with {_ID_PREFIX}.")
    is_seed = (table["kind"] == "seed").to_numpy()
    bad = is_seed & ~table["source_id"].isin(SEED_IDS).to_numpy()
    if bad.any():
        _fail("seed rows cite an unknown seed document", bad, table,
              f"use one of {list(SEED_IDS)}.")
    is_assumption = (table["kind"] == "assumption").to_numpy()
    bad = is_assumption != (table["source_id"] == ASSUMPTION_SOURCE_ID).to_numpy()
    if bad.any():
        _fail(f"assumption rows and source_id {ASSUMPTION_SOURCE_ID!r} do not match", bad,
              table, f"assumption rows, and only they, have source_id "
              f"{ASSUMPTION_SOURCE_ID!r}.")
    bad = (table["locator"].str.len() > _LOCATOR_MAX).to_numpy()
    if bad.any():
        _fail(f"locator longer than {_LOCATOR_MAX} characters", bad, table,
              "a locator is a few words that find the figure, not a quotation.")

    expected_unit = table["parameter"].map(lambda p: PARAMETERS[p][0])
    bad = (table["unit"] != expected_unit).to_numpy()
    if bad.any():
        _fail("unit does not match the parameter's unit", bad, table,
              "see lems_epi.sources.PARAMETERS for each parameter's unit.")


def _check_numbers(table: pd.DataFrame) -> None:
    value, low, high = (table[c].to_numpy(dtype=float) for c in _NUMBER_COLUMNS)
    has_v, has_l, has_h = ~np.isnan(value), ~np.isnan(low), ~np.isnan(high)
    stat = table["statistic"].to_numpy(dtype=object)
    qual = stat == "qualitative"
    for arr in (value, low, high):
        bad = np.isinf(arr)
        if bad.any():
            _fail("infinite numbers", bad, table, "use finite numbers or leave cells empty.")
    _check_readings(table, qual, has_v | has_l | has_h)
    _check_statistics(table, stat, qual, (value, low, high), (has_v, has_l, has_h))


def _check_readings(table: pd.DataFrame, qual: np.ndarray, has_number: np.ndarray) -> None:
    """Qualitative rows: no numbers, a kebab-case reading (a known one for age profiles)."""
    bad = qual & has_number
    if bad.any():
        _fail("qualitative rows carry numbers", bad, table,
              "leave value/low/high empty for qualitative rows (the assumption rows hold the "
              "numbers).")
    bad = qual & (table["reading"] == "").to_numpy()
    if bad.any():
        _fail("qualitative rows lack a reading", bad, table,
              "give a short kebab-case label in 'reading'.")
    reading = table["reading"]
    bad = ((reading != "") & ~reading.map(lambda s: bool(_KEBAB.match(s)) or s == "")).to_numpy(
        dtype=bool)
    if bad.any():
        _fail("reading is not kebab-case", bad, table, "use labels like 'any-age'.")
    age = (table["parameter"] == "age_profile_nonparaneoplastic").to_numpy()
    bad = age & ~reading.isin(AGE_PROFILE_READINGS).to_numpy()
    if bad.any():
        _fail("age_profile_nonparaneoplastic rows need a known reading", bad, table,
              f"use one of {list(AGE_PROFILE_READINGS)}.")
    categorical = table["unit"].isin(["category", "qualitative"]).to_numpy()
    bad = categorical & ~qual
    if bad.any():
        _fail("rows in unit 'category' or 'qualitative' must have statistic 'qualitative'",
              bad, table, "set statistic to 'qualitative'.")


def _check_statistics(table: pd.DataFrame, stat, qual, numbers, present) -> None:
    """The numbers each statistic needs, midpoints, bounds, unit ranges and their order."""
    value, low, high = numbers
    has_v, has_l, has_h = present
    bad = ~qual & ~(has_v | has_l | has_h)
    if bad.any():
        _fail("rows without any number", bad, table,
              "give value (or low/high), or mark the row statistic 'qualitative'.")
    ranged = np.isin(stat, _RANGE_STATISTICS) | (stat == "modes")
    bad = ranged & ~(has_l & has_h)
    if bad.any():
        _fail("range, band and modes rows need both low and high", bad, table,
              "fill low and high; value is their midpoint.")
    midpoint = (low + high) / 2
    bad = ranged & has_v & ~np.isclose(value, midpoint, rtol=0, atol=1e-9 + 1e-6 * np.abs(
        np.nan_to_num(midpoint)))
    if bad.any():
        _fail("value is not the midpoint of low and high", bad, table,
              "for range, band and modes rows value must be (low + high) / 2 or empty.")
    bad = (stat == "lower_bound") & ~(has_l & ~has_v & ~has_h)
    if bad.any():
        _fail("lower_bound rows must give only low", bad, table, "put the bound in low.")
    bad = (stat == "upper_bound") & ~(has_h & ~has_v & ~has_l)
    if bad.any():
        _fail("upper_bound rows must give only high", bad, table, "put the bound in high.")

    for unit, limits in UNITS.items():
        if limits is None:
            continue
        rows = (table["unit"] == unit).to_numpy()
        lo_lim, hi_lim = limits
        bad = np.zeros(len(table), dtype=bool)
        for arr, has in ((value, has_v), (low, has_l), (high, has_h)):
            bad |= rows & has & ((arr < lo_lim) | (arr > hi_lim))
        if bad.any():
            _fail(f"numbers outside the range allowed for unit {unit!r} [{lo_lim}, {hi_lim}]",
                  bad, table, "check the unit (e.g. 55% is 0.55 as a proportion).")
    bad = (has_l & has_h & (low > high)) | (has_l & has_v & (low > value)) | (
        has_v & has_h & (value > high))
    if bad.any():
        _fail("low <= value <= high does not hold", bad, table, "reorder low, value and high.")


def _check_counts(table: pd.DataFrame) -> None:
    events, denom = (table[c].to_numpy(dtype=float) for c in _COUNT_NUMBERS)
    has_e, has_d = ~np.isnan(events), ~np.isnan(denom)
    bad = has_e != has_d
    if bad.any():
        _fail("events and denominator must be given together", bad, table,
              "fill both or neither.")
    with np.errstate(invalid="ignore"):
        bad = has_e & ((events < 0) | (events % 1 != 0) | ~(denom > 0) | np.isinf(denom))
    if bad.any():
        _fail("events must be whole numbers >= 0 and denominator a positive number", bad,
              table, "write counts such as 54 and 100.")
    unit = table["denominator_unit"]
    bad = (has_e & ~unit.isin(DENOMINATOR_UNITS).to_numpy()) | (~has_e & (unit != "").to_numpy())
    if bad.any():
        _fail("denominator_unit is missing, unknown or set without counts", bad, table,
              f"use one of {list(DENOMINATOR_UNITS)} on rows with counts.")
    bad = has_e & (unit == "persons").to_numpy() & (events > denom)
    if bad.any():
        _fail("more events than persons", bad, table, "check the counts.")
    design, group = table["design"], table["cohort_group"]
    bad = ((design != "") & ~design.isin(DESIGNS)).to_numpy()
    if bad.any():
        _fail(f"unknown design {sorted(set(design[bad]))}", bad, table,
              f"use one of {list(DESIGNS)} or leave it empty.")
    bad = ((group != "") & ~group.map(lambda s: bool(_KEBAB.match(s)))).to_numpy(dtype=bool)
    if bad.any():
        _fail("cohort_group is not kebab-case", bad, table, "use labels like 'dutch-lems'.")


def read_evidence(path=None, *, require_seeds: bool = True) -> pd.DataFrame:
    """Read and validate an evidence CSV file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        CSV file with the columns of :data:`EVIDENCE_COLUMNS`. The package's own files
        (:data:`SHIPPED_FILES`, concatenated) when omitted.
    require_seeds : bool, default True
        Passed to :func:`validate_evidence`.

    Returns
    -------
    pandas.DataFrame
        The validated table (see :func:`validate_evidence`).

    Raises
    ------
    ValueError
        If the file is malformed; the message names the rows.

    Examples
    --------
    >>> read_evidence().shape[1]
    21
    """
    if path is None:
        parts = []
        for name in SHIPPED_FILES:
            source = resources.files("lems_epi.sources").joinpath(name)
            with source.open("r", encoding="utf-8") as handle:
                parts.append(pd.read_csv(handle, dtype=str, keep_default_na=False))
        raw = pd.concat(parts, ignore_index=True)
    else:
        raw = pd.read_csv(Path(path), dtype=str, keep_default_na=False)
    return validate_evidence(raw, require_seeds=require_seeds)


@lru_cache(maxsize=1)
def _shipped() -> pd.DataFrame:
    return read_evidence()


def _as_choices(values, *, name: str, allowed) -> list[str]:
    if isinstance(values, str):
        values = [values]
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"{_CALLER}: {name!r} must be a string or a list of strings, got "
                        f"{type(values).__name__}.") from None
    for v in values:
        if not isinstance(v, str):
            raise TypeError(f"{_CALLER}: {name!r} must hold strings, got {v!r}.")
        if allowed is not None and v not in allowed:
            close = difflib.get_close_matches(v, list(allowed), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{_CALLER}: unknown {name} {v!r}; choose from "
                             f"{sorted(allowed)}.{hint}")
    return values


def evidence(parameter=None, *, kind=None, status=None, source_id=None) -> pd.DataFrame:
    """Every figure about LEMS the package knows, one row per figure, with its source.

    The table holds every figure and qualitative claim of the five seed documents
    (``kind="seed"``), the published figures marked READ or READ-SECONDARY in the project's
    literature notes that bear on the model's parameters (``kind="literature"``), and the
    numbers the package assumes where a source gives only words (``kind="assumption"``).

    Parameters
    ----------
    parameter, kind, status, source_id : str or list of str, optional
        Keep only rows with these values (see :data:`PARAMETERS`, :data:`KINDS`,
        :data:`STATUSES`). All rows when omitted.

    Returns
    -------
    pandas.DataFrame
        A copy, one row per figure, with the columns of :data:`EVIDENCE_COLUMNS`:
        ``evidence_id`` (stable kebab-case id), ``parameter``, ``statistic``, ``value``,
        ``low``, ``high`` (floats, NaN when absent), ``unit``, ``population`` (the
        denominator), ``source_id``, ``source``, ``locator``, ``kind``, ``status``, ``note``,
        ``reading``, then the study's data where the source gives it: ``events``,
        ``denominator`` (floats, NaN when absent), ``denominator_unit`` (persons or
        person_years), ``design`` (:data:`DESIGNS`), ``cohort_group`` (rows sharing patients)
        and ``count_note`` (how the counts were derived). For ``range``/``band``/``modes`` rows ``value`` is the midpoint of
        ``low`` and ``high``; for point figures ``low``/``high`` are a published confidence
        interval when one exists.

    Raises
    ------
    ValueError
        For an unknown parameter, kind or status.
    TypeError
        If a filter is neither a string nor a list of strings.

    References
    ----------
    .. [1] Wirtz PW, et al. (2003). The epidemiology of myasthenia
       gravis, Lambert-Eaton myasthenic syndrome and their associated tumours in the northern
       part of the province of South Holland. J Neurol 250(6):698-701.
    .. [2] Yoshikawa H, et al. (2022). Nationwide survey of
       Lambert-Eaton myasthenic syndrome in Japan. BMJ Neurol Open 4(2):e000291.
    .. [3] Titulaer MJ, Lang B, Verschuuren JJ (2011). Lambert-Eaton myasthenic syndrome:
       from clinical characteristics to therapeutic strategies. Lancet Neurol 10:1098-1107.

    Examples
    --------
    >>> t = evidence(parameter="prevalence", kind="seed")
    >>> t[["evidence_id", "value", "low", "high", "unit"]]
              evidence_id  value  low  high         unit
    0  seed002-prevalence    NaN  NaN   NaN  per_million
    1  seed004-prevalence    7.0  4.0  10.0  per_million
    >>> evidence("age_profile_nonparaneoplastic", kind="seed")["reading"].tolist()
    ['younger', 'older', 'any-age']
    """
    table = _shipped()
    keep = np.ones(len(table), dtype=bool)
    for name, values, allowed in (("parameter", parameter, PARAMETERS), ("kind", kind, KINDS),
                                  ("status", status, STATUSES), ("source_id", source_id, None)):
        if values is None:
            continue
        keep &= table[name].isin(_as_choices(values, name=name, allowed=allowed)).to_numpy()
    return table.loc[keep].reset_index(drop=True).copy()
