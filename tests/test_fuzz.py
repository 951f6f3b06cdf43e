"""Fuzz of every public estimator of lems_epi.stats (issue 19).

Two properties, over :data:`SPECS` (one entry per estimator: a generator of valid random inputs,
the call, and the arguments a bad value can be put into):

1. **Valid random inputs** (counts 0..1e6 with zeros, person-time over ten orders of magnitude,
   several confidence levels, every method the function accepts): the output passes
   :func:`lems_epi.stats.contract.check_contract`; a NaN or infinite estimate or limit comes
   with a :class:`~lems_epi.exceptions.LemsEpiWarning`; an error is a ``ValueError`` or
   ``TypeError`` whose message names an argument or a column.
2. **One bad value** (text, dates, durations, complex, NaN, inf, -1, -0.0, 1.5 as a count,
   bool, None, a 2-D array, an empty list; for column arguments a list as the name and a
   duplicated column): the call raises ``ValueError``/``TypeError`` naming that argument, or,
   for -0.0 where 0 is allowed, returns the clean call's table.

Both are deterministic (``derandomize=True``; the bad values are a fixed grid).
``benchmarks/fuzz_catalogue.py`` runs a larger fuzz from the same specs and prints the counts.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from lems_epi import stats as st
from lems_epi.exceptions import LemsEpiWarning
from lems_epi.stats.binomial_limits import BINOMIAL_LIMIT_METHODS
from lems_epi.stats.contract import AnalysisResult, check_contract
from lems_epi.stats.dsr_compare import DSR_DIFFERENCE_METHODS, DSR_RATIO_METHODS
from lems_epi.stats.dsr_intervals import DIRECT_METHODS
from lems_epi.stats.funnel import FUNNEL_METHODS
from lems_epi.stats.intervals import (
    FRACTIONAL_PROPORTION_METHODS,
    POISSON_CI_METHODS,
    PROPORTION_CI_METHODS,
    SMR_CI_METHODS,
)
from lems_epi.stats.odds_ratios import ODDS_RATIO_METHODS
from lems_epi.stats.rate_comparison import RATE_DIFFERENCE_METHODS, RATE_RATIO_METHODS
from lems_epi.stats.risk_comparison import RISK_DIFFERENCE_METHODS, RISK_RATIO_METHODS
from lems_epi.stats.stratified import MH_MEASURES

CONF_LEVELS = (0.8, 0.9, 0.95, 0.99, 0.999)
NUMBER_ERRORS = (ValueError, TypeError)
#: classes that are legitimate for a signed score (ROC) or a binary indicator
SIGNED = {"negative", "negative_zero", "inf", "bool", "fraction"}
BINARY = {"bool"}


# ----------------------------------------------------------------------------- generators

def count(rng, high=10**6):
    """A count: zero a fifth of the time, else small, medium or large (up to ``high``)."""
    kind = rng.integers(5)
    if kind == 0:
        return 0
    top = (20, 1000, high, high)[kind - 1]
    return int(rng.integers(0, min(top, high) + 1))


def time(rng):
    """Person-time over ten orders of magnitude (1e-2 .. 1e8)."""
    return float(10 ** rng.uniform(-2, 8))


def conf(rng):
    return float(rng.choice(CONF_LEVELS))


def pick(rng, options):
    return options[int(rng.integers(len(options)))]


@dataclass
class Spec:
    """One estimator: ``make(rng)`` draws valid parameters, ``call(p)`` runs the estimator.

    ``scalars`` are parameters holding one number (``(key, allow_zero, whole)``);
    ``columns`` are ``(key of the column-name parameter, allow_zero, whole)`` for numeric
    columns of ``p["data"]``; ``names`` are parameters naming a column.
    """

    make: Callable
    call: Callable
    scalars: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    names: list = field(default_factory=list)
    #: bad-value classes that are legitimate for these parameters (documented features)
    legit: Callable = lambda p: frozenset()  # noqa: E731


def _abcd(rng):
    return {"a": count(rng), "b": count(rng), "c": count(rng), "d": count(rng),
            "conf_level": conf(rng)}


def _table_spec(func, methods, extra=()):
    def make(rng):
        p = _abcd(rng)
        while p["a"] + p["b"] == 0 or p["c"] + p["d"] == 0:
            p = _abcd(rng)
        p["method"] = pick(rng, methods)
        return p

    def call(p):
        return func(p["a"], p["b"], p["c"], p["d"], conf_level=p["conf_level"],
                    method=p["method"])

    return Spec(make, call, scalars=[(k, True, True) for k in "abcd"])


def _two_rates(rng):
    return {"events_a": count(rng), "person_time_a": time(rng), "events_b": count(rng),
            "person_time_b": time(rng), "conf_level": conf(rng)}


def _rate_spec(func, methods, **fixed):
    def make(rng):
        p = _two_rates(rng)
        p["method"] = pick(rng, methods)
        return p

    def call(p):
        return func(p["events_a"], p["person_time_a"], p["events_b"], p["person_time_b"],
                    conf_level=p["conf_level"], method=p["method"], **fixed)

    return Spec(make, call, scalars=[("events_a", True, True), ("person_time_a", False, False),
                                     ("events_b", True, True), ("person_time_b", False, False)])


def _poisson_make(rng):
    return {"events": count(rng), "person_time": time(rng), "conf_level": conf(rng),
            "method": pick(rng, POISSON_CI_METHODS), "per": pick(rng, (1, 1000, 1e5))}


def _proportion_make(rng):
    n = max(1, count(rng))
    return {"events": int(rng.integers(0, n + 1)), "n": n, "conf_level": conf(rng),
            "method": pick(rng, PROPORTION_CI_METHODS)}


def _smr_make(rng):
    method = pick(rng, SMR_CI_METHODS)
    return {"observed": count(rng), "expected": time(rng), "method": method,
            "conf_level": 0.95 if method == "ury-wiggins" else conf(rng)}


def _true_prevalence_make(rng):
    tested = max(1, count(rng))
    return {"positive": int(rng.integers(0, tested + 1)), "tested": tested,
            "sensitivity": float(rng.uniform(0.5, 1)), "specificity": float(rng.uniform(0.5, 1)),
            "conf_level": conf(rng), "method": pick(rng, BINOMIAL_LIMIT_METHODS)}


def _funnel_make(rng):
    kind = pick(rng, ("proportion", "rate"))
    target = float(rng.uniform(0.01, 0.9)) if kind == "proportion" else time(rng) / 1e6
    return {"target": target, "denominator": [max(1, count(rng)) for _ in range(3)],
            "kind": kind, "method": pick(rng, FUNNEL_METHODS),
            "levels": pick(rng, (0.95, (0.95, 0.998), 0.8))}


def _diagnostic_make(rng):
    p = {"tp": count(rng), "fp": count(rng), "fn": count(rng), "tn": count(rng)}
    while p["tp"] + p["fn"] == 0 or p["fp"] + p["tn"] == 0:
        p = {"tp": count(rng), "fp": count(rng), "fn": count(rng), "tn": count(rng)}
    p.update(conf_level=conf(rng), method=pick(rng, BINOMIAL_LIMIT_METHODS))
    return p


# frames ---------------------------------------------------------------------------------

AGES = ("0-39", "40-64", "65+")


def _rates_frame(rng):
    rows = [(s, a) for s in ("f", "m") for a in AGES]
    return pd.DataFrame({"sex": [r[0] for r in rows], "age_group": [r[1] for r in rows],
                         "events": [count(rng) for _ in rows],
                         "person_time": [time(rng) * 100 for _ in rows]})


def _rates_make(rng):
    return {"data": _rates_frame(rng), "events": "events", "person_time": "person_time",
            "by": pick(rng, (None, "sex", ["sex", "age_group"])), "conf_level": conf(rng),
            "method": pick(rng, POISSON_CI_METHODS), "per": pick(rng, (1, 1e5))}


def _direct_make(rng):
    w = rng.uniform(0.05, 1, 3)
    return {"data": _rates_frame(rng), "events": "events", "person_time": "person_time",
            "by": "sex", "weights": dict(zip(AGES, w.tolist(), strict=True)),
            "conf_level": conf(rng), "method": pick(rng, DIRECT_METHODS), "per": 1e5}


def _indirect_make(rng):
    method = pick(rng, SMR_CI_METHODS)
    ref = pd.DataFrame({"age_group": list(AGES), "rate": [time(rng) * 1e-7 for _ in AGES]})
    return {"data": _rates_frame(rng), "reference": ref, "events": "events",
            "person_time": "person_time", "by": "sex", "method": method,
            "conf_level": 0.95 if method == "ury-wiggins" else conf(rng)}


def _dsr_make(methods):
    def make(rng):
        p = _direct_make(rng)
        p["method"] = pick(rng, methods)
        p["data"]["person_time"] = np.maximum(p["data"]["person_time"], 1.0)
        return p
    return make


def _life_make(rng):
    pop = [max(10, count(rng)) for _ in range(4)]
    return {"data": pd.DataFrame({"age_group": ["0", "1-4", "5-64", "65+"],
                                  "deaths": [int(rng.integers(0, p // 2 + 1)) for p in pop],
                                  "population": pop}),
            "deaths": "deaths", "population": "population", "conf_level": conf(rng)}


def _survival_frame(rng):
    n = int(rng.integers(4, 40))
    return pd.DataFrame({"t": np.round(10 ** rng.uniform(-1, 2, n), 2),
                         "dead": rng.integers(0, 2, n), "arm": rng.choice(["a", "b"], n)})


def _survival_make(rng):
    return {"data": _survival_frame(rng), "duration": "t", "event": "dead",
            "conf_level": conf(rng), "by": pick(rng, (None, "arm"))}


def _persons_make(rng):
    n = int(rng.integers(8, 60))
    return {"data": pd.DataFrame({"x": rng.integers(0, 2, n), "y": rng.integers(0, 2, n),
                                  "s": rng.choice(["u", "v"], n)}),
            "exposure": "x", "outcome": "y", "conf_level": conf(rng)}


def _strata_make(rng):
    k = int(rng.integers(1, 5))
    data = pd.DataFrame({"stratum": [f"s{i}" for i in range(k)],
                         **{c: [count(rng, 10**4) + 1 for _ in range(k)] for c in "abcd"}})
    measure = pick(rng, MH_MEASURES[:3])
    return {"data": data, "measure": measure, "conf_level": conf(rng),
            "method": pick(rng, ("wald", "exact")) if measure == "or" else "wald"}


def _roc_make(rng):
    n = int(rng.integers(6, 60))
    y = rng.integers(0, 2, n)
    y[:2] = (0, 1)
    return {"data": pd.DataFrame({"s1": np.round(rng.normal(y, 1), 1),
                                  "s2": np.round(rng.normal(y, 2), 1), "y": y}),
            "score": "s1", "outcome": "y", "conf_level": conf(rng)}


def _poisson_reg_make(rng):
    return {"data": pd.DataFrame({"x": [0, 1, 0, 1], "z": [0, 0, 1, 1],
                                  "cases": [count(rng, 10**4) + 1 for _ in range(4)],
                                  "person_time": [time(rng) * 1e4 for _ in range(4)]}),
            "person_time": "person_time", "conf_level": conf(rng)}


def _followup_make(rng):
    n = int(rng.integers(3, 30))
    entry = np.round(rng.uniform(2000, 2020, n), 2)
    exit_ = np.round(entry + rng.uniform(0.1, 10, n), 2)
    onset = np.where(rng.random(n) < 0.4, np.round(rng.uniform(1995, 2030, n), 2), np.nan)
    return {"data": pd.DataFrame({
        "birth": np.round(entry - rng.uniform(20, 80, n), 2), "entry": entry, "exit": exit_,
        "lems_onset": onset, "lems_end": np.full(n, np.nan),
        "lems_type": np.where(np.isnan(onset), None,
                              rng.choice(["paraneoplastic", "nonparaneoplastic"], n))}),
        "conf_level": conf(rng), "method": pick(rng, ("wilson", "clopper-pearson", "jeffreys"))}


def _meta_make(rng):
    k = int(rng.integers(2, 7))
    n = [max(5, count(rng, 10**4)) for _ in range(k)]
    return {"data": pd.DataFrame({"events": [int(rng.integers(0, m + 1)) for m in n], "n": n}),
            "events": "events", "n": "n", "measure": pick(rng, ("logit", "raw", "log")),
            "method": pick(rng, ("common", "dl", "reml", "pm")), "conf_level": conf(rng)}


def _net_make(rng):
    n = int(rng.integers(6, 40))
    return {"data": pd.DataFrame({"years": np.round(rng.uniform(0.05, 5, n), 2),
                                  "dead": rng.integers(0, 2, n),
                                  "age": np.round(rng.uniform(40, 85, n), 1),
                                  "sex": rng.choice(["male", "female"], n)}),
            "duration": "years", "method": pick(rng, ("pohar-perme", "ederer2", "ederer1")),
            "conf_level": conf(rng)}


def _kw(p, *names):
    return {k: p[k] for k in names if k in p}


SURV = dict(columns=[("duration", False, False), ("event", True, True, BINARY)],
            names=["duration", "event"])

SPECS: dict[str, Spec] = {
    "poisson_ci": Spec(_poisson_make, lambda p: st.poisson_ci(
        p["events"], p["person_time"], **_kw(p, "per", "conf_level", "method")),
        scalars=[("events", True, True), ("person_time", False, False)]),
    "proportion_ci": Spec(_proportion_make, lambda p: st.proportion_ci(
        p["events"], p["n"], **_kw(p, "conf_level", "method")),
        scalars=[("events", True, True), ("n", False, True)],
        # weighted (fractional) counts are documented for these methods
        legit=lambda p: {"fraction"} if p["method"] in FRACTIONAL_PROPORTION_METHODS
        else set()),
    "smr": Spec(_smr_make, lambda p: st.smr(p["observed"], p["expected"],
                                            **_kw(p, "conf_level", "method")),
                scalars=[("observed", True, True), ("expected", False, False)]),
    "rate_ratio": _rate_spec(st.rate_ratio, RATE_RATIO_METHODS),
    "rate_difference": _rate_spec(st.rate_difference, RATE_DIFFERENCE_METHODS),
    "rate_ratio_test": _rate_spec(st.rate_ratio_test,
                                  ("exact-minlike", "exact-central", "mid-p", "score", "wald")),
    "risk_ratio": _table_spec(st.risk_ratio, RISK_RATIO_METHODS),
    "risk_difference": _table_spec(st.risk_difference, RISK_DIFFERENCE_METHODS),
    "odds_ratio": _table_spec(st.odds_ratio, ODDS_RATIO_METHODS),
    "attributable_fraction": _table_spec(st.attributable_fraction,
                                         ("wald", "koopman", "exact-substitution")),
    "population_attributable_risk": _table_spec(st.population_attributable_risk, ("wald",)),
    "number_needed_to_treat": _table_spec(st.number_needed_to_treat, ("wald",)),
    "true_prevalence": Spec(_true_prevalence_make, lambda p: st.true_prevalence(
        p["positive"], p["tested"], **_kw(p, "sensitivity", "specificity", "conf_level",
                                          "method")),
        scalars=[("positive", True, True), ("tested", False, True)]),
    "funnel_limits": Spec(_funnel_make, lambda p: st.funnel_limits(
        p["target"], p["denominator"], **_kw(p, "kind", "method", "levels")),
        scalars=[("target", False, False)]),
    "diagnostic_test": Spec(_diagnostic_make, lambda p: st.diagnostic_test(
        p["tp"], p["fp"], p["fn"], p["tn"], **_kw(p, "conf_level", "method")),
        scalars=[(k, True, True) for k in ("tp", "fp", "fn", "tn")]),
    "rates": Spec(_rates_make, lambda p: st.rates(
        p["data"], p["events"], p["person_time"], **_kw(p, "by", "per", "method",
                                                        "conf_level")),
        columns=[("events", True, True), ("person_time", False, False)],
        names=["events", "person_time"]),
    "standardize_direct": Spec(_direct_make, lambda p: st.standardize_direct(
        p["data"], **_kw(p, "events", "person_time", "by", "weights", "per", "method",
                         "conf_level")),
        columns=[("events", True, True), ("person_time", False, False)],
        names=["events", "person_time"]),
    "standardize_indirect": Spec(_indirect_make, lambda p: st.standardize_indirect(
        p["data"], p["reference"], **_kw(p, "events", "person_time", "by", "method",
                                         "conf_level")),
        columns=[("events", True, True), ("person_time", False, False)],
        names=["events", "person_time"]),
    "compare_dsr": Spec(_dsr_make(DSR_RATIO_METHODS), lambda p: st.compare_dsr(
        p["data"], **_kw(p, "events", "person_time", "by", "weights", "per", "conf_level"),
        method=p["method"]),
        columns=[("events", True, True), ("person_time", False, False)],
        names=["events", "person_time"]),
    "dsr_ratio": Spec(_dsr_make(DSR_RATIO_METHODS), lambda p: st.dsr_ratio(
        p["data"], **_kw(p, "events", "person_time", "by", "weights", "conf_level",
                         "method")),
        columns=[("events", True, True), ("person_time", False, False)],
        names=["events", "person_time"]),
    "dsr_difference": Spec(_dsr_make(DSR_DIFFERENCE_METHODS), lambda p: st.dsr_difference(
        p["data"], **_kw(p, "events", "person_time", "by", "weights", "per", "conf_level",
                         "method")),
        columns=[("events", True, True), ("person_time", False, False)],
        names=["events", "person_time"]),
    "life_expectancy": Spec(_life_make, lambda p: st.life_expectancy(
        p["data"], **_kw(p, "deaths", "population", "conf_level")),
        columns=[("deaths", True, True), ("population", False, False)],
        names=["deaths", "population"]),
    "kaplan_meier": Spec(_survival_make, lambda p: st.kaplan_meier(
        p["data"], **_kw(p, "duration", "event", "by", "conf_level")), **SURV),
    "median_survival": Spec(_survival_make, lambda p: st.median_survival(
        p["data"], **_kw(p, "duration", "event", "by", "conf_level")), **SURV),
    "survival_quantile": Spec(_survival_make, lambda p: st.survival_quantile(
        p["data"], quantile=0.25, **_kw(p, "duration", "event", "by", "conf_level")), **SURV),
    "log_rank": Spec(_survival_make, lambda p: st.log_rank(
        p["data"], duration=p["duration"], event=p["event"], by="arm"), **SURV),
    "two_by_two": Spec(_persons_make, lambda p: st.two_by_two(
        p["data"], p["exposure"], p["outcome"], strata="s", conf_level=p["conf_level"]),
        columns=[("exposure", True, True, BINARY), ("outcome", True, True, BINARY)],
        names=["exposure", "outcome"]),
    "mantel_haenszel": Spec(_strata_make, lambda p: st.mantel_haenszel(
        p["data"], **_kw(p, "measure", "conf_level", "method")),
        columns=[("a", True, True), ("d", True, True)]),
    "roc_curve": Spec(_roc_make, lambda p: st.roc_curve(
        p["data"], p["score"], p["outcome"], conf_level=p["conf_level"]),
        columns=[("score", True, False, SIGNED)], names=["score", "outcome"]),
    "roc_test": Spec(_roc_make, lambda p: st.roc_test(
        p["data"], p["score"], "s2", p["outcome"], conf_level=p["conf_level"]),
        columns=[("score", True, False, SIGNED)], names=["score", "outcome"]),
    "poisson_regression": Spec(_poisson_reg_make, lambda p: st.poisson_regression(
        p["data"], "cases ~ x + z", **_kw(p, "person_time", "conf_level")),
        columns=[("person_time", False, False)], names=["person_time"]),
    "incidence_rates": Spec(_followup_make, lambda p: st.incidence_rates(
        p["data"], age_breaks=[0, 50], conf_level=p["conf_level"])),
    "period_prevalence": Spec(_followup_make, lambda p: st.period_prevalence(
        p["data"], 2010, 2015, conf_level=p["conf_level"], method=p["method"])),
    "point_prevalence": Spec(_followup_make, lambda p: st.point_prevalence(
        p["data"], at=2012, conf_level=p["conf_level"], method=p["method"])),
    "meta_analysis": Spec(_meta_make, lambda p: st.meta_analysis(
        p["data"], **_kw(p, "events", "n", "measure", "method", "conf_level")),
        columns=[("events", True, True), ("n", False, True)], names=["events", "n"]),
    "net_survival": Spec(_net_make, lambda p: st.net_survival(
        p["data"], duration=p["duration"], event="dead", age="age", sex="sex", times=[1, 2],
        method=p["method"], conf_level=p["conf_level"]),
        columns=[("duration", False, False)], names=["duration"]),
}

#: the column each column-name parameter defaults to in the generated frames
COLUMN_OF = {"events": "events", "person_time": "person_time", "deaths": "deaths",
             "population": "population", "duration": None, "event": None, "exposure": None,
             "outcome": None, "score": None, "n": "n", "a": "a", "d": "d"}


# ----------------------------------------------------------------------------- checking

def run(spec: Spec, p: dict):
    """Call the estimator; return (table or None, error or None, LemsEpiWarning emitted)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = spec.call(p)
        except Exception as err:  # noqa: BLE001 - classified by the caller
            return None, err, caught
    table = res.table if isinstance(res, AnalysisResult) else res
    return table, None, caught


