"""fitted_vs_ranges: the sensitivity analysis under the evidence ranges and under fitted inputs.

Invariants only (no external reference computes this comparison): intervals contain their
medians, the same rng gives the same result, the sentences carry the table's numbers, and the
interval of ``expected_cases`` follows from the prevalence distribution alone (the output is
proportional to the prevalence, the other inputs move it by well under 1%).
"""

import re

import numpy as np
import pandas as pd
import pytest

from lems_epi import sensitivity as sa
from lems_epi.sensitivity.fitted_vs_ranges import INPUT_SETS, MATTERS
from lems_epi.stats.contract import check_contract

NUMBER = r"(-?[0-9.]+(?:e[-+]?\d+)?)"


@pytest.fixture(scope="module")
def result():
    return sa.fitted_vs_ranges(("expected_cases", "expected_sclc_cases"), n=1000,
                               sobol_output="expected_sclc_cases", sobol_n=512, rng=11)


def test_table_is_on_the_contract(result):
    check_contract(result.table)
    assert result.table["inputs"].tolist() == list(INPUT_SETS) * 2
    assert set(result.fitted_parameters) == {"prevalence", "paraneoplastic_share",
                                             "sclc_share"}


def test_intervals_contain_their_medians(result):
    t = result.table
    assert (t["lower"] <= t["estimate"]).all()
    assert (t["estimate"] <= t["upper"]).all()
    assert (t["lower"] > 0).all()
    ranges = t[t["inputs"] == INPUT_SETS[0]]
    assert np.allclose(ranges["relative_width"], 1.0)


def test_same_rng_same_result_other_rng_other_draws(result):
    again = sa.fitted_vs_ranges(("expected_cases", "expected_sclc_cases"), n=1000,
                                sobol_output="expected_sclc_cases", sobol_n=512, rng=11)
    pd.testing.assert_frame_equal(result.table, again.table)
    pd.testing.assert_frame_equal(result.sobol, again.sobol)
    pd.testing.assert_frame_equal(result.ranking, again.ranking)
    assert result.caption() == again.caption()
    other = sa.fitted_vs_ranges("expected_cases", n=1000, rng=12)
    assert not np.isclose(other.table["estimate"].iloc[1], result.table["estimate"].iloc[1],
                          rtol=1e-9)


def _close(text: str, value: float) -> bool:
    """A number printed with 3 significant figures against the table's value."""
    return np.isclose(float(text), value, rtol=5e-3, atol=0)


def test_caption_numbers_match_the_table(result):
    t = result.table.set_index(["output", "inputs"])
    sentences = result.conclusions()
    assert len(sentences) == 3
    pattern = re.compile(
        rf"^(\w+): median {NUMBER} \(90% interval {NUMBER}-{NUMBER}\) under the evidence "
        rf"ranges, {NUMBER} \({NUMBER}-{NUMBER}\) under the fitted distributions: the median "
        rf"moves by ([-+]\d+)%, the interval is (\d+)% (narrower|wider), and the input that "
        r"drives it (stays (\w+)|changes from (\w+) to (\w+))\.$")
    for sentence in sentences[:2]:
        m = pattern.match(sentence)
        assert m, sentence
        output = m.group(1)
        r, f = t.loc[(output, INPUT_SETS[0])], t.loc[(output, INPUT_SETS[1])]
        for text, value in zip(m.groups()[1:7], (r["estimate"], r["lower"], r["upper"],
                                                 f["estimate"], f["lower"], f["upper"]),
                               strict=True):
            assert _close(text, value), (output, text, value)
        shift = 100 * (f["estimate"] / r["estimate"] - 1)
        assert abs(int(m.group(8)) - shift) <= 0.5 + 1e-9
        change = 100 * (1 - (f["upper"] - f["lower"]) / (r["upper"] - r["lower"]))
        assert abs(int(m.group(9)) - abs(change)) <= 0.5 + 1e-9
        assert m.group(10) == ("narrower" if change >= 0 else "wider")
        ranked = result.ranking.set_index(["output", "inputs", "rank"])["parameter"]
        top_r, top_f = ranked[(output, INPUT_SETS[0], 1)], ranked[(output, INPUT_SETS[1], 1)]
        if top_r == top_f:
            assert m.group(12) == top_r
        else:
            assert (m.group(13), m.group(14)) == (top_r, top_f)
    assert result.caption().endswith(" ".join(sentences))


