"""Tests of lems_epi.stats.intervals: R reference values, exact coverage, invariants, bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from lems_epi import poisson_ci, proportion_ci
from lems_epi.stats.intervals import (
    POISSON_CI_METHODS,
    PROPORTION_CI_METHODS,
    SMR_CI_METHODS,
    _poisson_limits,
    _proportion_limits,
)

POISSON_COLUMNS = ["events", "person_time", "measure", "estimate", "lower", "upper",
                   "conf_level", "method", "per"]
PROPORTION_COLUMNS = ["events", "n", "measure", "estimate", "lower", "upper", "conf_level", "method", "per"]


# ---------------------------------------------------------------- known values from R

def test_poisson_ci_matches_r(data_dir):
    """poisson_ci.csv, 44 (events, person_time) pairs x 3 levels x 3 methods.

    R 4.2::

        exact:  poisson.test(x, T, conf.level = level)$conf.int
        byar:   Breslow & Day (1987) / epiR::epi.smr(method = "byar") form:
                lower = x (1 - 1/(9x) - z/(3 sqrt(x)))^3, upper from x + 1, divided by T
        normal: epitools::pois.approx(x, T, conf.level = level), lower clipped at 0

    Closed-form values: relative tolerance 1e-8 (README).
    """
    ref = pd.read_csv(data_dir / "poisson_ci.csv")
    for (method, level), grp in ref.groupby(["method", "level"]):
        out = poisson_ci(grp["events"], grp["person_time"], conf_level=level, method=method)
        assert list(out.columns) == POISSON_COLUMNS
        assert_allclose(out["estimate"], grp["rate"], rtol=1e-8, atol=0)
        assert_allclose(out["lower"], grp["lower"], rtol=1e-8, atol=0, err_msg=method)
        assert_allclose(out["upper"], grp["upper"], rtol=1e-8, atol=0, err_msg=method)
        assert (out["method"] == method).all()
        assert (out["conf_level"] == level).all()


def test_proportion_ci_matches_r(data_dir):
    """proportion_ci.csv: 8 (events, n) pairs x 3 levels x 4 methods.

    R 4.2::

        clopper-pearson: binom.test(x, n, conf.level = level)$conf.int
        wilson:          prop.test(x, n, conf.level = level, correct = FALSE)$conf.int
        wilson-cc:       prop.test(x, n, conf.level = level, correct = TRUE)$conf.int
                         (rows with x = n/2 left out: R shrinks the correction there)
        wald:            epitools::binom.approx(x, n, conf.level = level), clipped to [0, 1]

    Relative tolerance 1e-8.
    """
    ref = pd.read_csv(data_dir / "proportion_ci.csv")
    for (method, level), grp in ref.groupby(["method", "level"]):
        out = proportion_ci(grp["events"], grp["n"], conf_level=level, method=method)
        assert list(out.columns) == PROPORTION_COLUMNS
        assert_allclose(out["estimate"], grp["proportion"], rtol=1e-8)
        assert_allclose(out["lower"], grp["lower"], rtol=1e-8, atol=0, err_msg=method)
        assert_allclose(out["upper"], grp["upper"], rtol=1e-8, atol=0, err_msg=method)


def test_midp_limits_solve_their_defining_equations():
    """Mid-p limits checked against scipy.stats.poisson directly (tighter than R's uniroot)."""
    x = np.array([1, 2, 4, 17, 250, 3000])
    for level in (0.9, 0.95, 0.99):
        half = (1 - level) / 2
        lo, hi = _poisson_limits(x, level, "mid-p")
        tail_low = stats.poisson.sf(x, lo) + 0.5 * stats.poisson.pmf(x, lo)
        tail_upp = stats.poisson.cdf(x - 1, hi) + 0.5 * stats.poisson.pmf(x, hi)
        assert_allclose(tail_low, half, rtol=1e-9)
        assert_allclose(tail_upp, half, rtol=1e-9)
    lo, hi = _poisson_limits([0], 0.95, "mid-p")
    assert lo[0] == 0.0
    assert_allclose(0.5 * stats.poisson.pmf(0, hi[0]), 0.025, rtol=1e-12)


def test_jeffreys_and_agresti_coull_closed_forms():
    """Jeffreys: Beta(x + 1/2, n - x + 1/2) quantiles; Agresti-Coull: adjusted Wald.

    Checked against scipy.stats.beta and the textbook formula (Brown, Cai & DasGupta 2001),
    computed independently here; R (binom::binom.confint) is not among the reference files.
    """
    out = proportion_ci(3, 20, method="jeffreys")
    assert_allclose(out["lower"], stats.beta.ppf(0.025, 3.5, 17.5), rtol=1e-12)
    assert_allclose(out["upper"], stats.beta.ppf(0.975, 3.5, 17.5), rtol=1e-12)
    # Agresti-Coull 95%, x = 3, n = 20: n~ = 23.8415, p~ = 4.9207 / 23.8415 = 0.2064
    out = proportion_ci(3, 20, method="agresti-coull")
    z = 1.959963984540054
    pt = (3 + z**2 / 2) / (20 + z**2)
    assert_allclose(pt, 0.2064, atol=5e-5)
    half = z * np.sqrt(pt * (1 - pt) / (20 + z**2))
    assert_allclose(out[["lower", "upper"]].to_numpy()[0], [pt - half, pt + half], rtol=1e-12)
    edge = proportion_ci([0, 20], 20, method="jeffreys")
    assert edge["lower"].iloc[0] == 0
    assert edge["upper"].iloc[1] == 1


# ---------------------------------------------------------------- exact coverage

def _poisson_coverage(mu, level, method):
    xmax = int(mu + 20 * np.sqrt(mu) + 30)
    x = np.arange(xmax + 1)
    lo, hi = _poisson_limits(x, level, method)
    covered = (lo <= mu) & (mu <= hi)
    return float(np.sum(stats.poisson.pmf(x, mu) * covered))


@pytest.mark.parametrize("mu", [0.01, 0.1, 0.5, 1.3, 2.0, 3.7, 7.5, 15.0, 42.0, 130.0])
def test_exact_poisson_interval_covers_at_least_nominal(mu):
    for level in (0.9, 0.95):
        assert _poisson_coverage(mu, level, "exact") >= level - 1e-12


def test_midp_poisson_coverage_close_to_nominal_on_average():
    mus = np.linspace(0.5, 40, 80)
    cov = [_poisson_coverage(m, 0.95, "mid-p") for m in mus]
    assert abs(np.mean(cov) - 0.95) < 0.01
    exact = [_poisson_coverage(m, 0.95, "exact") for m in mus]
    assert np.mean(cov) < np.mean(exact)  # mid-p is less conservative


def _binomial_coverage(p, n, level, method):
    x = np.arange(n + 1)
    lo, hi = _proportion_limits(x, np.full(n + 1, n), level, method)
    return float(np.sum(stats.binom.pmf(x, n, p) * ((lo <= p) & (p <= hi))))


@pytest.mark.parametrize("n", [10, 30, 100])
def test_clopper_pearson_covers_at_least_nominal(n):
    for p in (0.001, 0.01, 0.05, 0.2, 0.5, 0.77, 0.99):
        assert _binomial_coverage(p, n, 0.95, "clopper-pearson") >= 0.95 - 1e-12


@pytest.mark.parametrize("n", [20, 50, 200])
def test_wilson_average_coverage_within_1p5_points(n):
    grid = np.linspace(0.01, 0.99, 99)
    cov = np.array([_binomial_coverage(p, n, 0.95, "wilson") for p in grid])
    assert abs(cov.mean() - 0.95) < 0.015
    wald = np.array([_binomial_coverage(p, n, 0.95, "wald") for p in grid])
    assert wald.mean() < cov.mean()  # the Wald interval under-covers (Brown et al. 2001)


# ---------------------------------------------------------------- invariants

@settings(max_examples=60, deadline=None)
@given(x=st.integers(0, 5000), t=st.floats(1e-3, 1e7), level=st.floats(0.5, 0.999),
       method=st.sampled_from(POISSON_CI_METHODS))
def test_poisson_ci_ordered_and_non_negative(x, t, level, method):
    out = poisson_ci(x, t, conf_level=level, method=method).iloc[0]
    assert 0 <= out["lower"] <= out["estimate"] <= out["upper"]
    if x == 0:
        assert out["lower"] == 0


@settings(max_examples=40, deadline=None)
@given(x=st.integers(0, 300), scale=st.floats(1e-3, 1e4), method=st.sampled_from(
    POISSON_CI_METHODS))
def test_rescaling_person_time_rescales_rates(x, scale, method):
    a = poisson_ci(x, 10.0, method=method)
    b = poisson_ci(x, 10.0 * scale, method=method)
    for col in ("estimate", "lower", "upper"):
        assert_allclose(b[col] * scale, a[col], rtol=1e-10)


@pytest.mark.parametrize("method", POISSON_CI_METHODS)
def test_poisson_interval_widens_with_conf_level(method):
    x = np.array([0, 1, 3, 12, 250])
    w = [poisson_ci(x, 5.0, conf_level=c, method=method) for c in (0.8, 0.9, 0.95, 0.99)]
    for narrow, wide in zip(w, w[1:], strict=False):
        assert (wide["upper"][x > 0] > narrow["upper"][x > 0]).all()
        assert (wide["upper"] >= narrow["upper"]).all()
        assert (wide["lower"] <= narrow["lower"]).all()


@settings(max_examples=60, deadline=None)
@given(data=st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       level=st.floats(0.5, 0.999), method=st.sampled_from(PROPORTION_CI_METHODS))
def test_proportion_ci_ordered_within_unit_interval(data, level, method):
    x, n = data
    out = proportion_ci(x, n, conf_level=level, method=method).iloc[0]
    assert 0 <= out["lower"] <= out["estimate"] <= out["upper"] <= 1


@pytest.mark.parametrize("method", PROPORTION_CI_METHODS)
def test_proportion_interval_widens_with_conf_level(method):
    x, n = np.array([1, 5, 12, 40]), np.array([10, 10, 50, 41])
    w = [proportion_ci(x, n, conf_level=c, method=method) for c in (0.8, 0.9, 0.99)]
    for narrow, wide in zip(w, w[1:], strict=False):
        assert (wide["upper"] - wide["lower"] > narrow["upper"] - narrow["lower"]).all()


def test_smr_methods_give_zero_lower_limit_at_zero():
    for method in SMR_CI_METHODS:
        if method in ("qpois", "profile"):   # qpois: [0, 0] at O = 0, as epiR; profile: smr()
            continue
        lo, hi = _poisson_limits(np.array([0.0]), 0.95, method)
        assert lo[0] == 0
        if method != "rothman-greenland":
            assert hi[0] > 0


def test_vectorised_equals_elementwise():
    x = [0, 2, 9]
    t = [1.0, 2.5, 100.0]
    whole = poisson_ci(x, t, method="mid-p")
    parts = pd.concat([poisson_ci(a, b, method="mid-p") for a, b in zip(x, t, strict=True)],
                      ignore_index=True)
    pd.testing.assert_frame_equal(whole, parts)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize(("kwargs", "match"), [
    ({"events": -1}, "events.*negative"),
    ({"events": 1.5}, "whole numbers"),
    ({"events": np.nan}, "events.*NaN"),
    ({"events": 3, "person_time": 0}, "person_time.*zero"),
    ({"events": 3, "person_time": -2.0}, "person_time"),
    ({"events": 3, "method": "walt"}, "unknown method"),
    ({"events": 3, "conf_level": 95}, "conf_level"),
    ({"events": [1, 2], "person_time": [1.0, 2.0, 3.0]}, "broadcast"),
])
def test_poisson_ci_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        poisson_ci(**kwargs)


def test_poisson_ci_type_errors():
    with pytest.raises(TypeError, match="events"):
        poisson_ci(["a"])
    with pytest.raises(TypeError, match="conf_level"):
        poisson_ci(1, conf_level="0.95")


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    ((11, 10), {}, "exceeds 'n'"),
    ((0, 0), {}, "'n' is zero"),
    ((-1, 10), {}, "negative"),
    ((1, np.nan), {}, "NaN"),
    ((1, 10), {"method": "exakt"}, "unknown method"),
])
def test_proportion_ci_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        proportion_ci(*args, **kwargs)


