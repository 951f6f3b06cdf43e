"""Tests of the two-group comparisons (rate_comparison, risk_comparison, odds_ratios) against R
reference values, invariants and exact coverage."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from scipy.stats.contingency import odds_ratio as scipy_odds_ratio

import lems_epi as le
from lems_epi.exceptions import ZeroCellWarning

DATA = Path(__file__).parent / "data"
Z95 = stats.norm.isf(0.025)


@pytest.fixture(scope="module")
def rr_ref():
    return pd.read_csv(DATA / "rate_ratio.csv")


@pytest.fixture(scope="module")
def tab_ref():
    return pd.read_csv(DATA / "two_by_two.csv")


def _rate_args(ref):
    return (ref["events_a"], ref["person_time_a"], ref["events_b"], ref["person_time_b"])


def _cells(ref):
    return ref["a"], ref["b"], ref["c"], ref["d"]


# --------------------------------------------------------------------------- rate ratio vs R


class TestRateRatioR:
    """Reference: R 4.2 (shared/reference/rate_ratio.csv), one row per (xa, Ta, xb, Tb).

    > poisson.test(c(xa, xb), c(Ta, Tb))$conf.int          # exact_lower, exact_upper
    > epitools::rateratio(c(xb, xa, Tb, Ta), method = "midp")  # midp_lower, midp_upper
    > epitools::rateratio(c(xb, xa, Tb, Ta), method = "wald")  # wald_lower, wald_upper

    The last row has xa = 0: R's Wald upper limit is NA; lems_epi returns nan with a
    ZeroCellWarning and a lower limit of 0, as R does.
    """

    def test_exact(self, rr_ref):
        res = le.rate_ratio(*_rate_args(rr_ref), method="exact")
        assert_allclose(res["estimate"], rr_ref["rate_ratio"], rtol=1e-8)
        assert_allclose(res["lower"], rr_ref["exact_lower"], rtol=1e-8, atol=1e-14)
        assert_allclose(res["upper"], rr_ref["exact_upper"], rtol=1e-8)
        assert (res["method"] == "exact").all()
        assert (res["conf_level"] == 0.95).all()

    def test_midp_against_r(self, rr_ref):
        """epitools finds mid-p limits with uniroot: compare at 1e-2."""
        res = le.rate_ratio(*_rate_args(rr_ref), method="mid-p")
        assert_allclose(res["lower"], rr_ref["midp_lower"], rtol=1e-2, atol=1e-14)
        assert_allclose(res["upper"], rr_ref["midp_upper"], rtol=1e-2)

    def test_midp_tails_at_limits_with_scipy(self, rr_ref):
        """At each limit the mid-p tail of the conditional binomial is exactly 2.5%."""
        res = le.rate_ratio(*_rate_args(rr_ref), method="mid-p")
        for row in res.itertuples():
            n = row.events_a + row.events_b
            x = row.events_a

            def p_of(rr, row=row):
                return rr * row.person_time_a / (rr * row.person_time_a + row.person_time_b)

            if x > 0:
                p = p_of(row.lower)
                tail = stats.binom.sf(x, n, p) + 0.5 * stats.binom.pmf(x, n, p)
                assert tail == pytest.approx(0.025, rel=1e-8)
            else:
                assert row.lower == 0
            p = p_of(row.upper)
            tail = stats.binom.cdf(x - 1, n, p) + 0.5 * stats.binom.pmf(x, n, p)
            assert tail == pytest.approx(0.025, rel=1e-8)

    def test_wald(self, rr_ref):
        with pytest.warns(ZeroCellWarning, match=r"rows \[3\]"):
            res = le.rate_ratio(*_rate_args(rr_ref), method="wald")
        ok = rr_ref["wald_upper"].notna()
        assert_allclose(res["lower"], rr_ref["wald_lower"], rtol=1e-8, atol=1e-14)
        assert_allclose(res["upper"][ok], rr_ref["wald_upper"][ok], rtol=1e-8)
        assert np.isnan(res["upper"].iloc[3])
        assert res["lower"].iloc[3] == 0

    def test_columns(self, rr_ref):
        res = le.rate_ratio(10, 1000, 20, 3000)
        assert list(res.columns) == ["events_a", "person_time_a", "events_b", "person_time_b",
                                     "measure", "estimate", "lower", "upper", "conf_level",
                                     "method", "per", "statistic", "p_value", "alternative"]
        assert res["measure"].iloc[0] == "rate_ratio"
        assert len(res) == 1


def test_rate_difference_wald_by_hand():
    """Wald interval of a rate difference, from its closed form (Rothman et al. 2008)."""
    res = le.rate_difference([10, 41], [1000, 2.1e6], [20, 17], [3000, 2.4e6], conf_level=0.9)
    rd = np.array([10 / 1000 - 20 / 3000, 41 / 2.1e6 - 17 / 2.4e6])
    se = np.sqrt(np.array([10 / 1000**2 + 20 / 3000**2, 41 / 2.1e6**2 + 17 / 2.4e6**2]))
    z = stats.norm.isf(0.05)
    assert_allclose(res["estimate"], rd, rtol=1e-12)
    assert_allclose(res["lower"], rd - z * se, rtol=1e-12)
    assert_allclose(res["upper"], rd + z * se, rtol=1e-12)
    scaled = le.rate_difference(41, 2.1e6, 17, 2.4e6, per=1e5)
    assert_allclose(scaled["estimate"], rd[1] * 1e5, rtol=1e-12)
    with pytest.warns(ZeroCellWarning, match="zero width"):
        le.rate_difference(0, 10, 0, 20)


# --------------------------------------------------------------------------- 2x2 tables vs R


class TestTwoByTwoR:
    """Reference: R 4.2 (shared/reference/two_by_two.csv), tables (a, b, c, d) with
    a = exposed cases, b = exposed non-cases, c = unexposed cases, d = unexposed non-cases.

    > tab <- matrix(c(d, c, b, a), 2, byrow = TRUE)   # epitools: reference level first
    > epitools::riskratio(tab)                        # risk_ratio, rr_wald_*
    > epitools::oddsratio(tab, method = "wald")       # odds_ratio, or_wald_*
    > epitools::oddsratio(tab, method = "fisher")     # or_conditional_mle, or_fisher_*
    > epitools::oddsratio(tab, method = "midp")       # or_midp_*
    > epiR::epi.2by2(as.table(matrix(c(a, b, c, d), 2, byrow = TRUE)),
    +                method = "cohort.count")         # risk_difference, rd_wald_*, af_exposed, paf
    """

    def test_risk_ratio(self, tab_ref):
        res = le.risk_ratio(*_cells(tab_ref))
        assert_allclose(res["estimate"], tab_ref["risk_ratio"], rtol=1e-8)
        assert_allclose(res["lower"], tab_ref["rr_wald_lower"], rtol=1e-8)
        assert_allclose(res["upper"], tab_ref["rr_wald_upper"], rtol=1e-8)

    def test_odds_ratio_wald(self, tab_ref):
        res = le.odds_ratio(*_cells(tab_ref), method="wald")
        assert_allclose(res["estimate"], tab_ref["odds_ratio"], rtol=1e-8)
        assert_allclose(res["lower"], tab_ref["or_wald_lower"], rtol=1e-8)
        assert_allclose(res["upper"], tab_ref["or_wald_upper"], rtol=1e-8)

    def test_odds_ratio_fisher_against_r(self, tab_ref):
        """fisher.test finds the conditional MLE and limits with uniroot: 1e-2."""
        res = le.odds_ratio(*_cells(tab_ref), method="fisher")
        assert_allclose(res["estimate"], tab_ref["or_conditional_mle"], rtol=1e-2)
        assert_allclose(res["lower"], tab_ref["or_fisher_lower"], rtol=1e-2)
        assert_allclose(res["upper"], tab_ref["or_fisher_upper"], rtol=1e-2)

    def test_odds_ratio_fisher_and_midp_estimate_against_scipy(self, tab_ref):
        fisher = le.odds_ratio(*_cells(tab_ref), method="fisher")
        midp = le.odds_ratio(*_cells(tab_ref), method="mid-p")
        for row, f, m in zip(tab_ref.itertuples(), fisher.itertuples(), midp.itertuples(),
                             strict=True):
            ref = scipy_odds_ratio([[row.a, row.b], [row.c, row.d]], kind="conditional")
            ci = ref.confidence_interval(0.95)
            assert f.estimate == pytest.approx(ref.statistic, rel=1e-8)
            assert m.estimate == pytest.approx(ref.statistic, rel=1e-8)
            assert f.lower == pytest.approx(ci.low, rel=1e-8)
            assert f.upper == pytest.approx(ci.high, rel=1e-8)

    def test_odds_ratio_midp_against_r(self, tab_ref):
        res = le.odds_ratio(*_cells(tab_ref), method="mid-p")
        assert_allclose(res["lower"], tab_ref["or_midp_lower"], rtol=1e-2)
        assert_allclose(res["upper"], tab_ref["or_midp_upper"], rtol=1e-2)

    def test_odds_ratio_midp_tails_with_scipy(self, tab_ref):
        """At each mid-p limit, scipy's noncentral hypergeometric mid-p tail is 2.5%."""
        res = le.odds_ratio(*_cells(tab_ref), method="mid-p")
        for row in res.itertuples():
            total, cases, exposed = row.a + row.b + row.c + row.d, row.a + row.c, row.a + row.b
            lo = stats.nchypergeom_fisher(total, cases, exposed, row.lower)
            hi = stats.nchypergeom_fisher(total, cases, exposed, row.upper)
            assert lo.sf(row.a) + 0.5 * lo.pmf(row.a) == pytest.approx(0.025, rel=1e-8)
            assert hi.cdf(row.a - 1) + 0.5 * hi.pmf(row.a) == pytest.approx(0.025, rel=1e-8)

    def test_risk_difference(self, tab_ref):
        res = le.risk_difference(*_cells(tab_ref))
        assert_allclose(res["estimate"], tab_ref["risk_difference"], rtol=1e-8,
                        atol=1e-14)
        assert_allclose(res["lower"], tab_ref["rd_wald_lower"], rtol=1e-8)
        assert_allclose(res["upper"], tab_ref["rd_wald_upper"], rtol=1e-8)

    def test_attributable_fractions(self, tab_ref):
        res = le.attributable_fraction(*_cells(tab_ref))
        afe = res[res["measure"] == "attributable_fraction_exposed"].reset_index(drop=True)
        paf = res[res["measure"] == "population_attributable_fraction"].reset_index(drop=True)
        assert_allclose(afe["estimate"], tab_ref["af_exposed"], rtol=1e-8, atol=1e-14)
        assert_allclose(paf["estimate"], tab_ref["paf"], rtol=1e-8, atol=1e-14)
        rr = le.risk_ratio(*_cells(tab_ref))
        assert_allclose(afe["lower"], 1 - 1 / rr["lower"], rtol=1e-12)
        assert_allclose(afe["upper"], 1 - 1 / rr["upper"], rtol=1e-12)
        assert res["measure"].tolist()[:2] == ["attributable_fraction_exposed",
                                               "population_attributable_fraction"]


