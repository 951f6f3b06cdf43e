"""Tests of lems_epi.simulate.cohort and .blocks (simulate_cohort, simulate_block) and simulate.io.

Statistical tests: every person of a simulated cohort is, independently, in stratum h with the
stratum's population share w_h, and a case of type t with the stratum probability p_th (the
multinomial split of a block followed by binomial case counts is exactly this). So the number of
men, smokers, cases, and (given the cases) of paraneoplastic, male and SCLC cases are binomial
with known probabilities, and each exact two-sided binomial test below has a false-alarm rate of
at most ALPHA = 1e-4. A raised prevalence (1%) gives thousands of cases in two million persons.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lems_epi import Scenario
from lems_epi.model import expected_counts
from lems_epi.model.profiles import MIN_AGES
from lems_epi.simulate.blocks import (
    BLOCK_SIZE,
    COLUMNS,
    cohort_meta,
    cohort_plan,
    simulate_block,
)
from lems_epi.simulate.cohort import simulate_cohort
from lems_epi.simulate.counts import simulate_counts
from lems_epi.simulate.io import write_simulation

ALPHA = 1e-4
N = 2_000_000


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.named("seed-base").replace(prevalence=0.01)


@pytest.fixture(scope="module")
def table(scenario) -> pd.DataFrame:
    return expected_counts(scenario)


@pytest.fixture(scope="module")
def cohort(scenario) -> pd.DataFrame:
    return simulate_cohort(scenario, N, rng=20240501)


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal values and dtypes (DataFrame.equals; assert_frame_equal is slow on millions)."""
    assert list(a.columns) == list(b.columns)
    assert (a.dtypes == b.dtypes).all()
    assert a.equals(b)


def binom_ok(k, n, p) -> bool:
    return stats.binomtest(int(k), int(n), float(p)).pvalue > ALPHA


def test_columns_dtypes_and_attrs(cohort):
    assert tuple(cohort.columns) == COLUMNS
    dtypes = cohort.dtypes.astype(str).to_dict()
    assert dtypes == {"person_id": "int32", "age": "int16", "sex": "category",
                      "smoking": "category", "lems": "bool", "lems_type": "category",
                      "cancer": "category", "onset_age": "float32", "vgcc_antibody": "boolean"}
    assert list(cohort["sex"].cat.categories) == ["female", "male"]
    assert list(cohort["smoking"].cat.categories) == ["never", "former", "current"]
    assert list(cohort["lems_type"].cat.categories) == ["paraneoplastic", "non-paraneoplastic"]
    assert list(cohort["cancer"].cat.categories) == ["sclc", "other"]
    assert cohort.attrs["entropy"] == 20240501
    assert cohort.attrs["n"] == N
    assert (cohort["person_id"].to_numpy() == np.arange(N)).all()
    assert cohort.memory_usage(deep=True).sum() / N < 17.01


def test_missingness_follows_case_status(cohort):
    case = cohort["lems"].to_numpy()
    para = (cohort["lems_type"] == "paraneoplastic").to_numpy()
    assert (cohort["lems_type"].notna().to_numpy() == case).all()
    assert (cohort["cancer"].notna().to_numpy() == para).all()
    assert (cohort["onset_age"].notna().to_numpy() == case).all()
    assert (cohort["vgcc_antibody"].notna().to_numpy() == case).all()


def test_age_sex_structure_follows_population(cohort, table):
    male_share = table.loc[table["sex"] == "male", "population"].sum() / \
        table["population"].sum()
    assert binom_ok((cohort["sex"] == "male").sum(), N, male_share)
    old = table["age"] >= 65
    assert binom_ok((cohort["age"] >= 65).sum(), N,
                    table.loc[old, "population"].sum() / table["population"].sum())
    assert set(cohort["age"].unique()) <= set(table["age"])


def test_smoker_share_follows_scenario(cohort, table):
    for status in ("current", "former"):
        share = table.loc[table["smoking"] == status, "population"].sum() / \
            table["population"].sum()
        assert binom_ok((cohort["smoking"] == status).sum(), N, share)


