"""Tests of lems_epi.sensitivity.bias: E-values and outcome misclassification."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lems_epi.sensitivity import (
    correct_misclassification,
    e_value,
    misclassify_outcome,
    outcome_misclassification,
)


def _hand(rr):
    """VanderWeele and Ding (2017): E = RR + sqrt(RR (RR - 1)), with 1/RR below 1."""
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


@pytest.mark.parametrize("rr", [1.0, 1.2, 2.0, 3.9, 10.0, 0.5, 0.25])
def test_e_value_matches_the_published_formula(rr):
    got = e_value(rr)["estimate"].item()
    assert got == pytest.approx(_hand(rr), rel=1e-12)


def test_e_value_worked_example_of_the_paper():
    # Ann Intern Med 2017: RR 3.9 (95% CI 1.8 to 8.7) -> E-values 7.26 and 3.0
    r = e_value(3.9, 1.8, 8.7)
    assert r["estimate"].item() == pytest.approx(3.9 + math.sqrt(3.9 * 2.9), rel=1e-12)
    assert r["estimate"].item() == pytest.approx(7.26, abs=0.005)
    assert r["e_value_limit"].item() == pytest.approx(3.0, rel=1e-12)


def test_e_value_protective_uses_upper_limit_and_null_interval_gives_one():
    r = e_value([0.5, 1.5], [0.3, 0.9], [0.8, 2.5])
    assert r["estimate"].tolist() == pytest.approx([_hand(0.5), _hand(1.5)], rel=1e-12)
    assert r["e_value_limit"].tolist() == pytest.approx([_hand(1 / 0.8), 1.0], rel=1e-12)


def test_e_value_odds_ratio_rare_and_common():
    rare = e_value(2.5, measure="or")
    assert rare["estimate"].item() == pytest.approx(_hand(2.5), rel=1e-12)
    common = e_value(2.5, measure="or", rare_outcome=False)
    assert common["estimate"].item() == pytest.approx(_hand(math.sqrt(2.5)), rel=1e-12)
    hr = e_value(2.0, measure="hr", rare_outcome=False)
    rr = (1 - 0.5 ** math.sqrt(2.0)) / (1 - 0.5 ** math.sqrt(0.5))
    assert hr["estimate"].item() == pytest.approx(_hand(rr), rel=1e-12)


def test_e_value_rejects_bad_input():
    with pytest.raises(ValueError, match="estimate"):
        e_value(-1.0)
    with pytest.raises(ValueError, match="between its limits"):
        e_value(2.0, 2.5, 3.0)
    with pytest.raises(ValueError, match="both"):
        e_value(2.0, lower=1.5)
    with pytest.raises(ValueError, match="measure"):
        e_value(2.0, measure="rd")


def test_correction_is_exact_on_expected_counts():
    t, n, se, sp = 120.0, 5000.0, 0.85, 0.995
    expected_observed = se * t + (1 - sp) * (n - t)
    res = correct_misclassification(expected_observed, n, sensitivity=se, specificity=sp)
    assert res["estimate"].item() == pytest.approx(t, rel=1e-12)
    assert res["measure"].item() == "corrected_count"


def test_correction_recovers_true_count_in_expectation(rng):
    n, t, se, sp = 20_000, 200, 0.8, 0.99
    truth = pd.DataFrame({"case": np.r_[np.ones(t, int), np.zeros(n - t, int)]})
    corrected = []
    for g in rng.spawn(400):
        obs = misclassify_outcome(truth, sensitivity=se, specificity=sp, rng=g)
        corrected.append(correct_misclassification(obs["observed_case"].sum(), n,
                                                   sensitivity=se, specificity=sp)[
            "estimate"].item())
    corrected = np.asarray(corrected, dtype=float)
    # sd of one corrected count: sqrt(var(O)) / (se + sp - 1)
    var_o = t * se * (1 - se) + (n - t) * sp * (1 - sp)
    se_mean = math.sqrt(var_o) / (se + sp - 1) / math.sqrt(corrected.size)
    assert abs(corrected.mean() - t) < 4 * se_mean
    assert corrected.std(ddof=1) == pytest.approx(math.sqrt(var_o) / (se + sp - 1), rel=0.15)


def test_record_level_imputation_recovers_truth_by_group(rng):
    n1, n0, t1, t0, se, sp = 8000, 12000, 160, 60, 0.75, 0.995
    truth = pd.DataFrame({
        "exposed": np.r_[np.ones(n1, int), np.zeros(n0, int)],
        "case": np.r_[np.ones(t1, int), np.zeros(n1 - t1, int), np.ones(t0, int),
                      np.zeros(n0 - t0, int)]})
    obs = misclassify_outcome(truth, sensitivity=se, specificity=sp, rng=rng)
    res = outcome_misclassification(obs, by="exposed", sensitivity=se, specificity=sp,
                                    n_draws=500, rng=rng)
    assert list(res.columns) == ["draw", "group", "sensitivity", "specificity", "n",
                                 "observed", "corrected", "imputed", "valid"]
    assert res["valid"].all()
    means = res.groupby("group")["imputed"].mean()
    # the imputation is centred on the corrected count of this one observed dataset
    corrected = res.groupby("group")["corrected"].first()
    assert means.loc[1] == pytest.approx(corrected.loc[1], abs=3)
    assert means.loc[0] == pytest.approx(corrected.loc[0], abs=3)
    # and the corrected count is near the truth within the misclassification noise
    sd1 = math.sqrt(t1 * se * (1 - se) + (n1 - t1) * sp * (1 - sp)) / (se + sp - 1)
    assert abs(corrected.loc[1] - t1) < 4 * sd1


def test_drawn_sensitivity_and_reproducibility():
    d = pd.DataFrame({"observed_case": [1] * 30 + [0] * 970})
    kw = dict(sensitivity=stats.beta(80, 20), specificity=stats.uniform(0.985, 0.01),
              n_draws=200)
    a = outcome_misclassification(d, rng=7, **kw)
    b = outcome_misclassification(d, rng=7, **kw)
    c = outcome_misclassification(d, rng=8, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert not a["sensitivity"].equals(c["sensitivity"])
    assert a["sensitivity"].between(0, 1).all()
    assert a["sensitivity"].nunique() == 200
    assert a["valid"].all()
    # a low specificity makes some corrections impossible: flagged, not hidden
    low = outcome_misclassification(d, sensitivity=0.8, specificity=stats.uniform(0.95, 0.045),
                                    n_draws=200, rng=7)
    invalid = ~low["valid"]
    assert invalid.any()
    assert (low.loc[invalid, "corrected"] < 0).all()
    assert low.loc[invalid, "imputed"].isna().all()
    assert low.loc[~invalid, "imputed"].notna().all()


def test_misclassification_rejects_bad_input():
    d = pd.DataFrame({"observed_case": [1, 2]})
    with pytest.raises(ValueError, match="0/1"):
        outcome_misclassification(d, sensitivity=0.9, specificity=0.9)
    with pytest.raises(ValueError, match="exceed 1"):
        correct_misclassification(5, 10, sensitivity=0.4, specificity=0.5)
    with pytest.raises(ValueError, match="observed"):
        correct_misclassification(11, 10, sensitivity=0.9, specificity=0.9)
    with pytest.raises(TypeError, match="sensitivity"):
        outcome_misclassification(pd.DataFrame({"observed_case": [1, 0]}),
                                  sensitivity="high", specificity=0.9)


def test_e_value_limits_are_e_values_on_the_contract():
    """lower/upper hold the E-values of the near and far limits (not the input limits)."""
    from lems_epi.stats.contract import check_contract

    r = e_value([3.9, 0.5], [1.8, 0.3], [8.7, 0.8])
    check_contract(r)
    assert r["lower"].tolist() == pytest.approx([_hand(1.8), _hand(1 / 0.8)], rel=1e-12)
    assert r["upper"].tolist() == pytest.approx([_hand(8.7), _hand(1 / 0.3)], rel=1e-12)
    assert r["input_lower"].tolist() == [1.8, 0.3]


def test_e_value_non_null_true_value_and_smd():
    """VanderWeele and Ding (2017): against a true RR the ratio RR/RR_true takes RR's place;
    an SMD d gives RR = exp(0.91 d) with limits exp(0.91 d -/+ 1.78 se)."""
    r = e_value(0.8, 0.71, 0.91, true_value=1.2)
    assert r["estimate"].item() == pytest.approx(_hand(1.2 / 0.8), rel=1e-12)
    assert r["lower"].item() == pytest.approx(_hand(1.2 / 0.91), rel=1e-12)
    s = e_value(-0.42, measure="smd", se=0.14)
    assert s["rr_estimate"].item() == pytest.approx(math.exp(0.91 * -0.42), rel=1e-12)
    assert s["lower"].item() == pytest.approx(_hand(math.exp(0.91 * -0.42 + 1.78 * 0.14)),
                                              rel=1e-12)
    with pytest.raises(ValueError, match="overflows"):
        e_value(1e200)


def test_exposure_misclassification_by_hand():
    """Lash, Fox and Fink (2009, ch. 6): exposure corrected within cases and non-cases;
    with perfect classification nothing changes; predictive values (Marshall 1990)."""
    a, b, c, d = 215, 668, 1449, 4296
    same = correct_misclassification(a, b, c, d, misclassified="exposure",
                                     sensitivity=1.0, specificity=1.0)
    assert same["a_corrected"].iloc[0] == a
    assert same["estimate"].iloc[0] == pytest.approx((a / (a + b)) / (c / (c + d)))
    r = correct_misclassification(a, b, c, d, misclassified="exposure",
                                  sensitivity=(0.78, 0.78), specificity=(0.99, 0.99))
    a_t = (a - 0.01 * (a + c)) / 0.77
    b_t = (b - 0.01 * (b + d)) / 0.77
    c_t, d_t = a + c - a_t, b + d - b_t
    assert r["estimate"].iloc[1] == pytest.approx(a_t * d_t / (b_t * c_t), rel=1e-12)
    pv = correct_misclassification(599, 31175, 4978, 391851, misclassified="exposure",
                                   method="predictive-values", ppv=(0.65, 0.74),
                                   npv=(1.0, 0.98))
    a_t, b_t = 0.65 * 599, 0.74 * 31175 + 0.02 * 391851
    c_t, d_t = 599 + 4978 - a_t, 31175 + 391851 - b_t
    assert pv["estimate"].iloc[0] == pytest.approx((a_t / (a_t + b_t)) / (c_t / (c_t + d_t)))
    with pytest.raises(ValueError, match="not positive"):
        correct_misclassification(a, b, c, d, misclassified="exposure", sensitivity=0.5,
                                  specificity=0.6)


def test_selection_bias_worked_example():
    """episensr's README (selection(), Stang et al. uveal melanoma study): corrected RR
    1.483780 and OR 1.634608 with selection probabilities .94, .85, .64, .25."""
    from lems_epi.sensitivity import selection_bias

    t = selection_bias(136, 297, 107, 165, selection=(0.94, 0.85, 0.64, 0.25))
    assert t["estimate"].iloc[0] == pytest.approx(1.483780, abs=5e-7)
    assert t["estimate"].iloc[1] == pytest.approx(1.634608, abs=5e-7)
    factor = (0.94 * 0.25) / (0.85 * 0.64)
    one = selection_bias(136, 297, 107, 165, selection=factor)
    assert one["estimate"].iloc[0] == pytest.approx(t["estimate"].iloc[1], rel=1e-12)


def test_unmeasured_confounder_worked_example():
    """episensr's vignette (confounders.array, Schneeweiss 2006): RR 2 with RR_CD 2.5 and
    prevalences 0.1 / 0.5 gives adjusted RR 3.043478 and percent bias -34.285714."""
    from lems_epi.sensitivity import unmeasured_confounder

    t = unmeasured_confounder(2.0, 1.5, 2.7, rr_confounder_outcome=2.5,
                              prevalence_exposed=0.1, prevalence_unexposed=0.5)
    assert t["estimate"].item() == pytest.approx(3.043478, abs=5e-7)
    assert t["percent_bias"].item() == pytest.approx(-34.285714, abs=5e-7)
    assert t["lower"].item() == pytest.approx(1.5 / t["bias_factor"].item(), rel=1e-12)


def test_covariate_misclassification_worked_example():
    """episensr's misclassification_cov example (Berry et al.: folic acid and twins, IVF known
    through a proxy with Se 0.6 and Sp 0.95): Mantel-Haenszel RR observed 2.228816, corrected
    1.000187 (episensr's printed output, 6 decimals)."""
    from lems_epi.sensitivity import covariate_misclassification

    t = pd.DataFrame({"a": [565, 754], "b": [3583, 34471], "c": [781, 4860],
                      "d": [21958, 383588]})
    r = covariate_misclassification(t, sensitivity=(0.6, 0.6), specificity=(0.95, 0.95))
    assert r["estimate"].iloc[0] == pytest.approx(1.000187, abs=5e-7)
    assert r["observed"].iloc[0] == pytest.approx(2.228816, abs=5e-7)
    perfect = covariate_misclassification(t, sensitivity=1.0, specificity=1.0)
    assert perfect["estimate"].iloc[0] == pytest.approx(perfect["observed"].iloc[0])
    with pytest.raises(ValueError, match="two rows"):
        covariate_misclassification(t.iloc[:1], sensitivity=0.6, specificity=0.95)