def _paf(res):
    return res[res["measure"] == "population_attributable_fraction"].reset_index(drop=True)


def test_population_af_interval_matches_walter_compact_form():
    """Walter (1976): Var[log(1 - PAF)] = (b + PAF (a + d)) / (N c), a second form."""
    a, b, c, d = np.array([46, 12, 30, 7]), np.array([29, 88, 70, 300]), \
        np.array([3, 5, 30, 4]), np.array([18, 95, 70, 900])
    res = _paf(le.attributable_fraction(a, b, c, d))
    n = a + b + c + d
    paf = res["estimate"].to_numpy()
    se = np.sqrt((b + paf * (a + d)) / (n * c))
    assert_allclose(res["lower"], 1 - (1 - paf) * np.exp(Z95 * se), rtol=1e-10)
    assert_allclose(res["upper"], 1 - (1 - paf) * np.exp(-Z95 * se), rtol=1e-10)


def test_population_af_interval_coverage_by_simulation(rng):
    """Multinomial samples of a cross-sectional table: the Walter interval covers ~95%."""
    probs = np.array([0.06, 0.24, 0.035, 0.665])  # exposure 30%, risks 0.2 vs 0.05
    true_paf = 1 - 0.05 / (0.06 + 0.035)
    reps = 4000
    tables = rng.multinomial(2000, probs, size=reps)
    res = _paf(le.attributable_fraction(*tables.T))
    cover = ((res["lower"] <= true_paf) & (true_paf <= res["upper"])).mean()
    assert abs(cover - 0.95) < 3 * np.sqrt(0.95 * 0.05 / reps)


