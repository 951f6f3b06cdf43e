"""Tests of lems_epi.stats.stratified: Mantel-Haenszel against R, invariants, confounding."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import lems_epi as le
from lems_epi.exceptions import DroppedRowsWarning, ZeroCellWarning
from lems_epi.stats.contract import check_contract

DATA = Path(__file__).parent / "data"



def _pooled(res, measure=0):
    """The pooled row of a MantelHaenszelResult, with the CMH test added under its names."""
    row = res.table.iloc[measure].copy()
    row["cmh_statistic"], row["cmh_p"] = res.cmh_statistic, res.cmh_p
    return row


@pytest.fixture(scope="module")
def mh_input():
    return pd.read_csv(DATA / "mh_input.csv")


@pytest.fixture(scope="module")
def mh_expected():
    return pd.read_csv(DATA / "mh_expected.csv").iloc[0]


class TestMantelHaenszelR:
    """Reference: R 4.2, shared/reference/mh_input.csv (4 strata) and mh_expected.csv.

    > x <- array(c(a1, c1, b1, d1, ...), dim = c(2, 2, 4))   # per stratum [[a, b], [c, d]]
    > mantelhaen.test(x, correct = FALSE)   # or_mh, or_mh_lower/upper, cmh_statistic, cmh_p
    > epiR::epi.2by2(as.table(x), method = "cohort.count")
    #   rr_mh and its interval (Greenland-Robins), or_crude, rr_crude,
    #   or_homogeneity_woolf_p (epiR adds 0.5 to every cell), rr_homogeneity_woolf_p
    """

    def test_odds_ratio(self, mh_input, mh_expected):
        res = le.mantel_haenszel(mh_input, measure="or", homogeneity="woolf", correction=0.5)
        check_contract(res.table)
        assert len(res.table) == 1
        assert res.table["statistic"].iloc[0] == res.cmh_statistic
        row = _pooled(res)
        assert row["estimate"] == pytest.approx(mh_expected["or_mh"], rel=1e-8)
        assert row["lower"] == pytest.approx(mh_expected["or_mh_lower"], rel=1e-8)
        assert row["upper"] == pytest.approx(mh_expected["or_mh_upper"], rel=1e-8)
        assert row["crude"] == pytest.approx(mh_expected["or_crude"], rel=1e-8)
        assert row["cmh_statistic"] == pytest.approx(mh_expected["cmh_statistic"], rel=1e-8)
        assert row["cmh_p"] == pytest.approx(mh_expected["cmh_p"], abs=1e-14)
        assert row["homogeneity_p"] == pytest.approx(mh_expected["or_homogeneity_woolf_p"],
                                                     rel=1e-8)
        assert row["method"] == "robins-breslow-greenland"
        assert row["homogeneity_test"] == "woolf"

    def test_risk_ratio(self, mh_input, mh_expected):
        row = _pooled(le.mantel_haenszel(mh_input, measure="rr"))
        assert row["estimate"] == pytest.approx(mh_expected["rr_mh"], rel=1e-8)
        assert row["lower"] == pytest.approx(mh_expected["rr_mh_lower"], rel=1e-8)
        assert row["upper"] == pytest.approx(mh_expected["rr_mh_upper"], rel=1e-8)
        assert row["crude"] == pytest.approx(mh_expected["rr_crude"], rel=1e-8)
        assert row["homogeneity_test"] == "woolf"
        assert row["homogeneity_p"] == pytest.approx(mh_expected["rr_homogeneity_woolf_p"],
                                                     rel=1e-8)
        assert row["cmh_statistic"] == pytest.approx(mh_expected["cmh_statistic"], rel=1e-8)
        assert row["method"] == "greenland-robins"


def test_breslow_day_by_hand(mh_input):
    """Breslow-Day statistic (no Tarone adjustment) from its definition: for each stratum the
    expected exposed-case count under the MH odds ratio solves a quadratic; the statistic is
    sum (a - A)^2 / Var(A) with Var(A) = 1 / (1/A + 1/B + 1/C + 1/D)."""
    res = _pooled(le.mantel_haenszel(mh_input))
    psi = res["estimate"]
    total = 0.0
    for r in mh_input.itertuples():
        n1, n0, m1 = r.a + r.b, r.c + r.d, r.a + r.c
        # (A (n0 - m1 + A)) / ((n1 - A)(m1 - A)) = psi  ->  quadratic in A
        qa, qb, qc = 1 - psi, (n0 - m1) + psi * (n1 + m1), -psi * n1 * m1
        roots = np.roots([qa, qb, qc])
        big_a = next(x.real for x in roots if max(0, m1 - n0) <= x.real <= min(n1, m1))
        cells = np.array([big_a, n1 - big_a, m1 - big_a, n0 - m1 + big_a])
        total += (r.a - big_a) ** 2 * np.sum(1 / cells)
    assert res["homogeneity_test"] == "breslow-day"
    assert res["homogeneity_statistic"] == pytest.approx(total, rel=1e-8)
    assert res["homogeneity_p"] == pytest.approx(stats.chi2.sf(total, 3), rel=1e-8)


def test_rate_ratio_against_closed_form():
    """Greenland & Robins (1985) MH rate ratio, variance and the person-time CMH test,
    written out for two strata by hand."""
    tables = pd.DataFrame({"events_a": [10, 30], "person_time_a": [1000.0, 2000.0],
                           "events_b": [4, 20], "person_time_b": [900.0, 3000.0]})
    res = _pooled(le.mantel_haenszel(tables, measure="rate_ratio"))
    r = np.array([10 * 900 / 1900, 30 * 3000 / 5000])
    s = np.array([4 * 1000 / 1900, 20 * 2000 / 5000])
    est = r.sum() / s.sum()
    var = (14 * 1000 * 900 / 1900**2 + 50 * 2000 * 3000 / 5000**2) / (r.sum() * s.sum())
    assert res["estimate"] == pytest.approx(est, rel=1e-12)
    assert res["lower"] == pytest.approx(est * np.exp(-1.959963984540054 * np.sqrt(var)))
    expected_a = 14 * 1000 / 1900 + 50 * 2000 / 5000
    cmh = (40 - expected_a) ** 2 / (var * r.sum() * s.sum())
    assert res["cmh_statistic"] == pytest.approx(cmh, rel=1e-12)
    assert res["crude"] == pytest.approx((40 / 3000) / (24 / 3900), rel=1e-12)
    woolf_w = 1 / np.array([1 / 10 + 1 / 4, 1 / 30 + 1 / 20])
    logs = np.log([(10 / 1000) / (4 / 900), (30 / 2000) / (20 / 3000)])
    mean = np.sum(woolf_w * logs) / woolf_w.sum()
    assert res["homogeneity_statistic"] == pytest.approx(np.sum(woolf_w * (logs - mean) ** 2))


# --------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("measure", ["or", "rr"])
def test_one_stratum_equals_crude(measure):
    one = pd.DataFrame({"a": [46], "b": [29], "c": [3], "d": [18]})
    res = _pooled(le.mantel_haenszel(one, measure=measure, homogeneity="woolf"))
    func = le.odds_ratio if measure == "or" else le.risk_ratio
    crude = func(46, 29, 3, 18).iloc[0]
    assert res["estimate"] == pytest.approx(res["crude"], rel=1e-12)
    assert res["estimate"] == pytest.approx(crude["estimate"], rel=1e-12)
    # one stratum: the RBG / Greenland-Robins variances reduce to the Woolf / Katz ones
    assert res["lower"] == pytest.approx(crude["lower"], rel=1e-10)
    assert res["upper"] == pytest.approx(crude["upper"], rel=1e-10)
    assert res["homogeneity_statistic"] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(res["homogeneity_p"])


def test_one_stratum_breslow_day_is_exactly_zero():
    one = pd.DataFrame({"a": [10], "b": [90], "c": [5], "d": [95]})
    res = _pooled(le.mantel_haenszel(one))
    assert res["homogeneity_test"] == "breslow-day"
    assert res["homogeneity_statistic"] == 0.0
    assert np.isnan(res["homogeneity_p"])


def test_one_stratum_rate_ratio_equals_crude():
    one = pd.DataFrame({"events_a": [41], "person_time_a": [2.1e6], "events_b": [17],
                        "person_time_b": [2.4e6]})
    res = _pooled(le.mantel_haenszel(one, measure="rate_ratio"))
    crude = le.rate_ratio(41, 2.1e6, 17, 2.4e6, method="wald").iloc[0]
    for key in ("estimate", "lower", "upper"):
        assert res[key] == pytest.approx(crude[key], rel=1e-10)


@pytest.mark.parametrize("measure", ["or", "rr"])
def test_pooled_within_stratum_range_when_strata_agree(mh_input, measure):
    res = _pooled(le.mantel_haenszel(mh_input, measure=measure, homogeneity="woolf"))
    strata = le.mantel_haenszel(mh_input, measure=measure).strata
    assert res["homogeneity_p"] > 0.05  # the strata agree
    assert strata["estimate"].min() <= res["estimate"] <= strata["estimate"].max()
    assert res["lower"] < res["estimate"] < res["upper"]


def test_swapping_exposure_inverts(mh_input):
    swapped = mh_input.rename(columns={"a": "c", "b": "d", "c": "a", "d": "b"})
    for measure in ("or", "rr"):
        ab = _pooled(le.mantel_haenszel(mh_input, measure=measure))
        ba = _pooled(le.mantel_haenszel(swapped, measure=measure))
        assert ab["estimate"] == pytest.approx(1 / ba["estimate"], rel=1e-12)
        assert ab["lower"] == pytest.approx(1 / ba["upper"], rel=1e-12)
        assert ab["cmh_statistic"] == pytest.approx(ba["cmh_statistic"], rel=1e-12)
        assert ab["homogeneity_p"] == pytest.approx(ba["homogeneity_p"], rel=1e-8)


def test_strata_table_keeps_labels(mh_input):
    strata = le.mantel_haenszel(mh_input, measure="rr").strata
    assert list(strata["stratum"]) == ["S1", "S2", "S3", "S4"]
    check_contract(strata)
    assert list(strata.columns[:5]) == ["stratum", "a", "b", "c", "d"]
    direct = le.risk_ratio(mh_input["a"], mh_input["b"], mh_input["c"], mh_input["d"])
    assert_allclose(strata["estimate"], direct["estimate"], rtol=1e-12)


# --------------------------------------------------------------------------- confounding


def test_confounded_example_crude_exceeds_adjusted(rng):
    """Age confounds smoking: older people smoke more and have more outcome, the true
    stratum odds ratio is 1.5, so the crude OR is biased upwards and MH recovers ~1.5."""
    n = np.array([40_000, 40_000])            # young, old
    p_exposed = np.array([0.1, 0.6])          # smoking is more common in the old
    baseline_odds = np.array([0.01, 0.1])     # the outcome is more common in the old
    true_or = 1.5
    rows = []
    for k in range(2):
        n1 = rng.binomial(n[k], p_exposed[k])
        n0 = n[k] - n1
        odds1 = baseline_odds[k] * true_or
        a = rng.binomial(n1, odds1 / (1 + odds1))
        c = rng.binomial(n0, baseline_odds[k] / (1 + baseline_odds[k]))
        rows.append({"age": ["young", "old"][k], "a": a, "b": n1 - a, "c": c, "d": n0 - c})
    tables = pd.DataFrame(rows)
    res = _pooled(le.mantel_haenszel(tables))
    assert res["crude"] > 2.5                         # heavily confounded
    assert res["lower"] < true_or < res["upper"]      # MH removes the confounding
    assert res["crude"] > res["upper"]


# --------------------------------------------------------------------------- edge cases


def test_uninformative_stratum_is_dropped_with_warning(mh_input):
    extra = pd.concat([mh_input, pd.DataFrame({"stratum": ["S5"], "a": [0], "b": [5],
                                               "c": [0], "d": [7]})], ignore_index=True)
    with pytest.warns(DroppedRowsWarning, match=r"rows \[4\]"):
        res = _pooled(le.mantel_haenszel(extra))
    ref = _pooled(le.mantel_haenszel(mh_input))
    assert res["estimate"] == pytest.approx(ref["estimate"], rel=1e-12)


def test_woolf_with_zero_cell_warns_or_corrects():
    tables = pd.DataFrame({"a": [5, 0], "b": [20, 15], "c": [3, 2], "d": [30, 25]})
    with pytest.warns(ZeroCellWarning, match="correction=0.5"):
        res = _pooled(le.mantel_haenszel(tables, homogeneity="woolf"))
    assert np.isnan(res["homogeneity_p"])
    assert np.isfinite(res["estimate"])
    fixed = _pooled(le.mantel_haenszel(tables, homogeneity="woolf", correction=0.5))
    assert 0 < fixed["homogeneity_p"] <= 1


def test_bad_input(mh_input):
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['d'\]"):
        le.mantel_haenszel(mh_input.drop(columns="d"))
    with pytest.raises(ValueError, match="'b' has negative values"):
        le.mantel_haenszel(mh_input.assign(b=[1, -1, 2, 3]))
    with pytest.raises(ValueError, match="'a' must hold whole numbers"):
        le.mantel_haenszel(mh_input.assign(a=[1.5, 1, 2, 3]))
    with pytest.raises(ValueError, match="unknown measure"):
        le.mantel_haenszel(mh_input, measure="hr")
    with pytest.raises(ValueError, match="breslow-day"):
        le.mantel_haenszel(mh_input, measure="rr", homogeneity="breslow-day")
    with pytest.raises(ValueError, match=r"shape \(K, 2, 2\)"):
        le.mantel_haenszel(mh_input.to_numpy())
    with pytest.raises(TypeError, match="DataFrame"):
        le.mantel_haenszel("tables")
    with pytest.raises(ValueError, match="repeat"):
        le.mantel_haenszel(pd.concat([mh_input, mh_input.iloc[:1]]))
    with pytest.raises(ValueError, match="person_time_a"):
        le.mantel_haenszel(mh_input, measure="rate_ratio")


def test_uninformative_stratum_kept_in_crude_and_nan_in_strata():
    import warnings as _w

    tables = pd.DataFrame({"age": ["child", "adult", "old"], "a": [0, 30, 40],
                           "b": [0, 70, 60], "c": [0, 20, 15], "d": [500, 80, 85]})
    with pytest.warns(DroppedRowsWarning, match="rows \\[0\\]"):
        res = le.mantel_haenszel(tables)
    a, b, c, d = (tables[k].sum() for k in "abcd")
    assert res.table["crude"].iloc[0] == pytest.approx(a * d / (b * c))
    strata = res.strata
    assert list(strata["age"]) == ["child", "adult", "old"]
    assert np.isnan(strata["estimate"].iloc[0])
    with _w.catch_warnings():
        _w.simplefilter("error")
        alone = le.mantel_haenszel(tables.iloc[1:]).strata
    np.testing.assert_allclose(strata["estimate"].iloc[1:], alone["estimate"])
    np.testing.assert_allclose(strata["lower"].iloc[1:], alone["lower"])


class TestStrataR:
    """Reference: R 4.2 (shared/reference/two_by_two_strata_input.csv and
    two_by_two_strata_expected.csv; sets S1 (3 strata, common OR 2), S2 (5 strata,
    heterogeneous), S3 (8 small strata, a = 0 in stratum 1)). Tolerance 1e-8.

    > arr <- array(c(a, c, b, d), ...)    # per stratum
    > mantelhaen.test(arr, correct = TRUE); mantelhaen.test(arr, correct = FALSE)
    > epi.2by2(as.table(arr), method = "cohort.count")$massoc.detail$bOR.homog, $wOR.homog
    Breslow-Day with Tarone's correction: own code of the reference (epiR lacks it).
    """

    def test_every_set(self):
        inp = pd.read_csv(DATA / "two_by_two_strata_input.csv")
        exp = pd.read_csv(DATA / "two_by_two_strata_expected.csv").set_index("set")
        for name, part in inp.groupby("set"):
            e = exp.loc[name]
            tables = part.drop(columns="set")
            plain = le.mantel_haenszel(tables)
            cc = le.mantel_haenszel(tables, continuity_correction=True, homogeneity="tarone")
            woolf = le.mantel_haenszel(tables, homogeneity="woolf", correction=0.5)
            row = plain.table.iloc[0]
            assert row["estimate"] == pytest.approx(e["mh_or"], rel=1e-8)
            assert row["lower"] == pytest.approx(e["mh_or_lower"], rel=1e-8)
            assert row["upper"] == pytest.approx(e["mh_or_upper"], rel=1e-8)
            assert plain.cmh_statistic == pytest.approx(e["cmh_statistic"], rel=1e-8)
            assert plain.cmh_p == pytest.approx(e["cmh_p"], rel=1e-8)
            assert cc.cmh_statistic == pytest.approx(e["cmh_cc_statistic"], rel=1e-8)
            assert cc.cmh_p == pytest.approx(e["cmh_cc_p"], rel=1e-8)
            assert plain.homogeneity_statistic == pytest.approx(e["bd_epir_statistic"],
                                                                rel=1e-8)
            assert plain.homogeneity_p == pytest.approx(e["bd_epir_p"], rel=1e-8)
            assert cc.homogeneity_statistic == pytest.approx(e["bd_tarone_statistic"],
                                                             rel=1e-8)
            assert cc.homogeneity_p == pytest.approx(e["bd_tarone_p"], rel=1e-8)
            assert woolf.homogeneity_statistic == pytest.approx(
                e["woolf_or_homog_epir_statistic"], rel=1e-8)


def test_risk_difference_rothman_variance_by_hand(mh_input):
    """MH risk difference with weights n1 n0 / N and Rothman's (2002, eq. 8-1) variance."""
    a, b, c, d = (mh_input[k].to_numpy(float) for k in "abcd")
    n1, n0 = a + b, c + d
    w = n1 * n0 / (n1 + n0)
    est = np.sum(w * (a / n1 - c / n0)) / w.sum()
    var = np.sum(w**2 * (a * b / (n1**2 * (n1 - 1)) + c * d / (n0**2 * (n0 - 1)))) / w.sum()**2
    row = le.mantel_haenszel(mh_input, measure="rd").table.iloc[0]
    assert row["estimate"] == pytest.approx(est, rel=1e-12)
    assert row["upper"] - row["estimate"] == pytest.approx(1.959963984540054 * np.sqrt(var),
                                                           rel=1e-10)


