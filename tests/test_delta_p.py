"""Tests of the LEMS screening layer: test characteristics, the DELTA-P model and synthetic
patients, and the screening evidence rows."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import lems_epi as le
from lems_epi.screening import PRETEST_SETTINGS, TestCharacteristics, screening_characteristics
from lems_epi.simulate.delta_p import (
    DELTA_P_ITEMS,
    delta_p_calibration,
    delta_p_model,
    delta_p_score,
    simulate_delta_p,
)
from lems_epi.sources import evidence

SOURCES = ("titulaer2011", "maddison2020")


# ------------------------------------------------------------------ evidence rows

def test_screening_evidence_rows_are_shipped_and_sourced():
    """The published figures of literature.md sections 9 and 11 (READ rows) are in the table."""
    t = evidence().set_index("evidence_id")
    assert t.loc["lit-zalewski2016-vgcc-healthy-controls", "value"] == 0.017
    assert t.loc["lit-zalewski2016-vgcc-neurological", "value"] == 0.034
    assert t.loc["lit-zalewski2016-vgcc-lung-cancer", "value"] == 0.04
    assert t.loc["lit-titulaer2009-sox-sensitivity", "value"] == 0.67
    assert t.loc["lit-titulaer2009-sox-specificity", "value"] == 0.95
    assert t.loc["lit-maddison2012-sox2-sensitivity", "events"] == 39
    titulaer = [t.loc[f"lit-titulaer2011-delta-p-{s}", "value"] for s in (0, 1, 4, 5, 6)]
    assert titulaer == [0.0, 0.026, 0.935, 0.966, 1.0]
    maddison = [t.loc[f"lit-maddison2020-delta-p-{s}", "value"] for s in range(7)]
    assert maddison == [0.0, 0.188, 0.45, 0.555, 0.857, 0.875, 1.0]
    auc = t.loc["lit-maddison2020-delta-p-auc"]
    assert (auc["value"], auc["low"], auc["high"]) == (0.825, 0.739, 0.91)
    assert t.loc["lit-titulaer2011-delta-p-auc-derivation", "value"] == 0.944
    screening = t[t["parameter"].str.contains("delta_p|sox_|vgcc_positive_controls")]
    assert set(screening["status"]) == {"READ", "ASSUMPTION"}
    assumed = screening[screening["status"] == "ASSUMPTION"]
    assert sorted(assumed.index) == ["assumption-titulaer2011-delta-p-2",
                                     "assumption-titulaer2011-delta-p-3"]


def test_titulaer_scores_2_and_3_are_logit_interpolated():
    """The assumption rows: linear on the logit scale between scores 1 (2.6%) and 4 (93.5%)."""
    def logit(p):
        return np.log(p / (1 - p))

    step = (logit(0.935) - logit(0.026)) / 3
    expected = [1 / (1 + np.exp(-(logit(0.026) + k * step))) for k in (1, 2)]
    p, _ = delta_p_calibration("titulaer2011")
    assert_allclose(p[2:4], expected, atol=5e-4)


# ------------------------------------------------------------------ test characteristics

def test_screening_characteristics_from_scenario_and_evidence():
    tc = screening_characteristics("literature", delta_p_source="maddison2020")
    s = le.Scenario.named("literature")
    assert tc.vgcc_sensitivity_paraneoplastic == s.vgcc_positive_paraneoplastic
    assert tc.vgcc_sensitivity_nonparaneoplastic == s.vgcc_positive_nonparaneoplastic
    assert dict(tc.vgcc_false_positive) == {"general population": 0.017,
                                            "neurology clinic": 0.034, "lung cancer": 0.04}
    assert tc.sources["sox_sensitivity"] == "lit-titulaer2009-sox-sensitivity"
    with pytest.raises(TypeError):
        tc.vgcc_false_positive["x"] = 0.1  # frozen


def test_vgcc_ppv_by_bayes_rule():
    """PPV = Se p / (Se p + FPR (1 - p)), written out here for the three settings."""
    tc = TestCharacteristics()
    for setting, (prev, _, fp_key) in PRETEST_SETTINGS.items():
        se = 1.0 if setting == "SCLC patients" else 0.5 * 1.0 + 0.5 * 0.91
        fpr = tc.vgcc_false_positive[fp_key]
        assert_allclose(tc.vgcc_ppv(setting), se * prev / (se * prev + fpr * (1 - prev)),
                        rtol=1e-12)
    ppv = tc.vgcc_ppv("general population")
    assert 6000 < 1 / ppv < 7500  # about one positive in 7,000 has LEMS (issue 15)


@pytest.mark.parametrize(("changes", "error"), [
    ({"sox_sensitivity": 67}, ValueError),
    ({"sox_specificity": "high"}, TypeError),
    ({"delta_p_source": "wirtz"}, ValueError),
    ({"vgcc_false_positive": {"healthy": 1.7}}, ValueError),
])
def test_characteristics_validation(changes, error):
    with pytest.raises(error):
        TestCharacteristics(**changes)


# ------------------------------------------------------------------ the DELTA-P model

@pytest.mark.parametrize("source", SOURCES)
def test_model_reproduces_source_at_its_own_share(source):
    p, share = delta_p_calibration(source)
    m = delta_p_model(source)
    assert_allclose(m["p_sclc"], p, atol=1e-12)
    for col in ("f_sclc", "f_non_sclc"):
        assert (m[col] >= 0).all()
        assert_allclose(m[col].sum(), 1.0, rtol=1e-12)
    assert m["sclc_share"].iloc[0] == share


@pytest.mark.parametrize("source", SOURCES)
def test_bayes_rule_at_another_share(source):
    """The likelihood ratio of each score (posterior odds over prior odds) does not depend
    on the SCLC share; a lower share lowers every probability between 0 and 1."""
    a = delta_p_model(source)
    b = delta_p_model(source, sclc_share=0.2)
    inner = slice(1, 6)
    odds = lambda p: p / (1 - p)  # noqa: E731
    lr_a = odds(a["p_sclc"][inner]) / odds(a["sclc_share"][0])
    lr_b = odds(b["p_sclc"][inner]) / odds(0.2)
    assert_allclose(lr_a, lr_b, rtol=1e-10)
    assert (b["p_sclc"][inner] < a["p_sclc"][inner]).all()
    assert b["p_sclc"].iloc[6] == 1.0
    with pytest.raises(ValueError, match="strictly between"):
        delta_p_model(source, sclc_share=1.0)


def test_model_auc_near_published():
    """The implied AUCs (assumption SCLC_ITEM_PROBABILITY) land near the published ones."""
    assert abs(delta_p_model("titulaer2011").attrs["auc"] - 0.944) < 0.01
    assert abs(delta_p_model("maddison2020").attrs["auc"] - 0.825) < 0.01


# ------------------------------------------------------------------ synthetic patients

def test_delta_p_score_from_items():
    items = pd.DataFrame({c: [True, False] for c in DELTA_P_ITEMS})
    assert delta_p_score(items).tolist() == [6, 0]
    assert delta_p_score(bulbar=1, weight_loss=True, karnofsky_below_70=[1, 0]).tolist() == [3, 2]
    with pytest.raises(TypeError, match="unknown item"):
        delta_p_score(dysphagia=True)


@pytest.mark.parametrize("source", SOURCES)
def test_simulated_patients_follow_the_source(source):
    """200,000 synthetic patients at the source's own SCLC share: the share with SCLC at each
    score matches the source within 5 standard errors (false-alarm probability below 1e-5
    over the seven scores)."""
    p, share = delta_p_calibration(source)
    gen = np.random.default_rng(15)
    cases = pd.DataFrame({"sclc": gen.random(200_000) < share})
    tc = screening_characteristics(delta_p_source=source)
    out = simulate_delta_p(cases, characteristics=tc, rng=gen)
    assert (out["delta_p_score"] == delta_p_score(out)).all()
    by_score = out.groupby("delta_p_score")["sclc"].agg(["mean", "size"])
    for s, row in by_score.iterrows():
        se = np.sqrt(max(p[s] * (1 - p[s]), 1e-6) / row["size"])
        assert abs(row["mean"] - p[s]) < 5 * se + 1e-9, (s, row["mean"], p[s])
    assert out.attrs["delta_p_source"] == source


def test_simulated_cohort_cases_are_consistent():
    """On simulate_cohort's cases: women have no erectile-dysfunction item, the score is the
    item count, the cohort's own VGCC results are kept, SOX follows the characteristics."""
    s = le.Scenario.named("literature").replace(prevalence=0.02)
    cohort = le.simulate_cohort(s, 20_000, rng=4)
    cases = cohort[cohort["lems"]]
    out = simulate_delta_p(cases, rng=5)
    women = out["sex"].astype(object) == "female"
    assert not out.loc[women, "delta_p_erectile_dysfunction"].any()
    assert (out.loc[women, "delta_p_score"] <= 5).all()
    assert (out["delta_p_score"] == delta_p_score(out)).all()
    assert out["vgcc_antibody"].tolist() == cases["vgcc_antibody"].astype(bool).tolist()
    assert out["sox_antibody"].dtype == bool
    assert out["sclc"].tolist() == (cases["cancer"].astype(object) == "sclc").tolist()
    old = out["onset_age"] >= 50
    assert out.loc[old, "delta_p_age_50"].mean() > out.loc[~old, "delta_p_age_50"].mean()


def test_simulated_auc_and_roc(rng):
    """DELTA-P on synthetic patients scored by roc_curve: the AUC's DeLong interval holds the
    model's AUC (a 99.9% interval, so a false alarm has probability about 1e-3)."""
    p, share = delta_p_calibration("maddison2020")
    cases = pd.DataFrame({"sclc": rng.random(2_000) < share})
    out = simulate_delta_p(cases, characteristics=screening_characteristics(
        delta_p_source="maddison2020"), rng=rng)
    res = le.roc_curve(out.assign(y=out["sclc"].astype(int)), "delta_p_score", "y",
                       conf_level=0.999)
    row = res.table.iloc[0]
    assert row["lower"] <= delta_p_model("maddison2020").attrs["auc"] <= row["upper"]


def test_simulate_delta_p_bad_input():
    with pytest.raises(ValueError, match="'sclc' column"):
        simulate_delta_p(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="DataFrame"):
        simulate_delta_p([1, 2])
