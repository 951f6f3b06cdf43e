"""Tests of simulate_followup: a stationary population in which P = I x D holds.

LEMS is rare, so the scenario's prevalence is raised to 1e-3 and one cohort of 10^6 persons is
followed for 10 years (built once per module). Each statistical check states its false-alarm
rate: limits are z standard errors with z = 4.4 (two-sided 1.1e-5 per check; with at most nine
checks in this file the family-wise rate stays below 1e-4).
"""

import math

import numpy as np
import pandas as pd
import pytest

from lems_epi import Scenario, simulate_followup, split_person_time
from lems_epi.simulate.incidence import onset_rates, stationary_population
from lems_epi.stats.pid import point_prevalence, prevalence_incidence_duration
from lems_epi.stats.survival import median_survival

Z = 4.4
START, YEARS, N = 2020.0, 10.0, 1_000_000
SCEN = Scenario.named("seed-base").replace(prevalence=1e-3)


@pytest.fixture(scope="module")
def cohort():
    return simulate_followup(SCEN, n=N, start=START, years=YEARS, rng=20240601)


def test_columns_and_times(cohort):
    f = cohort
    for col in ["person_id", "sex", "birth", "smoking", "entry", "exit", "exit_reason",
                "lems_onset", "lems_type", "cancer", "sclc_diagnosis", "death"]:
        assert col in f.columns
    assert (f["exit"] >= f["entry"]).all()
    assert (f["entry"] >= f["birth"]).all()
    assert (f["exit"] <= START + YEARS).all()
    dead = f["exit_reason"] == "death"
    assert np.array_equal(dead.to_numpy(), f["death"].notna().to_numpy())
    assert np.allclose(f.loc[dead, "exit"], f.loc[dead, "death"])
    # an onset never follows death; SCLC is never diagnosed after exit
    assert not (f["lems_onset"] > f["exit"]).any()
    assert not (f["sclc_diagnosis"] > f["exit"]).any()
    # onset before start only for prevalent cases, who are alive at start
    prevalent = f["lems_onset"] < START
    assert (f.loc[prevalent, "entry"] == START).all()


def test_point_prevalence_stays_at_scenario(cohort):
    """Binomial limits around the scenario's prevalence by type at three dates (6 checks)."""
    targets = {"paraneoplastic": SCEN.prevalence * SCEN.paraneoplastic_share_prevalent,
               "nonparaneoplastic": SCEN.prevalence * (1 - SCEN.paraneoplastic_share_prevalent)}
    pp = point_prevalence(cohort, at=[START, START + YEARS / 2, START + YEARS - 1e-6])
    for _, row in pp[pp["lems_type"] != "all"].iterrows():
        p = targets[row["lems_type"]]
        expected = row["population"] * p
        assert abs(row["cases"] - expected) <= Z * math.sqrt(expected), row.to_dict()


def test_size_stays(cohort):
    """Births replace deaths: alive count at the end within Poisson limits of n."""
    alive_end = int((cohort["exit_reason"] == "end").sum())
    births = int((cohort["entry"] > START).sum())
    sd = math.sqrt(2 * births)  # births and deaths, each Poisson-like
    assert abs(alive_end - N) <= Z * sd


def test_prevalence_equals_incidence_times_duration(cohort):
    """prevalence_ratio near 1 by type: sd(log ratio) <= sqrt(1/onsets + 1/cases at start)."""
    pid = prevalence_incidence_duration(cohort).set_index("lems_type")
    start_cases = point_prevalence(cohort, at=START).set_index("lems_type")["cases"]
    for t in ("paraneoplastic", "nonparaneoplastic"):
        sd = math.sqrt(1 / pid.loc[t, "onsets"] + 1 / start_cases[t])
        assert abs(math.log(pid.loc[t, "prevalence_ratio"])) <= Z * sd, pid.loc[t].to_dict()
        assert pid.loc[t, "duration"] == getattr(SCEN, f"duration_{t}")


