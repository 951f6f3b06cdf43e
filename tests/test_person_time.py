"""Tests of lems_epi.stats.person_time: the nickel cohort split as in R, invariants, bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from lems_epi import split_person_time
from lems_epi.exceptions import DroppedRowsWarning

AGE_BREAKS = [0, *range(20, 80, 5), 200]
PERIOD_BREAKS = list(range(1931, 1982, 5))


@pytest.fixture
def nickel(data_dir):
    d = pd.read_csv(data_dir / "nickel.csv")
    return d.assign(entry=d["dob"] + d["agein"], exit=d["dob"] + d["ageout"],
                    lung=d["icd"].isin([162, 163]).astype(int))


def test_nickel_split_matches_epi_splitlexis(nickel, data_dir):
    """nickel_split_expected.csv: person-years and lung cancer deaths by age band and period.

    R 4.2 (Epi 2.47)::

        nic <- Lexis(entry = list(per = dob + agein, age = agein), exit = list(age = ageout),
                     exit.status = icd %in% c(162, 163), data = nickel)
        s <- splitLexis(nic, breaks = c(0, seq(20, 75, 5), 200), time.scale = "age")
        s <- splitLexis(s, breaks = seq(1931, 1981, 5), time.scale = "per")
        aggregate(cbind(lex.dur, lex.Xst) ~ timeBand(s, "age", "left") +
                  timeBand(s, "per", "left"), data = s, FUN = sum)

    Follow-up after 1981 (to 1982.9) is the band labelled 1981. Person-years to rtol 1e-8.
    """
    split = split_person_time(nickel, "entry", "exit", "dob", status="lung",
                              age_breaks=AGE_BREAKS, period_breaks=PERIOD_BREAKS)
    got = (split.groupby(["age_group", "period"], as_index=False)
           .agg(person_years=("person_time", "sum"), lung_deaths=("lung", "sum")))
    ref = pd.read_csv(data_dir / "nickel_split_expected.csv").rename(columns={"age_band": "age_group"})
    both = ref.merge(got, on=["age_group", "period"], how="outer", suffixes=("", "_py"),
                     indicator=True)
    assert (both["_merge"] == "both").all()
    assert_allclose(both["person_years_py"], both["person_years"], rtol=1e-8)
    assert (both["lung_deaths_py"] == both["lung_deaths"]).all()
    # carried columns and status kept once per person
    assert {"id", "icd", "exposure", "dob"} <= set(split.columns)
    assert split["lung"].sum() == nickel["lung"].sum()
    assert_allclose(split["person_time"].sum(), (nickel["exit"] - nickel["entry"]).sum(),
                    rtol=1e-12)


def test_status_only_on_last_piece_and_pieces_are_contiguous(nickel):
    nickel = nickel.assign(person=np.arange(len(nickel)))  # 'id' is not unique in Epi::nickel
    split = split_person_time(nickel, "entry", "exit", "dob", status="lung",
                              age_breaks=AGE_BREAKS, period_breaks=PERIOD_BREAKS)
    last = split.groupby("person").tail(1)
    assert last["lung"].sum() == nickel["lung"].sum()
    assert split.drop(last.index)["lung"].sum() == 0
    same = split["person"].to_numpy()[1:] == split["person"].to_numpy()[:-1]
    assert_allclose(split["entry"].to_numpy()[1:][same], split["exit"].to_numpy()[:-1][same])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(1900, 1990), st.floats(0, 80), st.floats(0, 40)),
                min_size=1, max_size=25))
def test_pieces_lie_in_one_band_and_sum_to_follow_up(people):
    birth = np.array([p[0] for p in people])
    entry = birth + np.array([p[1] for p in people])
    exit_ = entry + np.array([p[2] for p in people])
    d = pd.DataFrame({"id": range(len(people)), "b": birth, "t0": entry, "t1": exit_,
                      "event": 1})
    age_breaks = [0, 15, 40, 65, 85]
    period_breaks = [1850, 1950, 1970, 2000]
    out = split_person_time(d, "t0", "t1", "b", status="event", age_breaks=age_breaks,
                            period_breaks=period_breaks)
    total = out.groupby("id")["person_time"].sum().reindex(d["id"]).to_numpy()
    assert_allclose(total, exit_ - entry, atol=1e-9)
    assert (out.groupby("id")["event"].sum() == 1).all()
    # each piece lies inside its bands (up to rounding of the cut times)
    age0, age1 = out["t0"] - out["b"], out["t1"] - out["b"]
    upper_age = np.append(age_breaks[1:], np.inf)[np.searchsorted(age_breaks, out["age_group"])]
    upper_per = np.append(period_breaks[1:], np.inf)[np.searchsorted(period_breaks,
                                                                     out["period"])]
    assert (age0 >= out["age_group"] - 1e-9).all()
    assert (age1 <= upper_age + 1e-9).all()
    assert (out["t0"] >= out["period"] - 1e-9).all()
    assert (out["t1"] <= upper_per + 1e-9).all()


def test_open_last_band_and_time_before_first_break_dropped_with_warning():
    d = pd.DataFrame({"b": [1900.0, 1900.0], "t0": [1925.0, 1940.0], "t1": [1935.0, 1990.0],
                      "dead": [1, 0]})
    with pytest.warns(DroppedRowsWarning, match="before the first"):
        out = split_person_time(d, "t0", "t1", "b", status="dead", period_breaks=[1930, 1950])
    assert out["period"].tolist() == [1930, 1930, 1950]
    assert_allclose(out["person_time"], [5.0, 10.0, 40.0])
    assert out["dead"].tolist() == [1, 0, 0]
    assert out["age_group"].isna().all()  # no age breaks given


def test_zero_length_follow_up_keeps_one_row_with_its_status():
    d = pd.DataFrame({"b": [1950.0], "t0": [1990.0], "t1": [1990.0], "dead": [1]})
    out = split_person_time(d, "t0", "t1", "b", status="dead", age_breaks=[0, 40],
                            period_breaks=[1980, 1990])
    assert len(out) == 1
    assert out["person_time"].iloc[0] == 0
    assert out["dead"].iloc[0] == 1
    assert out["period"].iloc[0] == 1990


@pytest.mark.parametrize(("frame", "match"), [
    (pd.DataFrame({"b": [1900.0, 1900.0], "t0": [1950.0, 1960.0], "t1": [1960.0, 1955.0]}),
     r"exit before entry at rows \[1\]"),
    (pd.DataFrame({"b": [1900.0, 1951.0], "t0": [1950.0, 1950.0], "t1": [1960.0, 1960.0]}),
     r"birth after entry at rows \[1\]"),
    (pd.DataFrame({"b": [1900.0, 1900.0], "t0": [np.nan, 1950.0], "t1": [1960.0, 1960.0]}),
     r"missing .* at rows \[0\]"),
    (pd.DataFrame({"b": [1900.0, 1900.0], "t0": [1950.0, 1950.0], "t1": [1960.0, np.inf]}),
     r"infinite .* at rows \[1\]"),
])
def test_bad_times_are_named(frame, match):
    with pytest.raises(ValueError, match=match):
        split_person_time(frame, "t0", "t1", "b", period_breaks=[1900, 1950])


def test_bad_breaks_and_columns():
    d = pd.DataFrame({"b": [1900.0], "t0": [1950.0], "t1": [1960.0]})
    with pytest.raises(ValueError, match="increasing"):
        split_person_time(d, "t0", "t1", "b", age_breaks=[0, 50, 40])
    with pytest.raises(ValueError, match="not found"):
        split_person_time(d, "t0", "t1", "birth", age_breaks=[0, 50])