# ---------------------------------------------------------------- output contract and new API

def test_outputs_follow_the_contract():
    from lems_epi.stats.contract import check_contract

    for table in (poisson_ci([0, 3, 10], 1000, per=1e3), proportion_ci([0, 3, 10], 10),
                  poisson_ci(5, method="score"), proportion_ci(4, 20, method="logit")):
        check_contract(table)
    assert poisson_ci(3, 100)["measure"].tolist() == ["rate"]
    assert proportion_ci(3, 100)["measure"].tolist() == ["proportion"]


def test_per_multiplies_estimate_and_limits():
    one = poisson_ci(7, 2000.0)
    per = poisson_ci(7, 2000.0, per=1e5)
    assert_allclose(per[["estimate", "lower", "upper"]].to_numpy(),
                    1e5 * one[["estimate", "lower", "upper"]].to_numpy(), rtol=1e-14)
    assert per["per"].tolist() == [1e5]
    pct = proportion_ci(3, 250, per=100)
    assert_allclose(pct["upper"], 100 * proportion_ci(3, 250)["upper"], rtol=1e-14)


@pytest.mark.parametrize(("alias", "method"), [
    ("exact", "clopper-pearson"), ("Clopper_Pearson", "clopper-pearson"), ("score", "wilson"),
    ("lrt", "likelihood-ratio"), ("hpd", "jeffreys-hpd"), ("binom_test", "sterne"),
    ("normal", "wald")])
