"""Tests of lems_epi.sensitivity: Sobol indices, sampling, outputs, one-way, grid, PSA."""

import dataclasses
import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import lems_epi as le
from lems_epi.exceptions import ConvergenceWarning
from lems_epi.model import expected_counts
from lems_epi.sensitivity import (
    default_distributions,
    draw,
    evaluate,
    evidence_ranges,
    evidence_values,
    iman_conover,
    loguniform,
    one_way,
    pert,
    probabilistic,
    scenario_from_params,
    scenario_grid,
    sobol,
    triangular,
    uniform,
)

PI = math.pi


# ---------------------------------------------------------------------- Sobol
def _ishigami(df, a=7.0, b=0.1):
    x1, x2, x3 = (df[c].to_numpy() for c in ("x1", "x2", "x3"))
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3 ** 4 * np.sin(x1)


def _ishigami_indices(a=7.0, b=0.1):
    """Analytic indices (Ishigami and Homma 1990; Sobol' and Levitan 1999)."""
    v1 = 0.5 * (1 + b * PI ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * PI ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_ishigami_recovers_analytic_indices():
    dists = {k: stats.uniform(-PI, 2 * PI) for k in ("x1", "x2", "x3")}
    t = sobol(_ishigami, dists, n=2 ** 13, rng=20240501).indices
    first, total = _ishigami_indices()
    assert list(t["parameter"]) == ["x1", "x2", "x3"]
    np.testing.assert_allclose(t["first_order"], first, atol=0.03)
    np.testing.assert_allclose(t["total_order"], total, atol=0.03)
    assert (t["first_order_lower"] <= t["first_order_upper"]).all()
    assert (t["total_order_lower"] <= t["total_order_upper"]).all()
    assert (t["evaluations"] == 2 ** 13 * 5).all()


def test_linear_indices_are_proportional_to_variance_contributions():
    coef = np.array([1.0, 2.0, 0.5, 3.0])
    dists = {"a": stats.norm(0, 1), "b": stats.uniform(0, 2), "c": stats.norm(5, 2),
             "d": stats.uniform(-1, 1)}
    var = np.array([1.0, 4 / 12, 4.0, 1 / 12])
    share = coef ** 2 * var / np.sum(coef ** 2 * var)
    t = sobol(lambda df: df.to_numpy() @ coef, dists, n=2 ** 12, rng=3).indices
    np.testing.assert_allclose(t["first_order"], share, atol=0.02)
    np.testing.assert_allclose(t["total_order"], share, atol=0.02)


def test_sobol_same_rng_same_table_and_different_rng_differs():
    dists = {k: stats.uniform(-PI, 2 * PI) for k in ("x1", "x2", "x3")}
    a = sobol(_ishigami, dists, n=2 ** 12, rng=11).indices
    b = sobol(_ishigami, dists, n=2 ** 12, rng=11).indices
    c = sobol(_ishigami, dists, n=2 ** 12, rng=12).indices
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["first_order"], c["first_order"])


def test_sobol_refuses_non_power_of_two_and_bad_func():
    dists = {"a": stats.uniform(0, 1)}
    two = {"a": stats.uniform(0, 1), "b": stats.uniform(0, 1)}
    with pytest.raises(ValueError, match="power of two.*1024 or 2048"):
        sobol(lambda df: df["a"], two, n=1500)
    with pytest.raises(ValueError, match="one number per row"):
        sobol(lambda df: np.ones(3), two, n=256)
    with pytest.raises(ValueError, match="NaN"):
        sobol(lambda df: np.where(df["a"] > 0.5, np.inf, 0.0), two, n=256)
    with pytest.raises(TypeError, match="ppf"):
        sobol(lambda df: df["a"], {"a": 3.0, "b": stats.uniform(0, 1)}, n=256)
    with pytest.raises(ValueError, match="at least two parameters"):
        sobol(lambda df: df["a"], dists, n=256)