def test_sobol_sentence_names_the_leaders(result):
    s = result.sobol
    lead_r = s.loc[s["total_ranges"].idxmax(), "parameter"]
    lead_f = s.loc[s["total_fitted"].idxmax(), "parameter"]
    sentence = result.conclusions()[-1]
    assert sentence.startswith(f"Sobol total indices of expected_sclc_cases: {lead_r} leads "
                               "under the ranges (")
    value = re.search(rf"leads under the ranges \({NUMBER}\)", sentence).group(1)
    assert _close(value, s["total_ranges"].max())
    if lead_r != lead_f:
        m = re.search(rf"{lead_f} under the fitted distributions \({NUMBER}, against "
                      rf"{NUMBER} for {lead_r}\)", sentence)
        assert m, sentence
        assert _close(m.group(1), s["total_fitted"].max())
    big = s[s[["total_ranges", "total_fitted"]].max(axis=1) >= MATTERS]
    same = (big.sort_values("total_ranges", ascending=False)["parameter"].tolist()
            == big.sort_values("total_fitted", ascending=False)["parameter"].tolist())
    assert sentence.endswith("is the same." if same else "changes.")


def test_expected_cases_interval_follows_the_prevalence():
    """expected_cases is proportional to the prevalence, so its q95/q05 ratio is the input's.

    Fitted: the log-normal's q95/q05. Ranges: log-uniform on [low, high], whose q95/q05 is
    (high/low)**0.9. Latin hypercube draws (n=4000) get both within 2%.
    """
    res = sa.fitted_vs_ranges("expected_cases", n=4000, rng=3, conf_level=0.90)
    t = res.table.set_index("inputs")
    prev = sa.fitted_distributions(parameters=["prevalence"])["prevalence"]
    low, high = sa.evidence_ranges(["prevalence"]).iloc[0][["low", "high"]]
    fitted_ratio = t.loc[INPUT_SETS[1], "upper"] / t.loc[INPUT_SETS[1], "lower"]
    range_ratio = t.loc[INPUT_SETS[0], "upper"] / t.loc[INPUT_SETS[0], "lower"]
    assert np.isclose(fitted_ratio, prev.ppf(0.95) / prev.ppf(0.05), rtol=0.02)
    assert np.isclose(range_ratio, (high / low) ** 0.9, rtol=0.02)
    # the medians scale as the prevalence medians: pooled estimate vs geometric midpoint
    median_ratio = t.loc[INPUT_SETS[1], "estimate"] / t.loc[INPUT_SETS[0], "estimate"]
    assert np.isclose(median_ratio, prev.median() / np.sqrt(low * high), rtol=0.02)


def test_plot_and_summary(result):
    fig = result.plot()
    assert len(fig.data) >= 1
    summary = result.summary()
    assert summary.title == "Fitted distributions vs evidence ranges"
    assert "Sobol total indices" in [name for name, _ in summary.sections]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"outputs": []}, "'outputs' is empty"),
    ({"n": 3}, "'n' must be at least"),
    ({"conf_level": 1.5}, "conf_level"),
    ({"outputs": "no_such_output"}, "no_such_output"),
])
def test_bad_input_is_named(kwargs, match):
    kwargs = {"n": 50, **kwargs}
    outputs = kwargs.pop("outputs", "expected_cases")
    with pytest.raises(ValueError, match=match):
        sa.fitted_vs_ranges(outputs, **kwargs)
