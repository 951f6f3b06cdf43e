"""Tests of the sensitivity figures in lems_epi.plots.sensitivity."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from lems_epi.plots.sensitivity import distribution_plot, sobol_plot, tornado_plot
from lems_epi.sensitivity import one_way, probabilistic, uniform


@pytest.fixture(scope="module")
def tornado_table():
    return one_way("expected_sclc_cases", base="seed-base",
                   ranges={"prevalence": (4e-6, 1e-5), "sclc_share": (0.5, 0.9),
                    "age_paraneoplastic_mean": (58.0, 67.1)})


def test_tornado_bars_start_at_the_base_and_end_at_the_outputs(tornado_table):
    t = tornado_table
    fig = tornado_plot(t)
    assert isinstance(fig, go.Figure)
    low, high = fig.data
    base = t["output_base"].iloc[0]
    np.testing.assert_allclose(low.base, base)
    # drawn bottom-up: the largest swing is the last category, so on top
    labels = [y.split("</b>")[0].removeprefix("<b>") for y in low.y]
    assert labels == list(t["parameter"])[::-1]
    # each category label also carries both values with their sources
    assert all(y.count("(user)") == 2 for y in low.y)
    np.testing.assert_allclose(np.asarray(low.base) + np.asarray(low.x),
                               t["output_low"].to_numpy()[::-1])
    np.testing.assert_allclose(np.asarray(high.base) + np.asarray(high.x),
                               t["output_high"].to_numpy()[::-1])
    assert all("(user)" in s for s in low.text)
    assert any(abs(shape.x0 - base) < 1e-12 for shape in fig.layout.shapes)


def test_tornado_refuses_mixed_bases(tornado_table):
    t = tornado_table.copy()
    t.loc[0, "output_base"] += 1
    with pytest.raises(ValueError, match="one base case"):
        tornado_plot(t)
    with pytest.raises(ValueError, match="output_low"):
        tornado_plot(t.drop(columns="output_low"))


def test_distribution_plot_marks_median_and_interval():
    r = probabilistic("expected_cases", {"prevalence": uniform(2e-6, 4e-6)}, n=300, rng=1)
    fig = distribution_plot(r)
    assert fig.data[0].type == "histogram"
    assert len(fig.data[0].x) == 300
    xs = sorted(shape.x0 for shape in fig.layout.shapes)
    s = r.table.iloc[0]
    np.testing.assert_allclose(xs, sorted([s["estimate"], s["lower"], s["upper"]]))


def test_sobol_plot_error_bars_reach_the_limits():
    t = pd.DataFrame({"parameter": ["a", "b"], "first_order": [0.2, 0.5],
                      "first_order_lower": [0.1, 0.45], "first_order_upper": [0.3, 0.6],
                      "total_order": [0.25, 0.7], "total_order_lower": [0.2, 0.6],
                      "total_order_upper": [0.3, 0.8]})
    fig = sobol_plot(t)
    first = fig.data[0]
    assert list(first.x) == ["b", "a"]  # ordered by total index
    np.testing.assert_allclose(np.asarray(first.y) + np.asarray(first.error_y.array),
                               [0.6, 0.3])
    np.testing.assert_allclose(np.asarray(first.y) - np.asarray(first.error_y.arrayminus),
                               [0.45, 0.1])
    with pytest.raises(ValueError, match="no rows"):
        sobol_plot(t.iloc[:0])