def test_prevalence_and_shares_among_cases(cohort, table):
    cases = cohort[cohort["lems"]]
    prevalence = table["expected_cases"].sum() / table["population"].sum()
    assert binom_ok(len(cases), N, prevalence)
    para = cases["lems_type"] == "paraneoplastic"
    assert binom_ok(para.sum(), len(cases),
                    table["expected_paraneoplastic"].sum() / table["expected_cases"].sum())
    male_cases = table.loc[table["sex"] == "male", "expected_cases"].sum()
    assert binom_ok((cases["sex"] == "male").sum(), len(cases),
                    male_cases / table["expected_cases"].sum())
    smoker_para = table.loc[table["smoking"] != "never", "expected_paraneoplastic"].sum()
    assert binom_ok((cases.loc[para, "smoking"] != "never").sum(), para.sum(),
                    smoker_para / table["expected_paraneoplastic"].sum())
    assert binom_ok((cases["cancer"] == "sclc").sum(), para.sum(),
                    table["expected_sclc"].sum() / table["expected_paraneoplastic"].sum())


def test_onset_age_is_truncated_exponential(cohort, scenario):
    """Probability integral transform of the time since onset; KS test at 1e-4."""
    cases = cohort[cohort["lems"]]
    age = cases["age"].to_numpy(float)
    onset = cases["onset_age"].to_numpy(float)
    para = (cases["lems_type"] == "paraneoplastic").to_numpy()
    assert (onset <= age).all()
    assert (onset[para & (age >= 18)] >= 18 - 1e-4).all()
    assert (onset >= -1e-4).all()
    # youngest onset: 18 for paraneoplastic LEMS, the profile's youngest age otherwise
    # (seed-base's any-age profile: 5, childhood not infancy)
    floor = np.where(para, 18.0, MIN_AGES[scenario.age_profile_nonparaneoplastic])
    assert (onset[~para] >= floor[~para] - 1e-4).all()
    mean = np.where(para, scenario.duration_paraneoplastic, scenario.duration_nonparaneoplastic)
    usable = age > floor
    age, onset, para, floor, mean = (x[usable] for x in (age, onset, para, floor, mean))
    u = np.expm1(-(age - onset) / mean) / np.expm1(-(age - floor) / mean)
    for part in (para, ~para):
        assert part.sum() > 1000
        assert stats.kstest(u[part], "uniform").pvalue > ALPHA


def test_vgcc_antibody_positivity(cohort, scenario):
    cases = cohort[cohort["lems"]]
    for kind, p in (("paraneoplastic", scenario.vgcc_positive_paraneoplastic),
                    ("non-paraneoplastic", scenario.vgcc_positive_nonparaneoplastic)):
        part = cases.loc[cases["lems_type"] == kind, "vgcc_antibody"]
        if p in (0.0, 1.0):
            assert (part == bool(p)).all()
        else:
            assert binom_ok(part.sum(), len(part), p)


def test_same_rng_identical_different_rng_different(scenario):
    a = simulate_cohort(scenario, 50_000, rng=11)
    assert_same(a, simulate_cohort(scenario, 50_000, rng=11))
    assert not a.equals(simulate_cohort(scenario, 50_000, rng=12))
    g1, g2 = np.random.default_rng(3).spawn(2)
    c1, c2 = simulate_cohort(scenario, 50_000, rng=g1), simulate_cohort(scenario, 50_000, rng=g2)
    assert c1.attrs["entropy"] != c2.attrs["entropy"]
    assert not c1.equals(c2)
    # the recorded entropy rebuilds the cohort
    assert_same(c1, simulate_cohort(scenario, 50_000, rng=c1.attrs["entropy"]))
    # equal generators give equal cohorts
    assert_same(
        simulate_cohort(scenario, 1000, rng=np.random.default_rng(9)),
        simulate_cohort(scenario, 1000, rng=np.random.default_rng(9)))


def test_blocks_reproduce_the_cohort(scenario):
    n = 2 * BLOCK_SIZE + 3
    whole = simulate_cohort(scenario, n, rng=99)
    plan = cohort_plan(scenario, n)
    assert plan.n_blocks == 3
    assert [plan.block_size(b) for b in range(3)] == [BLOCK_SIZE, BLOCK_SIZE, 3]
    # blocks made in any order give the same rows
    parts = {b: simulate_block(plan, 99, b) for b in (2, 0, 1)}
    joined = pd.concat([parts[b] for b in range(3)], ignore_index=True)
    assert_same(joined, whole)
    assert parts[2]["person_id"].tolist() == [2 * BLOCK_SIZE + i for i in range(3)]
    meta = cohort_meta(plan)
    assert len(meta) == 0
    assert (meta.dtypes == whole.dtypes).all()


