"""Tests of lems_epi.sources.pooled: the evidence table's counts pooled per parameter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lems_epi as le
import lems_epi.sources as evidence_package
from lems_epi.sources import evidence, read_evidence
from lems_epi.sources.pooled import pooled_evidence, pooled_scenario
from lems_epi.sources.table import validate_evidence
from lems_epi.stats.contract import check_contract
from lems_epi.stats.meta_pooling import meta_analysis


@pytest.fixture(scope="module")
def pooled():
    return pooled_evidence()


def test_counts_in_the_table_match_the_literature_notes():
    """The counts quoted in shared/evidence/literature.md (issue 16), row by row."""
    t = evidence().set_index("evidence_id")
    expected = {
        "lit-titulaer2008-sclc-share-of-all": (54, 100), "lit-oneill1988-sclc-share-of-all":
        (21, 50), "lit-maddison2020-sclc-share-of-all": (44, 87),
        "lit-lipka2020-sclc-share-of-all": (81, 150), "lit-liu2019-sclc-share-of-all": (23, 50),
        "lit-wirtz2003-sclc-share-of-all": (7, 10), "lit-yoshikawa2022-sclc-share-of-all":
        (10, 30), "lit-elrington1991-lems-share-among-sclc": (2, 150),
        "lit-payne-lems-share-among-sclc": (2, 63), "lit-maddison-lang-lems-share-among-sclc":
        (4, 100), "lit-maddison2017-lems-share-among-sclc": (13, 313),
        "lit-wirtz2003-lems-share-among-sclc": (7, 1593),
        "lit-abenroth2017-prevalence-confirmed": (48, 12523409),
        "lit-abenroth2017-prevalence-probable": (57, 12523409)}
    for eid, (x, n) in expected.items():
        assert (t.loc[eid, "events"], t.loc[eid, "denominator"]) == (x, n), eid
    assert {t.loc[e, "cohort_group"] for e in ("lit-wirtz2003-sclc-share-of-all",
                                               "lit-titulaer2008-sclc-share-of-all",
                                               "lit-lipka2020-sclc-share-of-all")} == {
        "dutch-lems"}
    own = read_evidence(Path(evidence_package.__file__).parent / "evidence.csv")
    with_counts = own[own["events"].notna()]
    assert (with_counts["count_note"] != "").all()  # how each count was read or derived
    assert set(with_counts["denominator_unit"]) <= {"persons", "person_years"}
    assert (own["design"] != "").all()


def test_old_tables_without_the_new_columns_still_validate():
    old = evidence().drop(columns=["events", "denominator", "denominator_unit", "design",
                                   "cohort_group", "count_note"])
    out = validate_evidence(old)
    assert out["events"].isna().all()
    assert (out["design"] == "").all()


@pytest.mark.parametrize(("change", "match"), [
    ({"events": 5.0, "denominator": np.nan}, "together"),
    ({"events": 2.5, "denominator": 10.0, "denominator_unit": "persons"}, "whole numbers"),
    ({"events": 20.0, "denominator": 10.0, "denominator_unit": "persons"}, "more events"),
    ({"events": 2.0, "denominator": 10.0, "denominator_unit": "people"}, "denominator_unit"),
    ({"design": "anecdote"}, "unknown design"),
])
def test_bad_counts_are_refused(change, match):
    t = evidence()
    i = t.index[t["evidence_id"] == "lit-liu2019-onset-age-all"][0]
    for col, v in change.items():
        t.loc[i, col] = v
    with pytest.raises(ValueError, match=match):
        validate_evidence(t)


def test_one_row_per_parameter_with_studies_and_reasons(pooled):
    t = pooled.table
    check_contract(t)
    assert not t.duplicated(["parameter", "subset"]).any()
    assert (t["k"] >= 2).all()
    assert {"prevalence", "sclc_share_of_all", "paraneoplastic_share", "sclc_share",
            "lems_share_among_sclc"} <= set(t["parameter"])
    for _, row in t.iterrows():
        assert row["pi_lower"] <= row["lower"] + 1e-12
        assert row["pi_upper"] >= row["upper"] - 1e-12
    left = pooled.left_out_rows.set_index("evidence_id")
    # overlapping Dutch series: only the largest (Lipka 2020) is pooled
    assert "lit-lipka2020-sclc-share-of-all" in t.set_index("parameter").loc[
        "sclc_share_of_all", "studies"]
    for eid in ("lit-titulaer2008-sclc-share-of-all", "lit-wirtz2003-sclc-share-of-all"):
        assert "shares patients" in left.loc[eid, "reason"]
    assert "no counts" in left.loc["seed004-prevalence", "reason"]
    assert "not pooled" in left.loc["lit-drapkin2025-lems-share-among-sclc-claims", "reason"]


def test_prevalence_equals_a_direct_glmm_of_the_same_counts(pooled):
    """Independent check: the three prevalence studies fitted by hand with meta_analysis.

    Japan's estimated 348 (95% CI 247-449; prevalence 2.7, 1.9-3.5) enters as the count whose
    Poisson interval has the width of the published one: se = log(3.5/1.9)/(2 x 1.96).
    """
    se = np.log(3.5 / 1.9) / (2 * 1.959963984540054)
    eff = round(1 / se**2)
    d = pd.DataFrame({"events": [4, 48, eff],
                      "persons": [1.7e6, 12523409, 126.7e6 * eff / 348]})
    direct = meta_analysis(d, events="events", person_time="persons", measure="log-rate",
                           method="glmm", per=1e6).table.iloc[0]
    row = pooled.table.set_index("parameter").loc["prevalence"]
    assert row["estimate"] == pytest.approx(direct["estimate"], rel=1e-12)
    assert row["measure"] == "prevalence"
    assert row["per"] == 1e6
    assert 2.0 < row["estimate"] < 4.5


def test_options_change_the_selection():
    every = pooled_evidence(one_per_cohort=False, designs=("population-based",
                                                            "clinical-series", "claims-data"))
    t = every.table.set_index("parameter")
    assert t.loc["sclc_share_of_all", "k"] == 8
    assert "drapkin2025" in t.loc["lems_share_among_sclc", "studies"]
    dl = pooled_evidence(method="dl", test="knha").table
    assert (dl["method"] == "dl-knha").all()


def test_plot_draws_context_apart(pooled):
    fig = pooled.plot("prevalence")
    labels = list(fig.layout.yaxis.ticktext)
    assert "Context (not pooled)" in labels
    assert labels.index("Context (not pooled)") > labels.index("Prediction interval")
    with pytest.raises(ValueError, match="no pooled parameter"):
        pooled.plot("smoking_effect")
    assert "Pooled evidence" in str(pooled.summary())


def test_pooled_scenario_is_named_and_calibrated():
    s = le.Scenario.named("pooled")
    direct = pooled_scenario(le.Scenario.named("literature"))
    assert s.prevalence == direct.prevalence
    p = pooled_evidence().table.set_index("parameter")
    assert s.prevalence == pytest.approx(p.loc["prevalence", "estimate"] * 1e-6)
    assert s.sclc_share == pytest.approx(p.loc["sclc_share", "estimate"])
    assert "pooled" in set(le.scenarios()["name"])
    rep = le.calibration_report("pooled").set_index("quantity")
    assert abs(rep.loc["prevalence", "relative_error"]) < 1e-9
    assert "lit-abenroth2017-prevalence-confirmed" in rep.loc["prevalence", "source"]


# ---------------------------------------------------------------------------------------
# distributions fitted to the pooled evidence


@pytest.mark.parametrize("kind", ["logit-normal", "beta"])
def test_fitted_distributions_reproduce_estimate_and_prediction_interval(pooled, kind):
    """Median = pooled estimate (exact for log-/logit-normal) and 2.5%/97.5% = the PI."""
    from lems_epi.sensitivity.fitted import fitted_distributions

    d = fitted_distributions(kind, pooled=pooled)
    t = pooled.table.set_index("parameter")
    for name, factor in (("prevalence", 1e-6), ("paraneoplastic_share", 1.0),
                         ("sclc_share", 1.0)):
        lo, hi = t.loc[name, "pi_lower"] * factor, t.loc[name, "pi_upper"] * factor
        assert d[name].ppf(0.025) == pytest.approx(lo, rel=1e-6)
        assert d[name].ppf(0.975) == pytest.approx(hi, rel=1e-6)
        if kind == "logit-normal" or name == "prevalence":
            assert d[name].median() == pytest.approx(t.loc[name, "estimate"] * factor,
                                                     rel=1e-9)
        assert d[name].cdf(d[name].ppf(0.3)) == pytest.approx(0.3, abs=1e-9)


def test_fitted_distributions_feed_the_probabilistic_analysis():
    from lems_epi.sensitivity import probabilistic
    from lems_epi.sensitivity.fitted import fitted_distributions

    r = probabilistic("expected_cases", fitted_distributions(parameters=["prevalence"]), n=64,
                      base="pooled", rng=3)
    assert r.table["n"].iloc[0] == 64
    with pytest.raises(ValueError, match="no pooled evidence"):
        fitted_distributions(parameters=["duration_paraneoplastic"])


def test_fitted_distributions_feed_the_sobol_analysis():
    from lems_epi.sensitivity import sobol
    from lems_epi.sensitivity.fitted import fitted_distributions

    r = sobol("expected_cases", fitted_distributions(), n=64, base="pooled", rng=1,
              n_resamples=100)
    first = r.table[r.table["measure"] == "first_order"].set_index("parameter")["estimate"]
    assert set(first.index) == {"prevalence", "paraneoplastic_share", "sclc_share"}
    assert first["prevalence"] > 0.5  # the count scales with the prevalence alone