# --------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("method", ["exact", "mid-p", "wald"])
def test_rate_ratio_swap_inverts(method):
    xa, ta, xb, tb = [3, 41, 10, 7], [12000, 2.1e6, 1000, 50], [1, 17, 20, 2], [15000, 2.4e6,
                                                                                 3000, 80]
    ab = le.rate_ratio(xa, ta, xb, tb, method=method)
    ba = le.rate_ratio(xb, tb, xa, ta, method=method)
    assert_allclose(ab["estimate"], 1 / ba["estimate"], rtol=1e-12)
    assert_allclose(ab["lower"], 1 / ba["upper"], rtol=1e-8)
    assert_allclose(ab["upper"], 1 / ba["lower"], rtol=1e-8)
    assert (ab["lower"] <= ab["estimate"]).all()
    assert (ab["estimate"] <= ab["upper"]).all()


@pytest.mark.parametrize("method", ["wald", "fisher", "mid-p"])
def test_odds_ratio_swap_inverts(method):
    a, b, c, d = [46, 12, 1, 30], [29, 88, 999, 70], [3, 5, 1, 30], [18, 95, 9999, 70]
    ab = le.odds_ratio(a, b, c, d, method=method)
    ba = le.odds_ratio(c, d, a, b, method=method)
    assert_allclose(ab["estimate"], 1 / ba["estimate"], rtol=1e-6)
    assert_allclose(ab["lower"], 1 / ba["upper"], rtol=1e-6)
    assert_allclose(ab["upper"], 1 / ba["lower"], rtol=1e-6)


