"""Tests of the evidence table and of conflicts().

Expected numbers are read off the seed documents and the literature notes by hand, not computed
by the code under test.
"""

import numpy as np
import pandas as pd
import pytest

from lems_epi.sources import (
    EVIDENCE_COLUMNS,
    PARAMETERS,
    READINGS,
    conflicts,
    evidence,
    read_evidence,
    validate_evidence,
)

SEEDS = {
    "000_49f4798c04258ec4",
    "001_0550fcf935f6308b",
    "002_a567babd76eed526",
    "003_24031032f9d47664",
    "004_113001bf63506033",
}
FIXED = ["evidence_id", "parameter", "statistic", "value", "low", "high", "unit", "population",
         "source_id", "source", "locator", "kind", "status", "note"]


def row(evidence_id):
    t = evidence()
    hit = t[t["evidence_id"] == evidence_id]
    assert len(hit) == 1, evidence_id
    return hit.iloc[0]


# ------------------------------------------------------------------ the table as a whole
def test_columns_fixed_order():
    t = evidence()
    assert list(t.columns[:14]) == FIXED
    assert list(t.columns) == list(EVIDENCE_COLUMNS)


def test_every_seed_file_is_cited():
    seeds = evidence(kind="seed")
    assert set(seeds["source_id"]) == SEEDS
    assert (seeds["status"] == "SEED").all()


def test_no_unverified_and_statuses_match_kinds():
    t = evidence()
    assert set(t["status"]) == {"SEED", "READ", "READ-SECONDARY", "ASSUMPTION"}
    lit = t[t["kind"] == "literature"]
    assert set(lit["status"]) == {"READ", "READ-SECONDARY"}
    assumption = t[t["kind"] == "assumption"]
    assert set(assumption["source_id"]) == {"lems_epi"}
    assert (assumption["note"].str.len() > 20).all()


def test_unverified_wirtz2004_prevalence_left_out():
    # literature.md marks the Dutch nationwide 2.5/million as UNVERIFIED (memory only).
    lit = evidence(parameter=["prevalence", "incidence"], kind="literature")
    assert "wirtz2004" not in set(lit["source_id"])


def test_ids_unique_kebab_and_locators_short():
    t = evidence()
    assert t["evidence_id"].is_unique
    assert t["evidence_id"].str.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*").all()
    assert (t["locator"].str.len() <= 60).all()
    assert (t["locator"].str.len() > 0).all()


def test_units_match_parameter_table():
    t = evidence()
    for parameter, unit in zip(t["parameter"], t["unit"], strict=True):
        assert PARAMETERS[parameter][0] == unit


def test_proportions_within_unit_interval_and_ordered():
    t = evidence()
    p = t[t["unit"] == "proportion"][["value", "low", "high"]].to_numpy()
    assert np.nanmin(p) >= 0
    assert np.nanmax(p) <= 1
    v, lo, hi = t["value"], t["low"], t["high"]
    assert not ((lo > v) | (v > hi) | (lo > hi)).any()


def test_ranges_have_midpoint_value():
    t = evidence()
    r = t[t["statistic"].isin(["range", "band"])]
    assert len(r) > 5
    np.testing.assert_allclose(r["value"], (r["low"] + r["high"]) / 2)


# ------------------------------------------------------------------ seed figures (one each)
def test_seed004_prevalence():
    r = row("seed004-prevalence")
    # "1 in 100,000 to 1 in 250,000" = 10 to 4 per million
    assert (r["low"], r["high"], r["value"], r["unit"]) == (4.0, 10.0, 7.0, "per_million")
    assert r["source_id"] == "004_113001bf63506033"


def test_seed000_paraneoplastic_share():
    r = row("seed000-paraneoplastic-share")
    assert (r["low"], r["high"], r["unit"]) == (0.5, 0.6, "proportion")
    assert r["source_id"] == "000_49f4798c04258ec4"


def test_seed002_paraneoplastic_share():
    r = row("seed002-paraneoplastic-share")
    assert (r["value"], r["unit"]) == (0.5, "proportion")
    assert np.isnan(r["low"])
    assert np.isnan(r["high"])


def test_seed001_sclc_share_denominator():
    r = row("seed001-sclc-share")
    assert (r["parameter"], r["value"], r["unit"]) == ("sclc_share", 0.6, "proportion")
    assert "paraneoplastic" in r["population"]
    assert "ALL LEMS" in r["note"]


def test_seed002_onset_age_paraneoplastic():
    r = row("seed002-onset-age-paraneoplastic")
    assert (r["statistic"], r["value"], r["unit"]) == ("typical", 60.0, "years")


def test_seed004_onset_age_paraneoplastic():
    r = row("seed004-onset-age-paraneoplastic")
    assert (r["statistic"], r["value"], r["unit"]) == ("minimum_typical", 50.0, "years")


