"""Funnel-plot limits: R known values, exact false-alarm probabilities, overdispersion."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lems_epi.stats import funnel_limits, funnel_outliers, overdispersion_estimate
from lems_epi.stats.contract import check_contract


@pytest.fixture
def reference(data_dir):
    return pd.read_csv(data_dir / "funnel_limits.csv")


@pytest.mark.parametrize(("method", "lower", "upper"), [
    ("exact-interpolated", "lower", "upper"),
    ("exact-step", "lower_step", "upper_step"),
    ("normal", "lower_normal", "upper_normal"),
])
def test_limits_match_r(reference, method, lower, upper):
    """Known values: shared/reference/funnel_limits.csv (tools/reference_wave2.R), computed as

    p <- c((1 - level) / 2, (1 + level) / 2)
    r <- qbinom(p, n, target)                  # qpois(p, target * n) for type "rate"
    a <- (pbinom(r, n, target) - p) / dbinom(r, n, target)   # ppois / dpois
    lower, upper <- (r - a) / n                # interpolated (Spiegelhalter 2005, A.1.1)
    lower_step, upper_step <- r / n
    lower_normal, upper_normal <- target -/+ qnorm(1 - (1 - level)/2) * sqrt(target (1 - target) / n)
                                               # sqrt(target / n) for a rate

    Tolerance 1e-10 relative (README); negative lower limits are kept as computed.
    """
    for (kind, target), ref in reference.groupby(["type", "target"]):
        got = funnel_limits(target, ref["denominator"].unique(), kind=kind,
                            levels=sorted(ref["level"].unique()), method=method)
        check_contract(got)
        merged = ref.merge(got, left_on=["denominator", "level"],
                           right_on=["denominator", "conf_level"], suffixes=("_r", ""))
        assert len(merged) == len(ref)
        for r_col, ours in ((lower, "lower"), (upper, "upper")):
            r_col = f"{r_col}_r" if r_col in ("lower", "upper") else r_col
            np.testing.assert_allclose(merged[ours], merged[r_col], rtol=1e-10, atol=1e-14)
        np.testing.assert_array_equal(merged["r_lower_r"], merged["r_lower"])
        np.testing.assert_array_equal(merged["r_upper_r"], merged["r_upper"])
        np.testing.assert_allclose(merged["expected"], merged["expected_count"], rtol=1e-12)
        if method == "exact-interpolated":
            neg = merged["lower"] < 0
            assert neg.any()  # the R reference keeps negative lower limits
            np.testing.assert_array_equal(merged["lower_negative"], neg)


def test_exact_outside_probability_by_hand():
    """prob_above / prob_below are the null tail beyond the limit, from the distribution."""
    t = funnel_limits(0.004, [500.0], kind="rate", levels=0.95, method="exact-step")
    mu = 2.0
    r_lo, r_hi = t["r_lower"].iloc[0], t["r_upper"].iloc[0]
    # step limits: outside means R < r_lower or R > r_upper
    assert t["prob_below"].iloc[0] == pytest.approx(stats.poisson.cdf(r_lo - 1, mu) if r_lo
                                                    else 0.0)
    assert t["prob_above"].iloc[0] == pytest.approx(stats.poisson.sf(r_hi, mu))
    # interpolated limits: a count equal to r_upper already lies above r_upper - alpha
    t = funnel_limits(0.004, [500.0], kind="rate", levels=0.95)
    assert t["prob_above"].iloc[0] == pytest.approx(stats.poisson.sf(r_hi - 1, mu))


@pytest.mark.parametrize("kind", ["rate", "proportion"])
def test_share_outside_equals_the_exact_probability(kind):
    """Under no true difference the share of areas outside each limit is the exact discrete
    probability (not the nominal 5% / 0.2%).

    20,000 simulated areas with 0.5 to 50 expected cases; the simulated share must lie
    within 4 binomial standard errors of the mean exact probability (false alarm about 6e-5
    per comparison).
    """
    rng = np.random.default_rng(20240517)
    n_units = 20_000
    target = 0.004 if kind == "rate" else 0.05
    denom = np.round(np.exp(rng.uniform(np.log(125), np.log(12_500), n_units)))
    if kind == "rate":
        events = rng.poisson(target * denom)
    else:
        events = rng.binomial(denom.astype(int), target)
    points = funnel_outliers(events, denom, target, kind=kind)
    limits = funnel_limits(target, denom, kind=kind)
    for level in (0.95, 0.998):
        pts = points[points["conf_level"] == level]
        lim = limits[limits["conf_level"] == level]
        for side, prob in (("above", "prob_above"), ("below", "prob_below")):
            share = np.mean(pts["position"] == side)
            # lim rows follow sorted denominators; the mean over units does not depend on order
            p = lim[prob].mean()
            se = np.sqrt(max(p * (1 - p), 1e-12) / n_units)
            assert abs(share - p) <= 4 * se + 1e-12, (level, side, share, p)


def test_few_expected_cases_fall_outside_less_than_nominal():
    """At a few expected cases the discrete null puts less than nominal outside the step
    limits, and nothing below a negative lower limit; the interpolated upper limit is the
    exception (it flags a count equal to r_p)."""
    expected = np.array([0.5, 1.0, 2.0, 3.0, 5.0])
    t = funnel_limits(1.0, expected, kind="ratio", method="exact-step")
    for level, tail in ((0.95, 0.025), (0.998, 0.001)):
        rows = t[t["conf_level"] == level]
        assert (rows["prob_below"] <= tail).all()
        assert (rows["prob_above"] <= tail).all()
        assert (rows["prob_below"] + rows["prob_above"] < 1 - level).all()
    interp = funnel_limits(1.0, expected, kind="ratio")
    low = interp[interp["lower_negative"]]
    assert len(low)
    assert (low["prob_below"] == 0).all()
    assert (interp["prob_below"] <= (1 - interp["conf_level"]) / 2 + 1e-15).all()
    # at 0.5 expected: r = 4 (P(R <= 3) = 0.99825 < 0.999 <= P(R <= 4)), alpha = 0.52, so
    # 4 cases lie above the interpolated 99.8% limit 3.48 / 0.5: P(R >= 4) = 0.00175 > 0.001
    row = interp[(interp["expected"] == 0.5) & (interp["conf_level"] == 0.998)]
    r = next(k for k in range(20) if stats.poisson.cdf(k, 0.5) >= 0.999)
    assert r == 4
    assert row["r_upper"].iloc[0] == r
    assert row["prob_above"].iloc[0] == pytest.approx(stats.poisson.sf(r - 1, 0.5), rel=1e-12)
    assert row["prob_above"].iloc[0] > 0.001


def test_interpolated_limits_are_smooth_and_inside_the_step():
    n = np.linspace(10, 2000, 20_000)  # expected counts 0.1 to 20 in steps of 0.001
    t = funnel_limits(0.01, n, kind="rate", levels=0.95)
    lo, hi = t["lower"].to_numpy(), t["upper"].to_numpy()
    step = funnel_limits(0.01, n, kind="rate", levels=0.95, method="exact-step")
    assert (hi <= step["upper"].to_numpy() + 1e-15).all()
    assert (lo <= step["lower"].to_numpy() + 1e-15).all()
    assert (lo <= 0.01).all()
    assert (hi >= 0.01).all()
    # the count limit r - alpha moves continuously with the expected count; r / n jumps by 1
    assert np.max(np.abs(np.diff(hi * n))) < 0.05
    assert np.max(np.abs(np.diff(step["upper"].to_numpy() * n))) > 0.9


def test_overdispersion_estimates_and_widening():
    """Spiegelhalter's phi is near 1 without overdispersion; with between-unit variance tau^2
    of the true rates, DerSimonian-Laird on winsorised z recovers tau^2 roughly (winsorising
    biases it down a little) and the limits widen."""
    rng = np.random.default_rng(7)
    denom = rng.uniform(5_000, 50_000, 400)
    target = 0.01
    y0 = rng.poisson(target * denom)
    phi0 = overdispersion_estimate(y0, denom, target, kind="rate")
    assert 0.7 < phi0 < 1.2
    tau = 0.003
    true_rates = np.maximum(target + tau * rng.standard_normal(denom.size), 1e-6)
    y = rng.poisson(true_rates * denom)
    phi = overdispersion_estimate(y, denom, target, kind="rate")
    tau2 = overdispersion_estimate(y, denom, target, kind="rate", model="additive")
    assert phi > 2
    assert 0.4 * tau**2 < tau2 < 1.5 * tau**2
    mult = funnel_limits(target, [1e4], kind="rate", levels=0.95,
                         overdispersion="multiplicative", observed=y,
                         observed_denominator=denom)
    normal = funnel_limits(target, [1e4], kind="rate", levels=0.95, method="normal")
    half = mult["upper"].iloc[0] - target
    assert half == pytest.approx((normal["upper"].iloc[0] - target) * np.sqrt(phi))
    assert mult["phi"].iloc[0] == pytest.approx(phi)
    assert mult.attrs["phi"] == pytest.approx(phi)
    add = funnel_limits(target, [1e4], kind="rate", levels=0.95, overdispersion="additive",
                        observed=y, observed_denominator=denom)
    assert add["upper"].iloc[0] - target == pytest.approx(
        stats.norm.isf(0.025) * np.sqrt(target / 1e4 + tau2))
    assert add["method"].iloc[0] == "normal-additive"


def test_funnel_outliers_positions_and_labels():
    t = funnel_outliers([0, 40, 10], [1000, 1000, 1000], 0.01, kind="rate", levels=0.998,
                        label=["a", "b", "c"])
    assert t["unit"].tolist() == ["a", "b", "c"]
    assert t["position"].tolist() == ["below", "above", "inside"]
    assert t["value"].tolist() == [0.0, 0.04, 0.01]


def test_per_scales_everything_but_the_counts():
    a = funnel_limits(0.004, [1000.0], kind="rate", levels=0.95)
    b = funnel_limits(0.004, [1000.0], kind="rate", levels=0.95, per=1e5)
    assert b["upper"].iloc[0] == pytest.approx(a["upper"].iloc[0] * 1e5)
    assert b["estimate"].iloc[0] == pytest.approx(400.0)
    assert b["r_upper"].iloc[0] == a["r_upper"].iloc[0]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"target": 0.1, "denominator": [10], "kind": "odds"}, "kind"),
    ({"target": 1.2, "denominator": [10], "kind": "proportion"}, "target"),
    ({"target": 0.1, "denominator": [10.5], "kind": "proportion"}, "whole numbers"),
    ({"target": 0.1, "denominator": [0.0], "kind": "rate"}, "denominator"),
    ({"target": 0.1, "denominator": [10], "levels": 95}, "conf_level"),
    ({"target": 0.1, "denominator": [10], "method": "bayes"}, "method"),
    ({"target": 0.1, "denominator": [10], "overdispersion": "multiplicative"}, "observed"),
])
def test_bad_input_names_the_argument(kwargs, match):
    target = kwargs.pop("target")
    denominator = kwargs.pop("denominator")
    with pytest.raises(ValueError, match=match):
        funnel_limits(target, denominator, **kwargs)


def test_method_aliases():
    a = funnel_limits(0.1, [50], method="exact")
    b = funnel_limits(0.1, [50], method="exact-interpolated")
    pd.testing.assert_frame_equal(a, b)
    assert funnel_limits(0.1, [50], method="step")["method"].iloc[0] == "exact-step"


def test_negative_upper_limit_is_read_as_zero():
    """Below 0.0253 expected cases (P(R = 0) >= 0.975) the interpolated 95% upper limit is
    negative: a count of 0 is inside (on the limit drawn at 0), any case is above."""
    t = funnel_limits(1.0, [0.01], kind="ratio", levels=0.95)
    assert t["upper"].iloc[0] < 0
    assert t["prob_above"].iloc[0] == pytest.approx(stats.poisson.sf(0, 0.01), rel=1e-12)
    pos = funnel_outliers([0, 1], [0.01, 0.01], 1.0, kind="ratio", levels=0.95)
    assert pos["position"].tolist() == ["inside", "above"]


def test_interpolated_upper_limit_below_the_target_is_flagged():
    """At 5e-6 expected cases (target 5e-6 per unit, denominator 1) Spiegelhalter's
    interpolation puts the 95% upper limit at (0 - alpha)/n < 0 (r_p = 0): kept as computed, as
    the R reference formula gives it, and flagged (found by tests/test_fuzz.py)."""
    t = funnel_limits(5e-6, [1, 1e6], kind="rate", levels=0.95)
    assert t["upper_below_target"].tolist() == [True, False]
    assert t["upper"].iloc[0] < 0
