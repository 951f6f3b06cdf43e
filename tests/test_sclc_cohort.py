"""Tests of simulate_sclc_cohort: an SCLC cohort with and without LEMS for net survival.

Each statistical check states its false-alarm rate (limits of z = 4 standard errors: 6e-5 per
two-sided check).
"""

import math

import numpy as np
import pandas as pd
import pytest

from lems_epi import Scenario, net_survival
from lems_epi.simulate.sclc_cohort import GROUPS, background_death_age, simulate_sclc_cohort
from lems_epi.stats.survival import median_survival

Z = 4.0


@pytest.fixture(scope="module")
def cohort():
    return simulate_sclc_cohort("seed-base", n_lems=4000, n_without=8000, rng=20240602)


def test_layout_and_reproducible(cohort):
    assert list(cohort.columns) == ["patient_id", "group", "lems", "sex", "smoking", "age",
                                    "diagnosis", "diagnosis_date", "duration", "dead", "cause"]
    assert cohort["group"].value_counts().to_dict() == {GROUPS[1]: 8000, GROUPS[0]: 4000}
    assert (cohort["duration"] > 0).all()
    close = cohort.attrs["close"]
    assert np.all(cohort["diagnosis"] + cohort["duration"] <= close + 1e-9)
    alive = cohort["dead"] == 0
    np.testing.assert_allclose(cohort.loc[alive, "diagnosis"] + cohort.loc[alive, "duration"],
                               close)
    assert cohort.loc[alive, "cause"].isna().all()
    assert cohort.loc[~alive, "cause"].notna().all()
    assert (cohort["diagnosis_date"].dt.year == np.floor(cohort["diagnosis"])).all()
    again = simulate_sclc_cohort("seed-base", n_lems=4000, n_without=8000, rng=20240602)
    pd.testing.assert_frame_equal(cohort, again)


def test_medians_and_ages_follow_the_scenario(cohort):
    """Cancer deaths alone (other causes censored) have the scenario's medians: 17 months with
    LEMS (duration_paraneoplastic x ln 2), 7 without; the median of an exponential sample has
    SE about median / sqrt(events) (z = 4)."""
    scen = Scenario.named("seed-base")
    expect = {GROUPS[0]: scen.duration_paraneoplastic * math.log(2), GROUPS[1]: 7 / 12}
    assert cohort.attrs["median_net_survival"] == pytest.approx(expect)
    cancer = cohort.assign(event=(cohort["cause"] == "cancer").astype(int))
    med = median_survival(cancer, duration="duration", event="event", by="group")
    for _, row in med.iterrows():
        target = expect[row["group"]]
        assert abs(row["estimate"] - target) < Z * target / math.sqrt(row["events"])
    ages = cohort.groupby("group")["age"].mean()
    assert ages[GROUPS[0]] < ages[GROUPS[1]]  # LEMS patients are younger (58.7 + delay)
    assert (cohort.loc[~cohort["lems"], "age"] >= 40).all()
    assert 0.02 < cohort.attrs["lems_share_model"] < 0.04


def test_net_survival_recovers_the_excess_hazard(cohort):
    """Pohar-Perme on the simulated cohort covers exp(-excess t) at 1 and 2 years (z = 4 on
    the log scale; 4 checks)."""
    r = net_survival(cohort, duration="duration", event="dead", age="age", sex="sex",
                     year="diagnosis", by="group", times=[1, 2], integration="exact")
    est = r.table[r.table["measure"] == "net_survival"]
    for _, row in est.iterrows():
        truth = math.exp(-cohort.attrs["excess_hazard"][row["group"]] * row["time"])
        assert abs(math.log(row["estimate"] / truth)) < Z * row["std_err"]


def test_all_cause_option():
    c = simulate_sclc_cohort(n_lems=50, n_without=50, rng=3, hazard="all-cause")
    assert c["cause"].isna().all()
    assert c.attrs["excess_hazard"] is None
    assert "median_survival" in c.attrs


def test_background_death_age_matches_life_table():
    """At age 60 (female), the one-year death probability is 1 - exp(-h60) (z = 4)."""
    from lems_epi import life_table

    h = float(life_table().query("sex == 'female' and age == 60")["hazard"].iloc[0])
    n = 400_000
    a = background_death_age(np.full(n, 60.0), np.zeros(n, int), np.random.default_rng(9))
    p = 1 - math.exp(-h)
    assert abs((a < 61).mean() - p) < Z * math.sqrt(p * (1 - p) / n)
    assert (a > 60).all()


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"n_lems": -1}, ValueError), ({"n_without": 2.5}, TypeError),
    ({"years": 0}, ValueError), ({"hazard": "net"}, ValueError),
    ({"sclc_median_survival": float("nan")}, TypeError),
])
def test_bad_arguments(kwargs, error):
    with pytest.raises(error, match="simulate_sclc_cohort"):
        simulate_sclc_cohort(**kwargs)
