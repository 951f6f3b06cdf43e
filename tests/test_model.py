import numpy as np
import pandas as pd
import pytest

import lems_epi as le
from lems_epi import Scenario
from lems_epi.model import age_profile, batch_expected, expected_counts, make_strata, resolve

NAMED = ["seed-low", "seed-base", "seed-high"]
COLUMNS = ["age", "sex", "smoking", "population", "expected_paraneoplastic", "expected_sclc",
           "expected_nonparaneoplastic", "expected_cases"]


def _shares(scenario):
    """Scenario with the literature-like share targets for both factors and types."""
    return Scenario.named(scenario).replace(
        male_rr_paraneoplastic=None, male_share_paraneoplastic=0.72,
        male_rr_nonparaneoplastic=None, male_share_nonparaneoplastic=0.45,
        smoking_rr_paraneoplastic=None, smoker_share_paraneoplastic=0.98,
        smoking_rr_nonparaneoplastic=None, smoker_share_nonparaneoplastic=0.5)


def _all_scenarios():
    from lems_epi.scenario import NAMED_SCENARIOS

    out = [Scenario.named(n) for n in NAMED_SCENARIOS]
    out += [Scenario.named(n).replace(paraneoplastic_share_of="incident") for n in NAMED]
    out += [_shares("seed-base"), _shares("seed-low").replace(paraneoplastic_share_of="incident")]
    return out


def _case_mean_age(table, column):
    w = table[column].to_numpy()
    return float((w * (table["age"].to_numpy() + 0.5)).sum() / w.sum())


# ------------------------------------------------------------------ strata
def test_columns_and_whole_person_split_keeps_each_age_sex_total():
    t = expected_counts("seed-base", population=None)
    assert list(t.columns) == COLUMNS
    assert len(t) == 100 * 2 * 3
    assert list(t["smoking"].iloc[:3]) == ["never", "former", "current"]
    assert t["population"].dtype == np.int64
    pop = le.population("denmark-2013")
    split = t.groupby(["age", "sex"], observed=True)["population"].sum().reset_index()
    merged = pop.merge(split, on=["age", "sex"], suffixes=("", "_split"))
    assert len(merged) == len(pop)
    assert (merged["population"] == merged["population_split"]).all()
    # each part is within one person of the exact share (largest remainder)
    sm = le.populations.smoking_by_age(le.populations.smoking_prevalence(),
                                       pop["age"], pop["sex"].astype(str))
    exact = pop["population"].to_numpy()[:, None] * sm
    parts = t["population"].to_numpy().reshape(-1, 3)
    assert np.abs(parts - exact).max() < 1.0
    assert (parts[pop["age"].to_numpy() < 15, 1:] == 0).all()   # no smokers under 15


def test_largest_remainder_exact_small_case():
    pop = pd.DataFrame({"age": [50, 50], "sex": ["female", "male"], "population": [7, 10]})
    st = make_strata(pop)
    # shares 45-54: female 0.48/0.30/0.22, male 0.40/0.34/0.26
    # female 7 -> 3.36, 2.10, 1.54 -> floors 3, 2, 1 (+1 to the largest remainder: current)
    # male 10 -> 4.0, 3.4, 2.6 -> floors 4, 3, 2 (+1 to current, .6 > .4)
    assert st.counts.tolist() == [[3, 2, 2], [4, 3, 3]]


def test_population_with_smoking_column_is_used_as_is():
    pop = pd.DataFrame({"age": [60, 60, 60, 60], "sex": ["male"] * 3 + ["female"],
                        "smoking": ["never", "former", "current", "never"],
                        "population": [100, 200, 300, 400]})
    st = make_strata(pop)
    assert st.counts.tolist() == [[400, 0, 0], [100, 200, 300]]


# ------------------------------------------------------------------ calibration
@pytest.mark.parametrize("scenario", _all_scenarios(), ids=lambda s: s.name + "/"
                         + s.paraneoplastic_share_of)
