import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import lems_epi as le
from lems_epi import plots


def test_age_pyramid_sums_each_sex_and_panels():
    pop = le.population("denmark-2013")
    cases = pop.assign(cases=(pop["population"] // 100_000))
    fig = plots.age_pyramid(pop, cases)
    assert isinstance(fig, go.Figure)
    men = [t for t in fig.data if t.name == "male"]
    assert len(men) == 2
    total_men = -np.sum(men[0].x)
    assert total_men == pop.loc[pop["sex"] == "male", "population"].sum()
    assert np.all(np.asarray(men[0].x) <= 0)
    with pytest.raises(ValueError, match="cases"):
        plots.age_pyramid(pop, pop)


def test_forest_plot_error_bars_reach_the_limits():
    t = pd.DataFrame({"group": ["a", "b"], "measure": "rate_ratio", "estimate": [2.0, 5.0],
                      "lower": [1.0, 4.0], "upper": [3.0, 7.0]})
    fig = plots.forest_plot(t, reference=1)  # ratios get a log axis by default
    trace = fig.data[0]
    np.testing.assert_allclose(np.asarray(trace.x) + np.asarray(trace.error_x.array), [3, 7])
    np.testing.assert_allclose(np.asarray(trace.x) - np.asarray(trace.error_x.arrayminus),
                               [1, 4])
    assert fig.layout.xaxis.type == "log"


def test_funnel_limits_hold_most_areas_at_the_target_rate(rng):
    pt = rng.uniform(1e4, 1e6, size=4000)
    events = rng.poisson(5e-5 * pt)
    d = pd.DataFrame({"events": events, "person_time": pt})
    fig = plots.funnel_plot(d, target=5e-5, levels=(0.95,))
    names = [t.name for t in fig.data]
    lo = fig.data[names.index("95.0% lower limit")]
    hi = fig.data[names.index("95.0% upper limit")]
    lo_at = np.interp(pt, lo.x, lo.y)
    hi_at = np.interp(pt, hi.x, hi.y)
    inside = np.mean((events / pt >= lo_at - 1e-12) & (events / pt <= hi_at + 1e-12))
    # about 95% inside (interpolated limits: the exact share is checked in test_funnel.py;
    # 4 Monte Carlo standard errors of slack for interpolation between grid points)
    assert inside >= 0.95 - 4 * np.sqrt(0.95 * 0.05 / 4000)
    assert np.min(lo.y) >= 0  # negative lower limits are clipped in the plot only


def test_funnel_labels_the_areas_outside_each_limit():
    d = pd.DataFrame({"area": ["low", "mid", "high", "extreme"], "events": [10, 100, 130, 200],
                      "person_time": [1e4] * 4})
    fig = plots.funnel_plot(d, label="area", target=0.01, per=1e4)
    by_name = {t.name: t for t in fig.data}
    assert by_name["inside all limits"].text == ("mid",)
    assert set(by_name["outside 95.0% limits"].text) == {"high"}
    assert set(by_name["outside 99.8% limits"].text) == {"low", "extreme"}
    np.testing.assert_allclose(by_name["target"].y, 100.0)


def test_funnel_plot_of_a_ratio_and_a_proportion():
    d = pd.DataFrame({"observed": [3, 9, 1], "expected": [2.5, 3.0, 4.0]})
    fig = plots.funnel_plot(d, events="observed", kind="ratio")
    assert fig.layout.xaxis.title.text == "expected count"
    np.testing.assert_allclose(fig.data[[t.name for t in fig.data].index("target")].y, 1.0)
    p = pd.DataFrame({"events": [5, 30], "n": [100, 300]})
    assert plots.funnel_plot(p, kind="proportion", per=100).layout.yaxis.title.text == "percent"


def test_funnel_rejects_bad_input():
    with pytest.raises(ValueError, match="person_time"):
        plots.funnel_plot(pd.DataFrame({"events": [1], "person_time": [0.0]}))


def test_crude_vs_standardized_bars():
    t = pd.DataFrame({"population": ["A", "A", "B", "B"],
                      "standard": ["esp2013", "who2000"] * 2,
                      "crude_rate": [5e-6, 5e-6, 4e-6, 4e-6], "estimate": [4e-6, 3e-6, 4e-6, 3e-6],
                      "lower": [3e-6, 2e-6, 3e-6, 2e-6], "upper": [5e-6, 4e-6, 5e-6, 4e-6]})
    fig = plots.crude_vs_standardized(t, per=1e6)
    assert [tr.name for tr in fig.data] == ["crude", "esp2013", "who2000"]
    np.testing.assert_allclose(fig.data[0].y, [5.0, 4.0])


def test_rate_axis_says_per_what_in_words():
    t = pd.DataFrame({"population": ["x", "x"], "standard": ["esp2013", "who2000"],
                      "crude_rate": [7e-6, 7e-6], "estimate": [7.3e-6, 6.1e-6],
                      "lower": [5e-6, 4e-6], "upper": [1e-5, 9e-6]})
    assert plots.crude_vs_standardized(t, per=1e6).layout.yaxis.title.text == "rate per million"
    d = pd.DataFrame({"events": [3, 5], "person_time": [1e5, 2e5]})
    assert plots.funnel_plot(d, per=1e5).layout.yaxis.title.text == "rate per 100,000"


def test_funnel_plot_with_overdispersion_widens_the_limits(rng):
    pt = rng.uniform(1e4, 1e5, 200)
    events = rng.poisson(rng.gamma(4.0, 0.25, 200) * 1e-3 * pt)   # overdispersed rates
    d = pd.DataFrame({"events": events, "person_time": pt})
    plain = plots.funnel_plot(d, levels=(0.95,), method="normal")
    wide = plots.funnel_plot(d, levels=(0.95,), overdispersion="multiplicative")

    def upper(fig):
        return np.asarray(next(t for t in fig.data if t.name == "95.0% upper limit").y)

    assert (upper(wide) > upper(plain)).all()
