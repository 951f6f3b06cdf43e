r"""Relative and net survival against a life table: Ederer I, Ederer II and Pohar-Perme.

Cancer registries compare the survival of patients with the survival they would have had at
the mortality of the general population of the same sex, age and calendar year (the *expected*
survival, from a life table). :func:`net_survival` gives, by group and at chosen times:

* the **observed** survival (Kaplan-Meier), measure ``"survival"``;
* the **expected** survival, measure ``"expected_survival"``;
* the **relative** survival (Ederer I, Ederer II), measure ``"relative_survival"``, or the
  **net** survival (Pohar-Perme), measure ``"net_survival"``;

on the output contract, with the whole curves in ``.curve`` and interval-by-interval figures
(the relative survival ratio of each interval between consecutive ``times``) in
``.intervals``. Age-standardised estimates use the International Cancer Survival Standard
(ICSS 1) or any weights, by direct or by Brenner's weighting.

**Estimators.** At the distinct observed times ``t_1 < t_2 < ...`` with ``d_j`` deaths among
``Y_j`` persons under follow-up (duration ``>= t_j``), and ``lambda_i`` the population hazard of
person ``i`` (from the life table, at the person's current age, sex and calendar year):

* Ederer II [2]_: ``S(t) = prod (1 - (d_j - E_j) / Y_j)`` with ``E_j = sum_i int lambda_i``
  over ``(t_{j-1}, t_j]`` among those at risk. Expected survival: ``exp(-sum E_j / Y_j)``.
* Pohar-Perme [3]_: each person is weighted by ``1 / S_Pi(t)``, ``S_Pi = exp(-int_0^t
  lambda_i)`` their population survival: ``S(t) = prod (1 - dL_j)`` with ``dL_j = sum_deaths
  1/S_Pi(t_j) / sum_at-risk 1/S_Pi(t_j) - I_j`` and ``I_j`` the integral over the interval of
  the weighted mean population hazard. It estimates the net survival: the survival if the
  cancer were the only cause of death, which Ederer II does not when the excess hazard depends
  on age (the old leave through other causes and the mix of the survivors changes).
  Expected survival: Ederer I's, below (the cohort's survival as if it had the population's
  mortality, which is what the net survival is compared with).
  The Ederer I expected survival is always integrated exactly (1-day steps would change it by
  less than 3e-5 on the reference cohort); on ``.curve`` it is computed at 50 equally spaced
  time points (or at every time if there are fewer) and interpolated log-linearly in between
  (for plotting); at ``times`` it is exact.
* Ederer I [1]_: relative survival ``= observed / expected`` with the expected survival
  ``mean_i S_Pi(t)`` over everybody in the group, each followed to ``t`` (complete follow-up).

**Variance and interval (as R's relsurv computes them).** Ederer II: ``SE = sqrt(sum_j d_j /
Y_j^2)``; Pohar-Perme: ``SE = sqrt(sum_j sum_deaths S_Pi^-2 / (sum_at-risk 1/S_Pi)^2)``;
Kaplan-Meier (Greenwood): ``SE = sqrt(sum d_j / (Y_j (Y_j - d_j)))``, the standard error of the
cumulative hazard; Ederer I takes the Kaplan-Meier SE. All are on the log scale and the
interval is ``S exp(-/+ z SE)`` (relsurv's ``conf.type = "log"``); its upper limit may exceed 1
for relative and net survival, as in relsurv, so only the observed and expected survival are
clipped to [0, 1].

**Integration of the population hazard** (``integration``):

* ``"daily"`` (default): R relsurv's scheme. Each interval between distinct times (and, for
  Pohar-Perme and Ederer I, ``times``, relsurv's ``add.times``) is cut into 1-day steps (a
  year is 365.241 days), each step taking the hazard of the life-table cell at its *start*,
  and Pohar-Perme's ``I_j`` is ``sum_m step_m (A_m / B_m + A'_m / B'_m) / 2`` with ``A_m``,
  ``B_m`` the sums over the interval's steps ``1..m`` of ``sum_i lambda_i / S_Pi`` and ``sum_i
  1 / S_Pi`` at the step starts (``A'``, ``B'`` at the step ends). This matches relsurv 2.2-9
  to 1e-13 (tests/test_net_survival.py).
* ``"exact"``: birthdays and new years change the hazard when they happen and Pohar-Perme's
  ``I_j = log(B(t_j) / B(t_{j-1}))`` is the exact integral (``B = sum_i 1 / S_Pi`` over those
  at risk, whose derivative is ``sum_i lambda_i / S_Pi``). On the 400-patient reference cohort
  it differs from relsurv's value by 3e-5 (relative) for Ederer II and 3.5e-4 (relative,
  2.8e-5 absolute) for Pohar-Perme at 5 years: relsurv's running averages ``A_m / B_m`` lag
  behind the integrand in long intervals between deaths (4% of the interval's population
  hazard in a 278-day interval with 3 patients at risk); a quadrature of the integrand agrees
  with the exact value to 1e-8.

**Fixed intervals** (``intervals``): the life-table (hazard) method of R popEpi's ``survtab``
on given breaks, ``S = prod exp(-delta (d - d_exp) / pyrs)`` with ``d_exp`` from the hazard at
the midpoint of each person's time in the interval (Ederer II matches popEpi's ``e2`` to 1e-14;
Pohar-Perme, weighted by ``1 / S_Pi`` at each interval's start, popEpi's ``pp`` to 4e-4).

Computations are vectorised: each person's follow-up is cut at the birthdays (and new years)
where the population hazard changes, and sums over persons are accumulated per hazard value
of the life table (:mod:`lems_epi.stats.net_survival_core`), so 10^6 patients followed for
10 years take seconds (``benchmarks/bench_survival.py``).

**Age standardisation** (``standard``): the ICSS 1 weights [4]_ for ages at diagnosis 15-44,
45-54, 55-64, 65-74 and 75+ are 0.07, 0.12, 0.23, 0.29, 0.29 (``"icss1"``); any weights by
age group start can be given instead. ``weighting="direct"`` estimates each age group
separately and averages the estimates with the weights (``SE^2 = sum W_k^2 SE_k^2`` on the
survival scale, turned into a log-scale interval); ``weighting="brenner"`` [5]_ weights each
patient by ``W_k / (n_k / n)`` (standard share over the share of the group's patients in age
group ``k``) in one estimate (the weights enter every sum above, the squared weights the
variances), which needs no estimate within each age group and so works with small groups.

References
----------
.. [1] Ederer F, Axtell LM, Cutler SJ (1961). The relative survival rate: a statistical
   methodology. National Cancer Institute Monograph 6:101-121.
.. [2] Ederer F, Heise H (1959). Instructions to IBM 650 programmers in processing survival
   computations. Methodological note no. 10, End Results Evaluation Section, National Cancer
   Institute, Bethesda MD.
.. [3] Perme MP, Stare J, Esteve J (2012). On estimation in relative survival. Biometrics
   68(1):113-120. https://doi.org/10.1111/j.1541-0420.2011.01640.x
.. [4] Corazziari I, Quinn M, Capocaccia R (2004). Standard cancer patient population for age
   standardising survival ratios. European Journal of Cancer 40(15):2307-2316.
   https://doi.org/10.1016/j.ejca.2004.07.002
.. [5] Brenner H, Arndt V, Gefeller O, Hakulinen T (2004). An alternative approach to age
   adjustment of cancer survival rates. European Journal of Cancer 40(15):2317-2322.
   https://doi.org/10.1016/j.ejca.2004.07.007
.. [6] Pohar Perme M, Pavlic K (2018). Nonparametric relative survival analysis with the R
   package relsurv. Journal of Statistical Software 87(8):1-27.
   https://doi.org/10.18637/jss.v087.i08
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lems_epi._validation import (
    as_column_list,
    as_numeric_array,
    check_column_name,
    check_columns,
    check_conf_level,
    describe_rows,
    resolve_method,
)
from lems_epi.exceptions import SparseDataWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame
from lems_epi.stats.net_survival_core import ederer1_expected, fit_group, fit_intervals
from lems_epi.stats.population_hazard import as_rate_table

__all__ = ["ICSS1", "NetSurvivalResult", "icss_weights", "net_survival"]

METHODS = ("pohar-perme", "ederer2", "ederer1")
_METHOD_ALIASES = {"pp": "pohar-perme", "pohar perme": "pohar-perme", "perme": "pohar-perme",
                   "e2": "ederer2", "ederer ii": "ederer2", "ederer-ii": "ederer2",
                   "e1": "ederer1", "ederer i": "ederer1", "ederer-i": "ederer1"}
INTEGRATIONS = ("daily", "exact")
WEIGHTINGS = ("brenner", "direct")
_MEASURE = {"pohar-perme": "net_survival", "ederer2": "relative_survival",
            "ederer1": "relative_survival"}

#: International Cancer Survival Standard 1 (Corazziari et al. 2004): weights by age at
#: diagnosis for cancers whose incidence rises with age.
ICSS1 = pd.DataFrame({"age_group": ["15-44", "45-54", "55-64", "65-74", "75+"],
                      "age_start": [15, 45, 55, 65, 75],
                      "weight": [0.07, 0.12, 0.23, 0.29, 0.29]})


def icss_weights(name="icss1") -> pd.DataFrame:
    """Age-standardisation weights of the International Cancer Survival Standard.

    Parameters
    ----------
    name : {"icss1"}
        ICSS 1 (Corazziari et al. 2004): ages 15-44, 45-54, 55-64, 65-74, 75+ weighted
        0.07, 0.12, 0.23, 0.29, 0.29 (cancers whose incidence rises with age).

    Returns
    -------
    pandas.DataFrame
        ``age_group``, ``age_start``, ``weight``.

    Examples
    --------
    >>> icss_weights()["weight"].tolist()
    [0.07, 0.12, 0.23, 0.29, 0.29]
    """
    resolve_method(name, ["icss1"], caller="icss_weights", name="standard",
                   aliases={"icss": "icss1", "icss-1": "icss1"})
    return ICSS1.copy()


@dataclass(frozen=True, repr=False)
class NetSurvivalResult(AnalysisResult):
    """Result of :func:`net_survival`.

    Attributes
    ----------
    table : pandas.DataFrame
        The contract: per group and time, measures ``net_survival`` (Pohar-Perme) or
        ``relative_survival`` (Ederer I, II), ``survival`` (observed, Kaplan-Meier) and
        ``expected_survival``; inputs ``n``, ``at_risk`` (still followed after ``time``),
        ``events`` (deaths up to ``time``); ``std_err`` (log scale) after the contract.
    curve : pandas.DataFrame
        The whole curves at every distinct time: ``time``, ``at_risk`` (duration >= time),
        ``events``, ``observed``, ``observed_lower``, ``observed_upper``, ``expected``,
        ``estimate``, ``std_err``, ``lower``, ``upper``.
    intervals : pandas.DataFrame
        Per interval between consecutive ``times``: the observed, expected and estimated
        survival over the interval (conditional on being alive at its start) and the interval's
        relative survival ratio ``observed / expected``.
    strata : pandas.DataFrame or None
        With direct age standardisation: the table of each age group.
    """

    curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    intervals: pd.DataFrame = field(default_factory=pd.DataFrame)
    strata: pd.DataFrame | None = None
    method: str = "pohar-perme"
    integration: str = "daily"
    life_table: str = "finland-2013"
    standardization: str | None = None
    by: tuple = ()

    def summary(self) -> Summary:
        """Estimates at the requested times, side by side, and the interval ratios."""
        t = self.table
        keys = [*self.by, "time"]
        wide = t.pivot_table(index=keys, columns="measure", values="estimate", sort=False,
                             observed=True).reset_index()
        main = t[t["measure"] == _MEASURE[self.method]]
        wide = wide.merge(main[[*keys, "at_risk", "events", "lower", "upper"]], on=keys)
        cols = [*keys, "at_risk", "events", "survival", "expected_survival",
                _MEASURE[self.method], "lower", "upper"]
        facts = {"method": self.method, "integration": self.integration,
                 "life table": self.life_table, "patients": int(main.groupby(
                     list(self.by))["n"].first().sum()) if self.by else int(main["n"].iloc[0]),
                 "conf_level": float(t["conf_level"].iloc[0])}
        if self.standardization:
            facts["age standardisation"] = self.standardization
        notes = ("Intervals are log-transformed: S exp(-/+ z SE), SE on the log scale.",)
        return Summary(f"Net survival ({self.method})", facts,
                       (("Estimates", wide[cols]), ("Intervals", self.intervals)), notes)

    def plot(self, *, title=None):
        """Observed, expected and net (or relative) survival against years since diagnosis."""
        import plotly.graph_objects as go

        fig = go.Figure()
        palette = ["#1f3b73", "#b3413b", "#3b7d3b", "#7a4fa3", "#c07a1a", "#2a8a8a"]
        groups = self.curve.groupby(list(self.by), sort=False) if self.by else [((), self.curve)]
        for k, (key, part) in enumerate(groups):
            label = " / ".join(map(str, key if isinstance(key, tuple) else (key,)))
            colour = palette[k % len(palette)]
            x = np.concatenate([[0.0], part["time"].to_numpy()])
            name = (label + ": " if label else "")
            for col, dash, what in (("observed", "dot", "observed"),
                                    ("expected", "dash", "expected"),
                                    ("estimate", "solid", _MEASURE[self.method].replace("_", " "))):
                y = np.concatenate([[1.0], part[col].to_numpy(float)])
                fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name + what,
                                         line={"color": colour, "dash": dash,
                                               "shape": "linear" if col == "expected" else "hv"}))
            lo = np.concatenate([[1.0], part["lower"].to_numpy(float)])
            hi = np.concatenate([[1.0], part["upper"].to_numpy(float)])
            fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]),
                                     y=np.concatenate([hi, lo[::-1]]), fill="toself",
                                     line={"width": 0, "shape": "hv"}, opacity=0.15,
                                     fillcolor=colour, hoverinfo="skip", showlegend=False))
        fig.update_layout(title=title or f"Observed, expected and {_MEASURE[self.method]} "
                          f"survival ({self.method})".replace("_survival survival", " survival")
                          .replace("_", " "),
                          xaxis_title="years since diagnosis", yaxis_title="survival",
                          yaxis={"range": [0, 1.05]})
        return fig


def _prepare(data, duration, event, age, sex, year, table, caller):
    """Validated arrays: duration, event, age, sex index, year (or None)."""
    for name, col in (("duration", duration), ("event", event), ("age", age), ("sex", sex),
                      ("year", year)):
        check_column_name(col, name=name, caller=caller, allow_none=name == "year")
    check_columns(data, [c for c in (duration, event, age, sex, year) if c is not None],
                  caller=caller)
    idx = data.index
    T = as_numeric_array(data[duration], name=duration, caller=caller)
    bad = ~np.isfinite(T) | (T <= 0)
    if bad.any():
        raise ValueError(f"{caller}: '{duration}' (years from diagnosis to death or censoring) "
                         f"must be finite and > 0; bad values at {describe_rows(bad, idx)}. "
                         "Drop those rows, or give a same-day exit a small positive time.")
    ev = data[event]
    dead = as_numeric_array(ev.astype(float) if ev.dtype == bool else ev, name=event,
                            caller=caller)
    bad = ~np.isin(dead, (0.0, 1.0))
    if bad.any():
        raise ValueError(f"{caller}: '{event}' must be 1 (death) or 0 (censored); bad values "
                         f"at {describe_rows(bad, idx)}.")
    a = as_numeric_array(data[age], name=age, caller=caller)
    bad = ~np.isfinite(a) | (a < table.min_age)
    if bad.any():
        raise ValueError(f"{caller}: '{age}' (age at diagnosis in years) must be finite and at "
                         f"least the life table's youngest age {table.min_age}; bad values at "
                         f"{describe_rows(bad, idx)}.")
    labels = data[sex].astype(object)
    bad = ~labels.isin(table.sexes).to_numpy()
    if bad.any():
        raise ValueError(f"{caller}: '{sex}' must be labelled as in the life table "
                         f"{list(table.sexes)}; bad values at {describe_rows(bad, idx)} (e.g. "
                         f"{labels[bad].iloc[0]!r}).")
    sx = np.searchsorted(np.array(table.sexes, dtype=object), labels.to_numpy()).astype(
        np.int64)
    y = _years(data, year, table, caller)
    return T, dead, a, sx, y


def _years(data, year, table, caller):
    if table.years is None:
        return None
    if year is None:
        raise ValueError(f"{caller}: the life table has calendar years "
                         f"({table.years[0]}-{table.years[-1]}); give 'year', the column with "
                         "the year of diagnosis.")
    col = data[year]
    if pd.api.types.is_datetime64_any_dtype(col):
        d = pd.to_datetime(col)
        y = (d.dt.year + (d.dt.day_of_year - 1) / np.where(d.dt.is_leap_year, 366, 365)
             ).to_numpy(float)
    else:
        y = as_numeric_array(col, name=year, caller=caller)
    bad = ~np.isfinite(y)
    if bad.any():
        raise ValueError(f"{caller}: '{year}' (year of diagnosis) must be a finite number or a "
                         f"date; bad values at {describe_rows(bad, data.index)}.")
    return y


def _check_times(times, T, caller):
    if times is None:
        top = float(T.max())
        times = np.arange(1.0, np.floor(top) + 1) if top >= 1 else np.array([top])
    times = np.unique(as_numeric_array(np.atleast_1d(times), name="times", caller=caller))
    bad = ~np.isfinite(times) | (times <= 0)
    if bad.any():
        raise ValueError(f"{caller}: 'times' (years since diagnosis) must be finite and > 0; "
                         f"got {times[bad].tolist()}.")
    return times


def _check_intervals(intervals, method, caller):
    if intervals is None:
        return None
    if method == "ederer1":
        raise ValueError(f"{caller}: 'intervals' (the life-table hazard method) works with "
                         "method='ederer2' or 'pohar-perme', not 'ederer1'.")
    breaks = as_numeric_array(np.atleast_1d(intervals), name="intervals", caller=caller)
    if breaks.size < 2 or not np.isfinite(breaks).all() or breaks[0] != 0 or \
            (np.diff(breaks) <= 0).any():
        raise ValueError(f"{caller}: 'intervals' must be increasing finite breaks (years "
                         "since diagnosis) starting at 0, e.g. np.arange(0, 61) / 12; got "
                         f"{breaks[:6].tolist()}{'...' if breaks.size > 6 else ''}.")
    return breaks


def _standard(standard, caller):
    if isinstance(standard, str):
        return icss_weights(standard)
    if isinstance(standard, pd.DataFrame):
        check_columns(standard, ["age_start", "weight"], caller=caller, name="standard")
        std = standard.sort_values("age_start").reset_index(drop=True)
        w = as_numeric_array(std["weight"], name="weight", caller=caller)
        start = as_numeric_array(std["age_start"], name="age_start", caller=caller)
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0 or \
                np.unique(start).size != start.size:
            raise ValueError(f"{caller}: 'standard' needs distinct age_start values and finite "
                             "weights >= 0 with a positive sum.")
        labels = std["age_group"].astype(str) if "age_group" in std else pd.Series(
            [f"{int(s)}-{int(e) - 1}" for s, e in zip(start[:-1], start[1:], strict=True)]
            + [f"{int(start[-1])}+"])
        return pd.DataFrame({"age_group": labels.to_numpy(), "age_start": start,
                             "weight": w / w.sum()})
    raise TypeError(f"{caller}: 'standard' must be None, 'icss1' or a DataFrame with "
                    f"'age_start' and 'weight', got {type(standard).__name__}.")


def _age_groups(a, std, index, caller):
    start = std["age_start"].to_numpy(float)
    k = np.searchsorted(start, a, side="right") - 1
    bad = k < 0
    if bad.any():
        raise ValueError(f"{caller}: ages at diagnosis below the standard's youngest group "
                         f"({start[0]:g}) at {describe_rows(bad, index)}; drop those patients "
                         "(ICSS 1 covers ages 15 and over).")
    return k


def _at_times(fit, times, T, dead, expected_t, method):
    """Values of one group's curves at ``times`` (step functions: last time <= t)."""
    i = np.searchsorted(fit.time, times, side="right") - 1
    ok = i >= 0
    j = np.maximum(i, 0)

    def pick(values, at_zero):
        return np.where(ok, values[j], at_zero)

    observed, observed_se = pick(fit.observed, 1.0), pick(fit.observed_se, 0.0)
    if method == "ederer1":
        net, net_se = observed / expected_t, observed_se
    else:
        net, net_se = pick(fit.net, 1.0), pick(fit.net_se, 0.0)
    beyond = _unfollowed(times, T, dead)
    for arr in (observed, observed_se, net, net_se):
        arr[beyond] = np.nan
    at_risk, events = _counts_at(T, dead, times)
    return {"n": np.full(times.size, T.size), "at_risk": at_risk, "events": events,
            "observed": observed, "observed_se": observed_se, "expected": expected_t,
            "net": net, "net_se": net_se}