def test_calibration_in_reference_population(scenario):
    t = expected_counts(scenario, population=None)
    cases = t["expected_cases"].sum()
    para = t["expected_paraneoplastic"].sum()
    prev = cases / t["population"].sum()
    assert abs(prev / scenario.prevalence - 1) < 1e-12
    assert abs(para / cases / scenario.paraneoplastic_share_prevalent - 1) < 1e-12
    assert abs(t["expected_sclc"].sum() / para / scenario.sclc_share - 1) < 1e-12
    np.testing.assert_allclose(t["expected_cases"],
                               t["expected_paraneoplastic"] + t["expected_nonparaneoplastic"])


def test_incident_share_is_converted_with_durations():
    s = Scenario.named("seed-base").replace(paraneoplastic_share_of="incident",
                                            paraneoplastic_share=0.5)
    t = expected_counts(s, population=None)
    share = t["expected_paraneoplastic"].sum() / t["expected_cases"].sum()
    # 0.5 * 2.04 / (0.5 * 2.04 + 0.5 * 25) = 2.04 / 27.04
    assert share == pytest.approx(2.04 / 27.04, rel=1e-12)
    rep = le.calibration_report(s).set_index("quantity")
    assert "incident share 0.5 converted" in rep.loc["paraneoplastic_share_prevalent", "note"]
    assert rep.loc["paraneoplastic_share_incident", "model"] == pytest.approx(0.5, rel=1e-12)


def test_other_population_gives_other_crude_figures_with_same_risks():
    s = _shares("seed-base")
    dk = expected_counts(s, population=None)
    fi = expected_counts(s, population="finland-2016")
    prev_fi = fi["expected_cases"].sum() / fi["population"].sum()
    assert abs(prev_fi / s.prevalence - 1) > 1e-3
    # same stratum risk for the same (age, sex, smoking) stratum
    key = ["age", "sex", "smoking"]
    m = dk.merge(fi, on=key, suffixes=("_dk", "_fi"))
    m = m[(m["population_dk"] > 0) & (m["population_fi"] > 0)]
    np.testing.assert_allclose(m["expected_cases_dk"] / m["population_dk"],
                               m["expected_cases_fi"] / m["population_fi"], rtol=1e-12)
    rep = le.calibration_report(s, population="finland-2016").set_index("quantity")
    assert "finland-2016" in rep.loc["prevalence", "note"]
    assert abs(rep.loc["prevalence", "relative_error"]) > 1e-3


# ------------------------------------------------------------------ age profiles
def test_paraneoplastic_profile_adults_with_mean_near_target():
    for name in NAMED:
        s = Scenario.named(name)
        t = expected_counts(s, population=None)
        assert t.loc[t["age"] < 18, "expected_paraneoplastic"].sum() == 0
        mean = _case_mean_age(t, "expected_paraneoplastic")
        assert abs(mean - s.age_paraneoplastic_mean) < 3.0
        over50 = t.loc[t["age"] >= 50, "expected_paraneoplastic"].sum() / \
            t["expected_paraneoplastic"].sum()
        assert over50 > 0.8


def test_nonparaneoplastic_profiles_order_and_children():
    base = Scenario.named("seed-base")
    means, children = {}, {}
    for v in ("younger", "older", "any-age", "bimodal"):
        t = expected_counts(base.replace(age_profile_nonparaneoplastic=v), population=None)
        means[v] = _case_mean_age(t, "expected_nonparaneoplastic")
        children[v] = t.loc[t["age"] < 15, "expected_nonparaneoplastic"].sum() / \
            t["expected_nonparaneoplastic"].sum()
    assert means["younger"] < means["any-age"] < means["older"]
    assert means["younger"] < means["bimodal"] < means["older"]
    assert children["any-age"] > 0.01
    assert children["younger"] == children["older"] == children["bimodal"] == 0


