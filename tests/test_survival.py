"""Kaplan-Meier, survival quantiles and the log-rank test: textbook and R values, invariants.

Known values: the 6-MP arm of the Freireich et al. (1963) leukaemia trial (Gehan 1965;
Kalbfleisch & Prentice 2002, Table 1.1). The Kaplan-Meier product at each death time is done
by hand below (3/21 deaths at 6 weeks, then 1/17, 1/15, 1/12, 1/11, 1/7, 1/6); R gives the same
with ``survival::survfit(Surv(t, dead) ~ 1)``: median 23 weeks.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lems_epi import kaplan_meier, log_rank, median_survival, survival_quantile
from lems_epi.exceptions import UndefinedValueWarning
from lems_epi.stats.contract import check_contract

DATA = Path(__file__).parent / "data"

T = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
D = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
MP = pd.DataFrame({"t": T, "dead": D})


def test_six_mp_by_hand():
    km = kaplan_meier(MP, duration="t", event="dead").table
    check_contract(km)
    s = 1.0
    expected = []
    for deaths, at_risk in [(3, 21), (1, 17), (1, 15), (1, 12), (1, 11), (1, 7), (1, 6)]:
        s *= 1 - deaths / at_risk
        expected.append(s)
    assert km["time"].tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert km["at_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]
    np.testing.assert_allclose(km["estimate"], expected, rtol=1e-12)
    assert ((km["lower"] <= km["estimate"]) & (km["estimate"] <= km["upper"])).all()
    assert (km["lower"] >= 0).all()
    assert (km["upper"] <= 1).all()
    med = median_survival(MP, duration="t", event="dead").iloc[0]
    assert med["estimate"] == 23.0
    assert med["events"] == 9
    assert med["n"] == 21


def test_greenwood_first_step():
    """Greenwood variance at 6 weeks: S^2 * d / (n (n - d)) = S^2 * 3 / (21 * 18)."""
    km = kaplan_meier(MP, duration="t", event="dead").table
    s = 18 / 21
    assert km["std_err"].iloc[0] == pytest.approx(s * np.sqrt(3 / (21 * 18)), rel=1e-10)


def test_no_censoring_equals_empirical_survival():
    rng = np.random.default_rng(3)
    t = rng.exponential(size=200).round(6)
    with pytest.warns(UndefinedValueWarning, match="reaches 0"):  # the last time: S = 0
        km = kaplan_meier(pd.DataFrame({"t": t, "d": 1}), duration="t", event="d").table
    emp = np.array([(t > x).mean() for x in km["time"]])
    np.testing.assert_allclose(km["estimate"], emp, atol=1e-12)


def test_by_groups_and_median_coverage():
    """Exponential data with median ln 2: the 1 - 1e-5 interval covers it in each of 5 groups
    (false-alarm rate at most 5e-5)."""
    rng = np.random.default_rng(11)
    n = 400
    d = pd.DataFrame({"g": np.repeat(list("abcde"), n), "t": rng.exponential(size=5 * n)})
    c = rng.exponential(scale=3, size=5 * n)
    d["dead"] = (d["t"] <= c).astype(int)
    d["t"] = np.minimum(d["t"], c)
    med = median_survival(d, duration="t", event="dead", by="g", conf_level=1 - 1e-5)
    assert med["g"].tolist() == list("abcde")
    assert ((med["lower"] <= np.log(2)) & (np.log(2) <= med["upper"])).all()


def test_delayed_entry_changes_risk_set():
    d = pd.DataFrame({"t": [2.0, 3.0, 4.0], "d": [1, 1, 1], "e": [0.0, 2.5, 0.0]})
    with pytest.warns(UndefinedValueWarning):
        km = kaplan_meier(d, duration="t", event="d", entry="e").table
    # at t=2 only persons 1 and 3 are at risk (person 2 enters at 2.5)
    assert km["at_risk"].tolist()[0] == 2


@pytest.mark.parametrize(("data", "match"), [
    (pd.DataFrame({"t": [-1.0], "d": [1]}), "'t'"),
    (pd.DataFrame({"t": [1.0], "d": [2]}), "'d'"),
])
def test_bad_input(data, match):
    with pytest.raises(ValueError, match=match):
        kaplan_meier(data, duration="t", event="d")


def test_not_a_frame():
    with pytest.raises(TypeError, match="data"):
        median_survival([1, 2], duration="t", event="d")


def test_limits_are_nan_where_survival_reaches_zero():
    """R's survfit and scipy give NA / nan log-log limits and standard error at S = 0."""
    d = pd.DataFrame({"t": [1.0, 2.0, 3.0], "d": [1, 0, 1]})
    with pytest.warns(UndefinedValueWarning, match="reaches 0"):
        km = kaplan_meier(d, duration="t", event="d").table
    last = km.iloc[-1]
    assert last["estimate"] == 0.0
    assert np.isnan(last["lower"])
    assert np.isnan(last["upper"])
    assert np.isnan(last["std_err"])