#: argument names the specs pass as literals (not in the parameter dict)
LITERAL_ARGUMENTS = {"start", "end", "at", "followup", "data", "formula", "quantile", "times"}


def names_in(p: dict) -> set[str]:
    out = set(p) | LITERAL_ARGUMENTS
    data = p.get("data")
    if isinstance(data, pd.DataFrame):
        out |= {str(c) for c in data.columns}
    return out


def problem_with_valid(spec: Spec, p: dict) -> str | None:
    """None when the call on valid input behaves; else what went wrong."""
    table, err, caught = run(spec, p)
    foreign = [w for w in caught if not issubclass(w.category, LemsEpiWarning)]
    if foreign:
        return f"stray warning {foreign[0].category.__name__}: {foreign[0].message}"
    if err is not None:
        if not isinstance(err, NUMBER_ERRORS):
            return f"unnamed error {type(err).__name__}: {err}"
        if not any(re.search(rf"\b{re.escape(n)}\b", str(err)) for n in names_in(p)):
            return f"error naming no argument: {err}"
        return None
    try:
        check_contract(table)
    except ValueError as bad:
        return f"contract broken: {bad}"
    values = table[["estimate", "lower", "upper"]].to_numpy(float)
    undocumented = ~np.isfinite(values) & ~documented_non_finite(table)
    if undocumented.any() and not any(issubclass(w.category, LemsEpiWarning) for w in caught):
        return "NaN or inf without a LemsEpiWarning"
    return None