def test_bimodal_women_younger_men_older():
    s = Scenario.named("seed-base").replace(age_profile_nonparaneoplastic="bimodal")
    t = expected_counts(s, population=None)
    young = t[t["age"] < 45].groupby("sex", observed=True)["expected_nonparaneoplastic"].sum()
    old = t[t["age"] >= 60].groupby("sex", observed=True)["expected_nonparaneoplastic"].sum()
    assert young["female"] > young["male"]
    assert old["male"] > old["female"]


# ------------------------------------------------------------------ shares -> relative risks
def test_solved_relative_risks_reproduce_target_shares():
    s = _shares("seed-base")
    t = expected_counts(s, population=None)
    male = t["sex"] == "male"
    ever = t["smoking"] != "never"
    for typ, q_m, q_s in (("paraneoplastic", 0.72, 0.98), ("nonparaneoplastic", 0.45, 0.5)):
        col = t[f"expected_{typ}"]
        assert col[male].sum() / col.sum() == pytest.approx(q_m, rel=1e-10)
        assert col[ever].sum() / col.sum() == pytest.approx(q_s, rel=1e-10)
    # former RR = 1 + phi (current - 1) in every stratum ratio
    p = t.attrs["parameters"]
    for typ in ("paraneoplastic", "nonparaneoplastic"):
        r = p[f"smoking_rr_{typ}_current"]
        assert p[f"smoking_rr_{typ}_former"] == pytest.approx(1 + 0.5 * (r - 1), rel=1e-12)
        row = t[(t["age"] == 60) & (t["sex"] == "male")]
        risk = (row[f"expected_{typ}"] / row["population"]).to_numpy()
        assert risk[2] / risk[0] == pytest.approx(r, rel=1e-10)


def test_resolve_returns_rr_form_with_same_risks():
    s = _shares("seed-base")
    r = resolve(s)
    assert r.male_share_paraneoplastic is None
    assert r.smoker_share_nonparaneoplastic is None
    assert r.male_rr_paraneoplastic > 1
    assert "solved from male_share_paraneoplastic=0.72" in r.description
    np.testing.assert_allclose(expected_counts(r, population=None)["expected_cases"],
                               expected_counts(s, population=None)["expected_cases"], rtol=1e-9)


# ------------------------------------------------------------------ batch
def test_batch_equals_one_at_a_time():
    base = _shares("seed-base")
    params = pd.DataFrame({
        "prevalence": [2.7e-6, 7e-6, 4e-6],
        "paraneoplastic_share": [0.5, 0.6, 0.3],
        "age_paraneoplastic_mean": [60.0, 65.0, 55.0],
        "age_paraneoplastic_sd": [9.0, 7.0, 12.0],
        "male_share_paraneoplastic": [0.72, 0.79, 0.6],
        "smoker_share_nonparaneoplastic": [0.3, 0.5, 0.6],
        "age_profile_nonparaneoplastic": ["bimodal", "younger", "older"],
        "paraneoplastic_share_of": ["incident", "prevalent", "incident"],
    })
    for pop in (None, "finland-2016"):
        res = batch_expected(params, pop, base=base, chunk_size=2)
        for i, row in params.iterrows():
            one = expected_counts(base.replace(**row.to_dict()), population=pop)
            np.testing.assert_allclose(res.paraneoplastic[i], one["expected_paraneoplastic"],
                                       rtol=1e-10)
            np.testing.assert_allclose(res.sclc[i], one["expected_sclc"], rtol=1e-10)
            np.testing.assert_allclose(res.nonparaneoplastic[i],
                                       one["expected_nonparaneoplastic"], rtol=1e-10)


def test_batch_reduce_and_rr_columns():
    params = pd.DataFrame({"male_rr_paraneoplastic": [1.0, 3.0],
                           "smoking_rr_paraneoplastic_current": [10.0, 20.0]})
    tot = batch_expected(params, base="seed-base", reduce=lambda r: r.totals(), chunk_size=1)
    assert len(tot) == 2
    assert list(tot["scenario"]) == [0, 1]
    np.testing.assert_allclose(tot["prevalence"], 7e-6, rtol=1e-12)
    res = batch_expected(params, base="seed-base")
    # former RR taken from the base (4.0) since the base is in RR form
    assert res.params["smoking_rr_paraneoplastic_former"].tolist() == [4.0, 4.0]


