import numpy as np
import pandas as pd
import pytest

from lems_epi._rng import as_generator, entropy_from
from lems_epi._validation import (
    as_column_list,
    as_count_array,
    as_float_array,
    check_columns,
    check_conf_level,
    check_method,
    describe_rows,
)


def test_counts_beyond_exact_float_range_are_refused():
    assert as_count_array([2.0**53], name="events", caller="f")[0] == 2.0**53
    with pytest.raises(ValueError, match="above 2\\*\\*53"):
        as_count_array([1.0, 2.0**63], name="events", caller="f")


@pytest.mark.parametrize(("values", "match"), [
    ([1.0, np.nan], "missing values"), ([1.0, -2.0], "negative"), ([np.inf], "infinite"),
    ([1.5], "whole numbers"), (["a"], "numeric"), ([True], "booleans")])
def test_count_errors_name_the_argument_and_rows(values, match):
    with pytest.raises((ValueError, TypeError), match=match) as info:
        as_count_array(values, name="events", caller="rates")
    assert "'events'" in str(info.value)


def test_float_array_zero_allowed_or_not():
    assert as_float_array([0.0], name="t", caller="f")[0] == 0.0
    with pytest.raises(ValueError, match="zero or negative"):
        as_float_array([0.0], name="t", caller="f", allow_zero=False)


def test_conf_level_and_method_messages():
    with pytest.raises(ValueError, match="not 95"):
        check_conf_level(95, caller="f")
    with pytest.raises(TypeError, match="conf_level"):
        check_conf_level("0.95", caller="f")
    with pytest.raises(ValueError, match="Did you mean 'mid-p'"):
        check_method("midp", ["exact", "mid-p"], caller="f")


def test_columns_and_rows_are_named():
    df = pd.DataFrame({"events": [1], "person_time": [2.0]})
    with pytest.raises(ValueError, match="person_tim"):
        check_columns(df, ["person_tim"], caller="f")
    assert describe_rows([False, True, True], index=["a", "b", "c"]) == \
        "rows ['b', 'c'] (2 of 3)"
    assert as_column_list(("a", "b"), caller="f") == ["a", "b"]
    with pytest.raises(TypeError, match="column names"):
        as_column_list([1, 2], caller="f")


def test_rng_normalisation():
    g = np.random.default_rng(1)
    assert as_generator(g, caller="f") is g
    assert entropy_from(5, caller="f") == 5
    a, b = np.random.default_rng(0).spawn(2)
    assert entropy_from(a, caller="f") != entropy_from(b, caller="f")
    with pytest.raises(ValueError, match=">= 0"):
        as_generator(-1, caller="f")
    with pytest.raises(TypeError, match="Generator"):
        entropy_from(1.5, caller="f")


def test_whole_number_arguments_share_one_check():
    """Every size argument refuses a non-integer with TypeError and a too-small one with
    ValueError, naming the argument (one mechanism: check_whole_number)."""
    import lems_epi as le
    from lems_epi.simulate.scale import simulate_cohort_dask

    s = le.Scenario.named("seed-base")
    cases = [
        (lambda v: le.simulate_cohort(s, v), "n", 1),
        (lambda v: le.sensitivity.probabilistic("expected_cases", None, n=v, rng=1), "n", 2),
        (lambda v: le.sensitivity.sobol("expected_cases", None, n=v, rng=1), "n", 2),
        (lambda v: simulate_cohort_dask(s, 10, blocks_per_partition=v),
         "blocks_per_partition", 1),
    ]
    for call, name, minimum in cases:
        with pytest.raises(TypeError, match=f"'{name}' must be a whole number"):
            call(2.5)
        with pytest.raises(ValueError, match=f"'{name}' must be at least {minimum}"):
            call(minimum - 1)


# ---------------------------------------------------------------- one numeric conversion

from lems_epi._validation import (  # noqa: E402
    as_numeric_array,
    check_column_name,
    resolve_method,
)


@pytest.mark.parametrize(("values", "kind"), [
    (["2", "1"], "text"), (pd.Series(["2"], dtype="string"), "text"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates"),
    (pd.Series(pd.to_datetime(["2020-01-01"])), "dates"),
    (np.array([3], dtype="timedelta64[D]"), "durations"), ([1 + 2j], "complex"),
    ([True, False], "booleans"), (pd.Series([1, "a"], dtype=object), "text"),
    (pd.Series(pd.Categorical(["a", "b"])), "non-numeric categories")])
def test_numeric_conversion_refuses_what_is_not_a_number(values, kind):
    with pytest.raises(TypeError, match=f"'events'.*{kind}"):
        as_numeric_array(values, name="events", caller="f")


def test_numeric_conversion_accepts_numbers_in_any_container():
    for values in ([1, 2], np.array([1.0, 2.0]), pd.Series([1, 2], dtype="Int64"),
                   pd.Series(pd.Categorical([1, 2])), pd.Series([1, 2], dtype=object),
                   np.array([[1], [2]])):
        assert as_numeric_array(values, name="x", caller="f").tolist() == [1.0, 2.0]
    assert np.isnan(as_numeric_array(pd.Series([1, None], dtype="Int64"), name="x",
                                     caller="f")[1])


def test_two_dimensional_input_and_frames_are_named():
    with pytest.raises(ValueError, match="'events' must be one-dimensional.*shape \\(2, 2\\)"):
        as_numeric_array(np.ones((2, 2)), name="events", caller="f")
    with pytest.raises(ValueError, match="'events' must be one column"):
        as_numeric_array(pd.DataFrame({"a": [1]}), name="events", caller="f")


def test_subnormal_values_are_refused():
    with pytest.raises(ValueError, match="'person_time'.*smallest normal float"):
        as_float_array([1e-310], name="person_time", caller="f")


def test_method_names_ignore_case_underscores_and_take_aliases():
    allowed = ["clopper-pearson", "wilson", "mid-p"]
    assert resolve_method("MID_P", allowed, caller="f") == "mid-p"
    assert resolve_method("midp", allowed, caller="f") == "mid-p"
    assert resolve_method("exact", allowed, caller="f",
                          aliases={"exact": "clopper-pearson"}) == "clopper-pearson"
    with pytest.raises(ValueError, match="unknown method 'nonsense'"):
        resolve_method("nonsense", allowed, caller="f")


def test_column_names_lists_and_duplicates():
    with pytest.raises(TypeError, match="'events' must name one column.*list"):
        check_column_name(["a"], name="events", caller="f")
    frame = pd.DataFrame([[1, 2]], columns=["x", "x"])
    with pytest.raises(ValueError, match="more than one column called \\['x'\\]"):
        check_columns(frame, ["x"], caller="f")
    with pytest.raises(TypeError, match="column names must be strings"):
        check_columns(frame, [["x"]], caller="f")