def documented_non_finite(table: pd.DataFrame) -> np.ndarray:
    """Cells of (estimate, lower, upper) whose NaN or inf is the documented answer."""
    n = len(table)
    out = np.zeros((n, 3), dtype=bool)
    measure = table["measure"].to_numpy()
    # survival_quantile: "missing if it never does", "an upper limit that the data do not
    # reach is infinite"; the lower limit is missing with the quantile
    q = np.isin(measure, ["median_survival", "survival_quantile"])
    out[q] = True
    # log_rank: the observed/expected ratio has no interval
    out[measure == "observed_expected_ratio", 1:] = True
    # number_needed_to_treat: a disjoint interval runs through infinity (flag `disjoint`)
    if "disjoint" in table:
        out[table["disjoint"].to_numpy(bool), 1:] = True
    # two_by_two with strata: strata with a zero cell are flagged in `zero_cell`
    # funnel_limits: the interpolated upper limit below the target is flagged
    if "upper_below_target" in table:
        out[table["upper_below_target"].to_numpy(bool), 2] = True
    if "zero_cell" in table:
        out[table["zero_cell"].to_numpy(bool)] = True
    return out


#: bad values: (class, value for a scalar or for the first row of a column); a column of
#: text is also tried whole (the issue's grouped sum of strings)
BAD_VALUES = [("text", "3"), ("datetime", np.datetime64("2020-01-01")),
              ("timedelta", np.timedelta64(5, "D")), ("complex", 3 + 1j), ("nan", math.nan),
              ("inf", math.inf), ("negative", -1), ("negative_zero", -0.0), ("bool", True),
              ("none", None), ("2d", np.ones((2, 2))), ("empty", []), ("fraction", 1.5)]