def test_sobol_notes_when_unconverged_and_names_n_and_warns_only_if_asked():
    dists = {k: stats.uniform(-PI, 2 * PI) for k in ("x1", "x2", "x3")}
    res = sobol(_ishigami, dists, n=64, rng=1)  # no warning by default (filterwarnings=error)
    assert not res.converged
    assert re.search(r"Try n=\d+", res.notes[0])
    assert "Note: not converged" in str(res.summary())
    with pytest.warns(ConvergenceWarning, match=r"Try n=\d+"):
        sobol(_ishigami, dists, n=64, rng=1, on_unconverged="warn")


def test_sobol_result_is_on_the_contract_and_converged_note_at_large_n():
    from lems_epi.stats.contract import AnalysisResult, check_contract

    dists = {"a": stats.uniform(0, 1), "b": stats.uniform(0, 2)}
    res = sobol(lambda df: df["a"] + df["b"], dists, n=4096, rng=1)
    assert isinstance(res, AnalysisResult)
    check_contract(res.table)
    assert res.table["measure"].tolist() == ["first_order", "total_order"] * 2
    assert res.table["parameter"].tolist() == ["a", "a", "b", "b"]
    assert res.converged
    assert res.notes[0].startswith("converged")
    # analytic: Var(a) = 1/12, Var(b) = 4/12, so a explains 1/5 and b 4/5
    np.testing.assert_allclose(res.table["estimate"], [0.2, 0.2, 0.8, 0.8], atol=0.03)
    assert res.plot().data[0].type == "bar"
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.table = None


def test_sobol_index_at_zero_is_not_called_negative():
    """A parameter the output ignores has indices of exactly 0 (up to rounding): that is not
    'negative', whatever the sign of the rounding error."""
    dists = {"a": stats.uniform(0, 1), "b": stats.uniform(0, 1)}
    res = sobol(lambda df: 3 * df["a"], dists, n=1024, rng=2)
    b = res.indices.set_index("parameter").loc["b"]
    assert (b[["first_order", "first_order_lower", "first_order_upper", "total_order",
               "total_order_lower", "total_order_upper"]] == 0.0).all()  # no -1e-17
    assert abs(b["first_order"]) < 1e-12
    assert abs(b["total_order"]) < 1e-12
    assert "negative" not in res.notes[0]


# ---------------------------------------------------------------------- sampling
def test_distribution_helpers():
    assert float(pert(0.4, 0.5, 0.8).mean()) == pytest.approx((0.4 + 4 * 0.5 + 0.8) / 6)
    d = pert(0.4, 0.5, 0.8)
    grid = np.linspace(0.41, 0.79, 381)
    assert grid[np.argmax(d.pdf(grid))] == pytest.approx(0.5, abs=1e-3)
    assert float(triangular(0, 0.2, 1).mean()) == pytest.approx(1.2 / 3)
    lu = loguniform(1e-6, 1e-5)
    assert float(lu.cdf(math.sqrt(1e-11))) == pytest.approx(0.5)
    assert float(uniform(2, 4).ppf(0.25)) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="smaller"):
        uniform(3, 3)
    with pytest.raises(ValueError, match="mode"):
        pert(0, 2, 1)


def test_latin_hypercube_fills_every_stratum_once():
    s = draw({"a": uniform(0, 1), "b": loguniform(1, 100)}, 50, rng=4)
    assert sorted(np.floor(s["a"] * 50).astype(int)) == list(range(50))
    u = np.log(s["b"]) / np.log(100)
    assert sorted(np.floor(u * 50).astype(int)) == list(range(50))
    mc = draw({"a": uniform(0, 1)}, 50, rng=4, method="mc")
    assert len(set(np.floor(mc["a"] * 50).astype(int))) < 50


def test_iman_conover_keeps_marginals_and_reaches_target():
    s = draw({"a": uniform(0, 1), "b": loguniform(1, 10), "c": triangular(0, 1, 3)}, 3000,
             rng=8)
    target = np.array([[1, 0.6, -0.3], [0.6, 1, 0.0], [-0.3, 0.0, 1]])
    t = iman_conover(s, target, rng=8)
    for col in s:
        np.testing.assert_array_equal(np.sort(s[col]), np.sort(t[col]))
    rho = t.corr(method="spearman").to_numpy()
    np.testing.assert_allclose(rho, target, atol=0.05)