def test_shares_incident_and_prevalent(cohort):
    """Paraneoplastic share among onsets and among cases at start: binomial limits."""
    pid = prevalence_incidence_duration(cohort).set_index("lems_type")
    onsets = pid["onsets"].sum()
    s_inc = SCEN.paraneoplastic_share_incident
    assert abs(pid.loc["paraneoplastic", "share_incident"] - s_inc) \
        <= Z * math.sqrt(s_inc * (1 - s_inc) / onsets)
    pp = point_prevalence(cohort, at=START).set_index("lems_type")["cases"]
    s_prev = SCEN.paraneoplastic_share_prevalent
    share = pp["paraneoplastic"] / pp["all"]
    assert abs(share - s_prev) <= Z * math.sqrt(s_prev * (1 - s_prev) / pp["all"])
    # the model's own conversion between the two shares
    dp, dn = SCEN.duration_paraneoplastic, SCEN.duration_nonparaneoplastic
    assert s_prev == pytest.approx(s_inc * dp / (s_inc * dp + (1 - s_inc) * dn), rel=1e-12)


def test_km_median_survival_agrees_with_scenario(cohort):
    """Median survival from SCLC diagnosis (diagnosed during follow-up): the interval at
    level 1 - 1e-5 contains the scenario's median D_p ln 2 (17 months) with LEMS and the
    7 months assumed without."""
    f = cohort[cohort["sclc_diagnosis"] >= START].copy()
    f["time"] = f["exit"] - f["sclc_diagnosis"]
    f["dead"] = (f["exit_reason"] == "death").astype(int)
    f["lems"] = np.where(f["lems_type"].notna(), "with", "without")
    med = median_survival(f, "time", "dead", by="lems", conf_level=1 - 1e-5).set_index("lems")
    truth = {"with": SCEN.duration_paraneoplastic * math.log(2), "without": 7 / 12}
    assert truth["with"] * 12 == pytest.approx(17.0, abs=0.05)
    for g, m in truth.items():
        assert med.loc[g, "lower"] <= m <= med.loc[g, "upper"], med.loc[g].to_dict()
        assert med.loc[g, "events"] > 100


def test_person_time_equals_follow_up(cohort):
    f = cohort.iloc[:200_000]
    split = split_person_time(f[["entry", "exit", "birth"]], "entry", "exit", "birth",
                              age_breaks=[0, 20, 40, 60, 80], period_breaks=[2020, 2025])
    assert split["person_time"].sum() == pytest.approx((f["exit"] - f["entry"]).sum(),
                                                       rel=1e-12)


def test_stationary_structure():
    st = stationary_population()
    assert st["share"].sum() == pytest.approx(1.0, abs=1e-12)
    # the stationary population has as many person-years per birth as the life expectancy
    e0 = st.attrs["life_expectancy_by_sex"]
    assert 80 < e0["female"] < 87
    assert 74 < e0["male"] < 81
    r = onset_rates(SCEN)
    for t, target in (("paraneoplastic", 0.55e-3), ("nonparaneoplastic", 0.45e-3)):
        assert (r["share"] * r[f"prevalence_{t}"]).sum() == pytest.approx(target, rel=1e-10)


def test_same_rng_same_result():
    a = simulate_followup(SCEN, n=5_000, years=3, rng=5)
    b = simulate_followup(SCEN, n=5_000, years=3, rng=5)
    pd.testing.assert_frame_equal(a, b)
    c = simulate_followup(SCEN, n=5_000, years=3, rng=6)
    assert not a["birth"].equals(c["birth"])


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n": 0}, "'n'"), ({"years": 0}, "'years'"), ({"n": 2.5}, "'n'"),
    ({"sclc_rate": -1.0}, "'sclc_rate'"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_followup(SCEN, **{"n": 100, **kwargs})


def test_bad_scenario_and_rng():
    with pytest.raises(TypeError, match="scenario"):
        simulate_followup(3.0, n=10)
    with pytest.raises(TypeError, match="rng"):
        simulate_followup(SCEN, n=10, rng="seed")