@pytest.mark.parametrize(("evidence_id", "reading"), [
    ("seed001-age-profile-nonparaneoplastic", "younger"),
    ("seed002-age-profile-nonparaneoplastic", "older"),
    ("seed004-age-profile-nonparaneoplastic", "any-age"),
])
def test_seed_age_profiles(evidence_id, reading):
    r = row(evidence_id)
    assert (r["parameter"], r["unit"], r["reading"]) == (
        "age_profile_nonparaneoplastic", "category", reading)
    assert reading in r["note"].lower()


def test_literature_bimodal_age_profile():
    lit = evidence("age_profile_nonparaneoplastic", kind="literature")
    assert "bimodal" in set(lit["reading"])
    assert set(lit["status"]) <= {"READ", "READ-SECONDARY"}


def test_seed004_male_excess():
    r = row("seed004-male-excess")
    assert (r["parameter"], r["statistic"], r["reading"]) == (
        "male_share_all", "qualitative", "more-men")
    assert np.isnan(r["value"])


def test_seed000_smoking():
    r = row("seed000-smoking")
    assert (r["statistic"], r["reading"]) == ("qualitative", "raises-risk-via-sclc")
    assert "SCLC" in r["note"]


@pytest.mark.parametrize("seed", ["000", "003"])
def test_seed_autoimmune_associations(seed):
    r = row(f"seed{seed}-associated-autoimmune")
    assert (r["parameter"], r["statistic"]) == ("associated_autoimmune", "qualitative")


def test_seed004_community_count_is_not_a_prevalence():
    r = row("seed004-community-size")
    assert (r["parameter"], r["value"], r["unit"]) == ("site_community_size", 23.0, "persons")


# ------------------------------------------------------------------ literature spot checks
def test_literature_prevalence_below_seed_range():
    lit = evidence("prevalence", kind="literature")
    points = lit[lit["statistic"] == "point"]
    assert len(points) >= 6
    assert (points["value"] < 4).all()   # every point estimate below the seed's lower bound
    y = row("lit-yoshikawa2022-prevalence")
    assert (y["value"], y["low"], y["high"], y["status"]) == (2.7, 1.9, 3.5, "READ")


def test_lennon_ids_used_by_scenarios():
    assert row("lit-lennon1995-vgcc-paraneoplastic")["value"] == 1.0
    assert row("lit-lennon1995-vgcc-nonparaneoplastic")["value"] == 0.91


# ------------------------------------------------------------------ assumptions
@pytest.mark.parametrize(("evidence_id", "parameter", "value"), [
    ("assumption-male-share-all", "male_share_all", 0.55),
    ("assumption-smoker-share-sclc-cap", "smoker_share_sclc", 0.98),
    ("assumption-age-younger", "onset_age_nonparaneoplastic", 40.0),
    ("assumption-age-older", "onset_age_nonparaneoplastic", 62.0),
    ("assumption-age-any-age", "onset_age_nonparaneoplastic", 45.0),
    ("assumption-duration-nonparaneoplastic", "duration_nonparaneoplastic", 25.0),
])
def test_assumption_values(evidence_id, parameter, value):
    r = row(evidence_id)
    assert (r["parameter"], r["value"], r["kind"], r["status"], r["source_id"]) == (
        parameter, value, "assumption", "ASSUMPTION", "lems_epi")


def test_assumption_sds_and_bimodal_peaks():
    assert "SD 12" in row("assumption-age-younger")["note"]
    assert "SD 12" in row("assumption-age-older")["note"]
    assert "SD 20" in row("assumption-age-any-age")["note"]
    b = row("assumption-age-bimodal")
    assert (b["low"], b["high"]) == (35.0, 60.0)
    # the note states the sex-specific weights that the model's bimodal profile uses
    from lems_epi.model.profiles import NONPARANEOPLASTIC_PROFILES
    (w_f, w_m, mu_young, sd), (_, _, mu_old, _) = NONPARANEOPLASTIC_PROFILES["bimodal"][
        "components"]
    assert (mu_young, mu_old, sd) == (35.0, 60.0, 10.0)
    assert f"weighted {w_f} for women and {w_m} for men" in b["note"]


def test_assumption_paraneoplastic_duration_from_17_months():
    r = row("assumption-duration-paraneoplastic")
    # exponential survival: mean = median / ln 2 = (17 / 12) / 0.6931 = 2.04 years
    assert r["value"] == pytest.approx(2.04, abs=0.005)
    assert row("lit-lipka2020-survival-sclc-lems")["value"] == 17.0


# ------------------------------------------------------------------ evidence() behaviour
def test_evidence_returns_copy():
    a = evidence()
    a.loc[0, "value"] = -1.0
    a.loc[0, "evidence_id"] = "changed"
    b = evidence()
    assert b.loc[0, "evidence_id"] != "changed"
    assert b.loc[0, "value"] != -1.0


