"""Tests of lems_epi.stats.tables.two_by_two: counting, strata, round trips, bad input."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lems_epi as le

DATA = Path(__file__).parent / "data"


def _persons_from_tables(tables: pd.DataFrame) -> pd.DataFrame:
    """Expand one row per stratum x cell into one row per person."""
    parts = []
    for row in tables.itertuples(index=False):
        for cell, exposed, case in (("a", 1, 1), ("b", 1, 0), ("c", 0, 1), ("d", 0, 0)):
            k = getattr(row, cell)
            parts.append(pd.DataFrame({"stratum": [row.stratum] * k, "smoker": [exposed] * k,
                                       "lems": [bool(case)] * k}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def mh_input():
    return pd.read_csv(DATA / "mh_input.csv")


def test_round_trip_recovers_stratum_tables(mh_input, rng):
    persons = _persons_from_tables(mh_input)
    persons = persons.iloc[rng.permutation(len(persons))]  # row order must not matter
    tables = le.two_by_two(persons, "smoker", "lems", strata="stratum")
    pd.testing.assert_frame_equal(tables, mh_input, check_dtype=False)
    assert list(tables.columns) == ["stratum", "a", "b", "c", "d"]
    crude = le.two_by_two(persons, "smoker", "lems")
    assert crude[["a", "b", "c", "d"]].iloc[0].tolist() == mh_input[
        ["a", "b", "c", "d"]].sum().tolist()


def test_one_line_from_persons_to_mantel_haenszel(mh_input):
    persons = _persons_from_tables(mh_input)
    res = le.mantel_haenszel(le.two_by_two(persons, "smoker", "lems", strata="stratum"))
    ref = le.mantel_haenszel(mh_input)
    pd.testing.assert_frame_equal(res, ref)


def test_value_pairs_and_lists():
    persons = pd.DataFrame({
        "smoking": ["current", "never", "former", "current", "never", "former"],
        "status": ["case", "control", "case", "control", "case", "control"],
        "sex": ["m", "f", "m", "f", "m", "f"]})
    t = le.two_by_two(persons, ("smoking", "current"), ("status", "case"))
    assert t.iloc[0].tolist() == [1, 1, 2, 2]
    t = le.two_by_two(persons, ("smoking", ["current", "former"]), ("status", "case"),
                      strata=["sex"])
    assert t["sex"].tolist() == ["f", "m"]
    assert t[["a", "b", "c", "d"]].to_numpy().tolist() == [[0, 2, 0, 1], [2, 0, 1, 0]]
    assert (t[["a", "b", "c", "d"]].dtypes == np.int64).all()


def test_bad_input():
    persons = pd.DataFrame({"smoking": ["current", "never"], "lems": [1, 2],
                            "ok": [True, False], "sex": ["m", None]})
    with pytest.raises(ValueError, match="must be boolean or 0/1.*rows \\[1\\]"):
        le.two_by_two(persons, "ok", "lems")
    with pytest.raises(ValueError, match="pass \\('smoking', value\\)"):
        le.two_by_two(persons, "smoking", "ok")
    with pytest.raises(ValueError, match="no row of column 'smoking' equals 'curent'"):
        le.two_by_two(persons, ("smoking", "curent"), "ok")
    with pytest.raises(ValueError, match=r"column\(s\) \['smoker'\] not found"):
        le.two_by_two(persons, "smoker", "ok")
    with pytest.raises(ValueError, match="missing values"):
        le.two_by_two(persons, ("smoking", "current"), "ok", strata="sex")
    with pytest.raises(TypeError, match="DataFrame"):
        le.two_by_two([[1, 0]], "a", "b")
    clash = persons.assign(a=["x", "y"])
    with pytest.raises(ValueError, match=r"stratum column\(s\) \['a'\].*rename them"):
        le.two_by_two(clash, "ok", "ok", strata="a")
    with pytest.raises(ValueError, match="'strata' names a column more than once"):
        le.two_by_two(persons, "ok", "ok", strata=["smoking", "smoking"])