def test_risk_ratio_and_difference_swap():
    a, b, c, d = [46, 12, 1], [29, 88, 999], [3, 5, 1], [18, 95, 9999]
    ab, ba = le.risk_ratio(a, b, c, d), le.risk_ratio(c, d, a, b)
    assert_allclose(ab["estimate"], 1 / ba["estimate"], rtol=1e-12)
    assert_allclose(ab["lower"], 1 / ba["upper"], rtol=1e-12)
    rd_ab, rd_ba = le.risk_difference(a, b, c, d), le.risk_difference(c, d, a, b)
    assert_allclose(rd_ab["estimate"], -rd_ba["estimate"], rtol=1e-12)
    assert_allclose(rd_ab["lower"], -rd_ba["upper"], rtol=1e-12)


def test_wider_interval_at_higher_conf_level():
    lo = le.rate_ratio(10, 1000, 20, 3000, conf_level=0.9)
    hi = le.rate_ratio(10, 1000, 20, 3000, conf_level=0.99)
    assert hi["lower"].iloc[0] < lo["lower"].iloc[0] < lo["upper"].iloc[0] < hi["upper"].iloc[0]


# --------------------------------------------------------------------------- exact coverage


def _conditional_coverage(true_rr, n, ta, tb, method, conf_level=0.95):
    """Coverage given the total n, summing binomial probabilities over every outcome."""
    x = np.arange(n + 1)
    p = true_rr * ta / (true_rr * ta + tb)
    with pytest.warns(ZeroCellWarning):  # x = n gives an infinite upper limit
        res = le.rate_ratio(x, ta, n - x, tb, conf_level=conf_level, method=method)
    covered = (res["lower"] <= true_rr) & (true_rr <= res["upper"])
    return float(np.sum(stats.binom.pmf(x, n, p) * covered))


@pytest.mark.parametrize("true_rr", [0.2, 1.0, 2.7, 10.0])
@pytest.mark.parametrize("n", [1, 5, 17, 60])
def test_exact_rate_ratio_coverage_at_least_nominal(true_rr, n):
    """Conditional coverage of the exact interval is >= 95% for every total, hence also
    unconditionally (a mixture over the Poisson total)."""
    assert _conditional_coverage(true_rr, n, 1000.0, 2500.0, "exact") >= 0.95 - 1e-12