def _unfollowed(times, T, dead):
    """Times beyond the longest follow-up when it ended censored (the curve is undefined).

    When everybody still at risk at the longest follow-up dies then, the curves stay at
    their last value.
    """
    top = T.max()
    return (times > top) & (not bool(dead[T == top].all()))


def _expected_probe(fit, times):
    """Points where the Ederer I expected survival is computed (interpolated in between)."""
    pts = fit.time
    probe = pts if pts.size <= 50 else np.linspace(0, pts[-1], 51)[1:]
    return np.unique(np.concatenate([probe, times]))


def _fit_one(T, dead, a, sx, y, w, table, method, how, times):
    """One group: the values at ``times`` (dict of arrays) and the curve (dict of arrays)."""
    integration, breaks = how
    if breaks is None:
        fit = fit_group(T, dead, a, sx, y, w, table, method=method, integration=integration,
                        extra_times=times)
    else:
        fit = fit_intervals(T, dead, a, sx, y, w, table, method=method, breaks=breaks)
    if method == "ederer2":
        expected = np.exp(-fit.expected_ch)
        i = np.searchsorted(fit.time, times, side="right") - 1
        expected_t = np.where(i >= 0, expected[np.maximum(i, 0)], 1.0)
    else:
        probe = _expected_probe(fit, times)
        e = ederer1_expected(probe, a, sx, y, w, table)
        expected = np.exp(np.interp(fit.time, np.concatenate([[0.0], probe]),
                                    np.concatenate([[0.0], np.log(e)])))
        expected_t = e[np.searchsorted(probe, times)]
    net = fit.observed / expected if method == "ederer1" else fit.net
    curve = {"time": fit.time, "at_risk": fit.at_risk.astype(np.int64),
             "events": fit.events.astype(np.int64), "observed": fit.observed,
             "observed_se": fit.observed_se, "expected": expected, "estimate": net,
             "std_err": fit.net_se}
    return _at_times(fit, times, T, dead, expected_t, method), curve


