"""Scenario.check: derived quantities against the sources on the same quantity."""

import re

import numpy as np
import pytest

import lems_epi as le
from lems_epi.model.evidence_check import CHECK_COLUMNS, departures


@pytest.fixture(scope="module")
def seed_base():
    return le.Scenario.named("seed-base").check().set_index("key")


@pytest.fixture(scope="module")
def literature():
    return le.Scenario.named("literature").check().set_index("key")


def test_seed_base_flags_its_incident_paraneoplastic_share(seed_base):
    # 55% of prevalent cases with mean durations 2.04 and 25 years: incident share
    # (0.55 / 2.04) / (0.55 / 2.04 + 0.45 / 25) = 0.9374 (computed by hand)
    row = seed_base.loc["paraneoplastic_share_incident"]
    assert row["scenario"] == pytest.approx(0.9374, abs=1e-4)
    assert row["status"] == "outside every source"
    assert row["quantity"] == "paraneoplastic share of incident cases"
    # the largest source share is Zambelis 2020's 25/32 (exact upper limit about 0.91)
    assert 0.85 < row["evidence_high"] < 0.93
    assert "Zambelis 2020, Greek centre" in row["sources"]


def test_literature_scenario_is_within_on_its_shares(literature):
    for key in ("paraneoplastic_share_incident", "paraneoplastic_share_prevalent",
                "male_share_paraneoplastic", "male_share_nonparaneoplastic",
                "current_smoker_share_paraneoplastic", "current_smoker_share_nonparaneoplastic"):
        assert literature.loc[key, "status"] == "within the evidence", key


def test_table_shape_and_plain_names(seed_base):
    assert sorted(seed_base.reset_index().columns) == sorted(CHECK_COLUMNS)
    assert seed_base["quantity"].is_unique
    assert not any("_" in q for q in seed_base["quantity"])
    assert set(seed_base["status"]) <= {"within the evidence", "outside every source",
                                        "no figure in the evidence"}
    for key in ("male_share", "current_smoker_share", "smoker_share", "share_over_50"):
        for t in ("paraneoplastic", "nonparaneoplastic"):
            assert f"{key}_{t}" in seed_base.index
    assert {"share_under_18", "incidence", "prevalence"} <= set(seed_base.index)


def test_prevalent_share_is_the_incident_range_converted(seed_base):
    dp, dn = 2.04, 25.0
    inc, prev = seed_base.loc["paraneoplastic_share_incident"], \
        seed_base.loc["paraneoplastic_share_prevalent"]
    for end in ("evidence_low", "evidence_high"):
        s = inc[end]
        assert prev[end] == pytest.approx(s * dp / (s * dp + (1 - s) * dn))


def test_current_and_ever_smokers_are_separate(seed_base):
    current = set(seed_base.loc["current_smoker_share_paraneoplastic", "evidence_ids"].split("; "))
    ever = set(seed_base.loc["smoker_share_paraneoplastic", "evidence_ids"].split("; "))
    assert current
    assert ever
    assert not current & ever
    assert "lit-titulaer2008-smoker-share-sclc-current" in current
    assert "lit-titulaer2008-smoker-share-sclc" in ever


def test_bands_bounds_and_assumptions_are_not_evidence(seed_base):
    ids = "; ".join(seed_base["evidence_ids"])
    assert "lit-orphanet-prevalence" not in ids       # a classification band
    assert "lit-deenen2015-prevalence" not in ids     # an upper bound only
    assert "assumption-" not in ids


def test_unstated_prevalent_reads_the_seeds_as_existing_cases():
    check = le.Scenario.named("seed-base").check(unstated="prevalent").set_index("key")
    # read as shares of existing cases, the seeds' 50-60% imply 92-95% of new cases
    assert check.loc["paraneoplastic_share_incident", "status"] == "within the evidence"
    with pytest.raises(ValueError, match="unstated"):
        le.Scenario.named("seed-base").check(unstated="new")


def test_departures_name_each_flagged_quantity(seed_base):
    text = departures(seed_base.reset_index())
    assert len(text) == int((seed_base["status"] == "outside every source").sum())
    assert any(t.startswith("paraneoplastic share of incident cases: 94%") for t in text)


def test_sources_are_human_labels(seed_base, literature):
    for table in (seed_base, literature):
        assert not any(re.search(r"\d{3}_[0-9a-f]{16}", s) for s in table["sources"])


def test_any_age_profile_starts_in_childhood_not_infancy():
    t = le.expected_counts("seed-base", population="denmark-2013")
    young = t.groupby("age", observed=True)["expected_nonparaneoplastic"].sum()
    assert young[young.index < 5].sum() == 0
    assert young[(young.index >= 5) & (young.index < 18)].sum() > 0
    ev = le.evidence()
    row = ev[ev["evidence_id"] == "assumption-age-any-age-minimum"].iloc[0]
    assert row["kind"] == "assumption"
    assert np.isclose(row["value"], 5)


def test_calibration_report_states_the_departures():
    rep = le.calibration_report("seed-base")
    notes = rep.set_index("quantity")["note"]
    assert "outside every source (28%-91% in 14 sources" in notes["paraneoplastic_share_incident"]
    assert "outside every source" not in notes["prevalence"]
    assert "evidence_check" in rep.attrs
