"""Tests of lems_epi.simulate.case_control (sample_case_control, simulate_case_control).

The statistical test: an unmatched sample of m controls drawn without replacement from N0
non-cases of which K smoke holds a hypergeometric number of smokers; the exact two-sided test
(doubled smaller tail) has a false-alarm rate of at most ALPHA = 1e-4.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lems_epi import Scenario
from lems_epi.simulate.case_control import sample_case_control, simulate_case_control
from lems_epi.simulate.cohort import simulate_cohort

ALPHA = 1e-4


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.named("seed-base").replace(prevalence=0.005)


@pytest.fixture(scope="module")
def cohort(scenario) -> pd.DataFrame:
    return simulate_cohort(scenario, 200_000, rng=777)


def test_unmatched_sample(cohort):
    cc = sample_case_control(cohort, controls_per_case=4, rng=1)
    n_cases = int(cohort["lems"].sum())
    assert n_cases > 500
    assert list(cc.columns) == [*cohort.columns, "case", "weight", "match_set"]
    assert cc["case"].sum() == n_cases
    assert (~cc["case"]).sum() == 4 * n_cases
    assert (cc["case"] == cc["lems"]).all()
    assert cc["person_id"].is_unique
    assert set(cc.loc[cc["case"], "person_id"]) == set(cohort.loc[cohort["lems"], "person_id"])
    # the rows are the cohort's rows
    back = cohort.iloc[cc["person_id"].to_numpy()].reset_index(drop=True)
    assert back.equals(cc[list(cohort.columns)])
    # weights: 1 for cases, N0 / m for controls; weighted counts reproduce the cohort
    n0 = len(cohort) - n_cases
    assert (cc.loc[cc["case"], "weight"] == 1).all()
    assert np.allclose(cc.loc[~cc["case"], "weight"], n0 / (4 * n_cases), rtol=1e-15)
    assert cc["weight"].sum() == pytest.approx(len(cohort), rel=1e-12)
    assert (cc["match_set"] == 0).all()
    assert cc.attrs["design"] == "unmatched"
    assert cc.attrs["controls_per_case"] == 4


def test_controls_are_a_simple_random_sample(cohort):
    """Smokers among controls: exact hypergeometric two-sided test at 1e-4."""
    cc = sample_case_control(cohort, controls_per_case=4, rng=2)
    noncases = cohort[~cohort["lems"]]
    controls = cc[~cc["case"]]
    k = int((controls["smoking"] != "never").sum())
    dist = stats.hypergeom(len(noncases), int((noncases["smoking"] != "never").sum()),
                           len(controls))
    assert 2 * min(dist.cdf(k), dist.sf(k - 1)) > ALPHA


def test_matched_sample(cohort):
    keys = ["sex", "age"]
    cc = sample_case_control(cohort, controls_per_case=3, matched_on=keys, rng=3)
    n_cases = int(cohort["lems"].sum())
    assert cc["match_set"].nunique() == n_cases
    assert cc["person_id"].is_unique
    sets = cc.groupby("match_set")
    assert (sets.size() == 4).all()
    assert (sets["case"].sum() == 1).all()
    assert (sets[keys].nunique() == 1).all().all()  # every set shares sex and age
    # in each stratum the control weights add up to the stratum's non-cases, exactly
    noncases = cohort[~cohort["lems"]].groupby(keys, observed=True).size()
    w = cc[~cc["case"]].groupby(keys, observed=True)["weight"].sum()
    assert np.allclose(w.to_numpy(), noncases.loc[w.index].to_numpy(), rtol=1e-12)
    # rows come ordered by set, case first
    first = cc.groupby("match_set").head(1)
    assert first["case"].all()
    assert cc["match_set"].is_monotonic_increasing


def test_matching_refuses_too_few_controls(scenario):
    cohort = simulate_cohort(scenario.replace(prevalence=0.05), 2000, rng=4)
    assert cohort["lems"].sum() > 40
    with pytest.raises(ValueError, match=r"matching strata have fewer than 30 non-cases per case"):
        sample_case_control(cohort, controls_per_case=30, matched_on=["sex", "age"], rng=1)
    with pytest.raises(ValueError, match="need .* controls but the cohort has only"):
        sample_case_control(cohort, controls_per_case=60, rng=1)


def test_no_cases_refused(scenario):
    cohort = simulate_cohort(scenario, 50, rng=5)
    cohort["lems"] = False
    with pytest.raises(ValueError, match="has no case"):
        sample_case_control(cohort, rng=1)


def test_same_rng_identical_different_rng_different(cohort):
    a = sample_case_control(cohort, rng=10)
    assert a.equals(sample_case_control(cohort, rng=10))
    assert not a.equals(sample_case_control(cohort, rng=11))


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"controls_per_case": 0}, ValueError, "'controls_per_case' must be at least 1"),
    ({"controls_per_case": 2.5}, TypeError, "'controls_per_case' must be a whole number"),
    ({"matched_on": 5}, TypeError, "'matched_on'"),
    ({"matched_on": ["sex", "height"]}, ValueError, "height"),
    ({"outcome": "smoking"}, TypeError, "must be boolean"),
    ({"rng": -3}, ValueError, "'rng'"),
])
def test_bad_arguments(cohort, kwargs, error, match):
    with pytest.raises(error, match=match):
        sample_case_control(cohort, **kwargs)


def test_not_a_frame():
    with pytest.raises(TypeError, match="'cohort' must be a pandas DataFrame"):
        sample_case_control([1, 2, 3])


def test_simulate_case_control_matches_the_cohort(scenario):
    s = scenario.replace(prevalence=2e-4)
    n = 3_000_000
    cc = simulate_case_control(s, n, controls_per_case=4, rng=42)
    cohort = simulate_cohort(s, n, rng=42)
    cases = cohort[cohort["lems"]].reset_index(drop=True)
    assert cc.loc[cc["case"], list(cohort.columns)].reset_index(drop=True).equals(cases)
    controls = cc[~cc["case"]]
    assert len(controls) == 4 * len(cases)
    assert controls["person_id"].is_unique
    # every control is a non-case of the same cohort, with the cohort's values
    back = cohort.iloc[controls["person_id"].to_numpy()].reset_index(drop=True)
    assert back.equals(controls[list(cohort.columns)].reset_index(drop=True))
    assert not back["lems"].any()
    assert cc["weight"].sum() == pytest.approx(n, rel=1e-12)
    assert cc.attrs["entropy"] == 42
    assert cc.equals(simulate_case_control(s, n, controls_per_case=4, rng=42))


def test_simulate_case_control_controls_spread_over_blocks(scenario):
    """Controls per block follow the blocks' non-case counts (multivariate hypergeometric).

    With 3 blocks the control count of the first block is hypergeometric given the totals;
    exact two-sided test at 1e-4.
    """
    s = scenario.replace(prevalence=2e-3)
    n = 3 * 2**20
    cc = simulate_case_control(s, n, controls_per_case=2, rng=8)
    block = cc["person_id"] // 2**20
    controls = cc[~cc["case"]]
    in_first = int((block[~cc["case"]] == 0).sum())
    noncases_first = 2**20 - int((block[cc["case"]] == 0).sum())
    noncases = n - int(cc["case"].sum())
    dist = stats.hypergeom(noncases, noncases_first, len(controls))
    assert 2 * min(dist.cdf(in_first), dist.sf(in_first - 1)) > ALPHA


def test_simulate_case_control_bad_arguments(scenario):
    with pytest.raises(ValueError, match="holds no case"):
        simulate_case_control(scenario.replace(prevalence=1e-9), 100, rng=1)
    with pytest.raises(TypeError, match="'n'"):
        simulate_case_control(scenario, 10.0, rng=1)
    with pytest.raises(ValueError, match="'controls_per_case'"):
        simulate_case_control(scenario, 100, controls_per_case=0, rng=1)