def test_iman_conover_refuses_impossible_correlation():
    s = draw({"a": uniform(0, 1), "b": uniform(0, 1), "c": uniform(0, 1)}, 100, rng=1)
    bad = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]
    with pytest.raises(ValueError, match="not positive definite"):
        iman_conover(s, bad)
    with pytest.raises(ValueError, match="3 x 3"):
        iman_conover(s, np.eye(2))


# ---------------------------------------------------------------------- evidence defaults
def test_evidence_values_convert_units():
    prev = evidence_values(["prevalence"])
    wirtz = prev.loc[prev["source"] == "wirtz2003", "value"].astype(float)
    assert wirtz.item() == pytest.approx(2.32e-6)
    dur = evidence_values(["duration_paraneoplastic"])
    lipka = dur.loc[dur["source"] == "lipka2020", "value"].astype(float)
    assert lipka.item() == pytest.approx(17 / 12 / math.log(2))
    ages = evidence_values(["age_paraneoplastic_mean"])
    assert set(ages["statistic"]) <= {"mean", "median"}
    assert 50.0 not in set(ages["value"].astype(float))  # "over 50" is not a mean


def test_evidence_ranges_and_distributions_cover_the_sources():
    r = evidence_ranges().set_index("parameter")
    # estimates only: BMJ Best Practice's 2-3 per million and seed 004's 4-10 per million are
    # the ends; Orphanet's 1-9 class and Deenen's "below 10" are context, not range ends
    assert r.loc["prevalence", "low"] == pytest.approx(2e-6)
    assert r.loc["prevalence", "high"] == pytest.approx(1e-5)
    assert r.loc["prevalence", "source_low"] == "bmj-best-practice"
    assert "lit-orphanet-prevalence (classification band" in r.loc["prevalence", "excluded"]
    assert "lit-deenen2015-prevalence (a bare bound" in r.loc["prevalence", "excluded"]
    assert r.loc["paraneoplastic_share", "source_high"] == "zambelis2020"
    assert r.loc["smoker_share_paraneoplastic", "high"] <= 0.98
    d = default_distributions()
    assert "age_profile_nonparaneoplastic" not in d
    assert float(d["prevalence"].cdf(math.sqrt(2e-6 * 1e-5))) == pytest.approx(0.5)
    # every default draw can be calibrated by the model (no refused scenario)
    s = draw(d, 256, rng=5)
    assert np.isfinite(evaluate("expected_cases", s)).all()


def test_ranges_compare_like_with_like():
    """Current and ever smokers are separate; each range names its rows, used and left out."""
    from lems_epi.sensitivity import evidence_listing

    r = evidence_ranges().set_index("parameter")
    for t in ("paraneoplastic", "nonparaneoplastic"):
        used = r.loc[f"smoker_share_{t}", "used"].split("; ")
        assert not any("current" in u for u in used)
        assert "lit-maddison2020-smoker-share-" not in r.loc[f"smoker_share_{t}", "used"]
    # every source on ever smokers among SCLC-LEMS says all (capped at 98%): no disagreement
    assert r.loc["smoker_share_paraneoplastic", "low"] == r.loc["smoker_share_paraneoplastic",
                                                                   "high"] == 0.98
    assert "smoker_share_paraneoplastic" not in default_distributions()
    listing = evidence_listing(["smoker_share_paraneoplastic", "prevalence"])
    assert set(listing.columns) >= {"evidence_id", "source", "used", "reason"}
    current = listing[listing["evidence_id"] == "lit-titulaer2008-smoker-share-sclc-current"]
    assert not current["used"].item()
    assert current["reason"].item().startswith("current smokers")
    assert (listing.loc[listing["used"], "reason"] == "").all()
    assert (listing.loc[~listing["used"], "reason"] != "").all()
    # a confidence interval does not widen a range: Yoshikawa's 1.9-3.5 is one estimate, 2.7
    yoshikawa = listing[listing["evidence_id"] == "lit-yoshikawa2022-prevalence"]
    assert yoshikawa["value"].item() == pytest.approx(2.7e-6)
    assert np.isnan(yoshikawa["low"].item())


