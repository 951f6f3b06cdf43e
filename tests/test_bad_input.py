"""Catalogue of bad inputs: every public function x every bad-input class -> a named error.

Each row of :data:`CASES` is one call with one bad input. The call must raise ``ValueError`` or
``TypeError`` (never return a number, never raise a raw numpy/pandas error) and the message must
name the argument (or column) that is wrong. Rows are grouped by module; to add a function,
append rows with :func:`case` in a section of its own (one line per bad-input class).

The reproducers of issue 19 (silent wrong numbers) are tests of their own below the catalogue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lems_epi as le
from lems_epi.stats.dask_reduce import aggregate

#: rows of the catalogue: pytest.param(call, argument named in the message, id=...)
CASES: list = []


def case(function: str, kind: str, call, argument: str) -> None:
    """Add a catalogue row: ``call()`` must raise ValueError/TypeError naming ``argument``."""
    CASES.append(pytest.param(call, argument, id=f"{function}-{kind}"))


DATES = np.array(["2020-01-01"], dtype="datetime64[D]")
DURATIONS = np.array([5], dtype="timedelta64[D]")


def _counts(**columns):
    base = {"sex": ["f", "m"], "events": [2, 1], "person_time": [1000.0, 500.0]}
    base.update(columns)
    return pd.DataFrame(base)


def _dsr(**columns):
    base = {"age_group": ["0-39", "40+"], "events": [2, 5], "person_time": [1e4, 5e3]}
    base.update(columns)
    return pd.DataFrame(base)


STD = pd.DataFrame({"age_group": ["0-39", "40+"], "weight": [0.6, 0.4]})
REF = pd.DataFrame({"age_group": ["0-39", "40+"], "rate": [1e-4, 1e-3]})


def _followup(**columns):
    base = {"entry": [2020.0, 2020.0, 2020.0], "exit": [2030.0, 2030.0, 2024.0],
            "birth": [1950.0, 1960.0, 1970.0], "lems_onset": [2019.0, np.nan, 2021.0],
            "lems_end": [np.nan, np.nan, 2024.0],
            "lems_type": ["paraneoplastic", None, "nonparaneoplastic"]}
    base.update(columns)
    return pd.DataFrame(base)


# ------------------------------------------------------------------ poisson_ci, proportion_ci
for kind, value in [("text", ["3"]), ("datetime", DATES), ("timedelta", DURATIONS),
                    ("complex", [3 + 1j]), ("bool", [True]), ("nan", [np.nan]),
                    ("inf", [np.inf]), ("negative", [-1]), ("fraction", [1.5]),
                    ("2d", np.ones((2, 2)))]:
    case("poisson_ci", f"events-{kind}", lambda v=value: le.poisson_ci(v, 100.0), "events")
    case("proportion_ci", f"events-{kind}",
         lambda v=value: le.proportion_ci(v, 10, method="clopper-pearson"), "events")
for kind, value in [("text", ["100"]), ("datetime", DATES), ("complex", [1 + 1j]),
                    ("zero", [0.0]), ("nan", [np.nan]), ("inf", [np.inf]),
                    ("subnormal", [1e-310])]:
    case("poisson_ci", f"person_time-{kind}", lambda v=value: le.poisson_ci(3, v),
         "person_time")
case("proportion_ci", "n-zero", lambda: le.proportion_ci(0, 0), "n")
case("proportion_ci", "n-text", lambda: le.proportion_ci(1, "10"), "n")
case("proportion_ci", "events>n", lambda: le.proportion_ci(11, 10), "events")
for fn in ("poisson_ci", "proportion_ci"):
    case(fn, "conf_level-95", lambda f=fn: getattr(le, f)(1, 10, conf_level=95), "conf_level")
    case(fn, "method-unknown", lambda f=fn: getattr(le, f)(1, 10, method="nonsense"), "method")
    case(fn, "per-negative", lambda f=fn: getattr(le, f)(1, 10, per=-1), "per")
case("smr", "observed-text", lambda: le.smr(["12"], 5.0), "observed")
case("smr", "expected-zero", lambda: le.smr(12, 0.0), "expected")
case("smr", "expected-datetime", lambda: le.smr(12, DATES), "expected")
case("smr", "method-unknown", lambda: le.smr(12, 5.0, method="nonsense"), "method")

# ------------------------------------------------------------------ rates
case("rates", "events-text", lambda: le.rates(_counts(events=["2", "1"]), by="sex"), "events")
case("rates", "person_time-text",
     lambda: le.rates(_counts(person_time=["1000.0", "500.0"]), by="sex"), "person_time")
case("rates", "events-datetime",
     lambda: le.rates(_counts(events=pd.to_datetime(["2020-01-01"] * 2)), by="sex"), "events")
case("rates", "events-complex", lambda: le.rates(_counts(events=[1 + 1j, 2]), by="sex"),
     "events")
case("rates", "person_time-overflow",
     lambda: le.rates(_counts(sex=["f", "f"], person_time=[1e308, 1e308]), by="sex"),
     "person_time")
case("rates", "person_time-subnormal",
     lambda: le.rates(_counts(person_time=[1e-310, 1.0])), "person_time")
case("rates", "events-list-name", lambda: le.rates(_counts(), events=["events"]), "events")
case("rates", "by-missing", lambda: le.rates(_counts(), by="region"), "region")
case("rates", "duplicate-columns",
     lambda: le.rates(pd.DataFrame([[1, 2.0, 3]], columns=["events", "person_time", "events"])),
     "events")
case("rates", "method-unknown", lambda: le.rates(_counts(), method="nonsense"), "method")

# ------------------------------------------------------------------ standardize_direct
case("standardize_direct", "events-text",
     lambda: le.standardize_direct(_dsr(events=["2", "5"]), STD), "events")
case("standardize_direct", "person_time-datetime",
     lambda: le.standardize_direct(_dsr(person_time=pd.to_datetime(["2020-01-01"] * 2)), STD),
     "person_time")
case("standardize_direct", "open_top_age-text",
     lambda: le.standardize_direct(_dsr(), STD, open_top_age="x"), "open_top_age")
case("standardize_direct", "open_top_age-negative",
     lambda: le.standardize_direct(_dsr(), STD, open_top_age=-5), "open_top_age")
case("standardize_direct", "age-straddles",
     lambda: le.standardize_direct(_dsr(age_group=["0-49", "50+"]), STD), "0-49")
case("standardize_direct", "weight-text",
     lambda: le.standardize_direct(_dsr(), STD.assign(weight=["0.6", "0.4"])), "weight")
case("standardize_direct", "standard-unknown-type",
     lambda: le.standardize_direct(_dsr(), 3.5), "standard")
case("standardize_direct", "age-list-name",
     lambda: le.standardize_direct(_dsr(), STD, age=["age_group"]), "age")
case("standardize_direct", "vectors-lengths",
     lambda: le.standardize_direct(events=[1, 2], person_time=[10.0], standard=[1, 1]),
     "person_time")
case("standardize_direct", "standard-and-weights",
     lambda: le.standardize_direct(_dsr(), STD, weights=[1, 1]), "weights")
case("standardize_direct", "method-unknown",
     lambda: le.standardize_direct(_dsr(), STD, method="nonsense"), "method")

# ------------------------------------------------------------------ standardize_indirect
case("standardize_indirect", "events-text",
     lambda: le.standardize_indirect(_dsr(events=["2", "5"]), REF), "events")
case("standardize_indirect", "person_time-text",
     lambda: le.standardize_indirect(_dsr(person_time=["1e4", "5e3"]), REF), "person_time")
case("standardize_indirect", "rate-text",
     lambda: le.standardize_indirect(_dsr(), REF.assign(rate=["1e-4", "1e-3"])), "rate")
case("standardize_indirect", "on-number", lambda: le.standardize_indirect(_dsr(), REF, on=123),
     "on")
case("standardize_indirect", "reference_per-zero",
     lambda: le.standardize_indirect(_dsr(), REF, reference_per=0), "reference_per")
case("standardize_indirect", "expected-overflow",
     lambda: le.standardize_indirect(_dsr(person_time=[1e300, 1e300]), REF.assign(rate=1e10)),
     "expected count overflows")
case("standardize_indirect", "events-list-name",
     lambda: le.standardize_indirect(_dsr(), REF, events=["events"]), "events")

# ------------------------------------------------------------------ split_person_time
_PERSONS = pd.DataFrame({"entry": [2000.0], "exit": [2010.0], "birth": [1950.0]})
case("split_person_time", "entry-text",
     lambda: le.split_person_time(_PERSONS.assign(entry=["2000"])), "entry")
case("split_person_time", "exit-datetime",
     lambda: le.split_person_time(_PERSONS.assign(exit=pd.to_datetime(["2010-01-01"]))),
     "exit")
case("split_person_time", "birth-nan",
     lambda: le.split_person_time(_PERSONS.assign(birth=[np.nan])), "birth")
case("split_person_time", "entry-list-name",
     lambda: le.split_person_time(_PERSONS, entry=["entry"]), "entry")

# ------------------------------------------------------------------ prevalence and incidence
case("point_prevalence", "entry-nan",
     lambda: le.point_prevalence(_followup(entry=[np.nan, 2020.0, 2020.0]), at=2022), "entry")
case("point_prevalence", "onset-text",
     lambda: le.point_prevalence(_followup(lems_onset=["abc", None, 2021.0]), at=2022),
     "lems_onset")
case("point_prevalence", "type-unknown",
     lambda: le.point_prevalence(_followup(lems_type=["paraneo", None, "nonparaneoplastic"]),
                                 at=2022), "lems_type")
case("point_prevalence", "at-text", lambda: le.point_prevalence(_followup(), at="2022"), "at")
case("point_prevalence", "at-outside", lambda: le.point_prevalence(_followup(), at=2050),
     "nobody is followed")
case("period_prevalence", "period-outside",
     lambda: le.period_prevalence(_followup(), 2040, 2050), "nobody is followed")
case("period_prevalence", "exit-text",
     lambda: le.period_prevalence(_followup(exit=["2030", "2030", "2024"]), 2020, 2021), "exit")
case("incidence_rates", "birth-inf",
     lambda: le.incidence_rates(_followup(birth=[np.inf, 1960.0, 1970.0])), "birth")
case("prevalence_incidence_duration", "duration-missing",
     lambda: le.prevalence_incidence_duration(_followup()), "duration")


@pytest.mark.parametrize(("call", "argument"), CASES)
def test_bad_input_gets_a_named_error(call, argument):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert argument in str(info.value), str(info.value)


# ------------------------------------------------------------------ reproducers of issue 19

def test_text_counts_are_not_summed_as_strings():
    """Issue 19: rates() gave 21 events for the text counts "2" and "1" (truth 3)."""
    d = pd.DataFrame({"sex": ["f", "f"], "events": ["2", "1"], "person_time": [1000.0, 500.0]})
    with pytest.raises(TypeError, match="'events' must be numeric, got text"):
        le.rates(d, by="sex")
    with pytest.raises(TypeError, match="'events' must be numeric, got text"):
        le.standardize_indirect(d.assign(age_group="all"),
                                pd.DataFrame({"age_group": ["all"], "rate": [0.001]}))


def test_numeric_categorical_counts_are_accepted():
    """Issue 19: categorical count columns were wrongly rejected."""
    d = pd.DataFrame({"sex": ["f", "f", "m"], "events": pd.Categorical([2, 1, 6]),
                      "person_time": [1000.0, 500.0, 2000.0], "age_group": ["a", "b", "a"]})
    got = le.rates(d, by="sex")
    assert got["events"].tolist() == [3, 6]
    ref = pd.DataFrame({"age_group": ["a", "b"], "rate": [0.002, 0.002]})
    assert le.standardize_indirect(d, ref)["observed"].tolist() == [9]
    reduced = aggregate(d, by="sex", events="events", person_time="person_time")  # dask path
    assert reduced["events"].tolist() == [3, 6]


def test_dates_are_not_counts():
    """Issue 19: poisson_ci(datetime64 '2020-01-01') returned 18,262 events."""
    with pytest.raises(TypeError, match="'events' must be numeric, got dates"):
        le.poisson_ci(np.array(["2020-01-01"], "datetime64[D]"), 1000)


def test_extreme_person_time_is_an_error_not_inf_or_zero():
    """Issue 19: person-time 1e-310 gave rate inf; sums that overflow gave rate 0 [0, 0]."""
    with pytest.raises(ValueError, match="smallest normal float"):
        le.poisson_ci(1, 1e-310)
    d = pd.DataFrame({"g": ["a", "a"], "events": [1, 1], "person_time": [1e308, 1e308]})
    with pytest.raises(ValueError, match="overflows"):
        le.rates(d, by="g")


def test_dobson_lower_limit_stays_in_the_parameter_space():
    """Issue 19: Dobson with events [1, 1], person-time [1, 4], equal weights: lower -0.0156."""
    out = le.standardize_direct(events=[1, 1], person_time=[1.0, 4.0], standard=[1.0, 1.0],
                                method="dobson")
    assert out["lower"].iloc[0] == 0.0
    assert out["upper"].iloc[0] > out["estimate"].iloc[0]


def test_point_prevalence_keeps_every_person_and_the_simulators_spelling():
    """Issue 19: a NaN entry silently left the denominator; 'non-paraneoplastic' (the spelling
    simulate_cohort uses) counted in 'all' but in no type row."""
    f = _followup(lems_type=["paraneoplastic", None, "non-paraneoplastic"])
    p = le.point_prevalence(f, at=2022).set_index("lems_type")
    assert p.loc["nonparaneoplastic", "events"] == 1
    assert p.loc["all", "events"] == p.loc[["paraneoplastic", "nonparaneoplastic"],
                                           "events"].sum()
