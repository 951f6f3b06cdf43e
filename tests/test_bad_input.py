"""Catalogue of bad inputs: every public function x every bad-input class -> a named error.

Each row of :data:`CASES` is one call with one bad input. The call must raise ``ValueError`` or
``TypeError`` (never return a number, never raise a raw numpy/pandas error) and the message must
name the argument (or column) that is wrong. Rows are grouped by module; to add a function,
append rows with :func:`case` in a section of its own (one line per bad-input class).

The reproducers of issue 19 (silent wrong numbers) are tests of their own below the catalogue.
"""

from __future__ import annotations

import re

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


# ------------------------------------------------------------------ comparisons of two groups
for kind, value in [("text", ["3"]), ("datetime", DATES), ("complex", [3 + 1j]),
                    ("nan", [np.nan]), ("negative", [-1]), ("2-D", np.ones((2, 2)))]:
    case("rate_ratio", f"events_a-{kind}",
         lambda v=value: le.rate_ratio(v, 100.0, 3, 300.0), "events_a")
    case("rate_difference", f"person_time_b-{kind}",
         lambda v=value: le.rate_difference(3, 100.0, 3, v), "person_time_b")
    for fn in ("risk_ratio", "odds_ratio", "risk_difference", "attributable_fraction"):
        case(fn, f"c-{kind}", lambda f=fn, v=value: getattr(le, f)(12, 88, v, 95), "'c'")
for fn in ("rate_ratio", "risk_ratio", "odds_ratio", "risk_difference"):
    args = (3, 100.0, 3, 300.0) if fn == "rate_ratio" else (12, 88, 5, 95)
    case(fn, "conf_level-95", lambda f=fn, a=args: getattr(le, f)(*a, conf_level=95),
         "conf_level")
    case(fn, "method-unknown", lambda f=fn, a=args: getattr(le, f)(*a, method="nonsense"),
         "method")
case("risk_ratio", "empty-exposed", lambda: le.risk_ratio(0, 0, 5, 95), "exposed")
case("odds_ratio", "fractional-count", lambda: le.odds_ratio(1.5, 88, 5, 95), "'a'")

# ------------------------------------------------------------------ 2x2 tables and strata
PERSONS = pd.DataFrame({"smoker": [1, 0, 1, 0], "lems": [1, 0, 0, 1], "sex": ["f", "m"] * 2})
STRATA = pd.DataFrame({"s": ["x", "y"], "a": [10, 4], "b": [20, 8], "c": [5, 2],
                       "d": [30, 9]})
case("two_by_two", "exposure-missing", lambda: le.two_by_two(PERSONS, "smoking", "lems"),
     "smoking")
case("two_by_two", "exposure-list", lambda: le.two_by_two(PERSONS, ["smoker"], "lems"),
     "exposure")
case("mantel_haenszel", "duplicated-strata",
     lambda: le.mantel_haenszel(pd.concat([STRATA, STRATA]), strata="s"), "strata")
case("mantel_haenszel", "text-counts",
     lambda: le.mantel_haenszel(STRATA.assign(a=["10", "4"]), strata="s"), "'a'")
case("mantel_haenszel", "measure-unknown",
     lambda: le.mantel_haenszel(STRATA, strata="s", measure="hr"), "measure")

# ------------------------------------------------------------------ survival and regression
SURV = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "dead": [1, 0, 1, 1], "arm": ["a", "b"] * 2})
case("kaplan_meier", "duration-negative",
     lambda: le.kaplan_meier(SURV.assign(t=[-1.0, 2, 3, 4]), duration="t", event="dead"), "t")
case("kaplan_meier", "event-text",
     lambda: le.kaplan_meier(SURV.assign(dead=["1", "0", "1", "1"]), duration="t",
                             event="dead"), "dead")
case("kaplan_meier", "duration-missing-column",
     lambda: le.kaplan_meier(SURV, duration="time", event="dead"), "time")