# ---------------------------------------------------------------------- outputs
@pytest.fixture(scope="module")
def base_table():
    return expected_counts(le.Scenario.named("seed-base"), population="finland-2016")


def test_named_outputs_match_the_stratum_table(base_table):
    t = base_table
    cases = t["expected_cases"]
    got = {name: evaluate(name, "seed-base")[0] for name in (
        "expected_cases", "expected_sclc_cases", "expected_cases_under_50",
        "share_smokers_among_cases", "male_to_female_ratio", "population_for_100_cases",
        "age_standardised_prevalence")}
    assert got["expected_cases"] == pytest.approx(cases.sum(), rel=1e-10)
    assert got["expected_sclc_cases"] == pytest.approx(t["expected_sclc"].sum(), rel=1e-10)
    assert got["expected_cases_under_50"] == pytest.approx(cases[t["age"] < 50].sum(),
                                                           rel=1e-10)
    smokers = cases[t["smoking"].astype(str).isin(["former", "current"])].sum()
    assert got["share_smokers_among_cases"] == pytest.approx(smokers / cases.sum(), rel=1e-10)
    male = cases[t["sex"].astype(str) == "male"].sum()
    assert got["male_to_female_ratio"] == pytest.approx(male / (cases.sum() - male), rel=1e-10)
    assert got["population_for_100_cases"] == pytest.approx(
        100 * t["population"].sum() / cases.sum(), rel=1e-10)
    std = le.standard_population("esp2013")
    band = np.searchsorted(std["age_start"].to_numpy(), t["age"].to_numpy(), side="right") - 1
    by_band = t.assign(band=band).groupby("band")[["expected_cases", "population"]].sum()
    w = std["weight"].to_numpy() / std["weight"].sum()
    dsr = 1e6 * np.sum(w * by_band["expected_cases"] / by_band["population"])
    assert got["age_standardised_prevalence"] == pytest.approx(dsr, rel=1e-10)


def test_a_scenario_function_works_like_a_named_output():
    def sclc_in_finland(s):
        return expected_counts(s, population="finland-2016")["expected_sclc"].sum()

    params = pd.DataFrame({"sclc_share": [0.5, 0.9], "prevalence": [3e-6, 8e-6]})
    np.testing.assert_allclose(evaluate(sclc_in_finland, params),
                               evaluate("expected_sclc_cases", params), rtol=1e-10)


def test_scenario_from_params_sets_share_form():
    s = scenario_from_params("seed-base", {"male_share_nonparaneoplastic": 0.4,
                                           "smoker_share_paraneoplastic": 0.9})
    assert s.male_rr_nonparaneoplastic is None
    assert s.smoking_rr_paraneoplastic is None
    assert s.smoker_share_paraneoplastic == 0.9


def test_target_population_changes_more_than_prevalence():
    params = pd.DataFrame({"age_paraneoplastic_mean": [58.0, 67.0]})
    ref = evaluate("expected_cases", params, population="denmark-2013")
    tgt = evaluate("expected_cases", params, population="finland-2016")
    assert ref[0] == pytest.approx(ref[1], rel=1e-9)   # calibration fixes the total
    assert abs(tgt[1] - tgt[0]) > 1e-3 * tgt[0]         # not in another population