def test_exact_rate_ratio_unconditional_coverage():
    """Unconditional coverage with Poisson counts: mix the conditional coverage over the
    Poisson distribution of the total (mean 12), truncated where the tail is < 1e-12."""
    ta, tb, rate_b, true_rr = 2000.0, 4000.0, 2e-3, 1.8
    mean_total = rate_b * true_rr * ta + rate_b * tb
    totals = np.arange(0, 60)
    weights = stats.poisson.pmf(totals, mean_total)
    assert weights.sum() > 1 - 1e-12
    cover = sum(w * _conditional_coverage(true_rr, int(n), ta, tb, "exact")
                                 for n, w in zip(totals[1:], weights[1:], strict=True))
    # n = 0 (probability exp(-12)) gives no interval; the rest must cover >= 95%
    assert cover >= 0.95 * (1 - weights[0])
    midp = sum(w * _conditional_coverage(true_rr, int(n), ta, tb, "mid-p")
               for n, w in zip(totals[1:], weights[1:], strict=True))
    assert midp < cover  # mid-p intervals are shorter, so cover less than exact


# --------------------------------------------------------------------------- zero cells


def test_exact_methods_work_with_zero_cells():
    res = le.rate_ratio(0, 500, 6, 700)
    assert res["estimate"].iloc[0] == 0
    assert res["lower"].iloc[0] == 0
    assert np.isfinite(res["upper"].iloc[0])
    for method in ("fisher", "mid-p"):
        out = le.odds_ratio(0, 20, 6, 14, method=method)
        assert out["estimate"].iloc[0] == 0
        assert out["lower"].iloc[0] == 0
        assert 0 < out["upper"].iloc[0] < np.inf


def test_infinite_exact_results_warn():
    with pytest.warns(ZeroCellWarning, match="infinite"):
        res = le.rate_ratio(6, 700, 0, 500)
    assert np.isinf(res["estimate"].iloc[0])
    assert np.isinf(res["upper"].iloc[0])
    assert res["lower"].iloc[0] > 0
    with pytest.warns(ZeroCellWarning, match="infinite"):
        le.odds_ratio(6, 14, 0, 20, method="fisher")
    with pytest.warns(ZeroCellWarning, match="undefined"):
        res = le.rate_ratio(0, 700, 0, 500)
    assert res[["estimate", "lower", "upper"]].isna().all(axis=None)


def test_wald_zero_cells_warn_or_take_correction():
    with pytest.warns(ZeroCellWarning, match="correction=0.5"):
        res = le.odds_ratio(0, 20, 6, 14)
    assert res["estimate"].iloc[0] == 0
    assert res["lower"].iloc[0] == 0
    assert np.isnan(res["upper"].iloc[0])
    fixed = le.odds_ratio([0, 46], [20, 29], [6, 3], [14, 18], correction=0.5)
    assert_allclose(fixed["estimate"], [0.5 * 14.5 / (20.5 * 6.5), 46 * 18 / (29 * 3)])
    se = np.sqrt(1 / 0.5 + 1 / 20.5 + 1 / 6.5 + 1 / 14.5)
    assert fixed["upper"].iloc[0] == pytest.approx(fixed["estimate"].iloc[0]
                                                   * np.exp(Z95 * se))
    with pytest.warns(ZeroCellWarning):
        rr = le.risk_ratio(5, 20, 0, 30)
    assert np.isinf(rr["estimate"].iloc[0])
    assert np.isnan(rr["lower"].iloc[0])
    rr = le.risk_ratio(5, 20, 0, 30, correction=0.5)
    assert np.isfinite(rr[["estimate", "lower", "upper"]].to_numpy()).all()
    with pytest.warns(ZeroCellWarning, match="minus infinity"):
        af = le.attributable_fraction(0, 20, 5, 30)
    assert np.isnan(af["estimate"].iloc[0])  # AF in the exposed of a = 0 is -inf: nan