case("log_rank", "by-missing", lambda: le.log_rank(SURV, duration="t", event="dead", by="x"),
     "x")
case("poisson_regression", "all-zero-counts",
     lambda: le.poisson_regression(pd.DataFrame({"x": [0, 1, 0, 1], "cases": [0] * 4,
                                                 "person_time": [1.0] * 4}), "cases ~ x"),
     "cases")
case("poisson_regression", "person_time-zero",
     lambda: le.poisson_regression(pd.DataFrame({"x": [0, 1], "cases": [1, 2],
                                                 "person_time": [0.0, 1.0]}), "cases ~ x"),
     "person_time")

# ------------------------------------------------------------------ bias analysis
case("e_value", "overflow", lambda: le.sensitivity.e_value(1e200), "E-value")
case("e_value", "negative", lambda: le.sensitivity.e_value(-2.0), "estimate")
case("misclassify_outcome", "name-exists",
     lambda: le.sensitivity.misclassify_outcome(
         pd.DataFrame({"case": [1, 0], "sex": ["f", "m"]}), sensitivity=0.9,
         specificity=0.9, name="sex", rng=1), "sex")
case("misclassify_outcome", "sensitivity-above-1",
     lambda: le.sensitivity.misclassify_outcome(pd.DataFrame({"case": [1, 0]}),
                                                sensitivity=1.2, specificity=0.9, rng=1),
     "sensitivity")

# ------------------------------------------------------------------ screening, pooling, areas
case("diagnostic_test", "tp-text", lambda: le.stats.diagnostic_test("45", 300, 5, 99650), "tp")
case("true_prevalence", "sensitivity-above-1",
     lambda: le.stats.true_prevalence(20, 100, sensitivity=1.5, specificity=0.95),
     "sensitivity")
case("meta_analysis", "method-unknown",
     lambda: le.stats.meta_analysis(pd.DataFrame({"events": [3, 5], "n": [50, 60]}),
                                    events="events", n="n", measure="logit", method="x"),
     "method")
case("funnel_limits", "kind-unknown",
     lambda: le.stats.funnel_limits(0.1, [10, 100], kind="odds"), "kind")

# ------------------------------------------------------------------ LEMS layer
case("population", "empty-table",
     lambda: le.population(pd.DataFrame({"age": [], "sex": [], "population": []})),
     "no rows")
case("simulate_counts", "empty-population",
     lambda: le.simulate_counts("seed-base", population=pd.DataFrame(
         {"age": [], "sex": [], "population": []}), rng=1), "no rows")
case("simulate_counts", "zero-population",
     lambda: le.simulate_counts("seed-base", population=pd.DataFrame(
         {"age": [0, 0], "sex": ["male", "female"], "population": [0, 0]}), rng=1),
     "0 persons")
case("simulate_cohort", "scenario-unknown",
     lambda: le.simulate_cohort("no-such-scenario", 10, rng=1), "no-such-scenario")
case("simulate_cohort", "n-fractional", lambda: le.simulate_cohort("seed-base", 2.5, rng=1),
     "n")
case("expected_counts", "population-unknown",
     lambda: le.expected_counts("seed-base", population="atlantis"), "atlantis")


@pytest.mark.parametrize(("call", "argument"), CASES)
def test_bad_input_gets_a_named_error(call, argument):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert _names(str(info.value), argument), str(info.value)


def _names(message: str, argument: str) -> bool:
    """``argument`` is in ``message`` as a word; a one-letter name (n, t, x) only in quotes.
    (A plain substring test let any message with an "n" in it name the argument n, and any
    "at" or "on" inside a word name the arguments at and on.)"""
    if len(argument) == 1:
        return re.search(rf"['\"`]{re.escape(argument)}['\"`]", message) is not None
    return re.search(rf"(?<!\w){re.escape(argument)}(?!\w)", message) is not None


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
