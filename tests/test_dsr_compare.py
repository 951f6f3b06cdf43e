"""Ratio and difference of directly standardised rates: exact special case, formulas, coverage."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import lems_epi as le
from lems_epi.exceptions import SparseDataWarning
from lems_epi.stats import compare_dsr, dsr_difference, dsr_ratio
from lems_epi.stats.contract import check_contract

AGES = ["0-39", "40-59", "60+"]


def _two_groups(d1, n1, d2, n2):
    return pd.DataFrame({"area": ["x"] * 3 + ["ref"] * 3, "age_group": AGES * 2,
                         "events": np.r_[d1, d2], "person_time": np.r_[n1, n2]})


def test_fay_equals_the_exact_conditional_interval_when_weights_match_the_populations():
    """With the standard proportional to both groups' person-time, each DSR is a multiple of
    its total count and Fay's F interval reduces to the exact conditional interval of a
    Poisson rate ratio (Clopper-Pearson on D1 / (D1 + D2), as R's poisson.test gives):
    ratio limits = p / (1 - p) * T2 / T1 with p the beta limits. Computed here with scipy."""
    n1, n2 = np.array([2e3, 1e3, 5e2]), np.array([8e3, 4e3, 2e3])
    d1, d2 = np.array([3, 5, 9]), np.array([10, 8, 30])
    t = dsr_ratio(_two_groups(d1, n1, d2, n2), dict(zip(AGES, n1, strict=True)), by="area",
                  reference="ref")
    check_contract(t)
    big_d1, big_d2, big_t1, big_t2 = d1.sum(), d2.sum(), n1.sum(), n2.sum()
    p_lo = stats.beta.ppf(0.025, big_d1, big_d2 + 1)
    p_hi = stats.beta.ppf(0.975, big_d1 + 1, big_d2)
    ratio = big_t2 / big_t1
    assert t["estimate"].iloc[0] == pytest.approx(big_d1 / big_t1 / (big_d2 / big_t2))
    assert t["lower"].iloc[0] == pytest.approx(p_lo / (1 - p_lo) * ratio, rel=1e-9)
    assert t["upper"].iloc[0] == pytest.approx(p_hi / (1 - p_hi) * ratio, rel=1e-9)
    assert t["method"].iloc[0] == "fay"


def test_log_normal_and_difference_by_hand():
    n1, n2 = np.array([2e3, 1e3, 5e2]), np.array([8e3, 4e3, 2e3])
    d1, d2 = np.array([3, 5, 9]), np.array([10, 8, 30])
    w = np.array([0.5, 0.3, 0.2])
    y1, y2 = (w * d1 / n1).sum(), (w * d2 / n2).sum()
    v1, v2 = (w**2 * d1 / n1**2).sum(), (w**2 * d2 / n2**2).sum()
    z = stats.norm.isf(0.05)
    data = _two_groups(d1, n1, d2, n2)
    std = dict(zip(AGES, w * 7, strict=True))   # weights are rescaled to sum to 1
    r = dsr_ratio(data, std, by="area", reference="ref", method="log-normal", conf_level=0.9)
    se = np.sqrt(v1 / y1**2 + v2 / y2**2)
    assert r["lower"].iloc[0] == pytest.approx(y1 / y2 * np.exp(-z * se), rel=1e-12)
    assert r["upper"].iloc[0] == pytest.approx(y1 / y2 * np.exp(z * se), rel=1e-12)
    dif = dsr_difference(data, std, by="area", reference="ref", conf_level=0.9, per=1e5)
    check_contract(dif)
    assert dif["estimate"].iloc[0] == pytest.approx(1e5 * (y1 - y2), rel=1e-12)
    assert dif["upper"].iloc[0] - dif["estimate"].iloc[0] == pytest.approx(
        1e5 * z * np.sqrt(v1 + v2), rel=1e-12)
    assert dif["per"].iloc[0] == 1e5


def test_dsr_columns_are_standardize_direct_estimates():
    areas = le.simulate_areas("seed-base", n_areas=6, rng=1, age_groups=[0, 15, 30, 45, 60, 75])
    areas = areas.assign(events=areas["population"] // 900)   # a common outcome
    t = compare_dsr(areas, "esp2013", by="area", events="events", person_time="population",
                    reference="A001")
    direct = le.standardize_direct(areas, "esp2013", events="events",
                                   person_time="population", by="area")
    dsr = direct.set_index("area")["estimate"]
    ratio = t[t["measure"] == "dsr_ratio"].set_index("area")
    np.testing.assert_allclose(ratio["dsr"], dsr.loc[ratio.index], rtol=1e-12)
    np.testing.assert_allclose(ratio["dsr_reference"], dsr.loc["A001"], rtol=1e-12)
    assert "A001" not in ratio.index
    assert list(t["measure"].unique()) == ["dsr_ratio", "dsr_difference"]


def test_rest_is_the_other_groups_pooled():
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"area": np.repeat(["a", "b", "c"], 3), "age_group": AGES * 3,
                      "events": rng.poisson(20, 9), "person_time": rng.uniform(1e3, 5e3, 9)})
    rest = compare_dsr(d, dict.fromkeys(AGES, 1.0), by="area", reference="rest")
    pooled = d.assign(area=np.where(d["area"] == "a", "a", "others"))
    pooled = pooled.groupby(["area", "age_group"], as_index=False)[["events",
                                                                    "person_time"]].sum()
    named = compare_dsr(pooled, dict.fromkeys(AGES, 1.0), by="area", reference="others")
    a = rest[rest["area"] == "a"].reset_index(drop=True)
    cols = ["estimate", "lower", "upper", "dsr_reference"]
    pd.testing.assert_frame_equal(a[cols], named[cols], rtol=1e-12)
    assert len(rest) == 6


def test_zero_events_rule():
    """An area without events: ratio 0, Fay interval [0, finite upper] with 2 numerator
    degrees of freedom; log-normal limits NaN with a warning; the row is flagged."""
    n1, n2 = np.array([2e3, 1e3, 5e2]), np.array([8e3, 4e3, 2e3])
    data = _two_groups([0, 0, 0], n1, [10, 8, 30], n2)
    std = dict(zip(AGES, [0.5, 0.3, 0.2], strict=True))
    t = dsr_ratio(data, std, by="area", reference="ref")
    assert t["estimate"].iloc[0] == 0
    assert t["lower"].iloc[0] == 0
    assert 0 < t["upper"].iloc[0] < np.inf
    assert bool(t["zero_events"].iloc[0])
    wm = max(np.array([0.5, 0.3, 0.2]) / n1)
    y2 = (np.array([0.5, 0.3, 0.2]) * np.array([10, 8, 30]) / n2).sum()
    v2 = (np.array([0.5, 0.3, 0.2]) ** 2 * np.array([10, 8, 30]) / n2**2).sum()
    assert t["upper"].iloc[0] == pytest.approx(wm / y2 * stats.f.ppf(0.975, 2, 2 * y2**2 / v2))
    with pytest.warns(SparseDataWarning, match="log-normal"):
        ln = dsr_ratio(data, std, by="area", reference="ref", method="log-normal")
    assert np.isnan(ln["lower"].iloc[0])
    with pytest.warns(SparseDataWarning, match="reference has no events"):
        inf = dsr_ratio(_two_groups([1, 2, 3], n1, [0, 0, 0], n2), std, by="area",
                        reference="ref")
    assert inf["estimate"].iloc[0] == np.inf
    assert inf["upper"].iloc[0] == np.inf


@pytest.mark.parametrize("theta", [1.0, 1.5])
def test_coverage_for_areas_with_at_least_10_events(theta):
    """Simulation coverage of the 95% intervals of the DSR ratio, areas with >= 10 events.

    20 draws of a reference (8 bands, 5,000 person-years each, rates rising 1.57-fold per
    decade) and 100 areas each (18,000 person-years with Dirichlet age structures, about 17
    events at theta = 1, 25 at 1.5), standardised to a flat-ish standard: about 2,000
    comparisons. Fay's interval is conservative (measured 0.97-0.98); the log-normal one a
    little below nominal (0.93-0.94). Bounds: Fay >= 0.94, log-normal in [0.90, 0.97] (the
    Monte Carlo sd is about 0.006; the shared reference per draw adds a little).
    """
    rng = np.random.default_rng(1999 + int(10 * theta))
    ages = [f"{10 * k}-{10 * k + 9}" for k in range(7)] + ["70+"]
    std = dict(zip(ages, [12, 13, 14, 14, 13, 12, 12, 10], strict=True))
    lam = 2e-4 * np.exp(0.45 * np.arange(8))
    young = np.array([3, 3.5, 3, 2.5, 2, 1.5, 1, 0.6]) * 5
    hits = {"fay": [], "log-normal": []}
    for _ in range(20):
        pt = rng.dirichlet(young, size=100) * 18e3
        d_area = rng.poisson(theta * lam * pt)
        d_ref = rng.poisson(lam * 5e3)
        data = pd.DataFrame({"area": np.r_[np.repeat(np.arange(100), 8).astype(str),
                                           ["ref"] * 8],
                             "age_group": ages * 101,
                             "events": np.r_[d_area.ravel(), d_ref],
                             "person_time": np.r_[pt.ravel(), np.full(8, 5e3)]})
        for method in hits:
            t = dsr_ratio(data, std, by="area", reference="ref", method=method)
            enough = t["events"].to_numpy() >= 10
            inside = (t["lower"] <= theta) & (theta <= t["upper"])
            hits[method].append(inside.to_numpy()[enough])
    fay = np.concatenate(hits["fay"]).mean()
    lognormal = np.concatenate(hits["log-normal"]).mean()
    assert fay >= 0.94
    assert 0.90 <= lognormal <= 0.97


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"reference": "nowhere"}, ValueError, "not a group"),
    ({"measure": "dsr_odds"}, ValueError, "measure"),
    ({"method": "bootstrap"}, ValueError, "method"),
    ({"method": 3}, TypeError, "method"),
    ({"by": None}, ValueError, "'by'"),
])
def test_bad_input(kwargs, error, match):
    data = _two_groups([1, 2, 3], [1e3] * 3, [4, 5, 6], [1e3] * 3)
    args = {"by": "area", "reference": "ref", **kwargs}
    with pytest.raises(error, match=match):
        compare_dsr(data, dict.fromkeys(AGES, 1.0), **args)


def test_no_stray_warnings_on_ordinary_data():
    data = _two_groups([1, 2, 3], [1e3] * 3, [4, 5, 6], [1e3] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_dsr(data, dict.fromkeys(AGES, 1.0), by="area", reference="ref")