def _direct(parts, weights):
    """Combine age groups' values (dicts of arrays) with the standard's weights."""
    out = {"n": sum(p["n"] for p in parts), "at_risk": sum(p["at_risk"] for p in parts),
           "events": sum(p["events"] for p in parts)}
    for est, se in (("observed", "observed_se"), ("net", "net_se")):
        value = sum(w * p[est] for w, p in zip(weights, parts, strict=True))
        var = sum((w * p[est] * p[se]) ** 2 for w, p in zip(weights, parts, strict=True))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[est], out[se] = value, np.sqrt(var) / value
    out["expected"] = sum(w * p["expected"] for w, p in zip(weights, parts, strict=True))
    return out


def _counts_at(T, dead, times):
    """Persons still followed after each time, and deaths up to it."""
    order = np.argsort(T, kind="stable")
    k = np.searchsorted(T[order], times, side="right")
    deaths = np.concatenate([[0.0], np.cumsum(dead[order])])
    return (T.size - k).astype(np.int64), deaths[k].astype(np.int64)


def _direct_curve(curves, weights, T, dead):
    """The standardised curve on the union of the age groups' times."""
    time = np.unique(np.concatenate([c["time"] for c in curves]))
    order = np.argsort(T, kind="stable")
    at_risk = T.size - np.searchsorted(T[order], time, side="left")
    events = np.bincount(np.searchsorted(time, T[T <= time[-1]]), dead[T <= time[-1]],
                         minlength=time.size)
    if all(c["time"].size == time.size for c in curves):  # common intervals: add them up
        at_risk = sum(c["at_risk"] for c in curves)
        events = sum(c["events"] for c in curves)
    cols = {"time": time, "at_risk": at_risk.astype(np.int64),
            "events": events.astype(np.int64), "observed": 0.0, "expected": 0.0,
            "estimate": 0.0}
    var = {"observed": 0.0, "estimate": 0.0}
    for w, c in zip(weights, curves, strict=True):
        t = c["time"]
        i = np.searchsorted(t, time, side="right") - 1
        j = np.maximum(i, 0)
        for col, se in (("observed", "observed_se"), ("estimate", "std_err")):
            v = np.where(i >= 0, c[col][j], 1.0)
            s = np.where(i >= 0, c[se][j], 0.0)
            if c["observed"][-1] > 0:  # ended censored: undefined beyond
                v[time > t[-1]] = np.nan
            cols[col] = cols[col] + w * v
            with np.errstate(invalid="ignore"):
                var[col] = var[col] + np.where(s == 0, 0.0, w * v * s) ** 2
        cols["expected"] = cols["expected"] + w * np.exp(np.interp(
            time, np.concatenate([[0.0], t]), np.log(np.concatenate([[1.0], c["expected"]]))))
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["observed_se"] = np.sqrt(var["observed"]) / cols["observed"]
        cols["std_err"] = np.sqrt(var["estimate"]) / cols["estimate"]
    return cols