def test_proportion_method_aliases(alias, method):
    got = proportion_ci(4, 20, method=alias)
    want = proportion_ci(4, 20, method=method)
    assert got["method"].iloc[0] == method
    assert_allclose(got[["lower", "upper"]].to_numpy(), want[["lower", "upper"]].to_numpy())


@pytest.mark.parametrize(("alias", "method"), [("garwood", "exact"), ("Mid_P", "mid-p"),
                                               ("wald", "normal"), ("jeff", "jeffreys")])
def test_poisson_method_aliases(alias, method):
    assert poisson_ci(4, method=alias)["method"].iloc[0] == method


def test_series_index_and_dataframe_inputs():
    events = pd.Series([2, 5], index=["north", "south"])
    out = poisson_ci(events, pd.Series([100.0, 200.0], index=["north", "south"]))
    assert out.index.tolist() == ["north", "south"]
    frame = pd.DataFrame({"area": ["a", "b"], "events": [2, 5], "person_time": [100.0, 200.0]})
    from_frame = poisson_ci(frame, per=100)
    assert from_frame.columns[0] == "area"
    assert_allclose(from_frame["estimate"], [2.0, 2.5])
    props = proportion_ci(pd.DataFrame({"events": [1, 2], "n": [10, 20]}))
    assert_allclose(props["estimate"], [0.1, 0.1])
    assert_allclose(poisson_ci([2, 5], [100.0, 200.0])["upper"], out["upper"].to_numpy())


