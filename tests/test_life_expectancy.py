"""Life expectancy (Chiang II abridged life table): PHEindicatormethods' values and a hand table."""

import math

import numpy as np
import pandas as pd
import pytest

import lems_epi as le
from lems_epi.exceptions import SparseDataWarning
from lems_epi.stats import chiang_life_table, life_expectancy
from lems_epi.stats.contract import check_contract

STARTS = [0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90]
POPS = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416,
        46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]
DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936,
          1937]
# PHEindicatormethods, tests/testthat/testLifeExpectancy.R ("answer1", from PHE's Life
# Expectancy Calculator) for the data above: life expectancy and 95% limits at each band.
PHE_VALUE = [80.16960813, 79.36245674, 75.44193645, 70.47299936, 65.52909542, 60.67510088,
             55.78835987, 50.92752727, 46.06740425, 41.24505636, 36.49322717, 31.83343842,
             27.26027992, 22.9719144, 18.76856852, 14.95858336, 11.51684445, 8.618849241,
             6.163942934, 6.16210635]
PHE_LOWER = [79.88268548, 79.0898816, 75.17407307, 70.20675732, 65.26548673, 60.41876577,
             55.53801579, 50.68279939, 45.82666794, 41.00842831, 36.26223216, 31.60996318,
             27.04337271, 22.76653134, 18.57570352, 14.77985004, 11.34831778, 8.451134045,
             5.978358351, 5.887683386]
PHE_UPPER = [80.45653078, 79.63503188, 75.70979983, 70.7392414, 65.79270412, 60.931436,
             56.03870395, 51.17225516, 46.30814055, 41.48168441, 36.72422219, 32.05691365,
             27.47718713, 23.17729746, 18.96143352, 15.13731667, 11.68537112, 8.786564437,
             6.349527517, 6.436529314]


@pytest.fixture
def phe_data():
    labels = ["0", "1-4"] + [f"{a}-{a + 4}" for a in STARTS[2:-1]] + ["90+"]
    return pd.DataFrame({"age_group": labels, "population": POPS, "deaths": DEATHS})


def test_matches_phe_indicator_methods(phe_data):
    """Known values: PHEindicatormethods' own test of phe_life_expectancy (R):

    phe_life_expectancy(df1, deaths, pops, startage, type = "standard")

    with the data above (documented example of the package). The life expectancies agree to
    5e-9. PHE's expected limits were made with z = 1.96 (its Excel calculator), ours with
    qnorm(0.975) = 1.959964; the R function itself uses qnorm and PHE test them to 4 decimal
    places. So: limits at 4 decimals, and the standard error implied by PHE's limits and
    z = 1.96 equal to ours at 1e-8.
    """
    t = life_expectancy(phe_data)
    check_contract(t)
    np.testing.assert_allclose(t["estimate"], PHE_VALUE, atol=1e-8)
    np.testing.assert_allclose(t["lower"], PHE_LOWER, atol=5e-5)
    np.testing.assert_allclose(t["upper"], PHE_UPPER, atol=5e-5)
    phe_se = (np.array(PHE_UPPER) - np.array(PHE_LOWER)) / (2 * 1.96)
    np.testing.assert_allclose(t["std_err"], phe_se, atol=1e-8)
    assert t["events"].iloc[0] == sum(DEATHS)
    assert t["person_time"].iloc[-1] == POPS[-1]


def test_band_order_and_numeric_starts_do_not_matter(phe_data):
    shuffled = phe_data.sample(frac=1.0, random_state=3)
    numeric = phe_data.assign(age_group=STARTS)
    a = life_expectancy(phe_data)["estimate"].to_numpy()
    np.testing.assert_allclose(life_expectancy(shuffled)["estimate"], a, rtol=1e-14)
    np.testing.assert_allclose(life_expectancy(numeric)["estimate"], a, rtol=1e-14)


