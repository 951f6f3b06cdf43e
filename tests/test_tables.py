"""Tests of lems_epi.stats.tables.two_by_two: counting, strata, round trips, bad input."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lems_epi as le
from lems_epi.exceptions import ZeroCellWarning

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
    tables = le.two_by_two(persons, "smoker", "lems", strata="stratum").counts
    pd.testing.assert_frame_equal(tables, mh_input, check_dtype=False)
    assert list(tables.columns) == ["stratum", "a", "b", "c", "d"]
    crude = le.two_by_two(persons, "smoker", "lems").counts
    assert crude[["a", "b", "c", "d"]].iloc[0].tolist() == mh_input[
        ["a", "b", "c", "d"]].sum().tolist()


def test_one_line_from_persons_to_mantel_haenszel(mh_input):
    persons = _persons_from_tables(mh_input)
    res = le.mantel_haenszel(le.two_by_two(persons, "smoker", "lems", strata="stratum"))
    ref = le.mantel_haenszel(mh_input)
    pd.testing.assert_frame_equal(res.table, ref.table)
    pd.testing.assert_frame_equal(res.strata, ref.strata, check_dtype=False)


def test_value_pairs_and_lists():
    persons = pd.DataFrame({
        "smoking": ["current", "never", "former", "current", "never", "former"],
        "status": ["case", "control", "case", "control", "case", "control"],
        "sex": ["m", "f", "m", "f", "m", "f"]})
    t = le.two_by_two(persons, ("smoking", "current"), ("status", "case")).counts
    assert t.iloc[0].tolist() == [1, 1, 2, 2]
    res = le.two_by_two(persons, ("smoking", ["current", "former"]), ("status", "case"),
                        strata=["sex"])
    assert res.table["zero_cell"].all()  # strata with a zero cell are flagged, not warned
    t = res.counts
    assert t["sex"].tolist() == ["f", "m"]
    assert t[["a", "b", "c", "d"]].to_numpy().tolist() == [[0, 2, 0, 1], [2, 0, 1, 0]]
    assert (t[["a", "b", "c", "d"]].dtypes == np.int64).all()


def _two_by_two_of(a, b, c, d):
    """two_by_two of four numbers; a table with a zero cell (T4, T5) must say so."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = le.two_by_two(a, b, c, d)
    warned = any(issubclass(w.category, ZeroCellWarning) for w in caught)
    assert warned == (0 in (a, b, c, d)), (a, b, c, d, [str(w.message) for w in caught])
    return res


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
        le.two_by_two({"a": 1}, "a", "b")
    with pytest.raises(TypeError, match="'b' must be numeric"):
        le.two_by_two(1, "a", 2, 3)
    clash = persons.assign(a=["x", "y"])
    with pytest.raises(ValueError, match=r"stratum column\(s\) \['a'\].*rename them"):
        le.two_by_two(clash, "ok", "ok", strata="a")
    with pytest.raises(ValueError, match="'strata' names a column more than once"):
        le.two_by_two(persons, "ok", "ok", strata=["smoking", "smoking"])


# --------------------------------------------------------------------------- epi.2by2


@pytest.fixture(scope="module")
def more():
    return pd.read_csv(DATA / "two_by_two_more.csv")


def test_four_numbers_tests_against_r(more):
    """Reference: R 4.2 (shared/reference/two_by_two_more.csv, tables T1-T12).

    > tab <- matrix(c(a, c, b, d), 2, 2)
    > chisq.test(tab, correct = FALSE); chisq.test(tab, correct = TRUE); fisher.test(tab)

    The statistics agree to 1e-8 (relative) and p-values to 1e-8 or, below 1e-12, 1e-14
    absolute (T1's chi-square p underflows to 0 in R and here).
    """
    for row in more.itertuples():
        res = _two_by_two_of(row.a, row.b, row.c, row.d)
        t = res.tests.set_index("test")
        assert t.loc["pearson-chi-square", "statistic"] == pytest.approx(row.chisq_stat,
                                                                         rel=1e-8)
        assert t.loc["yates-chi-square", "statistic"] == pytest.approx(row.chisq_yates_stat,
                                                                       rel=1e-8)
        for name, col in (("pearson-chi-square", "chisq_p"), ("yates-chi-square",
                          "chisq_yates_p"), ("fisher-exact", "fisher_p")):
            expected = getattr(row, col)
            got = t.loc[name, "p_value"]
            if expected < 1e-12:
                assert got == pytest.approx(expected, abs=1e-14)
            else:
                assert got == pytest.approx(expected, rel=1e-8)