def test_weighted_counts_only_for_continuous_methods():
    """PHE's Wilson limits take a non-integer numerator; exact methods refuse it."""
    assert proportion_ci(0.445, 1, method="wilson")["events"].iloc[0] == 0.445
    with pytest.raises(ValueError, match="whole numbers"):
        proportion_ci(0.445, 1, method="clopper-pearson")


def _binomial_pvalue(x, n, p, test):
    """Two-sided exact p-values from their definitions (independent of lems_epi)."""
    from scipy import stats as st

    pmf = st.binom.pmf(np.arange(n + 1), n, p)
    if test == "sterne":
        return pmf[pmf <= pmf[x] * (1 + 1e-7)].sum()
    cdf = np.cumsum(pmf)
    sf = 1.0 - cdf + pmf
    gamma = np.minimum(cdf, sf)
    return pmf[gamma <= gamma[x] * (1 + 1e-7)].sum()


@pytest.mark.parametrize("test", ["sterne", "blaker"])
@pytest.mark.parametrize(("x", "n"), [(4, 20), (1, 30), (100, 200), (29, 30)])
def test_exact_test_intervals_end_where_the_pvalue_crosses_alpha(test, x, n):
    """Sterne's and Blaker's limits are the outermost ends of {p: p-value(p) > alpha}: accepted
    just inside, rejected just outside and everywhere beyond (checked on a fine grid; the
    Sterne p-value is not monotone, so its acceptance set need not be an interval, and its
    hull is what epiR's epi.prev(method = "sterne") reports). Blaker's interval is nested in
    Clopper-Pearson's (Blaker 2000, Theorem 1); Sterne's is not: at 1 of 30 its lower limit,
    0.82277 for 29 of 30, lies outside Clopper-Pearson's 0.82783."""
    out = proportion_ci(x, n, method=test).iloc[0]
    if test == "blaker":
        cp = proportion_ci(x, n, method="clopper-pearson").iloc[0]
        assert cp["lower"] - 1e-12 <= out["lower"]
        assert out["upper"] <= cp["upper"] + 1e-12
    for limit, outward in ((out["lower"], -1), (out["upper"], 1)):
        if 0 < limit < 1:
            eps = 1e-6
            assert _binomial_pvalue(x, n, limit - outward * eps, test) > 0.05
            assert _binomial_pvalue(x, n, limit + outward * eps, test) <= 0.05
            beyond = limit + outward * np.linspace(2e-6, 0.1, 400)
            beyond = beyond[(beyond > 0) & (beyond < 1)]
            assert all(_binomial_pvalue(x, n, p, test) <= 0.05 for p in beyond)