def test_three_band_table_worked_by_hand():
    """Chiang's formulas on three bands, 0, 1-4 and 5+ (written out here, not by the code):

    M = 10/1000, 2/4000, 500/5000; a = 0.1, 0.5; n = 1, 4
    q0 = 0.01 / (1 + 0.01 * 0.9),  q1 = 4 * 0.0005 / (1 + 4 * 0.0005 * 0.5),  q2 = 1
    l = 1e5, 1e5 (1 - q0), l1 (1 - q1);  L0 = 1 (l1 + 0.1 d0), L1 = 4 (l2 + 0.5 d1), L2 = l2 / 0.1
    """
    q0 = 0.01 / (1 + 0.01 * 0.9)
    q1 = 0.002 / (1 + 0.002 * 0.5)
    l0, l1 = 1e5, 1e5 * (1 - q0)
    l2 = l1 * (1 - q1)
    big_l = [1 * (l1 + 0.1 * (l0 - l1)), 4 * (l2 + 0.5 * (l1 - l2)), l2 / 0.1]
    e = [sum(big_l) / l0, (big_l[1] + big_l[2]) / l1, big_l[2] / l2]
    w2 = l2**2 / (500 * 0.1**2)
    w1 = l1**2 * (0.5 * 4 + e[2]) ** 2 * q1**2 * (1 - q1) / 2
    w0 = l0**2 * (0.9 * 1 + e[1]) ** 2 * q0**2 * (1 - q0) / 10
    se = [math.sqrt(w0 + w1 + w2) / l0, math.sqrt(w1 + w2) / l1, math.sqrt(w2) / l2]
    d = pd.DataFrame({"age_group": ["0", "1-4", "5+"], "deaths": [10, 2, 500],
                      "population": [1000, 4000, 5000]})
    t = life_expectancy(d, conf_level=0.9)
    np.testing.assert_allclose(t["estimate"], e, rtol=1e-13)
    np.testing.assert_allclose(t["std_err"], se, rtol=1e-12)
    np.testing.assert_allclose(t["upper"] - t["estimate"], 1.6448536269514722 * np.array(se),
                               rtol=1e-12)
    table = chiang_life_table([0, 1, 5], [10, 2, 500], [1000, 4000, 5000])
    np.testing.assert_allclose(table["L"], big_l, rtol=1e-13)


def test_groups_each_get_their_table(phe_data):
    two = pd.concat([phe_data.assign(area="a"),
                     phe_data.assign(area="b", deaths=np.array(DEATHS) * 2)])
    t = life_expectancy(two, by="area")
    assert list(t.columns[:2]) == ["area", "age_group"]
    a, b = t[t["area"] == "a"], t[t["area"] == "b"]
    np.testing.assert_allclose(a["estimate"], PHE_VALUE, atol=1e-8)
    assert (b["estimate"].to_numpy() < a["estimate"].to_numpy()).all()


def test_interval_coverage_by_simulation():
    """Deaths drawn as Poisson around fixed band rates in a population of ~800,000: the 95%
    interval for e0 covers the true e0 (the expected deaths are DEATHS, so the truth is
    PHE's value at birth, not one computed by lems_epi) in 93-97% of 400 seeded draws
    (binomial sd 1.1%, so about 2.6 sd of slack each side)."""
    rng = np.random.default_rng(2024)
    pops = np.array(POPS, dtype=float)
    rates = np.array(DEATHS) / pops
    truth = PHE_VALUE[0]
    d = pd.DataFrame({"draw": np.repeat(np.arange(400), len(STARTS)),
                      "age_group": np.tile(STARTS, 400), "population": np.tile(pops, 400),
                      "deaths": rng.poisson(np.tile(rates * pops, 400))})
    t = life_expectancy(d, by="draw")
    at_birth = t[t["age_start"] == 0]
    hits = ((at_birth["lower"] <= truth) & (truth <= at_birth["upper"])).mean()
    assert 0.93 <= hits <= 0.97


@pytest.mark.parametrize(("change", "match"), [
    ({"population": 0, "row": 5}, "population is zero"),
    ({"deaths": 10**6, "row": 5}, "more deaths than population"),
    ({"deaths": 0, "row": 19}, "open top band"),
    ({"deaths": -1, "row": 3}, "negative"),
])
def test_bad_input(phe_data, change, match):
    d = phe_data.copy()
    row = change.pop("row")
    for col, value in change.items():
        d.loc[row, col] = value
    with pytest.raises(ValueError, match=match):
        life_expectancy(d)


def test_groups_with_different_bands_and_unknown_method(phe_data):
    two = pd.concat([phe_data.assign(area="a"), phe_data.iloc[:-1].assign(area="b")])
    with pytest.raises(ValueError, match="same bands"):
        life_expectancy(two, by="area")
    with pytest.raises(ValueError, match="method"):
        life_expectancy(phe_data, method="greville")
    assert life_expectancy(phe_data, method="phe")["method"].iloc[0] == "chiang-ii"


def test_small_population_warns(phe_data):
    small = phe_data.assign(population=np.array(POPS) // 200 + 5,
                            deaths=np.minimum(np.array(DEATHS) // 200, np.array(POPS) // 200))
    small.loc[19, "deaths"] = 3
    with pytest.warns(SparseDataWarning, match="5,000"):
        life_expectancy(small)


def test_top_level_name():
    assert le.life_expectancy is life_expectancy