def test_measure_of_wrong_type(mh_input):
    with pytest.raises(TypeError, match="'measure'"):
        le.mantel_haenszel(mh_input, measure=5)


def test_exact_common_odds_ratio_against_r():
    """Reference: shared/reference/two_by_two_strata_*.csv,
    > mantelhaen.test(arr, exact = TRUE)   # exact_cond_or, exact_p

    The p-values agree to 1e-8. R finds the conditional MLE with uniroot (default tolerance),
    so it is compared at 5e-5 (set S3 differs by 1.3e-5: R's uniroot stops at a tolerance of
    about 1e-4); lems_epi's estimate solves E[sum a] = sum a to 1e-10, checked here on the
    conditional distribution itself, so the difference is R's."""
    from lems_epi.stats.odds_ratios import StratifiedConditional

    inp = pd.read_csv(DATA / "two_by_two_strata_input.csv")
    exp = pd.read_csv(DATA / "two_by_two_strata_expected.csv").set_index("set")
    for name, part in inp.groupby("set"):
        tables = part.drop(columns="set")
        res = le.mantel_haenszel(tables, method="exact")
        row = res.table.iloc[0]
        assert row["method"] == "exact-conditional"
        assert row["p_value"] == pytest.approx(exp.loc[name, "exact_p"], rel=1e-8)
        assert row["estimate"] == pytest.approx(exp.loc[name, "exact_cond_or"], rel=5e-5)
        dist = StratifiedConditional(*(tables[k] for k in "abcd"))
        assert dist.mean(np.log(row["estimate"])) == pytest.approx(tables["a"].sum(),
                                                                   rel=1e-10)
        assert row["lower"] < row["estimate"] < row["upper"]
        assert res.cmh_statistic == pytest.approx(exp.loc[name, "cmh_statistic"], rel=1e-8)
    with pytest.raises(ValueError, match="measure='or' only"):
        le.mantel_haenszel(inp[inp["set"] == "S1"].drop(columns="set"), measure="rr",
                           method="exact")


def test_exact_common_odds_ratio_of_one_huge_stratum_equals_fisher():
    """One stratum a=4224, b=2636, c=1, d=1138 (found by tests/test_fuzz.py): the linear-scale
    convolution underflowed at the observed sum (scipy: 'function value is NaN'). With one
    stratum the exact conditional common odds ratio is Fisher's conditional MLE and interval."""
    tables = pd.DataFrame({"s": [1], "a": [4224], "b": [2636], "c": [1], "d": [1138]})
    pooled = le.mantel_haenszel(tables, strata="s", method="exact").table.iloc[0]
    fisher = le.odds_ratio(4224, 2636, 1, 1138, method="fisher").iloc[0]
    for col in ("estimate", "lower", "upper"):
        assert pooled[col] == pytest.approx(fisher[col], rel=1e-6)