# ------------------------------------------------------------------ bad input
def test_bad_input_errors():
    with pytest.raises(ValueError, match="unknown population 'sweden-2013'"):
        expected_counts("seed-base", population="sweden-2013")
    with pytest.raises(TypeError, match="'scenario' must be a Scenario"):
        expected_counts(3.0)
    s = Scenario.named("seed-base").replace(prevalence=0.5, age_paraneoplastic_sd=0.5)
    with pytest.raises(ValueError, match="probability exceeds 1"):
        expected_counts(s, population=None)
    s = Scenario.named("seed-base").replace(smoking_rr_nonparaneoplastic=None,
                                            smoker_share_nonparaneoplastic=0.05)
    with pytest.raises(ValueError, match="smoker_share_nonparaneoplastic cannot be reached"):
        expected_counts(s, population=None)
    with pytest.raises(ValueError, match="unknown parameter column"):
        batch_expected(pd.DataFrame({"prevalance": [1e-6]}))
    with pytest.raises(ValueError, match="'prevalence' must be a proportion"):
        batch_expected(pd.DataFrame({"prevalence": [1e-6, 2.0]}))
    with pytest.raises(ValueError, match="not both"):
        batch_expected(pd.DataFrame({"male_rr_paraneoplastic": [1.0],
                                     "male_share_paraneoplastic": [0.7]}))
    bad = pd.DataFrame({"prevalence": [7e-6, 0.5], "age_paraneoplastic_sd": [9.0, 0.5]})
    with pytest.raises(ValueError, match=r"rows \[1\]"):
        batch_expected(bad)
    res = batch_expected(bad, errors="nan")
    assert res.params["ok"].tolist() == [True, False]
    assert np.isnan(res.paraneoplastic[1]).all()
    assert np.isfinite(res.paraneoplastic[0]).all()


# ------------------------------------------------------------------ literature scenario
def test_literature_scenario_reproduces_published_shares():
    s = Scenario.named("literature")
    assert s.prevalence == 2.7e-6
    assert s.paraneoplastic_share_of == "incident"
    rep = le.calibration_report(s).set_index("quantity")
    published = {  # quantity -> published figure (literature.md sections 1-7)
        "prevalence": 2.7e-6, "paraneoplastic_share_incident": 0.5, "sclc_share": 0.8,
        "male_share_paraneoplastic": 0.72, "male_share_nonparaneoplastic": 0.45,
        "smoker_share_paraneoplastic": 0.98, "current_smoker_share_nonparaneoplastic": 0.16,
        "current_smoker_share_paraneoplastic": 0.86,
    }
    for quantity, value in published.items():
        assert rep.loc[quantity, "target"] == value
        assert rep.loc[quantity, "model"] == pytest.approx(value, rel=1e-10), quantity
    # 0.5 of incident cases -> 0.5 * 2.04 / (0.5 * 2.04 + 0.5 * 25) of prevalent cases
    assert rep.loc["paraneoplastic_share_prevalent", "model"] == pytest.approx(
        2.04 / 27.04, rel=1e-12)
    for quantity in published:
        assert rep.loc[quantity, "source"].startswith(("lit-", "assumption"))
    assert s.smoking_rr_nonparaneoplastic["current"] < 1
    assert "2.7 per million" in s.description
    # former smokers keep a small part of the excess risk (solved from the 86% current smokers)
    assert 0.0 < s.former_excess_fraction < 0.2
    assert "former_excess_fraction" in rep.loc["current_smoker_share_paraneoplastic", "note"]


def test_literature_current_smokers_by_hand():
    """Current smokers among paraneoplastic cases summed from the stratum table by hand."""
    t = le.expected_counts(Scenario.named("literature"), population=None)
    para = t.groupby("smoking", observed=True)["expected_paraneoplastic"].sum()
    assert para["current"] / para.sum() == pytest.approx(0.86, rel=1e-9)
    assert (para["current"] + para["former"]) / para.sum() == pytest.approx(0.98, rel=1e-9)