#: classes that cannot go into one cell of a column
NOT_A_CELL = {"2d", "empty"}


def bad_values(whole: bool, skip=frozenset()):
    return [(k, v) for k, v in BAD_VALUES
            if k not in skip and (whole or k != "fraction")]


def with_cell(data: pd.DataFrame, col: str, value) -> pd.DataFrame:
    """``data`` with the first cell of ``col`` replaced by ``value`` (object column if need be)."""
    d = data.copy()
    values = d[col].to_numpy().astype(object)
    values[0] = value
    if isinstance(value, bool):
        d[col] = values  # np.array would turn True into 1
        return d
    try:
        arr = np.array(values.tolist())
        d[col] = arr if arr.dtype.kind != "O" else values
    except (TypeError, ValueError):
        d[col] = values
    return d


def _named(err, arg) -> bool:
    """``err`` is a ValueError/TypeError naming ``arg`` (a name, or the names it may go by)."""
    names = (arg,) if isinstance(arg, str) else arg
    return isinstance(err, NUMBER_ERRORS) and any(_names_word(str(err), n) for n in names)


def _names_word(message: str, name: str) -> bool:
    """``name`` occurs in ``message`` as a word (a numbered form such as roc_test's score1
    allowed); a one-letter name (the cells a, b, c, d; n) only in quotes, as 'a', since the
    article "a" is in nearly every message (a plain substring test matched any "a")."""
    if len(name) == 1:
        return re.search(rf"['\"`]{re.escape(name)}['\"`]", message) is not None
    return re.search(rf"(?<!\w){re.escape(name)}(?![^\W\d])", message) is not None


