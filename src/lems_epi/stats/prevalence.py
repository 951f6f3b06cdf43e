"""Prevalence, incidence and duration from a follow-up table: P = I x D by LEMS type.

These functions read the table of :func:`lems_epi.simulate_followup` (one row per person with
``entry``, ``exit``, ``birth``, ``lems_onset``, ``lems_end``, ``lems_type``) or any table with
those columns.

In a stationary population the number of cases equals the number of new cases per unit of
time times their mean duration (Little's law [1]_); divided by the population size this reads
``prevalence = incidence x mean duration``, with incidence per person-year of the *whole*
population [2]_. (Per person-year at risk the identity is ``P / (1 - P) = I x D``; for a rare
disease the two coincide.)
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from lems_epi._validation import as_numeric_array, check_columns, check_conf_level, describe_rows
from lems_epi.stats.intervals import poisson_ci, proportion_ci

__all__ = [
    "incidence_rates",
    "period_prevalence",
    "point_prevalence",
    "prevalence_incidence_duration",
]

TYPES = ("paraneoplastic", "nonparaneoplastic")
#: Spellings of the LEMS types accepted in ``lems_type`` (``simulate_cohort`` writes the
#: hyphenated one).
TYPE_SPELLINGS = {"paraneoplastic": "paraneoplastic", "nonparaneoplastic": "nonparaneoplastic",
                  "non-paraneoplastic": "nonparaneoplastic",
                  "non_paraneoplastic": "nonparaneoplastic"}
_NEEDED = ["entry", "exit", "lems_onset", "lems_end", "lems_type"]


def _lems_types(followup, onset, caller):
    """``lems_type`` in the canonical spelling; a case with an unknown type is an error."""
    raw = followup["lems_type"].astype(object).to_numpy()
    types = np.array([TYPE_SPELLINGS.get(str(v).strip().lower(), None)
                      if v is not None and v == v else None for v in raw], dtype=object)
    unknown = ~pd.isna(onset) & pd.isna(types)
    if unknown.any():
        raise ValueError(f"{caller}: 'lems_type' of cases (rows with an onset) must be one of "
                         f"{list(TYPE_SPELLINGS)}; {describe_rows(unknown, followup.index)} "
                         f"have {sorted({str(v) for v in raw[unknown]})[:5]}.")
    return types


def _check(followup, caller, extra=()):
    if not isinstance(followup, pd.DataFrame):
        raise TypeError(f"{caller}: 'followup' must be the DataFrame of simulate_followup(), "
                        f"got {type(followup).__name__}.")
    check_columns(followup, [*_NEEDED, *extra], caller=caller, name="followup")
    f = {c: as_numeric_array(followup[c], name=c, caller=caller)
         for c in ("entry", "exit", "lems_onset", "lems_end", *extra)}
    for c in ("entry", "exit", *extra):
        bad = ~np.isfinite(f[c])
        if bad.any():
            raise ValueError(f"{caller}: {c!r} has missing or infinite values at "
                             f"{describe_rows(bad, followup.index)}; every person needs "
                             "finite times (drop or fill those rows).")
    f["lems_type"] = _lems_types(followup, f["lems_onset"], caller)
    bad = f["exit"] < f["entry"]
    if bad.any():
        raise ValueError(f"{caller}: 'exit' is before 'entry' at "
                         f"{describe_rows(bad, followup.index)}; fix the follow-up times.")
    return f


def _case_end(f):
    """Time the disease stops counting: its end, or exit while it lasts."""
    return np.where(np.isnan(f["lems_end"]), f["exit"], np.minimum(f["lems_end"], f["exit"]))


def _dates(at, caller):
    arr = np.atleast_1d(as_numeric_array(at, name="at", caller=caller))
    if arr.size == 0 or not np.isfinite(arr).all():
        raise ValueError(f"{caller}: 'at' must be one or more finite calendar times, got {at!r}.")
    return arr


def _with_interval(out: pd.DataFrame, per: float, conf_level: float, method: str, caller: str
                   ) -> pd.DataFrame:
    """The contract table of a prevalence: groups, ``events, n``, measure ``prevalence``."""
    empty = out["n"].to_numpy() == 0
    if empty.any():
        when = out.loc[empty].drop(columns=["events", "n", "lems_type"]).drop_duplicates()
        raise ValueError(f"{caller}: nobody is followed at {when.to_dict('records')[:3]}, so "
                         "there is no prevalence there; choose times within the follow-up.")
    groups = out.drop(columns=["events", "n"])
    ci = proportion_ci(out[["events", "n"]], per=per, conf_level=conf_level, method=method)
    ci = ci.assign(measure="prevalence").reset_index(drop=True)
    return pd.concat([groups.reset_index(drop=True), ci], axis=1)


def point_prevalence(followup, at, *, per=1, conf_level=0.95, method="wilson"
                     ) -> pd.DataFrame:
    """Point prevalence of LEMS by type at given calendar times.

    A person counts in the population at time ``at`` if ``entry <= at < exit`` and as a case
    if, in addition, ``lems_onset <= at`` and the disease has not ended (``lems_end``).

    Parameters
    ----------
    followup : pandas.DataFrame
        Output of :func:`lems_epi.simulate_followup`.
    at : float or sequence of float
        Calendar times.
    per : float, default 1
        Multiplier of the prevalence (e.g. ``1e6`` for per million).
    conf_level : float
        Confidence level of the interval.
    method : str
        Interval for a proportion (see :func:`lems_epi.proportion_ci`).

    Returns
    -------
    pandas.DataFrame
        On the output contract, one row per time and type (``paraneoplastic``,
        ``nonparaneoplastic``, ``all``): ``at``, ``lems_type``, ``events`` (cases), ``n``
        (persons followed), ``measure`` ("prevalence"), ``estimate, lower, upper,
        conf_level, method, per``.

    References
    ----------
    .. [1] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 3.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"entry": [2020.0, 2020.0, 2020.0], "exit": [2030.0, 2030.0, 2024.0],
    ...                   "lems_onset": [2019.0, None, 2021.0], "lems_end": [None, None, 2024.0],
    ...                   "lems_type": ["paraneoplastic", None, "nonparaneoplastic"]})
    >>> point_prevalence(f, at=2022)[["lems_type", "events", "n", "estimate"]].round(3)
               lems_type  events  n  estimate
    0     paraneoplastic       1  3     0.333
    1  nonparaneoplastic       1  3     0.333
    2                all       2  3     0.667
    """
    caller = "point_prevalence"
    conf_level = check_conf_level(conf_level, caller=caller)
    f = _check(followup, caller)
    rows = []
    end = _case_end(f)
    for d in _dates(at, caller):
        alive = (f["entry"] <= d) & (f["exit"] > d)
        case = alive & (f["lems_onset"] <= d) & (end > d)
        for t in (*TYPES, "all"):
            sel = case if t == "all" else case & (f["lems_type"] == t)
            rows.append({"at": float(d), "lems_type": t, "events": int(sel.sum()),
                         "n": int(alive.sum())})
    return _with_interval(pd.DataFrame(rows), per, conf_level, method, caller)


def period_prevalence(followup, start, end, *, per=1, conf_level=0.95, method="wilson"
                      ) -> pd.DataFrame:
    """Period prevalence of LEMS by type over ``[start, end)``.

    The population is everybody followed at some time in the period; a case is a person whose
    disease lasts at some time in the period while followed (prevalent at ``start`` or with
    onset in the period).

    Parameters
    ----------
    followup : pandas.DataFrame
        Output of :func:`lems_epi.simulate_followup`.
    start, end : float
        The period (calendar times, ``start < end``).
    per, conf_level, method
        As in :func:`point_prevalence`.

    Returns
    -------
    pandas.DataFrame
        On the output contract, one row per type and ``all``: ``start``, ``end``,
        ``lems_type``, ``events`` (cases), ``n`` (persons followed), ``measure``
        ("prevalence"), ``estimate, lower, upper, conf_level, method, per``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"entry": [2020.0, 2020.0, 2020.0], "exit": [2030.0, 2030.0, 2024.0],
    ...                   "lems_onset": [2019.0, None, 2021.0], "lems_end": [None, None, 2024.0],
    ...                   "lems_type": ["paraneoplastic", None, "nonparaneoplastic"]})
    >>> period_prevalence(f, 2020, 2021)["events"].tolist()
    [1, 0, 1]
    """
    caller = "period_prevalence"
    conf_level = check_conf_level(conf_level, caller=caller)
    for name, v in (("start", start), ("end", end)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise TypeError(f"{caller}: '{name}' must be a finite number, got {v!r}.")
    if not start < end:
        raise ValueError(f"{caller}: 'start' must be before 'end', got {start!r} and {end!r}.")
    f = _check(followup, caller)
    followed = (f["entry"] < end) & (f["exit"] > start)
    lo = np.maximum(f["lems_onset"], np.maximum(f["entry"], start))
    hi = np.minimum(_case_end(f), end)
    case = followed & (lo < hi)
    rows = []
    for t in (*TYPES, "all"):
        sel = case if t == "all" else case & (f["lems_type"] == t)
        rows.append({"start": float(start), "end": float(end), "lems_type": t,
                     "events": int(sel.sum()), "n": int(followed.sum())})
    return _with_interval(pd.DataFrame(rows), per, conf_level, method, caller)


def incidence_rates(followup, *, age_breaks=None, period_breaks=None, per=1, conf_level=0.95,
                    method="exact") -> pd.DataFrame:
    """Incidence of LEMS by type, age band and calendar period, with exact intervals.

    The denominator is the person-time of the whole population (cases included), split by
    age and period with :func:`lems_epi.stats.person_time.split_person_time`; the numerator
    counts onsets during follow-up, placed in the band of the age and time of onset.

    Parameters
    ----------
    followup : pandas.DataFrame
        Output of :func:`lems_epi.simulate_followup` (needs ``birth`` too).
    age_breaks, period_breaks : sequence of float, optional
        Left ends of the age bands and periods (default one band each: age 0 and the earliest
        entry).
    per : float, default 1
        Multiplier of the rates (e.g. ``1e6`` for rates per million person-years).
    conf_level, method
        As in :func:`lems_epi.poisson_ci`.

    Returns
    -------
    pandas.DataFrame
        On the output contract, one row per type x age group x period: ``lems_type``,
        ``age_group`` (left end), ``period``, ``events``, ``person_time``, ``measure``
        ("rate"), ``estimate, lower, upper, conf_level, method, per``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"birth": [1950.0, 1980.0], "entry": [2020.0, 2020.0],
    ...                   "exit": [2030.0, 2030.0], "lems_onset": [2025.0, None],
    ...                   "lems_end": [None, None], "lems_type": ["paraneoplastic", None]})
    >>> r = incidence_rates(f, age_breaks=[0, 50])
    >>> r[["lems_type", "age_group", "events", "person_time"]]
               lems_type  age_group  events  person_time
    0     paraneoplastic         0       0         10.0
    1     paraneoplastic        50       1         10.0
    2  nonparaneoplastic         0       0         10.0
    3  nonparaneoplastic        50       0         10.0
    """
    from lems_epi.stats.person_time import split_person_time

    caller = "incidence_rates"
    conf_level = check_conf_level(conf_level, caller=caller)
    f = _check(followup, caller, extra=("birth",))
    age_breaks = [0.0] if age_breaks is None else list(age_breaks)
    period_breaks = [float(np.min(f["entry"]))] if period_breaks is None else list(period_breaks)
    data = pd.DataFrame({"entry": f["entry"], "exit": f["exit"], "birth": f["birth"]})
    split = split_person_time(data, "entry", "exit", "birth", age_breaks=age_breaks,
                              period_breaks=period_breaks)
    pt = split.groupby(["age_group", "period"], sort=True)["person_time"].sum()
    onset = f["lems_onset"]
    new = (onset >= f["entry"]) & (onset < f["exit"])
    ab = np.asarray(age_breaks, float)
    pb = np.asarray(period_breaks, float)
    rows = []
    for t in TYPES:
        sel = new & (f["lems_type"] == t) & (onset - f["birth"] >= ab[0]) & (onset >= pb[0])
        a_band = ab[np.searchsorted(ab, onset[sel] - f["birth"][sel], side="right") - 1]
        p_band = pb[np.searchsorted(pb, onset[sel], side="right") - 1]
        counts = pd.Series(1, index=pd.MultiIndex.from_arrays([a_band, p_band])) \
            .groupby(level=[0, 1]).sum() if sel.any() else pd.Series(dtype=float)
        for (a, p), time in pt.items():
            rows.append({"lems_type": t, "age_group": a, "period": p,
                         "events": int(counts.get((a, p), 0)), "person_time": float(time)})
    out = pd.DataFrame(rows)
    return poisson_ci(out, per=per, conf_level=conf_level, method=method)


def prevalence_incidence_duration(followup, *, duration=None) -> pd.DataFrame:
    """Check prevalence = incidence x mean duration, by LEMS type, on a follow-up table.

    Over the whole follow-up, per type:

    * ``prevalence``: the time-averaged point prevalence, case person-time / person-time
      (the mean of the point prevalence over the period);
    * ``incidence``: onsets during follow-up per person-year of the whole population;
    * ``duration``: the mean duration of the disease **from the model** (the scenario's
      ``duration_*``, stored in ``followup.attrs``, or the ``duration`` argument). A
      non-paraneoplastic duration of decades cannot be estimated from 10-20 years of follow-up
      without a model: ``duration_observed`` is the estimate under the constant exit rate the
      simulation assumes (case person-time / number of disease ends, the exponential maximum
      likelihood estimate), shown for comparison;
    * ``incidence_x_duration`` and ``prevalence_ratio`` = prevalence / (incidence x duration),
      1 in expectation in a stationary population.

    The shares of each type among incident cases (onsets) and among prevalent cases (case
    person-time) are given with the model's values
    (:attr:`lems_epi.Scenario.paraneoplastic_share_incident` and ``_prevalent``).

    Parameters
    ----------
    followup : pandas.DataFrame
        Output of :func:`lems_epi.simulate_followup`.
    duration : mapping, optional
        ``{"paraneoplastic": D_p, "nonparaneoplastic": D_n}`` in years; default from
        ``followup.attrs``.

    Returns
    -------
    pandas.DataFrame
        One row per type: ``lems_type``, ``person_time``, ``onsets``, ``incidence``,
        ``case_person_time``, ``prevalence``, ``duration``, ``duration_observed``,
        ``incidence_x_duration``, ``prevalence_ratio``, ``share_incident``,
        ``share_prevalent``, ``model_share_incident``, ``model_share_prevalent``.

    References
    ----------
    .. [1] Little JDC (1961). A proof for the queuing formula: L = lambda W. Operations
       Research 9(3):383-387. https://doi.org/10.1287/opre.9.3.383
    .. [2] Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd edition.
       Philadelphia: Lippincott Williams & Wilkins. Chapter 3.

    Examples
    --------
    >>> from lems_epi import Scenario, simulate_followup
    >>> s = Scenario.named("seed-base").replace(prevalence=1e-3)
    >>> f = simulate_followup(s, n=50_000, years=10, rng=7)
    >>> pid = prevalence_incidence_duration(f)
    >>> pid["lems_type"].tolist()
    ['paraneoplastic', 'nonparaneoplastic']
    >>> bool(pid["prevalence_ratio"].between(0.5, 2).all())
    True
    """
    caller = "prevalence_incidence_duration"
    f = _check(followup, caller)
    attrs = getattr(followup, "attrs", {})
    if duration is None:
        try:
            duration = {t: float(attrs[f"duration_{t}"]) for t in TYPES}
        except KeyError:
            raise ValueError(f"{caller}: 'followup' carries no model durations in its attrs; "
                             "pass duration={'paraneoplastic': D_p, 'nonparaneoplastic': D_n} "
                             "(years).") from None
    for t in TYPES:
        if t not in duration or not np.isfinite(duration[t]) or duration[t] <= 0:
            raise ValueError(f"{caller}: 'duration' must give a positive number of years for "
                             f"{t!r}, got {duration!r}.")
    person_time = float((f["exit"] - f["entry"]).sum())
    if person_time <= 0:
        raise ValueError(f"{caller}: the follow-up has no person-time.")
    onset, end = f["lems_onset"], _case_end(f)
    lo = np.maximum(onset, f["entry"])
    case_time = np.where(np.isnan(onset), 0.0, np.clip(end - lo, 0.0, None))
    new = (onset >= f["entry"]) & (onset < f["exit"])
    ended = ~np.isnan(f["lems_end"]) & (f["lems_end"] >= f["entry"]) \
        & (f["lems_end"] <= f["exit"])
    rows = []
    for t in TYPES:
        is_t = f["lems_type"] == t
        onsets = int((new & is_t).sum())
        ct = float(case_time[is_t].sum())
        ends = int((ended & is_t).sum())
        inc = onsets / person_time
        rows.append({"lems_type": t, "person_time": person_time, "onsets": onsets,
                     "incidence": inc, "case_person_time": ct,
                     "prevalence": ct / person_time, "duration": float(duration[t]),
                     "duration_observed": ct / ends if ends else np.nan,
                     "incidence_x_duration": inc * duration[t]})
    out = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["prevalence_ratio"] = out["prevalence"] / out["incidence_x_duration"]
        out["share_incident"] = out["onsets"] / out["onsets"].sum()
        out["share_prevalent"] = out["case_person_time"] / out["case_person_time"].sum()
    s_inc = attrs.get("paraneoplastic_share_incident", np.nan)
    s_prev = attrs.get("paraneoplastic_share_prevalent", np.nan)
    out["model_share_incident"] = [s_inc, 1 - s_inc]
    out["model_share_prevalent"] = [s_prev, 1 - s_prev]
    return out