def test_four_numbers_measures_against_r(more):
    """epi.2by2's RR, OR, RD (Wald), AF in the exposed and PAF of T1-T12 (same reference).

    The Wald risk difference limits are kept inside [-1, 1] (R's T4 upper limit 1.006 is 1
    here); estimates where R gives NA (infinite ratios) are skipped.
    """
    for _, row in more.iterrows():
        tab = _two_by_two_of(row["a"], row["b"], row["c"], row["d"]).table.set_index("measure")
        for measure, est, lo, hi in (("risk_ratio", "rr", "rr_wald_lower", "rr_wald_upper"),
                                     ("odds_ratio", "or", "or_wald_lower", "or_wald_upper"),
                                     ("risk_difference", "rd", "rd_wald_lower",
                                      "rd_wald_upper"),
                                     ("population_attributable_fraction", "paf", "paf_lower",
                                      "paf_upper")):
            got = tab.loc[measure]
            for key, col in (("estimate", est), ("lower", lo), ("upper", hi)):
                expected = row[col]
                if np.isfinite(expected):
                    if measure == "risk_difference":
                        expected = min(max(expected, -1.0), 1.0)
                    assert got[key] == pytest.approx(expected, rel=1e-8, abs=1e-12), (
                        row["table_id"], measure, key)


def test_long_table_of_counts_equals_person_rows(mh_input):
    persons = _persons_from_tables(mh_input)
    counts = persons.groupby(["stratum", "smoker", "lems"]).size().rename("n").reset_index()
    from_counts = le.two_by_two(counts, "smoker", "lems", strata="stratum", count="n")
    pd.testing.assert_frame_equal(from_counts.counts, mh_input, check_dtype=False)
    mh = le.mantel_haenszel(counts, exposure="smoker", outcome="lems", strata="stratum",
                            count="n")
    pd.testing.assert_frame_equal(mh.table, le.mantel_haenszel(mh_input).table)


def test_summary_has_every_part(mh_input):
    res = le.two_by_two(13, 2163, 5, 3349)
    text = str(res.summary())
    for word in ("risk_ratio", "odds_ratio", "risk_difference",
                 "population_attributable_fraction", "yates-chi-square", "fisher-exact"):
        assert word in text
    persons = _persons_from_tables(mh_input)
    stratified = le.two_by_two(persons, "smoker", "lems", strata="stratum")
    assert "Mantel-Haenszel pooled" in stratified.summary().tables
    assert len(stratified.tests) == 3 * len(mh_input)


def test_counting_in_chunks_equals_counting_at_once(mh_input, monkeypatch):
    """Issue 19: persons are counted a chunk of rows at a time (memory near the frame's
    size); the strata must add up across chunks, with weights too."""
    import lems_epi.stats.tabulate as tabulate

    persons = _persons_from_tables(mh_input).sample(frac=1.0, random_state=3)
    persons["w"] = 2
    at_once = le.two_by_two(persons, "smoker", "lems", strata="stratum", count="w").counts
    monkeypatch.setattr(tabulate, "_CHUNK", 7)
    chunked = le.two_by_two(persons, "smoker", "lems", strata="stratum", count="w").counts
    pd.testing.assert_frame_equal(chunked, at_once)
    assert (at_once[["a", "b", "c", "d"]].to_numpy() == 2 * mh_input[
        ["a", "b", "c", "d"]].to_numpy()).all()
    crude = le.two_by_two(persons, "smoker", "lems").counts
    assert crude.iloc[0].tolist() == mh_input[["a", "b", "c", "d"]].sum().tolist()