def _same(t1, t2) -> bool:
    try:
        pd.testing.assert_frame_equal(t1.reset_index(drop=True), t2.reset_index(drop=True),
                                      check_dtype=False)
    except AssertionError:
        return False
    return True


def judge_bad(spec: Spec, p: dict, clean: dict, arg: str, kind: str) -> str:
    """Classify one bad-value call: 'named', 'accepted' (legitimately), 'unnamed', 'wrong'."""
    table, err, caught = run(spec, p)
    if any(not issubclass(w.category, LemsEpiWarning) for w in caught) and err is None:
        return "unnamed"
    if err is not None:
        if _named(err, arg):
            return "named"
        if kind == "negative_zero":  # refused as 0 is refused: as good as naming it
            _, ref_err, _ = run(spec, clean)
            if type(ref_err) is type(err) and str(ref_err) == str(err):
                return "named"
        return "unnamed"
    if kind == "negative_zero":
        ref, ref_err, _ = run(spec, clean)
        if ref_err is None and _same(table, ref):
            return "accepted"
        return "wrong"
    if kind == "empty" and len(table) == 0:
        return "accepted"  # nothing in, nothing out
    return "wrong"


def bad_cases(spec: Spec, p: dict):
    """Yield (argument, class, bad parameters, the same with 0 for -0.0)."""
    legit = spec.legit(p)
    for key, _, whole, *skip in spec.scalars:
        for kind, value in bad_values(whole, set(legit).union(*skip)):
            q = dict(p, **{key: value})
            yield key, kind, q, dict(p, **{key: 0})
    data = p.get("data")
    for key, _, whole, *skip in spec.columns:
        col = p.get(key, COLUMN_OF.get(key) or key)
        if not isinstance(col, str) or data is None or col not in data:
            continue
        for kind, value in bad_values(whole, *skip):
            if kind in NOT_A_CELL:
                continue
            yield (key, col), kind, dict(p, data=with_cell(data, col, value)), dict(
                p, data=with_cell(data, col, 0))
        d = data.copy()
        d[col] = [str(v) for v in d[col]]
        yield (key, col), "text_column", dict(p, data=d), None
    for key in spec.names:
        col = p[key]
        yield key, "list_name", dict(p, **{key: [col]}), None
        yield (key, col), "duplicate_column", dict(
            p, data=pd.concat([data, data[[col]]], axis=1)), None


