"""Tests of lems_epi.simulate.counts (simulate_counts).

Statistical tests compare simulated totals with the risk model's expected totals. A simulated
total is a sum of independent binomials; its two-sided tail probability is computed from the
Poisson distribution with the expected total as mean, which has a larger variance than the
binomial sum and so over-states the tail: each such test's false-alarm rate is below its
threshold ALPHA = 1e-4.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lems_epi import Scenario, population
from lems_epi.model import expected_counts
from lems_epi.simulate.counts import simulate_counts, stratum_probabilities

ALPHA = 1e-4
TEN_BILLION = 10**10


def poisson_two_sided_ok(observed: int, mean: float) -> bool:
    """True unless the observed total lies in the outer ALPHA/2 tails of Poisson(mean)."""
    return stats.poisson.cdf(observed, mean) > ALPHA / 2 and \
        stats.poisson.sf(observed - 1, mean) > ALPHA / 2


@pytest.fixture(scope="module")
def big_population() -> pd.DataFrame:
    """Denmark 2013 scaled to about 10^10 persons (whole int64 counts)."""
    pop = population("denmark-2013")
    scale = TEN_BILLION / pop["population"].sum()
    return pop.assign(population=np.round(pop["population"] * scale).astype(np.int64))


@pytest.fixture(scope="module")
def big_counts(big_population) -> pd.DataFrame:
    return simulate_counts(Scenario.named("seed-base"), population=big_population,
                           rng=20240501)


def test_columns_and_invariants():
    s = Scenario.named("seed-high")
    out = simulate_counts(s, rng=1)
    expected = expected_counts(s)
    pd.testing.assert_frame_equal(out[list(expected.columns)], expected)
    assert list(out.columns[-4:]) == ["paraneoplastic", "sclc", "nonparaneoplastic", "cases"]
    for col in ("paraneoplastic", "sclc", "nonparaneoplastic", "cases"):
        assert out[col].dtype == np.int64
        assert (out[col] >= 0).all()
    assert (out["cases"] == out["paraneoplastic"] + out["nonparaneoplastic"]).all()
    assert (out["sclc"] <= out["paraneoplastic"]).all()
    assert (out["cases"] <= out["population"]).all()
    # strata without expected cases never get a simulated case
    assert (out.loc[out["expected_paraneoplastic"] == 0, "paraneoplastic"] == 0).all()
    assert (out.loc[out["expected_nonparaneoplastic"] == 0, "nonparaneoplastic"] == 0).all()


def test_ten_billion_persons_int64(big_population, big_counts):
    assert big_counts["population"].dtype == np.int64
    assert int(big_counts["population"].sum()) == int(big_population["population"].sum())
    assert big_counts["population"].sum() > 2**32  # would overflow 32-bit counts
    assert big_counts["cases"].sum() > 10_000


@pytest.mark.parametrize("column", ["cases", "paraneoplastic", "sclc", "nonparaneoplastic"])
def test_totals_agree_with_expected_counts(big_counts, column):
    """Each total at 10^10 persons; false-alarm rate < 1e-4 per column (Poisson tails)."""
    expected = big_counts["expected_" + column if column != "cases" else "expected_cases"].sum()
    assert poisson_two_sided_ok(int(big_counts[column].sum()), float(expected))


def test_male_and_smoker_cases_agree_with_expected(big_counts):
    """Male cases and ever-smoker cases; false-alarm rate < 1e-4 each (Poisson tails)."""
    male = big_counts["sex"] == "male"
    assert poisson_two_sided_ok(int(big_counts.loc[male, "cases"].sum()),
                                float(big_counts.loc[male, "expected_cases"].sum()))
    smoker = big_counts["smoking"] != "never"
    assert poisson_two_sided_ok(int(big_counts.loc[smoker, "paraneoplastic"].sum()),
                                float(big_counts.loc[smoker, "expected_paraneoplastic"].sum()))


def test_paraneoplastic_share_exact_binomial(big_counts):
    """Given the total of cases, the paraneoplastic total is binomial with the expected share.

    Each person is, independently, a paraneoplastic case, a non-paraneoplastic case or neither;
    conditional on the number of cases the paraneoplastic count is Binomial(cases, share) with
    share = sum(expected_paraneoplastic) / sum(expected_cases). Exact test, false-alarm rate
    1e-4 at most.
    """
    share = big_counts["expected_paraneoplastic"].sum() / big_counts["expected_cases"].sum()
    res = stats.binomtest(int(big_counts["paraneoplastic"].sum()),
                          int(big_counts["cases"].sum()), share)
    assert res.pvalue > ALPHA


def test_sclc_within_paraneoplastic(big_counts):
    """SCLC cases are a binomial thinning of the paraneoplastic ones in each stratum.

    Given the stratum paraneoplastic counts P_h, the SCLC total has mean sum(P_h s_h) and
    variance sum(P_h s_h (1 - s_h)); with tens of thousands of cases the normal approximation
    is accurate, and |z| < 3.891 has a two-sided false-alarm rate of 1e-4.
    """
    _, _, share = stratum_probabilities(big_counts)
    para = big_counts["paraneoplastic"].to_numpy()
    mean = float((para * share).sum())
    sd = float(np.sqrt((para * share * (1 - share)).sum()))
    z = (big_counts["sclc"].sum() - mean) / sd
    assert abs(z) < stats.norm.isf(ALPHA / 2)


def test_same_rng_same_counts_and_different_rng_different(big_population):
    s = Scenario.named("seed-base")
    a = simulate_counts(s, population=big_population, rng=7)
    b = simulate_counts(s, population=big_population, rng=7)
    pd.testing.assert_frame_equal(a, b)
    c = simulate_counts(s, population=big_population, rng=8)
    # about 70,000 cases spread over 600 strata: two independent draws never coincide
    assert not a["cases"].equals(c["cases"])
    g1, g2 = np.random.default_rng(5).spawn(2)
    assert not simulate_counts(s, population=big_population, rng=g1)["cases"].equals(
        simulate_counts(s, population=big_population, rng=g2)["cases"])


def test_population_name_and_table_give_same_structure():
    s = Scenario.named("seed-base")
    by_name = simulate_counts(s, population="finland-2016", rng=3)
    by_table = simulate_counts(s, population=population("finland-2016"), rng=3)
    pd.testing.assert_frame_equal(by_name, by_table)
    assert int(by_name["age"].max()) == 100


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"scenario": 7}, TypeError, "'scenario' must be a Scenario or a scenario name"),
    ({"scenario": "seed-mid"}, ValueError, "unknown scenario 'seed-mid'"),
    ({"population": 5}, TypeError, "'population' must be a population name"),
    ({"rng": -1}, ValueError, "'rng' as an int must be >= 0"),
    ({"rng": 1.5}, TypeError, "'rng' must be None"),
    ({"rng": "seed"}, TypeError, "'rng' must be None"),
])
def test_bad_arguments(kwargs, error, match):
    args = {"scenario": Scenario.named("seed-base"), "population": None, "rng": 1, **kwargs}
    with pytest.raises(error, match=match):
        simulate_counts(**args)


def test_bad_population_table():
    bad = population("denmark-2013").assign(population=-1)
    with pytest.raises(ValueError, match="population"):
        simulate_counts(Scenario.named("seed-base"), population=bad, rng=1)


def test_stratum_probabilities_rejects_impossible_tables():
    t = pd.DataFrame({"population": [10], "expected_paraneoplastic": [8.0],
                      "expected_sclc": [1.0], "expected_nonparaneoplastic": [5.0]})
    with pytest.raises(ValueError, match="probabilities outside"):
        stratum_probabilities(t)


def test_a_scenario_name_works_and_default_population_is_the_package_default():
    from lems_epi.scenario import DEFAULT_POPULATION

    by_name = simulate_counts("seed-base", rng=5)
    by_object = simulate_counts(Scenario.named("seed-base"), population=DEFAULT_POPULATION,
                                rng=5)
    pd.testing.assert_frame_equal(by_name, by_object)
    assert int(by_name["population"].sum()) == int(population(DEFAULT_POPULATION)[
        "population"].sum())