def test_likelihood_ratio_limits_solve_the_deviance_equation():
    from scipy import stats as st

    out = proportion_ci(4, 20, method="likelihood-ratio").iloc[0]
    ll = lambda p: 4 * np.log(p) + 16 * np.log1p(-p)  # noqa: E731
    for limit in (out["lower"], out["upper"]):
        assert 2 * (ll(0.2) - ll(limit)) == pytest.approx(st.chi2.ppf(0.95, 1), abs=1e-9)


@pytest.mark.parametrize("method", PROPORTION_CI_METHODS)
@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 80), frac=st.floats(0, 1), level=st.sampled_from([0.8, 0.95, 0.99]))
def test_every_proportion_interval_holds_its_estimate_inside_0_1(method, n, frac, level):
    from lems_epi.stats.contract import check_contract

    x = int(round(frac * n))
    out = proportion_ci(x, n, method=method, conf_level=level)
    check_contract(out)
    row = out.iloc[0]
    assert 0.0 <= row["lower"] <= row["estimate"] + 1e-12
    assert row["estimate"] - 1e-12 <= row["upper"] <= 1.0


@pytest.mark.parametrize("method", POISSON_CI_METHODS)
@settings(max_examples=25, deadline=None)
@given(x=st.integers(0, 2000), t=st.floats(1e-3, 1e7), level=st.sampled_from([0.9, 0.95]))
def test_every_poisson_interval_holds_its_estimate(method, x, t, level):
    from lems_epi.stats.contract import check_contract

    out = poisson_ci(x, t, method=method, conf_level=level)
    check_contract(out)
    row = out.iloc[0]
    assert 0.0 <= row["lower"] <= row["estimate"] * (1 + 1e-12) <= row["upper"] * (1 + 1e-12)