# ----------------------------------------------------------------------------- tests

#: defects the fuzz finds that are not fixed yet (reported in issue 19's note): name -> reason
#: (strict xfail: once a defect is fixed the XPASS fails, so its entry must be removed here)
KNOWN_VALID = {
    "funnel_limits": "exact-interpolated limits of a rate at a denominator of 1 lie on the "
                     "target's side (Spiegelhalter's interpolation; space=None outputs)",
}


def _names_valid():
    return [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_VALID[n], strict=True))
            if n in KNOWN_VALID else n for n in sorted(SPECS)]


@pytest.mark.parametrize("name", _names_valid())
@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=hs.integers(0, 2**32 - 1))
def test_valid_random_input_stays_on_the_contract(name, seed):
    spec = SPECS[name]
    p = spec.make(np.random.default_rng(seed))
    problem = problem_with_valid(spec, p)
    assert problem is None, f"{name}({p}): {problem}"


def _bad_params():
    rng = np.random.default_rng(19)
    for name in sorted(SPECS):
        spec = SPECS[name]
        p = spec.make(rng)
        for arg, kind, q, zero in bad_cases(spec, p):
            label = arg if isinstance(arg, str) else arg[-1]
            yield pytest.param(name, arg, kind, q, zero, id=f"{name}-{label}-{kind}")