def _log_limits(est, se, z):
    with np.errstate(invalid="ignore", over="ignore"):
        lo, hi = est * np.exp(-z * se), est * np.exp(z * se)
    zero = est == 0
    return np.where(zero, 0.0, lo), np.where(zero, 0.0, hi)


def _stacked(keys, dicts, by):
    """One dict of columns from per-group dicts of equal-length arrays, group columns first."""
    sizes = [len(next(iter(d.values()))) for d in dicts]
    out = {c: np.repeat(pd.Series([k[c] for k in keys]).to_numpy(), sizes) for c in by}
    for name in dicts[0]:
        out[name] = np.concatenate([np.broadcast_to(d[name], (n,)) for d, n
                                    in zip(dicts, sizes, strict=True)])
    return out


def _contract(keys, vals, times, method, label, z, conf_level, by):
    """The contract: per group and time, the method's measure, observed and expected."""
    cols = _stacked(keys, [{"time": times, **v} for v in vals], by)
    groups = {c: cols[c] for c in [*by, "time"]}
    inputs = {c: cols[c] for c in ("n", "at_risk", "events")}
    intervals = label.startswith("-intervals")
    label = label.removeprefix("-intervals")
    expected_method = "ederer2" if method == "ederer2" else "ederer1"
    names = ((method + "-intervals", "life-table", expected_method + "-intervals"
              if method == "ederer2" else expected_method) if intervals
             else (method, "kaplan-meier", expected_method))
    frames = []
    for measure, est, se, name in ((_MEASURE[method], "net", "net_se", names[0]),
                                   ("survival", "observed", "observed_se", names[1]),
                                   ("expected_survival", "expected", None, names[2])):
        e = np.asarray(cols[est], float)
        s = np.zeros(e.size) if se is None else np.asarray(cols[se], float)
        lo, hi = _log_limits(e, s, z)
        frames.append(contract_frame(inputs, groups=groups, measure=measure, estimate=e,
                                     lower=lo, upper=hi, conf_level=conf_level,
                                     method=name + label, extra={"std_err": s}))
    rows = len(frames[0])
    order = np.argsort(np.concatenate([np.arange(rows) * 3 + m for m in range(3)]),
                       kind="stable")
    return pd.concat(frames, ignore_index=True).iloc[order].reset_index(drop=True)