# --------------------------------------------------------------------------- bad input


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="'a' has negative values at rows \\[1\\]"):
        le.risk_ratio([1, -2], [3, 4], [5, 6], [7, 8])
    with pytest.raises(ValueError, match="'events_a' must hold whole numbers"):
        le.rate_ratio(2.5, 100, 3, 100)
    with pytest.raises(ValueError, match="'person_time_b' has zero or negative"):
        le.rate_ratio(2, 100, 3, 0)
    with pytest.raises(ValueError, match="unknown method 'exakt'.*Did you mean 'exact'"):
        le.rate_ratio(2, 100, 3, 100, method="exakt")
    with pytest.raises(ValueError, match="conf_level"):
        le.odds_ratio(1, 2, 3, 4, conf_level=95)
    with pytest.raises(ValueError, match="incompatible shapes"):
        le.odds_ratio([1, 2], [1, 2, 3], 3, 4)
    with pytest.raises(ValueError, match="exposed \\(a \\+ b\\) group is empty"):
        le.risk_difference(0, 0, 3, 4)
    with pytest.raises(TypeError, match="'b' must be numeric"):
        le.odds_ratio(1, "x", 3, 4)
    with pytest.raises(ValueError, match="'correction'"):
        le.odds_ratio(1, 2, 3, 4, correction=-1)
    with pytest.raises(ValueError, match="method='wald' only"):
        le.odds_ratio(1, 2, 3, 4, method="fisher", correction=0.5)
    with pytest.raises(ValueError, match="method='wald' only"):
        le.rate_ratio(1, 2, 3, 4, correction=0.5)
    with pytest.raises(ValueError, match="one-dimensional"):
        le.odds_ratio([[1, 2]], 2, 3, 4)


# --------------------------------------------------------------------------- more methods vs R


@pytest.fixture(scope="module")
def more():
    return pd.read_csv(DATA / "two_by_two_more.csv")


class TestMoreMethodsR:
    """Reference: R 4.2 with epiR 2.0.57 (shared/reference/two_by_two_more.csv, T1-T12;
    a, b, c, d as in lems_epi). See its README, "Wave 2".

    > epi.2by2(as.table(matrix(c(a, c, b, d), 2, 2)), method = "cohort.count")$massoc.detail
    > epiR:::zRRscore(matrix(c(a, b, c, d), 2, 2), 0.95)      # rr_score_* (Koopman)
    > epiR:::zORcfield(as.table(matrix(c(a, c, b, d), 2, 2)), 0.95)   # conditional mid-p
    > own uniroot solutions: or_score_root_*, or_midp_root_*, rd_score_root_*

    Tolerances as the README gives them: 1e-8 for closed forms and the root solutions,
    1e-4 for Koopman's limits when b = 0 or d = 0 (epiR steps by factors 1.0001 there).
    """

    def test_koopman_risk_ratio(self, more):
        with pytest.warns(ZeroCellWarning, match="c = 0"):  # a table with c = 0: RR inf
            res = le.risk_ratio(*_cells(more), method="koopman")
        edge = (more["b"] == 0) | (more["d"] == 0)
        for col, ref in (("lower", "rr_score_lower"), ("upper", "rr_score_upper")):
            assert_allclose(res[col][~edge], more[ref][~edge], rtol=1e-8)
            assert_allclose(res[col][edge], more[ref][edge], rtol=1e-4)

    def test_score_odds_ratio_without_correction(self, more):
        with pytest.warns(ZeroCellWarning, match="infinite"):  # tables with b or c = 0
            res = le.odds_ratio(*_cells(more), method="score-uncorrected")
        ok = more["or_score_root_upper"].notna() & np.isfinite(more["or_score_root_upper"])
        assert_allclose(res["lower"], more["or_score_root_lower"], rtol=1e-8)
        assert_allclose(res["upper"][ok], more["or_score_root_upper"][ok], rtol=1e-8)
        # epiR's own grid search lies up to 0.1% outside the roots
        assert_allclose(res["lower"], more["or_score_lower"], rtol=2e-3)

    def test_conditional_midp_odds_ratio(self, more):
        """epiR's zORcfield is the conditional mid-p interval (method 'mid-p', alias
        'cornfield')."""
        with pytest.warns(ZeroCellWarning, match=r"rows \[3, 4\]"):  # b = 0 or c = 0
            res = le.odds_ratio(*_cells(more), method="cornfield")
        assert_allclose(res["lower"], more["or_midp_root_lower"], rtol=1e-8)
        ok = np.isfinite(more["or_midp_root_upper"])
        assert_allclose(res["upper"][ok], more["or_midp_root_upper"][ok], rtol=1e-8)
        assert (res["method"] == "mid-p").all()

    def test_mee_score_risk_difference(self, more):
        res = le.risk_difference(*_cells(more), method="mee")
        assert_allclose(res["lower"], more["rd_score_root_lower"], atol=1e-9)
        assert_allclose(res["upper"], more["rd_score_root_upper"], atol=1e-9)

    def test_population_attributable_risk_and_nnt(self, more):
        par = le.population_attributable_risk(*_cells(more))
        assert_allclose(par["estimate"], more["par"], rtol=1e-8)
        assert_allclose(par["lower"], more["par_wald_lower"], rtol=1e-8)
        assert_allclose(par["upper"], more["par_wald_upper"], rtol=1e-8)
        nnt = le.number_needed_to_treat(*_cells(more))
        assert_allclose(nnt["estimate"], more["nnt"], rtol=1e-8)
        whole = ~nnt["disjoint"] & (more["rd_wald_upper"] <= 1)
        assert_allclose(nnt["lower"][whole], more["nnt_wald_lower"][whole], rtol=1e-8)
        assert_allclose(nnt["upper"][whole], more["nnt_wald_upper"][whole], rtol=1e-8)

    def test_fisher_p_value(self, more):
        with pytest.warns(ZeroCellWarning, match=r"rows \[3, 4\]"):
            res = le.odds_ratio(*_cells(more), method="fisher")
        big = more["fisher_p"] > 1e-12
        assert_allclose(res["p_value"][big], more["fisher_p"][big], rtol=1e-8)
        assert_allclose(res["p_value"][~big], more["fisher_p"][~big], atol=1e-14)


