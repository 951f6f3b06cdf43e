"""Case-control samples from a cohort, with the sampling weights that undo the sampling.

A case-control study keeps every case and only a fraction of the non-cases. With sampling
weights equal to the inverse sampling fractions (1 for cases, ``N0 / m`` for ``m`` controls
drawn from ``N0`` non-cases, separately in each matching stratum) weighted counts reproduce the
cohort's counts, so a teacher can show that the odds ratio of the sample estimates the cohort's
odds ratio while its crude prevalence is meaningless until weighted.

:func:`sample_case_control` samples from a cohort in memory. :func:`simulate_case_control`
does the same for a cohort too large to keep: it simulates the cohort block by block (the very
blocks of :func:`lems_epi.simulate_cohort`), keeps the cases, and keeps only the non-cases that
were chosen as controls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lems_epi._rng import as_generator, entropy_from
from lems_epi._validation import check_columns, check_whole_number
from lems_epi.scenario import DEFAULT_POPULATION
from lems_epi.simulate.blocks import BLOCK_SIZE, check_cohort_size, cohort_plan, simulate_block

__all__ = ["sample_case_control", "simulate_case_control"]

#: Spawn key of the control-selection stream (blocks use one-element keys ``(b,)``).
_SELECTION_KEY = (0, 1)


def _check_controls_per_case(k, *, caller: str) -> int:
    return check_whole_number(k, name="controls_per_case", caller=caller,
                              hint="Four controls per case is usual.")


def _outcome(cohort: pd.DataFrame, outcome: str, *, caller: str) -> np.ndarray:
    col = cohort[outcome]
    if col.isna().any():
        raise ValueError(f"{caller}: the outcome column {outcome!r} has missing values; a "
                         "case-control sample needs every person classified as case or not.")
    if not (pd.api.types.is_bool_dtype(col) or set(pd.unique(col)) <= {0, 1}):
        raise TypeError(f"{caller}: the outcome column {outcome!r} must be boolean (True for a "
                        f"case), got dtype {col.dtype}.")
    return col.to_numpy(dtype=bool)


def _finish(cohort, cases_idx, controls_idx, weights_controls, match_set_cases,
            match_set_controls, attrs) -> pd.DataFrame:
    idx = np.concatenate([cases_idx, controls_idx])
    is_case = np.concatenate([np.ones(cases_idx.size, bool), np.zeros(controls_idx.size, bool)])
    weight = np.concatenate([np.ones(cases_idx.size), weights_controls])
    match_set = np.concatenate([match_set_cases, match_set_controls])
    order = np.lexsort((~is_case, match_set)) if match_set.size else np.arange(0)
    out = cohort.iloc[idx[order]].reset_index(drop=True)
    out["case"] = is_case[order]
    out["weight"] = weight[order]
    out["match_set"] = match_set[order].astype(np.int32)
    out.attrs = {**dict(cohort.attrs), **attrs}
    return out


def sample_case_control(cohort, *, controls_per_case=4, matched_on=None, outcome="lems",
                        rng=None) -> pd.DataFrame:
    """Draw a case-control sample from a cohort, with sampling weights.

    Parameters
    ----------
    cohort : pandas.DataFrame
        One row per person, for example from :func:`lems_epi.simulate_cohort`.
    controls_per_case : int, default 4
        Controls drawn for each case, without replacement (a person is a control at most once).
    matched_on : str or list of str, optional
        Columns to match on (for example ``["sex", "age"]``): each case gets its controls
        from the non-cases of its own stratum of these columns, and the case and its controls
        share a ``match_set`` id. Unmatched (the default) draws
        ``controls_per_case * cases`` controls from all non-cases.
    rng : None, int or numpy.random.Generator, optional
        Source of randomness for the choice of controls.
    outcome : str, default "lems"
        Boolean column that marks the cases.

    Returns
    -------
    pandas.DataFrame
        The cohort's columns for every case and every sampled control, then ``case`` (bool),
        ``weight`` (float64: 1 for cases, the inverse sampling fraction ``N0 / m`` for
        controls, per matching stratum) and ``match_set`` (int32: the case's set id, from 1, when
        matched; 0 for every row when unmatched). Rows are ordered by ``match_set``, case
        first. ``attrs`` records ``design``, ``controls_per_case``, ``matched_on`` and the
        numbers of cases and non-cases.

    Raises
    ------
    ValueError
        If the cohort has no case, or too few non-cases overall or in a matching stratum; the
        message names the strata and says what to do (fewer controls per case, coarser
        matching, or a larger cohort).

    Notes
    -----
    Weighted sums over the sample reproduce the cohort exactly for the cases and, in
    expectation, for the non-cases of every matching stratum (Horvitz-Thompson weights).

    References
    ----------
    .. [1] Breslow NE, Day NE (1980). *Statistical Methods in Cancer Research, Volume I: The
       Analysis of Case-Control Studies*. IARC Scientific Publications No. 32, Lyon.
    .. [2] Horvitz DG, Thompson DJ (1952). A generalization of sampling without replacement
       from a finite universe. Journal of the American Statistical Association
       47(260):663-685.

    Examples
    --------
    >>> import lems_epi as le
    >>> s = le.Scenario.named("seed-base").replace(prevalence=0.01)
    >>> cohort = le.simulate_cohort(s, 50_000, rng=1)
    >>> cc = le.sample_case_control(cohort, controls_per_case=4, rng=2)
    >>> int(cc["case"].sum()) == int(cohort["lems"].sum())
    True
    >>> round(float(cc["weight"].sum())) == len(cohort)
    True
    >>> m = le.sample_case_control(cohort, controls_per_case=2, matched_on=["sex", "age"], rng=2)
    >>> int(m.groupby("match_set").size().max())
    3
    """
    caller = "sample_case_control"
    k = _check_controls_per_case(controls_per_case, caller=caller)
    if not isinstance(outcome, str):
        raise TypeError(f"{caller}: 'outcome' must be a column name, got {outcome!r}.")
    if matched_on is None:
        keys = []
    elif isinstance(matched_on, str):
        keys = [matched_on]
    elif isinstance(matched_on, (list, tuple)) and all(isinstance(c, str) for c in matched_on):
        keys = list(matched_on)
    else:
        raise TypeError(f"{caller}: 'matched_on' must be None, a column name or a list of "
                        f"column names, got {matched_on!r}.")
    check_columns(cohort, [outcome, *keys], caller=caller, name="cohort")
    gen = as_generator(rng, caller=caller)
    is_case = _outcome(cohort, outcome, caller=caller)
    cases_idx = np.flatnonzero(is_case)
    if cases_idx.size == 0:
        raise ValueError(f"{caller}: the cohort has no case ({outcome!r} is never True); "
                         "simulate a larger cohort or raise the prevalence with "
                         "scenario.replace(prevalence=...).")
    attrs = {"design": "matched" if keys else "unmatched", "controls_per_case": k,
             "matched_on": list(keys), "cases": int(cases_idx.size),
             "noncases": int(is_case.size - cases_idx.size)}
    if not keys:
        controls_pool = np.flatnonzero(~is_case)
        m = k * cases_idx.size
        if m > controls_pool.size:
            raise ValueError(f"{caller}: {cases_idx.size} cases x {k} controls per case need "
                             f"{m} controls but the cohort has only {controls_pool.size} "
                             "non-cases; ask for fewer controls per case or a larger cohort.")
        chosen = np.sort(gen.choice(controls_pool, size=m, replace=False))
        return _finish(cohort, cases_idx, chosen, np.full(m, controls_pool.size / m),
                       np.zeros(cases_idx.size, np.int32), np.zeros(m, np.int32), attrs)

    if cohort[keys].isna().any().any():
        raise ValueError(f"{caller}: the matching columns {keys} have missing values; fill or "
                         "drop them before matching.")
    stratum = cohort.groupby(keys, observed=True, sort=True).ngroup().to_numpy()
    n_strata = int(stratum.max()) + 1
    cases_per = np.bincount(stratum[is_case], minlength=n_strata)
    noncases_per = np.bincount(stratum[~is_case], minlength=n_strata)
    short = (cases_per > 0) & (noncases_per < k * cases_per)
    if short.any():
        labels = cohort[keys].iloc[np.unique(stratum, return_index=True)[1]].reset_index(drop=True)
        bad = labels[short]
        shown = "; ".join(", ".join(f"{c}={row[c]}" for c in keys) + f" ({cases_per[i]} cases, "
                          f"{noncases_per[i]} non-cases)" for i, row in bad.head(5).iterrows())
        more = f" and {int(short.sum()) - 5} more" if short.sum() > 5 else ""
        raise ValueError(f"{caller}: {int(short.sum())} matching strata have fewer than "
                         f"{k} non-cases per case: {shown}{more}. Ask for fewer controls per "
                         "case, match on fewer or coarser columns (e.g. age bands), or use a "
                         "larger cohort.")
    # order non-cases by stratum, then pick k distinct controls per case within each stratum
    noncase_idx = np.flatnonzero(~is_case)
    noncase_idx = noncase_idx[np.argsort(stratum[noncase_idx], kind="stable")]
    start = np.concatenate([[0], np.cumsum(noncases_per)[:-1]])
    case_order = cases_idx[np.argsort(stratum[cases_idx], kind="stable")]
    first_case = np.cumsum(cases_per) - cases_per
    controls, sets, weights = [], [], []
    for h in np.flatnonzero(cases_per):
        pick = gen.choice(noncases_per[h], size=k * cases_per[h], replace=False)
        controls.append(noncase_idx[start[h] + pick])
        weights.append(np.full(pick.size, noncases_per[h] / pick.size))
        sets.append(np.repeat(first_case[h] + 1 + np.arange(cases_per[h]), k))
    return _finish(cohort, case_order, np.concatenate(controls), np.concatenate(weights),
                   np.arange(1, case_order.size + 1), np.concatenate(sets), attrs)


def simulate_case_control(scenario, n, *, controls_per_case=4, population=DEFAULT_POPULATION,
                          rng=None) -> pd.DataFrame:
    """Simulate a cohort block by block and keep only its cases and sampled controls.

    The cohort is exactly ``simulate_cohort(scenario, n, rng=rng)`` (same blocks, same cases),
    but it is never held in memory: a first pass over the blocks counts the cases and
    non-cases of each block, the controls (``controls_per_case`` per case, unmatched) are then
    spread over the blocks by a multivariate hypergeometric draw, and a second pass keeps the
    cases and a simple random sample of that many non-cases from each block. The result is a
    simple random sample of the cohort's non-cases, as :func:`sample_case_control` would
    draw, at a memory cost of two blocks.

    Parameters
    ----------
    scenario : Scenario or str
        The parameter set, or the name of a named one.
    n : int
        Persons in the underlying cohort.
    controls_per_case : int, default 4
        Controls per case.
    rng : None, int or numpy.random.Generator, optional
        As for :func:`lems_epi.simulate_cohort`; the control choice uses a separate stream of
        the same entropy.
    population : str, pandas.DataFrame or None, default DEFAULT_POPULATION
        As for :func:`lems_epi.simulate_cohort`.

    Returns
    -------
    pandas.DataFrame
        As :func:`sample_case_control` (unmatched): the cohort's columns, ``case``,
        ``weight`` and ``match_set`` (0). ``attrs`` holds the cohort's ``entropy`` and ``n``.

    Examples
    --------
    >>> import lems_epi as le
    >>> s = le.Scenario.named("seed-base").replace(prevalence=1e-4)
    >>> cc = le.simulate_case_control(s, 3_000_000, rng=5)
    >>> cohort = le.simulate_cohort(s, 3_000_000, rng=5)
    >>> cc.loc[cc["case"], "person_id"].tolist() == cohort.loc[cohort["lems"], "person_id"].tolist()
    True
    >>> round(float(cc["weight"].sum()))
    3000000
    """
    caller = "simulate_case_control"
    n = check_cohort_size(n, caller=caller)
    k = _check_controls_per_case(controls_per_case, caller=caller)
    entropy = entropy_from(rng, caller=caller)
    plan = cohort_plan(scenario, n, population=population, caller=caller)
    cases, noncases = [], np.empty(plan.n_blocks, np.int64)
    for b in range(plan.n_blocks):
        block = simulate_block(plan, entropy, b)
        is_case = block["lems"].to_numpy()
        cases.append(block[is_case])
        noncases[b] = is_case.size - int(is_case.sum())
    n_cases = sum(len(c) for c in cases)
    if n_cases == 0:
        raise ValueError(f"{caller}: the cohort of {n} persons holds no case; use a larger n or "
                         "raise the prevalence with scenario.replace(prevalence=...).")
    m = k * n_cases
    if m > noncases.sum():
        raise ValueError(f"{caller}: {n_cases} cases x {k} controls need {m} non-cases but the "
                         f"cohort has {int(noncases.sum())}; ask for fewer controls per case.")
    gen = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=_SELECTION_KEY))
    per_block = gen.multivariate_hypergeometric(noncases, m)
    controls = []
    for b in np.flatnonzero(per_block):
        block = simulate_block(plan, entropy, int(b))
        pool = np.flatnonzero(~block["lems"].to_numpy())
        controls.append(block.iloc[np.sort(gen.choice(pool, size=per_block[b], replace=False))])
    cohort_part = pd.concat(cases + controls, ignore_index=True)
    cohort_part.attrs = {"scenario": plan.scenario, "n": n, "entropy": entropy,
                         "block_size": BLOCK_SIZE}
    cases_idx = np.arange(n_cases)
    return _finish(cohort_part, cases_idx, np.arange(n_cases, n_cases + m),
                   np.full(m, noncases.sum() / m), np.zeros(n_cases, np.int32),
                   np.zeros(m, np.int32), {"design": "unmatched", "controls_per_case": k,
                                           "matched_on": [], "cases": int(n_cases),
                                           "noncases": int(noncases.sum())})