def test_literature_listed_among_named_scenarios():
    t = le.scenarios().set_index("name")
    assert t.loc["literature", "prevalence_per_million"] == pytest.approx(2.7)
    assert t.loc["literature", "age_profile_nonparaneoplastic"] == "bimodal"


def test_totals_fast_path_equals_full_arrays():
    base = Scenario.named("literature")
    params = pd.DataFrame({"prevalence": [2.3e-6, 3.5e-6, 2.7e-6],
                           "male_share_paraneoplastic": [0.7, 0.79, 0.72],
                           "age_paraneoplastic_mean": [58.0, 67.0, 64.0]})
    for pop in (None, "finland-2016"):
        fast = batch_expected(params, pop, base=base, reduce="totals")
        slow = batch_expected(params, pop, base=base).totals()
        for col in slow.columns:
            np.testing.assert_allclose(fast[col], slow[col], rtol=1e-10, err_msg=col)
    # on the reference population the male share target holds for every row
    ref = batch_expected(params, base=base, reduce="totals")
    np.testing.assert_allclose(ref["male_share_paraneoplastic"], [0.7, 0.79, 0.72], rtol=1e-10)
    np.testing.assert_allclose(ref["prevalence"], params["prevalence"], rtol=1e-12)


# ------------------------------------------------------------------ fast path (group sums)
def test_profile_mass_matches_normal_cdf_for_any_age_order():
    """The normal mass per year equals differences of scipy's normal CDF, whatever the order."""
    from scipy import stats

    ages = np.array([60, 18, 95, 40, 41, 61, 17, 100])     # unsorted, gaps, one child
    mean, sd = np.array([62.0, 45.5]), np.array([9.0, 14.0])
    a = age_profile("paraneoplastic", ages, [False] * ages.size, mean=mean, sd=sd)
    want = (stats.norm.cdf(ages[None, :] + 1, mean[:, None], sd[:, None])
            - stats.norm.cdf(ages[None, :], mean[:, None], sd[:, None]))
    want[:, ages < 18] = 0.0
    np.testing.assert_allclose(a, want, rtol=1e-9, atol=1e-15)
    one = age_profile("paraneoplastic", [61], [False], mean=mean, sd=sd)
    np.testing.assert_array_equal(one[:, 0], a[:, 5])


def test_totals_fast_path_with_repeats_failures_and_user_table():
    """Group sums per distinct profile give the stratum sums, also across chunks and failures."""
    rng = np.random.default_rng(3)
    k = 40
    params = pd.DataFrame({
        "prevalence": np.where(np.arange(k) % 13 == 5, 0.2, 10 ** rng.uniform(-6, -5, k)),
        "age_paraneoplastic_mean": rng.choice([55.0, 62.5, 70.0], k),   # many repeats
        "age_paraneoplastic_sd": rng.choice([3.0, 9.0], k),
        "male_share_paraneoplastic": rng.uniform(0.55, 0.8, k),
        "smoker_share_paraneoplastic": rng.uniform(0.0, 0.99, k),      # some out of reach
        "age_profile_nonparaneoplastic": rng.choice(["bimodal", "any-age", "older"], k),
    })
    table = make_strata("finland-2016").table
    table = table[table["age"] <= 90].copy()                         # ages 0-90 only
    for pop in (None, "finland-2016", table):
        fast = batch_expected(params, pop, base=_shares("seed-base"), reduce="totals",
                              chunk_size=7, errors="nan")
        full = batch_expected(params, pop, base=_shares("seed-base"), chunk_size=7,
                              errors="nan")
        slow = full.totals()
        assert 0 < (~fast["ok"]).sum() < k
        np.testing.assert_array_equal(fast["ok"], full.params["ok"])
        for col in slow.columns:
            np.testing.assert_allclose(fast[col], slow[col], rtol=1e-12, err_msg=col)
        for col in full.params.columns:
            np.testing.assert_allclose(fast[col].to_numpy(float),
                                       full.params[col].to_numpy(float), rtol=1e-12,
                                       err_msg=col)