@pytest.mark.parametrize(("name", "arg", "kind", "params", "zero"), list(_bad_params()))
def test_one_bad_value_gets_a_named_error(name, arg, kind, params, zero):
    verdict = judge_bad(SPECS[name], params, zero, arg, kind)
    assert verdict in ("named", "accepted"), f"{name} with a bad {arg} ({kind}): {verdict}"


def test_every_public_estimator_is_fuzzed():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("test_contract.py")
    spec = importlib.util.spec_from_file_location("_contract_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    NOT_ESTIMATORS = module.NOT_ESTIMATORS  # noqa: N806
    missing = [n for n in st.__all__ if callable(getattr(st, n)) and n not in NOT_ESTIMATORS
               and not isinstance(getattr(st, n), type) and n not in SPECS]
    assert not missing, f"public estimators without a fuzz spec: {missing}"


# ------------------------------------------------------------- defects the fuzz found

def test_public_function_not_shadowed_by_its_module():
    """``stats.rates`` became the module ``lems_epi.stats.rates`` once that was imported (the
    import system sets a loaded submodule as an attribute of its package, over the lazily
    loaded function of the same name). No lazy package may hold a submodule named like one of
    its public names: the modules are now rate_tables, meta_pooling and relative_survival."""
    import importlib
    import pkgutil

    import lems_epi

    for package in (lems_epi, st):
        submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
        clash = sorted(set(package._LAZY) & submodules)
        assert not clash, f"{package.__name__}: public names shadowed by submodules: {clash}"
    for name in ("rates", "meta_analysis", "net_survival"):
        importlib.import_module(st._LAZY[name])
        assert getattr(st, name).__name__ == name


def test_numpy_duration_is_not_a_number():
    """np.timedelta64 subclasses numpy's integer: it passed as a target, a level, a size."""
    with pytest.raises(TypeError, match="'target'"):
        st.funnel_limits(np.timedelta64(5, "D"), [10, 100])
    with pytest.raises(TypeError, match="'conf_level'"):
        st.poisson_ci(3, 100.0, conf_level=np.timedelta64(1, "D"))


def test_negative_zero_count_is_zero():
    """-0.0 as a cell gave -inf (1 / -0.0) for the likelihood ratio and the DOR."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LemsEpiWarning)
        neg = st.diagnostic_test(90, -0.0, 0, 50).table
        pos = st.diagnostic_test(90, 0, 0, 50).table
    pd.testing.assert_frame_equal(neg, pos)


def test_life_expectancy_where_no_one_survives_is_undefined():
    """A band whose probability of dying reaches 1 left life expectancy 0.0 beyond it
    (3 deaths among 10 persons aged 65+ cannot give 0 years)."""
    data = pd.DataFrame({"age_group": ["0", "1-4", "5-64", "65+"], "deaths": [5263, 23, 4, 3],
                         "population": [636962, 270, 10, 10]})
    with pytest.warns(LemsEpiWarning, match="no one survives to age 65"):
        t = st.life_expectancy(data)
    assert np.isnan(t["estimate"].iloc[-1])
    assert np.isfinite(t[["estimate", "lower", "upper"]].iloc[:3].to_numpy()).all()


@pytest.mark.parametrize("value", ["3", np.datetime64("2020-01-01"), 3 + 1j])
def test_roc_score_must_be_numeric(value):
    """A text, date or complex score was ranked silently (AUC 0.55 instead of 0.59)."""
    data = pd.DataFrame({"s": [0.1, 0.4, 0.35, 0.8], "y": [0, 0, 1, 1]}).astype(object)
    data.loc[0, "s"] = value
    with pytest.raises(TypeError, match="'s'"):
        st.roc_curve(data, "s", "y")
    with pytest.raises(TypeError, match="'score'"):
        st.roc_curve(data, ["s"], "y")


@pytest.mark.parametrize("value", [True, 2 + 0j, np.datetime64("2020-01-01")])
def test_survival_time_must_be_a_real_number(value):
    """A complex duration was cast to real with a numpy warning; True counted as 1."""
    data = pd.DataFrame({"t": [1.0, 2.0, 3.0], "dead": [1, 0, 1]}).astype({"t": object})
    data.loc[0, "t"] = value
    with pytest.raises(TypeError, match="'t'"):
        st.kaplan_meier(data, duration="t", event="dead")


def test_infinite_or_undefined_comparisons_warn():
    """Koopman's risk ratio at c = 0, the attributable fraction at a = 0 and the number
    needed to treat at a risk difference of 0 were inf/nan without a word (and the last
    raised numpy's divide-by-zero RuntimeWarning)."""
    with pytest.warns(LemsEpiWarning, match="c = 0"):
        assert st.risk_ratio(5, 20, 0, 13, method="koopman")["estimate"].iloc[0] == np.inf
    with pytest.warns(LemsEpiWarning, match="minus infinity"):
        t = st.attributable_fraction(0, 649416, 503627, 970743, method="koopman")
    assert np.isnan(t["estimate"].iloc[0])
    with pytest.warns(LemsEpiWarning, match="number needed to treat is infinite"):
        t = st.number_needed_to_treat(10, 10, 10, 10)
    assert t["estimate"].iloc[0] == np.inf


def test_net_survival_names_a_list_given_as_a_column():
    data = pd.DataFrame({"years": [0.5, 1.2, 2.0], "dead": [1, 0, 1], "age": [60.0, 70, 80],
                         "sex": ["male", "female", "male"]})
    with pytest.raises(TypeError, match="'duration'"):
        st.net_survival(data, duration=["years"], event="dead", age="age", sex="sex")


def test_meta_analysis_persons_are_whole():
    with pytest.raises(ValueError, match="'n' must hold whole numbers"):
        st.meta_analysis(pd.DataFrame({"events": [3, 5], "n": [50.5, 60]}), events="events",
                         n="n", measure="logit", method="common")


def test_score_odds_ratio_and_paf_at_a_zero_cell_warn():
    """Score odds ratio at b = 0 and the Wald PAF lower limit at c = 0: inf/nan, silently."""
    with pytest.warns(LemsEpiWarning, match="infinite"):
        t = st.odds_ratio(805003, 0, 468852, 630, method="score-uncorrected")
    assert t["estimate"].iloc[0] == np.inf
    with pytest.warns(LemsEpiWarning, match="population attributable fraction"):
        t = st.attributable_fraction(871, 286817, 0, 667520, method="koopman")
    assert np.isnan(t["lower"].iloc[1])


def test_roc_with_one_case_has_no_delong_interval():
    """One case: DeLong's variance (ddof=1 over one placement) raised numpy's RuntimeWarning."""
    data = pd.DataFrame({"s1": [1.1, 0.8, 1.7, -0.2], "s2": [0.1, 0.3, 0.2, 0.4],
                         "y": [0, 1, 0, 0]})
    with pytest.warns(LemsEpiWarning, match="at least two of each"):
        t = st.roc_curve(data, "s1", "y").table
    assert t["estimate"].iloc[0] == pytest.approx(1 / 3)
    assert np.isnan(t["lower"].iloc[0])
    with pytest.warns(LemsEpiWarning, match="at least two of each"):
        t = st.roc_test(data, "s1", "s2", "y")
    assert np.isnan(t["lower"]).all()


def test_normal_binomial_dsr_above_one_per_unit_has_no_numpy_warning():
    """A stratum rate above 1 per unit made sqrt of a negative variance: numpy's
    RuntimeWarning besides the named one."""
    data = pd.DataFrame({"age_group": ["a", "b"], "events": [30, 2],
                         "person_time": [10.0, 1000.0]})
    with pytest.warns(LemsEpiWarning, match="treats the rate as a proportion"):
        t = st.standardize_direct(data, weights={"a": 0.5, "b": 0.5}, method="normal-binomial")
    assert np.isnan(t["lower"].iloc[0])


def test_log_rank_group_expecting_no_events_warns():
    """A group whose persons leave before the first event: O/E 0/0 was nan without a word."""
    data = pd.DataFrame({"t": [0.87, 0.23, 0.93, 62.18], "dead": [1, 0, 1, 1],
                         "arm": ["a", "b", "a", "a"]})
    with pytest.warns(LemsEpiWarning, match="expect no events"):
        t = st.log_rank(data, duration="t", event="dead", by="arm").table
    assert np.isnan(t["estimate"].iloc[1])


def test_poisson_regression_that_cannot_be_fitted_names_the_cause():
    """Person-time from 2e2 to 2e11: statsmodels' 'NaN, inf or invalid value detected in
    weights' came through unnamed."""
    data = pd.DataFrame({"x": [0, 1, 0, 1], "z": [0, 0, 1, 1], "cases": [1, 1, 4994, 603],
                         "person_time": [193.6, 3014.8, 1.914742e11, 506.1]})
    with pytest.raises(ValueError, match="'person_time'"):
        st.poisson_regression(data, "cases ~ x + z")


def test_diagnostic_infinite_limits_are_named():
    """nndx's lower limit was -inf (Youden's interval contains 0) without a warning."""
    with pytest.warns(LemsEpiWarning, match="nndx"):
        t = st.diagnostic_test(399306, 15, 280823, 1, conf_level=0.999).table
    assert t.set_index("measure").loc["nndx", "lower"] == -np.inf
