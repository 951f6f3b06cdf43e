"""Synthetic areas: exact split of the population, same true risks, planted excesses."""

import numpy as np
import pandas as pd
import pytest

import lems_epi as le
from lems_epi.simulate.areas import area_risks


@pytest.fixture(scope="module")
def national():
    return area_risks("seed-base")


@pytest.fixture(scope="module")
def areas():
    return le.simulate_areas("seed-base", n_areas=300, rng=11)


def test_columns_and_one_row_per_area_age_sex(areas, national):
    assert list(areas.columns) == ["area", "age_group", "sex", "population", "cases",
                                   "expected", "true_rr"]
    assert len(areas) == 300 * len(national)
    assert not areas.duplicated(["area", "age_group", "sex"]).any()
    assert (areas["true_rr"] == 1).all()
    assert areas.attrs["scenario"] == "seed-base"
    assert areas.attrs["planted"] == {}


def test_areas_add_up_to_the_national_population_in_every_cell(areas, national):
    total = (areas.astype({"age_group": str})
             .groupby(["age_group", "sex"])["population"].sum().rename("split"))
    ref = national.astype({"age_group": str}).join(total, on=["age_group", "sex"])
    np.testing.assert_array_equal(ref["split"], ref["population"])
    assert int(areas["population"].sum()) == int(le.population("finland-2016")
                                                 ["population"].sum())


def test_every_area_has_the_national_age_sex_risk(areas, national):
    risk = national.set_index(["age_group", "sex"])["risk"]
    merged = areas.join(risk, on=["age_group", "sex"])
    np.testing.assert_allclose(areas["expected"], merged["population"] * merged["risk"],
                               rtol=1e-12)
    # expected counts add up to the scenario's national expected count
    assert areas["expected"].sum() == pytest.approx(national["expected"].sum(), rel=1e-12)


def test_case_total_is_consistent_with_the_expected_count():
    """Over 20 draws the case total is a sum of binomials with mean = expected total: the
    mean of 20 totals lies within 4 standard errors (false alarm about 6e-5)."""
    totals, expected = [], None
    for seed in range(20):
        a = le.simulate_areas("seed-base", n_areas=100, rng=seed)
        totals.append(a["cases"].sum())
        expected = a["expected"].sum()
    se = np.sqrt(expected / 20)
    assert abs(np.mean(totals) - expected) < 4 * se


def test_planted_relative_risk_multiplies_the_cases():
    """Every area planted at RR 3: the total is Binomial-like with mean 3 x expected."""
    labels = [f"A{i:03d}" for i in range(1, 51)]
    a = le.simulate_areas("seed-base", n_areas=50, rng=3, excess=dict.fromkeys(labels, 3.0))
    assert (a["true_rr"] == 3).all()
    mean = 3 * a["expected"].sum()
    assert abs(a["cases"].sum() - mean) < 4 * np.sqrt(mean)


def test_unequal_sizes_follow_the_log_normal():
    a = le.simulate_areas("seed-base", n_areas=1000, rng=5, size_sigma=0.8)
    size = a.groupby("area")["population"].sum()
    assert np.std(np.log(size)) == pytest.approx(0.8, rel=0.1)
    equal = le.simulate_areas("seed-base", n_areas=100, rng=5, size_sigma=0.0,
                              age_concentration=1e6)
    size = equal.groupby("area")["population"].sum()
    assert size.max() / size.min() < 1.1


def test_age_structures_vary_less_with_a_larger_concentration():
    def spread(kappa):
        a = le.simulate_areas("seed-base", n_areas=200, rng=8, age_concentration=kappa)
        by = a.groupby(["area", "age_group"], observed=True)["population"].sum().unstack()
        shares = by.div(by.sum(axis=1), axis=0)
        return shares.std().mean()

    assert spread(50) > 1.5 * spread(2000)


def test_same_seed_same_areas_and_a_name_or_scenario_alike():
    a = le.simulate_areas("seed-base", n_areas=30, rng=4)
    b = le.simulate_areas(le.Scenario.named("seed-base"), n_areas=30, rng=4)
    pd.testing.assert_frame_equal(a, b)
    c = le.simulate_areas("seed-base", n_areas=30, rng=5)
    assert not a["population"].equals(c["population"])


def test_excess_as_a_number_plants_one_area():
    a = le.simulate_areas("seed-base", n_areas=40, rng=2, excess=2.0)
    planted = a.loc[a["true_rr"] != 1, "area"].unique()
    assert len(planted) == 1
    assert a.attrs["planted"] == {planted[0]: 2.0}
    b = le.simulate_areas("seed-base", n_areas=40, rng=2, excess={0: 2.5})
    assert b.loc[b["true_rr"] == 2.5, "area"].unique().tolist() == ["A001"]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"n_areas": 0}, ValueError, "n_areas"),
    ({"n_areas": 2.5}, TypeError, "n_areas"),
    ({"size_sigma": -1.0}, ValueError, "size_sigma"),
    ({"age_concentration": 0.0}, ValueError, "age_concentration"),
    ({"excess": {"Z9": 2.0}}, ValueError, "unknown area"),
    ({"excess": {99: 2.0}}, ValueError, "position"),
    ({"excess": "double"}, TypeError, "excess"),
    ({"excess": {"A001": -2.0}}, ValueError, "excess"),
])
def test_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        le.simulate_areas("seed-base", **{"n_areas": 10, "rng": 1, **kwargs})


def test_unknown_scenario_name():
    with pytest.raises(ValueError, match="scenario"):
        le.simulate_areas("no-such-scenario", n_areas=5, rng=1)