def test_exact_odds_ratio_scales_to_large_tables():
    """Issue 14: cells near 1e9 gave an OverflowError; the log-space window handles them.
    The interval agrees with the Woolf interval there (both are asymptotically exact)."""
    k = 10**9
    exact = le.odds_ratio(k + 37, k, k, k + 11, method="fisher")
    wald = le.odds_ratio(k + 37, k, k, k + 11)
    assert_allclose(exact[["lower", "upper"]].to_numpy(), wald[["lower", "upper"]].to_numpy(),
                    rtol=1e-6)
    mid = le.odds_ratio(10**4, 10**4 + 50, 10**4 + 20, 10**4, method="mid-p")
    ref = scipy_odds_ratio([[10**4, 10**4 + 50], [10**4 + 20, 10**4]])
    assert mid["estimate"].iloc[0] == pytest.approx(ref.statistic, rel=1e-8)


def test_baptista_pike_inside_fisher_and_rejects_outside():
    """Baptista-Pike limits are the outermost odds ratios whose two-sided minimum-likelihood
    conditional p-value reaches alpha, so they lie inside the Fisher (two one-sided tests)
    interval; just outside them, scipy's noncentral hypergeometric gives p < alpha."""
    fisher = le.odds_ratio(7, 27, 1, 33, method="fisher").iloc[0]
    bp = le.odds_ratio(7, 27, 1, 33, method="baptista-pike").iloc[0]
    assert fisher["lower"] <= bp["lower"] <= bp["upper"] <= fisher["upper"]
    dist = stats.nchypergeom_fisher(68, 8, 34, bp["upper"] * 1.001)
    pmf = dist.pmf(np.arange(0, 9))
    assert pmf[pmf <= pmf[7] * (1 + 1e-7)].sum() < 0.05


@pytest.mark.parametrize("method", ["score", "mover-jeffreys", "wald-cc"])
def test_rate_ratio_methods_invert(method):
    ab = le.rate_ratio(60, 51477.5, 30, 54308.7, method=method)
    ba = le.rate_ratio(30, 54308.7, 60, 51477.5, method=method)
    assert ab["lower"].iloc[0] == pytest.approx(1 / ba["upper"].iloc[0], rel=1e-8)