def test_other_population(scenario):
    c = simulate_cohort(scenario, 10_000, rng=1, population="finland-2016")
    assert c["age"].max() <= 100
    assert len(c) == 10_000


@pytest.mark.parametrize(("n", "error", "match"), [
    (0, ValueError, "at least 1"),
    (-5, ValueError, "at least 1"),
    (1.5, TypeError, "whole number"),
    (1e6, TypeError, "whole number"),
    ("100", TypeError, "whole number"),
    (True, TypeError, "whole number"),
])
def test_bad_n(scenario, n, error, match):
    with pytest.raises(error, match=match):
        simulate_cohort(scenario, n, rng=1)


@pytest.mark.parametrize(("rng", "error"), [(-1, ValueError), ("x", TypeError),
                                            (2.0, TypeError)])
def test_bad_rng(scenario, rng, error):
    with pytest.raises(error, match="'rng'"):
        simulate_cohort(scenario, 10, rng=rng)


def test_bad_scenario_population_block(scenario):
    with pytest.raises(TypeError, match="'scenario' must be a Scenario or a scenario name"):
        simulate_cohort(1.5, 10, rng=1)
    with pytest.raises(ValueError, match="unknown scenario 'seed-mid'"):
        simulate_cohort("seed-mid", 10, rng=1)
    assert simulate_cohort("seed-base", 10, rng=1).equals(simulate_cohort(scenario, 10, rng=1)) \
        or scenario.name != "seed-base"
    with pytest.raises(TypeError, match="'population'"):
        simulate_cohort(scenario, 10, rng=1, population=3)
    plan = cohort_plan(scenario, 10)
    with pytest.raises(ValueError, match="'block'"):
        simulate_block(plan, 1, 1)
    with pytest.raises(TypeError, match="'entropy'"):
        simulate_block(plan, -1, 0)
    with pytest.raises(TypeError, match="'plan'"):
        simulate_block(None, 1, 0)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_simulation_round_trip(tmp_path, suffix):
    out = tmp_path / f"cohort{suffix}"
    info = write_simulation("seed-base", 2000, out, rng=4)
    assert info.path == out
    assert info.rows == 2000
    assert info.columns == COLUMNS
    assert "2,000 persons" in str(info)
    assert str(out) in str(info)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary left
    back = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    expected = simulate_cohort(Scenario.named("seed-base"), 2000, rng=4)
    assert back["person_id"].tolist() == expected["person_id"].tolist()
    assert back["sex"].astype(str).tolist() == expected["sex"].astype(str).tolist()
    if suffix == ".parquet":
        pd.testing.assert_frame_equal(back, expected, check_like=False, check_exact=True,
                                      check_flags=False)
    with pytest.raises(FileExistsError, match="--force"):
        write_simulation("seed-base", 10, out, rng=4)
    assert write_simulation("seed-base", 10, out, rng=4, overwrite=True).rows == 10


def test_write_simulation_bad_path(tmp_path):
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        write_simulation("seed-base", 10, tmp_path / "cohort.xlsx", rng=1)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_simulation("seed-base", 10, tmp_path / "missing" / "c.csv", rng=1)
    with pytest.raises(ValueError, match="unknown scenario"):
        write_simulation("seed-nothing", 10, tmp_path / "c.csv", rng=1)


def test_write_simulation_counts(tmp_path):
    out = tmp_path / "counts.parquet"
    info = write_simulation("seed-base", None, out, rng=6, kind="counts")
    assert info.kind == "counts"
    assert "606 strata" in str(info)  # finland-2016, the default population
    back = pd.read_parquet(out)
    expected = simulate_counts(Scenario.named("seed-base"), rng=6)
    assert back["cases"].tolist() == expected["cases"].tolist()
    assert info.rows == len(expected)
    with pytest.raises(ValueError, match="unknown kind 'people'"):
        write_simulation("seed-base", 10, tmp_path / "x.csv", rng=1, kind="people")