def test_population_table_changes_are_seen():
    """A population table is split into strata again when its content changes (even in place)."""
    table = make_strata("finland-2016").table.copy()
    params = pd.DataFrame({"prevalence": [7e-6]})
    first = batch_expected(params, table, reduce="totals")["expected_cases"].iloc[0]
    assert batch_expected(params, table.copy(), reduce="totals")["expected_cases"].iloc[0] \
        == first
    table.loc[table["age"] == 70, "population"] *= 3                   # in place
    again = batch_expected(params, table, reduce="totals")["expected_cases"].iloc[0]
    assert again > first


def test_age_band_totals():
    """Band columns: stratum sums by band, adding up to the totals; direct standardisation."""
    from lems_epi.sensitivity import age_standardised

    params = pd.DataFrame({"prevalence": [2.7e-6, 7e-6, 4e-6],
                           "age_paraneoplastic_mean": [58.0, 64.0, 70.0],
                           "age_profile_nonparaneoplastic": ["bimodal", "younger", "any-age"]})
    table = make_strata("finland-2016").table
    table = table[(table["age"] <= 92) & (table["age"] != 7)].copy()   # ages 0-92, no 7
    for pop in ("finland-2016", "denmark-2013", table):
        fast = batch_expected(params, pop, reduce="totals", age_bands="esp2013")
        full = batch_expected(params, pop)
        ages = full.strata.table["age"].to_numpy()
        persons = full.strata.table["population"].to_numpy(float)
        starts = list(range(0, 95, 5))
        assert [c for c in fast.columns if c.startswith("expected_cases_age_")] == [
            f"expected_cases_age_{s}" for s in starts]
        assert list(fast.columns[-19:]) == [f"population_age_{s}" for s in starts]
        for lo, hi in zip(starts, starts[1:] + [1000], strict=True):
            band = (ages >= lo) & (ages < hi)
            np.testing.assert_allclose(fast[f"expected_cases_age_{lo}"],
                                       full.cases[:, band].sum(axis=1), rtol=1e-12)
            assert (fast[f"population_age_{lo}"] == persons[band].sum()).all()
        cases = fast.filter(like="expected_cases_age_").to_numpy()
        np.testing.assert_allclose(cases.sum(axis=1), fast["expected_cases"], rtol=1e-12)
        pop_bands = fast.filter(like="population_age_").to_numpy()
        weights = le.standard_population("esp2013")["weight"].to_numpy(float)
        rate = 1e6 * (cases / pop_bands) @ (weights / weights.sum())
        np.testing.assert_allclose(rate, age_standardised("esp2013").reduce(full), rtol=1e-12)
    three = batch_expected(params, reduce="totals", age_bands=[0, 50, 70])
    np.testing.assert_allclose(three.filter(like="expected_cases_age_").sum(axis=1),
                               three["expected_cases"], rtol=1e-12)
    assert "expected_cases_age_50" in three.columns


def test_age_band_errors():
    params = pd.DataFrame({"prevalence": [7e-6]})
    with pytest.raises(ValueError, match="'age_bands' needs reduce='totals'"):
        batch_expected(params, age_bands="esp2013")
    with pytest.raises(ValueError, match=r"ages \[0, 1, 2, 3, 4\] of the population lie in no"):
        batch_expected(params, reduce="totals", age_bands=[18, 50])
    with pytest.raises(ValueError, match="'age_bands' is not a banding scheme"):
        batch_expected(params, reduce="totals", age_bands=[50, 20])


def test_calibration_report_survives_pandas_operations():
    """Its attrs hold plain values: rounding or concatenating the report must not raise
    (a DataFrame in attrs made pandas' attrs comparison ambiguous)."""
    rep = le.calibration_report("seed-base")
    rep[["quantity", "relative_error"]].round({"relative_error": 4})
    pd.concat([rep, rep])
    assert isinstance(rep.attrs["evidence_check"], list)
