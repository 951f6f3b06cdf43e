"""Tests of lems_epi.stats.rate_tables: R reference values, aggregation invariants, bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from lems_epi import poisson_ci, rates
from lems_epi.stats.intervals import POISSON_CI_METHODS

COLUMNS = ["events", "person_time", "measure", "estimate", "lower", "upper", "conf_level", "method", "per"]


def test_stratum_rates_match_r(data_dir):
    """Each (events, person_time) pair of poisson_ci.csv as one stratum, rates per 100,000.

    R 4.2::

        poisson.test(x, T, conf.level = level)$conf.int   # exact
        epitools::pois.approx(x, T, conf.level = level)   # normal (lower clipped at 0)

    multiplied by 1e5 here. Relative tolerance 1e-8.
    """
    ref = pd.read_csv(data_dir / "poisson_ci.csv")
    for (method, level), grp in ref.groupby(["method", "level"]):
        grp = grp.reset_index(drop=True).assign(stratum=lambda d: np.arange(len(d)))
        out = rates(grp, by="stratum", per=1e5, method=method, conf_level=level)
        assert list(out.columns) == ["stratum", *COLUMNS]
        assert_allclose(out["estimate"], 1e5 * grp["rate"], rtol=1e-8)
        assert_allclose(out["lower"], 1e5 * grp["lower"], rtol=1e-8, atol=0)
        assert_allclose(out["upper"], 1e5 * grp["upper"], rtol=1e-8, atol=0)


def test_person_rows_equal_stratum_counts(rng):
    n = 400
    persons = pd.DataFrame({
        "sex": rng.choice(["female", "male"], n),
        "smoking": rng.choice(["never", "current"], n),
        "events": rng.poisson(0.2, n),
        "person_time": rng.uniform(0.1, 10, n),
    })
    by_person = rates(persons, by=["sex", "smoking"], per=1000)
    strata = persons.groupby(["sex", "smoking"], as_index=False)[["events", "person_time"]].sum()
    by_stratum = rates(strata, by=["sex", "smoking"], per=1000)
    pd.testing.assert_frame_equal(by_person, by_stratum)
    # Each stratum equals poisson_ci on the summed counts
    for _, row in by_person.iterrows():
        ci = poisson_ci(row["events"], row["person_time"]).iloc[0]
        assert_allclose(row[["estimate", "lower", "upper"]].to_numpy(dtype=float),
                        1000 * ci[["estimate", "lower", "upper"]].to_numpy(dtype=float), rtol=1e-12)
    crude = rates(persons)
    assert list(crude.columns) == COLUMNS
    assert crude["events"].iloc[0] == persons["events"].sum()
    assert_allclose(crude["person_time"].iloc[0], persons["person_time"].sum())


def test_custom_column_names_and_row_order_invariance(rng):
    d = pd.DataFrame({"area": list("abcabc"), "deaths": [1, 0, 4, 2, 3, 0],
                      "pyrs": [10.0, 5.0, 20.0, 12.0, 8.0, 1.0]})
    a = rates(d, events="deaths", person_time="pyrs", by="area")
    b = rates(d.sample(frac=1, random_state=rng), events="deaths", person_time="pyrs", by="area")
    pd.testing.assert_frame_equal(a, b)
    assert a["area"].tolist() == ["a", "b", "c"]
    assert a["events"].tolist() == [3, 3, 4]


@settings(max_examples=30, deadline=None)
@given(x=st.lists(st.integers(0, 200), min_size=1, max_size=6),
       scale=st.floats(1e-2, 1e3), method=st.sampled_from(POISSON_CI_METHODS))
def test_rescaling_person_time_or_per_rescales_rates(x, scale, method):
    d = pd.DataFrame({"g": range(len(x)), "events": x, "person_time": 100.0})
    a = rates(d, by="g", method=method)
    b = rates(d.assign(person_time=100.0 * scale), by="g", method=method)
    c = rates(d, by="g", method=method, per=scale)
    for col in ("estimate", "lower", "upper"):
        assert_allclose(b[col] * scale, a[col], rtol=1e-10)
        assert_allclose(c[col], a[col] * scale, rtol=1e-10)
    assert (a["lower"] <= a["estimate"]).all()
    assert (a["estimate"] <= a["upper"]).all()


@pytest.mark.parametrize(("frame", "kwargs", "match"), [
    (pd.DataFrame({"events": [-1], "person_time": [1.0]}), {}, "negative"),
    (pd.DataFrame({"events": [np.nan], "person_time": [1.0]}), {}, "NaN"),
    (pd.DataFrame({"events": [1], "person_time": [np.nan]}), {}, "NaN"),
    (pd.DataFrame({"events": [2], "person_time": [0.0]}), {}, "zero person-time with events"),
    (pd.DataFrame({"g": ["a", "b"], "events": [0, 1], "person_time": [0.0, 3.0]}), {"by": "g"},
     "zero person-time and no events.*'a'"),
    (pd.DataFrame({"g": ["a", None], "events": [0, 1], "person_time": [1.0, 3.0]}), {"by": "g"},
     "missing values"),
    (pd.DataFrame({"events": [1], "person_time": [1.0]}), {"method": "scor"}, "unknown method"),
    (pd.DataFrame({"events": [1], "person_time": [1.0]}), {"per": 0}, "per"),
    (pd.DataFrame({"events": [1], "pt": [1.0]}), {}, "not found"),
])
def test_rates_bad_input(frame, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rates(frame, **kwargs)


def test_rates_needs_a_dataframe():
    with pytest.raises(TypeError, match="DataFrame"):
        rates({"events": [1], "person_time": [1.0]})