def _interval_rows(vals, times):
    """Interval-by-interval survival between consecutive ``times``."""
    def conditional(x):
        x = np.asarray(x, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return x / np.concatenate([[1.0], x[:-1]])

    obs, exp_ = conditional(vals["observed"]), conditional(vals["expected"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = obs / exp_
    return {"start": np.concatenate([[0.0], times[:-1]]), "end": times, "observed": obs,
            "expected": exp_, "relative_survival_ratio": ratio,
            "estimate": conditional(vals["net"])}


def _weights_by_age(a, std, index, caller):
    """Age group of each patient, patients per group, and the standard's weight per group."""
    k = _age_groups(a, std, index, caller)
    n_k = np.bincount(k, minlength=len(std))
    weight = std["weight"].to_numpy(float)
    empty = (n_k == 0) & (weight > 0)
    if empty.any():
        raise ValueError(f"{caller}: no patients in the standard's age group(s) "
                         f"{std['age_group'][empty].tolist()}; age standardisation needs "
                         "patients in every weighted age group (merge groups with a standard "
                         "of your own, or report the unstandardised estimate).")
    return k, n_k, weight


def _fit_keyed(T, dead, a, sx, y, table, spec, index):
    """Fit one ``by`` group: plain, Brenner-weighted or directly standardised."""
    method, integration, times, std, weighting, caller = spec
    if std is None:
        vals, curve = _fit_one(T, dead, a, sx, y, np.ones(T.size), table, method,
                               integration, times)
        return vals, curve, None
    k, n_k, weight = _weights_by_age(a, std, index, caller)
    if weighting == "brenner":
        w = weight[k] / (n_k[k] / T.size)
        vals, curve = _fit_one(T, dead, a, sx, y, w, table, method, integration, times)
        return vals, curve, None
    parts, curves, used = [], [], np.flatnonzero(weight > 0)
    for g in used:
        rows = k == g
        v, c = _fit_one(T[rows], dead[rows], a[rows], sx[rows],
                        None if y is None else y[rows], np.ones(int(rows.sum())), table,
                        method, integration, times)
        parts.append(v)
        curves.append(c)
    strata = [(std["age_group"].iloc[g], v) for g, v in zip(used, parts, strict=True)]
    short = [g for g, v in strata if np.isnan(v["net"]).any()]
    if short:
        warnings.warn(f"{caller}: in age group(s) {short} nobody is followed to some of the "
                      f"times {times.tolist()}; the directly standardised values there are "
                      "missing (NaN). Use weighting='brenner', or earlier times.",
                      SparseDataWarning, stacklevel=4)
    return _direct(parts, weight[used]), _direct_curve(curves, weight[used], T, dead), strata


def _options(method, integration, standard, weighting, conf_level, caller):
    method = resolve_method(method, METHODS, caller=caller, aliases=_METHOD_ALIASES)
    integration = resolve_method(integration, INTEGRATIONS, caller=caller, name="integration",
                                 aliases={"relsurv": "daily", "day": "daily", "days": "daily",
                                          "1-day": "daily"})
    weighting = resolve_method(weighting, WEIGHTINGS, caller=caller, name="weighting")
    std = None if standard is None else _standard(standard, caller)
    label = "" if std is None else (
        f", {standard if isinstance(standard, str) else 'user standard'} {weighting}")
    return method, integration, std, weighting, check_conf_level(conf_level, caller=caller), \
        label


def _keys(data, by, caller):
    if not by:
        return [({}, np.arange(len(data)))]
    check_columns(data, by, caller=caller)
    keys = data[by]
    missing = keys.isna().any(axis=1).to_numpy()
    if missing.any():
        raise ValueError(f"{caller}: grouping columns {by} have missing values at "
                         f"{describe_rows(missing, data.index)}; fill or drop those rows.")
    out = []
    for key, pos in keys.groupby(by, sort=True, observed=True).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        out.append((dict(zip(by, key, strict=True)), pos))
    return out


def net_survival(data, *, duration, event, age, sex, year=None, life_table="finland-2013",
                 method="pohar-perme", times=None, by=None, conf_level=0.95,
                 integration="daily", intervals=None, standard=None, weighting="brenner"
                 ) -> NetSurvivalResult:
    """Relative or net survival against a life table, with observed and expected survival.

    See the module documentation for the estimators, their variance and interval, the two
    ways of integrating the population hazard and age standardisation.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per patient.
    duration : str
        Column: years from diagnosis to death or censoring (> 0).
    event : str
        Column: 1 for death (from any cause), 0 for censoring.
    age : str
        Column: age at diagnosis in years (decimal; it advances with follow-up).
    sex : str
        Column: sex, labelled as in the life table (``"female"``/``"male"`` for the shipped one).
    year : str, optional
        Column: year of diagnosis as a decimal number, or dates. Needed only for a life table
        with calendar years; a table without years is used for every year.
    life_table : str or pandas.DataFrame
        ``"finland-2013"`` (Finland 2013, ages 0-100; :func:`lems_epi.life_table`) or a table
        with columns ``sex``, ``age`` (single years; the oldest age is open), optionally
        ``year``, and ``hazard`` (per person-year) or ``q`` (probability of dying before the
        next birthday): see :func:`lems_epi.stats.population_hazard.as_rate_table`.
    method : {"pohar-perme", "ederer2", "ederer1"}
        Aliases ``"pp"``, ``"e2"``, ``"e1"``.
    times : float or sequence of float, optional
        Years since diagnosis at which the table reports; default 1, 2, ... up to the longest
        follow-up. A time beyond the longest follow-up gives missing values and a warning.
    by : str or list of str, optional
        Grouping columns; one estimate per group.
    conf_level : float
        Confidence level of the log-transformed intervals.
    integration : {"daily", "exact"}
        ``"daily"`` (alias ``"relsurv"``): R relsurv's 1-day steps, which it matches to 1e-13;
        ``"exact"``: the exact integral of the population hazard.
    intervals : sequence of float, optional
        Breaks (years since diagnosis, from 0) of fixed intervals: estimate with the
        life-table (hazard) method of R popEpi's ``survtab(surv.method = "hazard")`` on them
        instead of at every distinct time (see :func:`~lems_epi.stats.net_survival_core.\
fit_intervals`). Ederer II then matches popEpi's ``relsurv.method = "e2"`` to 1e-14, and
        Pohar-Perme (weights ``1 / S_Pi`` at each interval's start) popEpi's ``"pp"`` to 4e-4
        (popEpi discretises its weights differently). The observed survival is then
        ``prod exp(-delta d / pyrs)`` and, for Ederer II, the expected survival ``prod
        exp(-delta d_exp / pyrs)``; ``integration`` is not used. Values at ``times`` are those
        at the last break at or before each time.
    standard : None, "icss1" or pandas.DataFrame
        Age-standardise with these weights by age at diagnosis (a DataFrame with
        ``age_start``, ``weight`` and optionally ``age_group``; the last group is open).
    weighting : {"brenner", "direct"}
        How to standardise (see the module documentation).

    Returns
    -------
    NetSurvivalResult
        ``.table`` (contract), ``.curve``, ``.intervals``, ``.strata``, ``.summary()``,
        ``.plot()``.

    Raises
    ------
    TypeError, ValueError
        For bad columns, values, options or life tables; the message names the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"years": [0.5, 1.2, 2.0, 3.5, 4.0, 0.8],
    ...                   "dead": [1, 1, 0, 1, 0, 1], "age": [62.0, 70.5, 55.2, 80.1, 66.0, 74.3],
    ...                   "sex": ["male", "female", "male", "female", "male", "male"]})
    >>> r = net_survival(d, duration="years", event="dead", age="age", sex="sex", times=[1, 2])
    >>> r.table[["time", "measure", "estimate"]].round(4)
       time            measure  estimate
    0   1.0       net_survival    0.6810
    1   1.0           survival    0.6667
    2   1.0  expected_survival    0.9806
    3   2.0       net_survival    0.5242
    4   2.0           survival    0.5000
    5   2.0  expected_survival    0.9600
    """
    caller = "net_survival"
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{caller}: 'data' must be a pandas DataFrame, got "
                        f"{type(data).__name__}.")
    method, integration, std, weighting, conf_level, label = _options(
        method, integration, standard, weighting, conf_level, caller)
    table = as_rate_table(life_table, caller=caller)
    by = as_column_list(by, caller=caller)
    T, dead, a, sx, y = _prepare(data, duration, event, age, sex, year, table, caller)
    times = _check_times(times, T, caller)
    breaks = _check_intervals(intervals, method, caller)
    spec = (method, (integration, breaks), times, std, weighting, caller)
    standardization = label.lstrip(", ") or None
    if breaks is not None:
        label = "-intervals" + label
        integration = f"life-table intervals ({breaks.size - 1})"
    z = z_value(conf_level)
    keys_all, vals_all, curves, strata_keys, strata_vals = [], [], [], [], []
    for keys, pos in _keys(data, by, caller):
        if _unfollowed(times, T[pos], dead[pos]).any():
            warnings.warn(f"{caller}: {'group ' + str(keys) + ': ' if keys else ''}nobody is "
                          f"followed beyond {T[pos].max():.4g} years; the values at times "
                          f"{times[times > T[pos].max()].tolist()} are missing (NaN).",
                          SparseDataWarning, stacklevel=2)
        vals, curve, parts = _fit_keyed(T[pos], dead[pos], a[pos], sx[pos],
                                        None if y is None else y[pos], table, spec,
                                        data.index[pos])
        keys_all.append(keys)
        vals_all.append(vals)
        curves.append(curve)
        for group, v in parts or ():
            strata_keys.append({**keys, "age_group": group})
            strata_vals.append(v)
    intervals = _stacked(keys_all, [_interval_rows(v, times) for v in vals_all], by)
    return NetSurvivalResult(
        _restore(_contract(keys_all, vals_all, times, method, label, z, conf_level, by),
                 data, by),
        curve=_restore(_curve_frame(_stacked(keys_all, curves, by), z, by), data, by),
        intervals=_restore(pd.DataFrame(intervals), data, by),
        strata=_restore(_contract(strata_keys, strata_vals, times, method,
                                  "-intervals" if breaks is not None else "", z, conf_level,
                                  [*by, "age_group"]), data, by) if strata_vals else None,
        method=method, integration=integration, life_table=table.name,
        standardization=standardization, by=tuple(by))


def _restore(frame, data, by):
    """Give the grouping columns the dtype they have in ``data`` (categories keep order)."""
    for c in by:
        if isinstance(data[c].dtype, pd.CategoricalDtype):
            frame[c] = pd.Categorical(frame[c], categories=data[c].cat.categories,
                                      ordered=data[c].cat.ordered)
        else:
            frame[c] = frame[c].astype(data[c].dtype)
    return frame


def _curve_frame(curve, z, by):
    lo, hi = _log_limits(curve["estimate"], curve["std_err"], z)
    olo, ohi = _log_limits(curve["observed"], curve["observed_se"], z)
    curve.update(lower=lo, upper=hi, observed_lower=np.clip(olo, 0, 1),
                 observed_upper=np.clip(ohi, 0, 1))
    cols = [*by, "time", "at_risk", "events", "observed", "observed_lower",
            "observed_upper", "expected", "estimate", "std_err", "lower", "upper"]
    return pd.DataFrame({c: curve[c] for c in cols})
