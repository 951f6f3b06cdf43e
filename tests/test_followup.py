"""Tests of simulate_followup: an open population in which P = I x D holds.

LEMS is rare, so the scenario's prevalence is raised to 1e-3 and one cohort of 10^6 persons is
followed for 10 years per population structure (built once per module). Each statistical check
states its false-alarm rate: limits are z standard errors with z = 4.4 (two-sided 1.1e-5 per
check; with 22 such checks in this file the family-wise rate stays below 2.5e-4).
"""

import math

import numpy as np
import pandas as pd
import pytest

from lems_epi import Scenario, simulate_followup, split_person_time
from lems_epi.simulate.followup import _allocate, age_sex_distance
from lems_epi.simulate.incidence import onset_rates, reference_structure, stationary_population
from lems_epi.stats.prevalence import point_prevalence, prevalence_incidence_duration
from lems_epi.stats.survival import median_survival

Z = 4.4
START, YEARS, N = 2020.0, 10.0, 1_000_000
SCEN = Scenario.named("seed-base").replace(prevalence=1e-3)


@pytest.fixture(scope="module")
def cohort():
    return simulate_followup(SCEN, n=N, start=START, years=YEARS, rng=20240601)


@pytest.fixture(scope="module")
def ref_cohort():
    return simulate_followup(SCEN, n=N, start=START, years=YEARS, rng=20240602,
                             structure="reference")


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
        expected = row["n"] * p
        assert abs(row["events"] - expected) <= Z * math.sqrt(expected), row.to_dict()


def test_size_stays(cohort):
    """Births replace deaths: alive count at the end within Poisson limits of n."""
    alive_end = int((cohort["exit_reason"] == "end").sum())
    births = int((cohort["entry"] > START).sum())
    sd = math.sqrt(2 * births)  # births and deaths, each Poisson-like
    assert abs(alive_end - N) <= Z * sd


def test_prevalence_equals_incidence_times_duration(cohort):
    """prevalence_ratio near 1 by type: sd(log ratio) <= sqrt(1/onsets + 1/cases at start)."""
    pid = prevalence_incidence_duration(cohort).set_index("lems_type")
    start_cases = point_prevalence(cohort, at=START).set_index("lems_type")["events"]
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
    pp = point_prevalence(cohort, at=START).set_index("lems_type")["events"]
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
    med = median_survival(f, duration="time", event="dead", by="lems",
                          conf_level=1 - 1e-5).set_index("lems")
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


@pytest.mark.parametrize("structure", ["stationary", "reference"])
def test_same_rng_same_result(structure):
    a = simulate_followup(SCEN, n=5_000, years=3, rng=5, structure=structure)
    b = simulate_followup(SCEN, n=5_000, years=3, rng=5, structure=structure)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == b.attrs
    c = simulate_followup(SCEN, n=5_000, years=3, rng=6, structure=structure)
    assert not a["birth"].equals(c["birth"])


# --- structure="reference": the reference population's age x sex structure, deaths replaced


def _expected_prevalence(f, at):
    """Crude prevalence by type implied by the model's stratum case probabilities (rescaled to
    the reference structure) applied to the simulated age x sex structure at ``at``."""
    r = onset_rates(SCEN, structure="reference")
    g = r.assign(pp=r["share"] * r["prevalence_paraneoplastic"],
                 pn=r["share"] * r["prevalence_nonparaneoplastic"]) \
        .groupby(["sex", "age"], observed=True)[["share", "pp", "pn"]].sum()
    alive = f[(f["entry"] <= at) & (f["exit"] > at)]
    age = np.minimum(np.floor(at - alive["birth"]).astype(int), 110)
    w = pd.Series(1.0, index=pd.MultiIndex.from_arrays(
        [alive["sex"].astype(str).to_numpy(), age.to_numpy()], names=["sex", "age"])) \
        .groupby(level=[0, 1]).sum() / len(alive)
    g = g.reindex(w.index)
    return {"paraneoplastic": float((w * g["pp"] / g["share"]).sum()),
            "nonparaneoplastic": float((w * g["pn"] / g["share"]).sum())}


def test_reference_size_exact(ref_cohort):
    """Each death is replaced at its time: exactly n persons at any moment."""
    f = ref_cohort
    for at in (START, START + 0.37, START + 5.5, START + YEARS - 1e-6):
        assert int(((f["entry"] <= at) & (f["exit"] > at)).sum()) == N
    entrants = f[f["entry"] > START]
    assert len(entrants) == int((f["exit_reason"] == "death").sum())
    assert entrants["lems_onset"].lt(entrants["entry"]).sum() == 0  # enter free of LEMS
    born = np.isclose(entrants["entry"], entrants["birth"])
    assert 0.5 < born.mean() < 1.0  # mostly births, some entrants at older ages