# ---------------------------------------------------------------------- one-way
def test_one_way_is_sorted_and_centred():
    base = le.Scenario.named("seed-base")
    ranges = {"prevalence": (4e-6, 1e-5), "sclc_share": (0.5, 0.9),
              "age_paraneoplastic_mean": (58.0, 67.1)}
    t = one_way("expected_sclc_cases", base=base, ranges=ranges)
    assert list(t.columns) == ["parameter", "low", "high", "source_low", "source_high",
                               "output_base", "output_low", "output_high", "swing"]
    assert list(t["swing"]) == sorted(t["swing"], reverse=True)
    value_base = expected_counts(base, population="finland-2016")["expected_sclc"].sum()
    np.testing.assert_allclose(t["output_base"], value_base, rtol=1e-10)
    row = t.set_index("parameter").loc["prevalence"]
    # expected cases are proportional to the prevalence target
    assert row["output_low"] == pytest.approx(value_base * 4e-6 / 7e-6, rel=1e-10)
    assert row["output_high"] == pytest.approx(value_base * 1e-5 / 7e-6, rel=1e-10)
    moved = base.replace(age_paraneoplastic_mean=58.0)
    assert t.set_index("parameter").loc["age_paraneoplastic_mean", "output_low"] == \
        pytest.approx(expected_counts(moved, population="finland-2016")["expected_sclc"].sum(), rel=1e-10)
    assert (t["swing"] == (t["output_high"] - t["output_low"]).abs()).all()


def test_one_way_defaults_from_evidence_include_the_age_variant():
    t = one_way("expected_cases_under_50")
    assert "age_profile_nonparaneoplastic" in set(t["parameter"])
    row = t.set_index("parameter").loc["age_profile_nonparaneoplastic"]
    assert (row["low"], row["high"]) == ("younger", "older")
    assert row["output_low"] > row["output_high"]  # younger profile: more cases under 50
    assert t.loc[0, "parameter"] == "prevalence"


# ---------------------------------------------------------------------- grid
def test_scenario_grid_combines_every_source_value():
    g = scenario_grid("expected_cases", choices={
        "prevalence": {"wirtz2003": 2.32e-6, "seed004": 7e-6},
        "age_profile_nonparaneoplastic": ["younger", "older", "bimodal"]})
    assert g["scenario"].nunique() == 6
    assert len(g) == 12
    wide = g.pivot(index="scenario", columns="parameter", values="value")
    assert len(wide.drop_duplicates()) == 6
    one = g[(g["scenario"] == g.loc[g["source"] == "wirtz2003", "scenario"].iloc[0])]
    s = le.Scenario.named("seed-base").replace(
        prevalence=2.32e-6,
        age_profile_nonparaneoplastic=one.set_index("parameter").loc[
            "age_profile_nonparaneoplastic", "value"])
    assert one["output"].iloc[0] == pytest.approx(
        expected_counts(s, population="finland-2016")["expected_cases"].sum(), rel=1e-10)


def test_scenario_grid_default_and_size_limit():
    g = scenario_grid("expected_sclc_cases", choices=["sclc_share"])
    assert set(g["source"]) >= {"livingwithlems", "merino-ramirez2016"}
    with pytest.raises(ValueError, match="max_scenarios"):
        scenario_grid("expected_cases", max_scenarios=10)


# ---------------------------------------------------------------------- probabilistic
def test_probabilistic_is_reproducible_and_summarises_samples():
    dists = {"prevalence": loguniform(2e-6, 1e-5), "sclc_share": uniform(0.5, 0.9)}
    a = probabilistic("expected_sclc_cases", dists, n=400, rng=2)
    b = probabilistic("expected_sclc_cases", dists, n=400, rng=2)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    v = a.samples["output"].to_numpy()
    s = a.table.iloc[0]
    assert s["measure"] == "median"
    assert s["estimate"] == pytest.approx(np.median(v))
    assert s["lower"] == pytest.approx(np.quantile(v, 0.025))
    assert s["upper"] == pytest.approx(np.quantile(v, 0.975))
    assert a.rank_correlation.loc[0, "parameter"] == "prevalence"
    np.testing.assert_allclose(v, evaluate("expected_sclc_cases",
                                           a.samples[["prevalence", "sclc_share"]]))