def test_groups_vectorised_equal_one_by_one():
    """Curves computed for all groups at once equal the curves of each group alone."""
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"g": rng.integers(0, 30, 900), "t": rng.exponential(4, 900).round(1) + 0.1,
                      "d": rng.integers(0, 2, 900), "e": 0.0})
    d["e"] = np.where(rng.random(900) < 0.3, d["t"] * rng.random(900), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedValueWarning)
        allg = kaplan_meier(d, duration="t", event="d", by="g", entry="e").table
        for g, part in d.groupby("g"):
            one = kaplan_meier(part, duration="t", event="d", entry="e").table
            mine = allg[allg["g"] == g]
            np.testing.assert_allclose(mine["estimate"], one["estimate"], rtol=1e-12)
            np.testing.assert_array_equal(mine["at_risk"], one["at_risk"])


def test_quartile_interval_brookmeyer_crowley():
    """The first quartile of the 6-MP arm with its log-log interval."""
    q = survival_quantile(MP, duration="t", event="dead", quantile=0.25)
    check_contract(q)
    assert q["estimate"].iloc[0] == 13.0
    assert q["lower"].iloc[0] <= 13.0 <= q["upper"].iloc[0]


class TestLogRankR:
    """Reference: R 4.2 (shared/reference/logrank_input.csv, logrank.csv), three simulated
    data sets with many ties.

    > survdiff(Surv(time, status) ~ group)   # observed, expected, var, chisq, p

    Agreement to 1e-10 (relative).
    """

    def test_against_survdiff(self):
        data = pd.read_csv(DATA / "logrank_input.csv")
        ref = pd.read_csv(DATA / "logrank.csv")
        for name, part in data.groupby("dataset"):
            res = log_rank(part, duration="time", event="status", by="group")
            exp = ref[ref["dataset"] == name]
            assert res.statistic == pytest.approx(exp["chisq"].iloc[0], rel=1e-10)
            assert res.p_value == pytest.approx(exp["p"].iloc[0], rel=1e-10)
            assert res.df == 1
            np.testing.assert_allclose(res.table["expected"], exp["expected"], rtol=1e-10)
            np.testing.assert_allclose(res.table["var_o_minus_e"], exp["var_o_minus_e"],
                                       rtol=1e-10)
            np.testing.assert_array_equal(res.table["observed"], exp["observed"])

    def test_stratified_sums_over_strata(self):
        """With strata, O - E and its variance add over strata (stratified log-rank)."""
        data = pd.read_csv(DATA / "logrank_input.csv")
        res = log_rank(data, duration="time", event="status", by="group", strata="dataset")
        parts = [log_rank(p, duration="time", event="status", by="group")
                 for _, p in data.groupby("dataset")]
        o_e = sum((p.table["observed"] - p.table["expected"]).iloc[0] for p in parts)
        var = sum(p.table["var_o_minus_e"].iloc[0] for p in parts)
        assert res.statistic == pytest.approx(o_e**2 / var, rel=1e-12)


def test_log_rank_needs_two_groups():
    with pytest.raises(ValueError, match="two or more"):
        log_rank(MP.assign(g="a"), duration="t", event="dead", by="g")


def test_text_times_are_a_type_error():
    with pytest.raises(TypeError, match="'t' must be numeric"):
        kaplan_meier(MP.assign(t=MP["t"].astype(str)), duration="t", event="dead")