def test_reference_structure_drift_bounded(ref_cohort):
    """Total variation distance to Denmark 2013 by sex x single year of age.

    At start only sampling (10^6 draws over 200 cells: about 0.0056, bound 0.01). Afterwards
    the structure drifts because the cohorts above their target cannot shrink except by
    death; measured 0.048 at +5 and 0.069 at +10 years (bound 0.09); the stationary cohort is
    at about 0.064 from the reference throughout.
    """
    d = age_sex_distance(ref_cohort, at=[START, START + 5, START + YEARS - 1e-6])["distance"]
    assert d.iloc[0] < 0.01
    assert 0.02 < d.iloc[1] < d.iloc[2] < 0.09


def test_reference_structure_is_the_population():
    rs = reference_structure("denmark-2013")
    from lems_epi import population

    pop = population("denmark-2013")
    top = rs.attrs["top_age"]
    assert rs.attrs["size"] == pytest.approx(float(pop["population"].sum()))
    at60 = rs[(rs["age"] == 60) & (rs["sex"] == "female")]["share"].iloc[0]
    pop60 = pop[(pop["age"] == 60) & (pop["sex"] == "female")]["population"].iloc[0]
    assert at60 == pytest.approx(pop60 / pop["population"].sum(), rel=1e-12)
    old = rs[rs["age"] >= top].groupby("sex", observed=True)["share"].sum()
    pop_old = pop[pop["age"] == top].set_index("sex")["population"] / pop["population"].sum()
    for sx in ("female", "male"):
        assert old[sx] == pytest.approx(pop_old[sx], rel=1e-12)


def test_reference_prevalence_follows_structure(ref_cohort):
    """Binomial limits around the prevalence the model's stratum risks imply for the simulated
    structure, by type at three dates (6 checks); at start that is the scenario's."""
    pp = point_prevalence(ref_cohort, at=[START, START + 5, START + YEARS - 1e-6])
    for at, part in pp[pp["lems_type"] != "all"].groupby("at"):
        exp = _expected_prevalence(ref_cohort, at)
        for _, row in part.iterrows():
            expected = row["n"] * exp[row["lems_type"]]
            assert abs(row["events"] - expected) <= Z * math.sqrt(expected), row.to_dict()
    start = _expected_prevalence(ref_cohort, START)
    assert start["paraneoplastic"] == pytest.approx(0.55e-3, rel=0.02)
    assert start["nonparaneoplastic"] == pytest.approx(0.45e-3, rel=0.02)
    # the ageing moves the implied paraneoplastic prevalence up (+3.6% measured at 10 years)
    late = _expected_prevalence(ref_cohort, START + YEARS - 1e-6)
    assert 1.01 < late["paraneoplastic"] / start["paraneoplastic"] < 1.06


def test_reference_prevalence_equals_incidence_times_duration(ref_cohort):
    """Entrants arrive free of LEMS, yet P = I x D holds: sd(log ratio) as for stationary."""
    pid = prevalence_incidence_duration(ref_cohort).set_index("lems_type")
    start_cases = point_prevalence(ref_cohort, at=START).set_index("lems_type")["events"]
    for t in ("paraneoplastic", "nonparaneoplastic"):
        sd = math.sqrt(1 / pid.loc[t, "onsets"] + 1 / start_cases[t])
        assert abs(math.log(pid.loc[t, "prevalence_ratio"])) <= Z * sd, pid.loc[t].to_dict()
    assert ref_cohort.attrs["structure"] == "reference"


def _greedy(deficit, m):
    d = deficit.astype(float).copy()
    x = np.zeros(d.size, np.int64)
    for _ in range(m):
        c = int(np.argmax(d))
        x[c] += 1
        d[c] -= 1
    return x


@pytest.mark.parametrize("seed", range(5))
def test_allocate_is_the_greedy_rule(seed):
    gen = np.random.default_rng(seed)
    deficit = gen.normal(0, 20, size=50) + gen.random(50)
    m = int(gen.integers(1, 200))
    x = _allocate(deficit, m)
    assert x.sum() == m
    assert (x >= 0).all()
    # same counts as one-at-a-time greedy (ties aside, equal remaining deficits)
    g = _greedy(deficit, m)
    assert np.array_equal(np.sort(deficit - x), np.sort(deficit - g))


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"n": 0}, ValueError, "'n' must be at least 1"), ({"years": 0}, ValueError, "'years'"),
    ({"n": 2.5}, TypeError, "'n' must be a whole number"),
    ({"sclc_rate": -1.0}, ValueError, "'sclc_rate'"),
    ({"structure": "denmark"}, ValueError, "'structure'"),
])
def test_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_followup(SCEN, **{"n": 100, **kwargs})


def test_bad_scenario_and_rng():
    with pytest.raises(TypeError, match="scenario"):
        simulate_followup(3.0, n=10)
    with pytest.raises(TypeError, match="rng"):
        simulate_followup(SCEN, n=10, rng="seed")