def test_probabilistic_correlation_supported_or_refused():
    dists = {"paraneoplastic_share": uniform(0.33, 0.78), "sclc_share": uniform(0.5, 0.9)}
    r = probabilistic("expected_sclc_cases", dists, n=1000, rng=3,
                      correlation=[[1, 0.5], [0.5, 1]])
    rho = r.samples[["paraneoplastic_share", "sclc_share"]].corr(method="spearman").iloc[0, 1]
    assert rho == pytest.approx(0.5, abs=0.06)
    with pytest.raises(ValueError, match="symmetric"):
        probabilistic("expected_cases", dists, n=100, correlation=[[1, 0.5], [0.2, 1]])
    with pytest.raises(ValueError, match="categorical"):
        probabilistic("expected_cases", {"age_profile_nonparaneoplastic": uniform(0, 1)},
                      n=10)


def test_sobol_on_named_output_in_target_population():
    dists = {"prevalence": loguniform(2e-6, 1e-5), "paraneoplastic_share": uniform(0.33, 0.78),
             "male_share_paraneoplastic": uniform(0.70, 0.786),
             "male_share_nonparaneoplastic": uniform(0.312, 0.5)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t = sobol("male_to_female_ratio", dists, n=512, rng=6).indices.set_index("parameter")
    assert t.loc["prevalence", "total_order"] < 0.01   # a ratio does not depend on prevalence
    assert t.loc["male_share_nonparaneoplastic", "total_order"] > 0.05
    assert t.loc["paraneoplastic_share", "total_order"] > 0.05


def test_totals_path_and_stratum_path_agree():
    from lems_epi.model import batch_expected
    from lems_epi.sensitivity import OUTPUTS

    s = draw(default_distributions(), 64, rng=9)
    for name, out in OUTPUTS.items():
        full = np.asarray(batch_expected(s, "finland-2016", reduce=out.reduce), dtype=float)
        np.testing.assert_allclose(evaluate(name, s), full, rtol=1e-9, err_msg=name)


@pytest.mark.parametrize("standard", ["esp2013", "who2000", "nordic2000"])
def test_age_standardised_fast_path_equals_stratum_arrays(standard):
    from lems_epi.sensitivity.outputs import Output, age_standardised, evaluate

    params = pd.DataFrame({"prevalence": np.linspace(2e-6, 1e-5, 64),
                           "paraneoplastic_share": np.linspace(0.3, 0.8, 64)})
    fast = age_standardised(standard)
    assert fast.from_totals is not None
    slow = Output("slow", fast.reduce)
    np.testing.assert_allclose(evaluate(fast, params), evaluate(slow, params), rtol=1e-12)


def test_sobol_default_distributions_follow_the_base_scenario():
    """The default Sobol sample follows the base it is given: the literature scenario gives
    the paraneoplastic share of incident cases, so the paraneoplastic duration is drawn too
    (seed-base's ranges used to be applied to every base)."""
    res = sobol("share_smokers_among_cases", None, n=256, rng=1, base="literature",
                tolerance=0.5).indices
    assert set(res["parameter"]) >= {"duration_paraneoplastic", "prevalence"}
    assert np.isfinite(res["total_order"]).all()


def test_probabilistic_result_is_on_the_contract():
    from lems_epi.stats.contract import AnalysisResult, check_contract

    dists = {"prevalence": loguniform(2e-6, 1e-5), "sclc_share": uniform(0.5, 0.9)}
    r = probabilistic("expected_sclc_cases", dists, n=300, rng=5, conf_level=0.9)
    assert isinstance(r, AnalysisResult)
    check_contract(r.table)
    row = r.table.iloc[0]
    v = r.samples["output"].to_numpy()
    assert row["output"] == "expected_sclc_cases"
    assert row["lower"] == pytest.approx(np.quantile(v, 0.05))
    assert row["upper"] == pytest.approx(np.quantile(v, 0.95))
    assert row["conf_level"] == 0.9
    assert row["method"] == "lhs"
    text = str(r.summary())
    assert "Rank correlation" in text
    assert "prevalence" in text
    assert r.plot().data[0].type == "histogram"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.samples = None
    with pytest.raises(TypeError):
        probabilistic("expected_sclc_cases", dists, 300)  # options are keyword-only