def test_evidence_filters():
    t = evidence(parameter="prevalence", kind="seed")
    assert set(t["evidence_id"]) == {"seed004-prevalence", "seed002-prevalence"}
    t = evidence(parameter=["prevalence", "incidence"], status="READ")
    assert set(t["parameter"]) == {"prevalence", "incidence"}
    assert set(t["status"]) == {"READ"}
    assert len(evidence(source_id="yoshikawa2022")) >= 8


def test_evidence_bad_filters():
    with pytest.raises(ValueError, match="unknown parameter 'prevalance'.*prevalence"):
        evidence(parameter="prevalance")
    with pytest.raises(ValueError, match="unknown kind"):
        evidence(kind="seeds")
    with pytest.raises(TypeError, match="'parameter'"):
        evidence(parameter=3)


# ------------------------------------------------------------------ validation
@pytest.fixture
def csv_text():
    t = read_evidence()
    return t


def _write(table, tmp_path):
    path = tmp_path / "evidence.csv"
    table.to_csv(path, index=False)
    return path


def test_read_evidence_roundtrip(csv_text, tmp_path):
    back = read_evidence(_write(csv_text, tmp_path))
    pd.testing.assert_frame_equal(back, evidence())


def _set(t, evidence_id, column, value):
    t = t.copy()
    if column in ("value", "low", "high"):
        t[column] = t[column].astype(object)
    t.loc[t["evidence_id"] == evidence_id, column] = value
    return t


@pytest.mark.parametrize(("column", "value", "match"), [
    ("kind", "rumour", "unknown kind"),
    ("status", "UNVERIFIED", "unknown status"),
    ("unit", "percent", "unknown unit"),
    ("value", 55.0, "outside the range allowed for unit 'proportion'"),
    ("value", "about half", "not numbers"),
    ("low", 0.7, "low <= value <= high"),
    ("parameter", "prevalence", "unit does not match"),
    ("evidence_id", "Seed002_PS", "kebab-case"),
    ("statistic", "guess", "unknown statistic"),
    ("locator", "x" * 200, "locator longer"),
])
def test_malformed_rows_name_the_row(csv_text, tmp_path, column, value, match):
    bad = _set(csv_text, "seed002-paraneoplastic-share", column, value)
    with pytest.raises(ValueError, match=match) as err:
        read_evidence(_write(bad, tmp_path))
    shown = value if column == "evidence_id" else "seed002-paraneoplastic-share"
    assert shown in str(err.value)


def test_duplicate_id_rejected(csv_text):
    bad = pd.concat([csv_text, csv_text.iloc[[3]]], ignore_index=True)
    with pytest.raises(ValueError, match="duplicated") as err:
        validate_evidence(bad)
    assert csv_text.loc[3, "evidence_id"] in str(err.value)


def test_missing_column_rejected(csv_text):
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['locator'\]"):
        validate_evidence(csv_text.drop(columns="locator"))


def test_uncited_seed_rejected(csv_text):
    without = csv_text[csv_text["source_id"] != "003_24031032f9d47664"]
    with pytest.raises(ValueError, match="003_24031032f9d47664.*not cited"):
        validate_evidence(without)
    validate_evidence(without, require_seeds=False)  # allowed when asked


def test_qualitative_row_with_number_rejected(csv_text):
    bad = _set(csv_text, "seed004-male-excess", "value", 0.55)
    with pytest.raises(ValueError, match="qualitative rows carry numbers.*seed004-male-excess"):
        validate_evidence(bad)


def test_age_profile_reading_checked(csv_text):
    bad = _set(csv_text, "seed001-age-profile-nonparaneoplastic", "reading", "young-ish")
    with pytest.raises(ValueError, match="known reading"):
        validate_evidence(bad)


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="DataFrame"):
        validate_evidence([1, 2])


# ------------------------------------------------------------------ conflicts
def test_conflict_columns_and_required_parameters():
    c = conflicts()
    assert list(c.columns) == ["parameter", "unit", "low", "high", "source_low", "source_high",
                               "n_sources", "sources", "reading"]
    required = {"prevalence", "paraneoplastic_share", "sclc_share",
                "age_profile_nonparaneoplastic", "male_share_all"}
    assert required <= set(c["parameter"])
    assert {"smoker_share_sclc", "vgcc_positive_all", "survival_median_sclc_lems"} <= set(
        c["parameter"])
    assert c["parameter"].is_unique
    assert (c["n_sources"] >= 2).all()
    assert (c["low"] < c["high"]).all()


