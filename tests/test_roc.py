"""Tests of lems_epi.stats.roc: pROC known values, DeLong's test, bad input."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lems_epi import roc_curve, roc_test
from lems_epi.stats.contract import check_contract


@pytest.fixture(scope="module")
def reference():
    from pathlib import Path

    data = Path(__file__).parent / "data"
    return pd.read_csv(data / "roc_auc_input.csv"), pd.read_csv(data / "roc_auc.csv")


def test_auc_and_delong_interval_match_proc(reference):
    """roc_auc.csv: three data sets (n = 120, 200, 300) of an integer score 0-6.

    R (pROC 1.18.0)::

        r <- roc(response = outcome, predictor = score, levels = c(0, 1), direction = "<")
        auc(r); sqrt(var(r, method = "delong")); ci.auc(r, method = "delong")

    Tolerance 1e-8 relative (README).
    """
    data, ref = reference
    res = roc_curve(data, "score", "outcome", by="dataset")
    first = ref.drop_duplicates("dataset").reset_index(drop=True)
    t = res.table
    assert t["dataset"].tolist() == first["dataset"].tolist()
    assert t["n_cases"].tolist() == first["n_cases"].tolist()
    assert t["n_controls"].tolist() == first["n_controls"].tolist()
    assert_allclose(t["estimate"], first["auc"], rtol=1e-8)
    assert_allclose(t["std_err"], first["auc_se_delong"], rtol=1e-8)
    assert_allclose(t["lower"], first["auc_lower_delong"], rtol=1e-8)
    assert_allclose(t["upper"], first["auc_upper_delong"], rtol=1e-8)
    assert set(t["measure"]) == {"auc"}
    check_contract(t)


def test_curve_matches_proc_coords(reference):
    """The same data sets, R::

        coords(r, "all", ret = c("threshold", "sensitivity", "specificity", "tp", "fp", "tn",
               "fn"), transpose = FALSE)

    Thresholds -Inf, midpoints of consecutive observed scores, +Inf. Tolerance 1e-8.
    """
    data, ref = reference
    curve = roc_curve(data, "score", "outcome", by="dataset").curve
    assert len(curve) == len(ref)
    assert curve["dataset"].tolist() == ref["dataset"].tolist()
    assert_allclose(curve["threshold"], ref["threshold"], rtol=1e-12)
    for col in ("sensitivity", "specificity"):
        assert_allclose(curve[col], ref[col], rtol=1e-8, atol=1e-15)
    for col in ("tp", "fp", "tn", "fn"):
        assert curve[col].tolist() == ref[col].tolist()


def _delong_by_definition(cases, controls):
    """DeLong's variance written out with explicit loops over every case-control pair."""
    m, n = len(cases), len(controls)

    def psi(x, y):
        return 1.0 if x > y else 0.5 if x == y else 0.0

    v10 = [sum(psi(x, y) for y in controls) / n for x in cases]
    v01 = [sum(psi(x, y) for x in cases) / m for y in controls]
    auc = sum(v10) / m
    s10 = sum((v - auc) ** 2 for v in v10) / (m - 1)
    s01 = sum((v - auc) ** 2 for v in v01) / (n - 1)
    return auc, v10, v01, s10 / m + s01 / n


def test_roc_test_against_definition(rng):
    """The paired test's variance V1 + V2 - 2C, with C from the placement values' sample
    covariances, computed here by explicit loops (DeLong et al. 1988, eq. for S10, S01)."""
    n = 60
    y = rng.random(n) < 0.4
    a = rng.integers(0, 7, n) + 2 * y
    b = a + rng.integers(-2, 3, n)
    d = pd.DataFrame({"a": a, "b": b, "y": y.astype(int)})
    rows = roc_test(d, "a", "b", "y")
    parts = [_delong_by_definition(s[y].tolist(), s[~y].tolist()) for s in (a, b)]
    m, k = int(y.sum()), int((~y).sum())
    cov10 = np.cov(parts[0][1], parts[1][1], ddof=1)[0, 1]
    cov01 = np.cov(parts[0][2], parts[1][2], ddof=1)[0, 1]
    var = parts[0][3] + parts[1][3] - 2 * (cov10 / m + cov01 / k)
    diff = parts[0][0] - parts[1][0]
    diff_row = rows[rows["measure"] == "auc_difference"].iloc[0]
    assert_allclose(diff_row["estimate"], diff, rtol=1e-12)
    assert_allclose(diff_row["std_err"], np.sqrt(var), rtol=1e-10)
    assert_allclose(diff_row["statistic"], diff / np.sqrt(var), rtol=1e-10)
    auc_rows = rows[rows["measure"] == "auc"]
    assert_allclose(auc_rows["std_err"], [np.sqrt(parts[0][3]), np.sqrt(parts[1][3])],
                    rtol=1e-10)
    check_contract(rows)


def test_roc_test_identical_scores():
    """A score against itself (or a monotone transform of it): difference 0, p-value 1."""
    d = pd.DataFrame({"a": [0, 1, 1, 2, 3, 3, 4, 5], "y": [0, 0, 1, 0, 1, 1, 1, 1]})
    d["b"] = np.exp(d["a"])
    t = roc_test(d, "a", "b", "y")
    row = t.iloc[2]
    assert row["estimate"] == 0
    assert row["p_value"] == 1.0


def test_roc_test_size_under_the_null():
    """Two exchangeable scores (the same signal plus independent noise): DeLong's test at 5%
    rejects in about 5% of 400 seeded data sets of 120 people. The check fails only if the
    rejection count leaves [6, 38] (false-alarm probability 1.2e-4 at a true size of 5%)."""
    gen = np.random.default_rng(20260430)
    rejections = 0
    for _ in range(400):
        y = gen.random(120) < 0.4
        signal = gen.normal(size=120) + y
        d = pd.DataFrame({"a": signal + gen.normal(size=120),
                          "b": signal + gen.normal(size=120), "y": y.astype(int)})
        rejections += roc_test(d, "a", "b", "y")["p_value"].iloc[2] < 0.05
    assert 6 <= rejections <= 38


def test_roc_result_parts(reference):
    data, _ = reference
    res = roc_curve(data[data["dataset"] == "D1"], "score", "outcome")
    assert "dataset" not in res.table.columns
    fig = res.plot()
    assert fig.data[0].name.startswith("AUC 0.840")
    assert "ROC curve of score" in str(res.summary())


def test_roc_bad_input():
    d = pd.DataFrame({"s": [1, 2, 3], "y": [1, 1, 1]})
    with pytest.raises(ValueError, match="both cases and controls"):
        roc_curve(d, "s", "y")
    with pytest.raises(ValueError, match="1 \\(case\\) and 0"):
        roc_curve(d.assign(y=[1, 2, 0]), "s", "y")
    with pytest.raises(ValueError, match="not found"):
        roc_curve(d, "score", "y")