def test_rate_ratio_test_minlike_against_binomial():
    """R: binom.test(60, 90, p = 51477.5 / (51477.5 + 54308.7))$p.value (minlike)."""
    res = le.rate_ratio_test(60, 51477.5, 30, 54308.7)
    p0 = 51477.5 / (51477.5 + 54308.7)
    k = np.arange(91)
    pmf = stats.binom.pmf(k, 90, p0)
    assert res["p_value"].iloc[0] == pytest.approx(pmf[pmf <= pmf[60] * (1 + 1e-7)].sum(),
                                                   rel=1e-10)
    greater = le.rate_ratio_test(60, 51477.5, 30, 54308.7, alternative="greater")
    assert greater["p_value"].iloc[0] == pytest.approx(stats.binom.sf(59, 90, p0), rel=1e-10)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: le.rate_ratio([], [], [], []), ValueError, "empty"),
    (lambda: le.rate_ratio("3", 100, 2, 100), TypeError, "'events_a' must be numeric"),
    (lambda: le.odds_ratio(1 + 2j, 2, 3, 4), TypeError, "'a' must be numeric"),
    (lambda: le.risk_ratio(np.array(["2020-01-01"], "datetime64[D]"), 2, 3, 4), TypeError,
     "'a' must be numeric"),
    (lambda: le.rate_ratio(3, np.inf, 2, 100), ValueError, "'person_time_a' has infinite"),
    (lambda: le.rate_ratio_test(1, 2, 3, 4, null_value=-1), ValueError, "'null_value'"),
    (lambda: le.rate_ratio_test(1, 2, 3, 4, alternative="bigger"), ValueError,
     "alternative"),
])
def test_bad_input_is_named(call, error, match):
    """Issue 19: every bad input gets a ValueError/TypeError naming the argument."""
    with pytest.raises(error, match=match):
        call()


def _exact_coverage(func, method, truth, p1, p0, n1=30, n0=30):
    """Coverage of an interval over every table of two binomial samples (no simulation)."""
    x1, x0 = np.meshgrid(np.arange(n1 + 1), np.arange(n0 + 1), indexing="ij")
    x1, x0 = x1.ravel(), x0.ravel()
    keep = ((x1 + x0) > 0) & ((x1 + x0) < n1 + n0)  # tables with cases and non-cases
    w = stats.binom.pmf(x1, n1, p1) * stats.binom.pmf(x0, n0, p0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroCellWarning)
        r = func(x1[keep], n1 - x1[keep], x0[keep], n0 - x0[keep], method=method)
    covered = ((r["lower"] <= truth) & (truth <= r["upper"])).to_numpy()
    return float(np.sum(w[keep] * covered) / w[keep].sum())


@pytest.mark.parametrize(("p1", "p0"), [(0.3, 0.15), (0.5, 0.5), (0.1, 0.05)])
@pytest.mark.parametrize(("func", "method", "kind"), [
    (le.risk_ratio, "koopman", "rr"), (le.risk_difference, "newcombe", "rd"),
    (le.risk_difference, "miettinen-nurminen", "rd"), (le.odds_ratio, "score", "or")])
def test_score_intervals_cover_near_nominal(func, method, kind, p1, p0):
    """Exact coverage (enumerating all 31 x 31 tables, 30 persons per group) of the score
    intervals lies between 93% and 99% (they aim at 95% on average, not at every point;
    Fagerland, Lydersen and Laake 2015 report the same range)."""
    truth = {"rr": p1 / p0, "rd": p1 - p0, "or": p1 / (1 - p1) / (p0 / (1 - p0))}[kind]
    assert 0.93 <= _exact_coverage(func, method, truth, p1, p0) <= 0.99


def test_baptista_pike_coverage_at_least_nominal():
    """The Baptista-Pike interval inverts an exact conditional test: its coverage is at
    least 95% given the margins, hence also unconditionally (enumeration, 15 per group)."""
    p1, p0 = 0.4, 0.15
    truth = p1 / (1 - p1) / (p0 / (1 - p0))
    for method in ("baptista-pike", "fisher"):
        assert _exact_coverage(le.odds_ratio, method, truth, p1, p0, 15, 15) >= 0.95


@pytest.mark.parametrize(("call", "suggested"), [
    (lambda **kw: le.risk_ratio(5, 20, 0, 30, **kw), "koopman"),
    (lambda **kw: le.odds_ratio(0, 20, 6, 14, **kw), "fisher"),
    (lambda **kw: le.rate_ratio(0, 500, 6, 700, **kw), "exact"),
])
def test_zero_cell_warning_suggests_a_method_that_exists(call, suggested):
    """Issue 12: the warning used to say 'use an exact method', which risk_ratio lacked."""
    method = {"koopman": "wald", "fisher": "wald", "exact": "wald"}[suggested]
    with pytest.warns(ZeroCellWarning, match=f"method='{suggested}'"):
        call(method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroCellWarning)  # infinite limits may still warn
        res = call(method=suggested)
    assert np.isfinite(res["lower"].iloc[0])