def test_every_conflict_has_a_written_reading():
    c = conflicts()
    for parameter, reading in zip(c["parameter"], c["reading"], strict=True):
        assert reading == READINGS[parameter]
        assert reading.endswith(".")
        assert reading.count(". ") == 0


def test_prevalence_conflict_seed_vs_literature():
    c = conflicts().set_index("parameter").loc["prevalence"]
    assert c["high"] == 10.0
    assert "004_113001bf63506033" in c["source_high"]
    assert (c["low"], c["source_low"]) == (1.0, "orphanet")   # Orphanet's 1-9 band
    assert "004_113001bf63506033: 4-10" in c["sources"]
    assert "wirtz2003: 2.32" in c["sources"]


def test_sclc_share_conflict_lists_seed001():
    c = conflicts().set_index("parameter").loc["sclc_share"]
    assert "001_0550fcf935f6308b: 0.6" in c["sources"]
    assert (c["low"], c["high"]) == (0.5, 0.9)
    assert c["source_high"] == "livingwithlems"


def test_paraneoplastic_share_conflict():
    c = conflicts().set_index("parameter").loc["paraneoplastic_share"]
    assert (c["low"], c["high"]) == (0.33, 0.781)
    assert (c["source_low"], c["source_high"]) == ("kohler-meisel2018", "zambelis2020")
    assert "000_49f4798c04258ec4: 0.5-0.6" in c["sources"]
    assert "002_a567babd76eed526: 0.5" in c["sources"]


def test_age_profile_conflict_uses_assumed_means_and_readings():
    c = conflicts().set_index("parameter").loc["age_profile_nonparaneoplastic"]
    assert (c["low"], c["high"], c["unit"]) == (40.0, 62.0, "years")
    assert c["source_low"] == "001_0550fcf935f6308b (younger)"
    assert c["source_high"] == "002_a567babd76eed526 (older)"
    assert "bimodal" in c["sources"]
    assert "any-age" in c["sources"]


def test_sex_conflict_seed_vs_uk_cohort():
    c = conflicts().set_index("parameter").loc["male_share_all"]
    assert (c["low"], c["source_low"]) == (0.379, "maddison2020-news")  # 33/87 men
    assert "004_113001bf63506033: more-men (assumed 0.55)" in c["sources"]
    para = conflicts().set_index("parameter").loc["male_share_paraneoplastic"]
    assert (para["low"], para["high"]) == (0.7, 0.786)


def _mini(rows):
    base = evidence(parameter="prevalence").iloc[[0]]
    out = pd.concat([base] * len(rows), ignore_index=True)
    for i, (eid, source_id, value, low, high) in enumerate(rows):
        out.loc[i, ["evidence_id", "source_id", "kind", "status", "statistic"]] = [
            eid, source_id, "literature", "READ", "point"]
        out.loc[i, ["value", "low", "high"]] = [value, low, high]
    return out


def test_single_source_is_not_a_conflict():
    data = _mini([("lit-a-1", "a", 2.0, np.nan, np.nan), ("lit-a-2", "a", 9.0, np.nan, np.nan)])
    assert conflicts(data=data).empty


def test_agreeing_sources_are_not_a_conflict():
    data = _mini([("lit-a-1", "a", 2.0, 1.5, 3.0), ("lit-b-1", "b", 2.9, np.nan, np.nan)])
    assert conflicts(data=data).empty
    # 2.0 and 2.08 differ by 4% < rtol 5%: agree; with rtol 0 they conflict
    data = _mini([("lit-a-1", "a", 2.0, np.nan, np.nan), ("lit-b-1", "b", 2.08, np.nan, np.nan)])
    assert conflicts(data=data).empty
    assert len(conflicts(data=data, rtol=0)) == 1


def test_conflict_computed_from_table():
    data = _mini([("lit-a-1", "a", 2.0, np.nan, np.nan), ("lit-b-1", "b", 5.0, 4.0, 6.0),
                  ("lit-c-1", "c", 6.0, np.nan, np.nan)])
    c = conflicts(data=data)
    assert c[["parameter", "low", "high", "source_low", "source_high", "n_sources"]].iloc[
        0].tolist() == ["prevalence", 2.0, 6.0, "a", "b; c", 3]
    assert c["sources"].iloc[0] == "a: 2; b: 4-6; c: 6"


def test_claims_without_numbers_give_no_conflict():
    data = evidence(parameter=["associated_autoimmune", "risk_factor"])
    c = conflicts(data=data)
    assert c.empty
    assert list(c.columns)[:4] == ["parameter", "unit", "low", "high"]


def test_shipped_conflicts_return_a_copy():
    a = conflicts()
    a.loc[0, "low"] = -5.0
    assert conflicts().loc[0, "low"] != -5.0


def test_conflicts_bad_rtol():
    with pytest.raises(ValueError, match="rtol"):
        conflicts(rtol=-0.1)
