"""Kaplan-Meier wrapper: textbook values, invariants and bad input.

Known values: the 6-MP arm of the Freireich et al. (1963) leukaemia trial (Gehan 1965;
Kalbfleisch & Prentice 2002, Table 1.1). The Kaplan-Meier product at each death time is done
by hand below (3/21 deaths at 6 weeks, then 1/17, 1/15, 1/12, 1/11, 1/7, 1/6); R gives the same
with ``survival::survfit(Surv(t, dead) ~ 1)``: median 23 weeks.
"""

import numpy as np
import pandas as pd
import pytest

from lems_epi import kaplan_meier, median_survival

T = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
D = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
MP = pd.DataFrame({"t": T, "dead": D})


def test_six_mp_by_hand():
    km = kaplan_meier(MP, "t", "dead")
    s = 1.0
    expected = []
    for deaths, at_risk in [(3, 21), (1, 17), (1, 15), (1, 12), (1, 11), (1, 7), (1, 6)]:
        s *= 1 - deaths / at_risk
        expected.append(s)
    assert km["time"].tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert km["at_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]
    np.testing.assert_allclose(km["survival"], expected, rtol=1e-12)
    assert ((km["lower"] <= km["survival"]) & (km["survival"] <= km["upper"])).all()
    assert (km["lower"] >= 0).all()
    assert (km["upper"] <= 1).all()
    med = median_survival(MP, "t", "dead").iloc[0]
    assert med["median"] == 23.0
    assert med["events"] == 9
    assert med["n"] == 21


def test_greenwood_first_step():
    """Greenwood variance at 6 weeks: S^2 * d / (n (n - d)) = S^2 * 3 / (21 * 18)."""
    km = kaplan_meier(MP, "t", "dead")
    s = 18 / 21
    assert km["std_err"].iloc[0] == pytest.approx(s * np.sqrt(3 / (21 * 18)), rel=1e-10)


def test_no_censoring_equals_empirical_survival():
    rng = np.random.default_rng(3)
    t = rng.exponential(size=200).round(6)
    km = kaplan_meier(pd.DataFrame({"t": t, "d": 1}), "t", "d")
    emp = np.array([(t > x).mean() for x in km["time"]])
    np.testing.assert_allclose(km["survival"], emp, atol=1e-12)


def test_by_groups_and_median_coverage():
    """Exponential data with median ln 2: the 1 - 1e-5 interval covers it in each of 5 groups
    (false-alarm rate at most 5e-5)."""
    rng = np.random.default_rng(11)
    n = 400
    d = pd.DataFrame({"g": np.repeat(list("abcde"), n), "t": rng.exponential(size=5 * n)})
    c = rng.exponential(scale=3, size=5 * n)
    d["dead"] = (d["t"] <= c).astype(int)
    d["t"] = np.minimum(d["t"], c)
    med = median_survival(d, "t", "dead", by="g", conf_level=1 - 1e-5)
    assert med["g"].tolist() == list("abcde")
    assert ((med["lower"] <= np.log(2)) & (np.log(2) <= med["upper"])).all()


def test_delayed_entry_changes_risk_set():
    d = pd.DataFrame({"t": [2.0, 3.0, 4.0], "d": [1, 1, 1], "e": [0.0, 2.5, 0.0]})
    km = kaplan_meier(d, "t", "d", entry="e")
    # at t=2 only persons 1 and 3 are at risk (person 2 enters at 2.5)
    assert km["at_risk"].tolist()[0] == 2


@pytest.mark.parametrize(("data", "match"), [
    (pd.DataFrame({"t": [-1.0], "d": [1]}), "'t'"),
    (pd.DataFrame({"t": [1.0], "d": [2]}), "'d'"),
])
def test_bad_input(data, match):
    with pytest.raises(ValueError, match=match):
        kaplan_meier(data, "t", "d")


def test_not_a_frame():
    with pytest.raises(TypeError, match="data"):
        median_survival([1, 2], "t", "d")
