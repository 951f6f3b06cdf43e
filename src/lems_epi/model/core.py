"""The closed-form risk model, written as array code over a batch of scenarios.

Model
-----
Strata are single year of age x sex x smoking status (never, former, current). For each LEMS
type ``t`` (paraneoplastic ``p``, non-paraneoplastic ``n``) the probability that a person of
stratum ``(x, sex, j)`` currently has LEMS of type ``t`` is::

    pi_t(x, sex, j) = c_t * a_t(x, sex) * m_t ** [sex == male] * s_t[j]

with ``a_t`` the age profile (:mod:`lems_epi.model.profiles`), ``m_t`` the male relative risk
and ``s_t = (1, s_former, s_current)`` the smoking relative risks. Sex and smoking multiply (no
interaction term). In the reference population (strata sizes ``N``) the constants are, in
closed form::

    c_t = prevalence * sum(N) * share_t / sum(N * a_t * m_t ** male * s_t)

with ``share_p`` the prevalent paraneoplastic share and ``share_n = 1 - share_p``, so that the
expected prevalence and the paraneoplastic share equal the targets up to rounding error. An
incident share ``s`` is first converted to the prevalent share ``s D_p / (s D_p + (1 - s) D_n)``
with the mean durations. The SCLC-linked cases are the fraction ``sclc_share`` of the
paraneoplastic cases in every stratum.

Shares of cases into relative risks
-----------------------------------
Everything the shares depend on is held in ``G[sex, j] = sum_x N(x, sex, j) a_t(x, sex)``. Given
the smoking risks, the male share ``q`` of cases is reached by the closed form
``m = q / (1 - q) * F / M`` (``F``, ``M``: the smoking-weighted sums of ``G`` over women and
men). Given ``m``, the share ``q`` of ever smokers among cases is reached by the current-smoker
risk ``r`` with former-smoker risk ``1 + phi (r - 1)`` (``phi`` = ``former_excess_fraction``):
with ``H_j = G[female, j] + m G[male, j]`` the condition ``H_1 f(r) + H_2 r = q / (1 - q) H_0``
is linear in ``r``, so ``r = (q / (1 - q) H_0 - (1 - phi) H_1) / (phi H_1 + H_2)``. It has no
positive solution when ``q`` lies below the share reached as ``r -> 0`` (former smokers then
keep the risk ``1 - phi``); such a scenario is refused. When both the male and the smoker share
are targets the two closed forms alternate (iterative proportional fitting) until both shares
match to 1e-12, for all scenarios of a batch at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from lems_epi._validation import check_whole_number, describe_rows
from lems_epi.model._collapsed import batch_sums, layout, row_profiles
from lems_epi.model.profiles import NONPARANEOPLASTIC_PROFILES
from lems_epi.model.strata import Strata, _strata_for, make_strata
from lems_epi.scenario import coerce_scenario

__all__ = ["PARAMETERS", "BatchResult", "Strata", "batch_expected", "make_strata",
           "scenario_params"]

TYPES = ("paraneoplastic", "nonparaneoplastic")

#: Numeric batch parameters (columns of ``params`` in :func:`batch_expected`).
PARAMETERS = (
    "prevalence", "paraneoplastic_share", "sclc_share",
    "age_paraneoplastic_mean", "age_paraneoplastic_sd",
    "male_rr_paraneoplastic", "male_rr_nonparaneoplastic",
    "male_share_paraneoplastic", "male_share_nonparaneoplastic",
    "smoking_rr_paraneoplastic_former", "smoking_rr_paraneoplastic_current",
    "smoking_rr_nonparaneoplastic_former", "smoking_rr_nonparaneoplastic_current",
    "smoker_share_paraneoplastic", "smoker_share_nonparaneoplastic",
    "former_excess_fraction", "duration_paraneoplastic", "duration_nonparaneoplastic",
)
#: Text batch parameters.
TEXT_PARAMETERS = ("paraneoplastic_share_of", "age_profile_nonparaneoplastic")

_CALLER = "batch_expected"
_TOL = 1e-12
_MAX_ITER = 500


# ---------------------------------------------------------------------- parameters
def scenario_params(scenario) -> dict:
    """Return a scenario's batch parameters as a flat dict (``None`` for an unset share or RR).

    Examples
    --------
    >>> from lems_epi import Scenario
    >>> p = scenario_params(Scenario.named("seed-base"))
    >>> p["smoking_rr_paraneoplastic_current"], p["male_share_paraneoplastic"]
    (10.0, None)
    """
    out = {}
    for name in PARAMETERS + TEXT_PARAMETERS:
        if name.startswith("smoking_rr_"):
            field, _, status = name.rpartition("_")
            rr = getattr(scenario, field)
            out[name] = None if rr is None else float(rr[status])
        else:
            out[name] = getattr(scenario, name)
    return out


_RANGES = {  # name -> (low, high, low_open, high_open, what)
    "prevalence": (0, 1, True, True, "a proportion in (0, 1)"),
    "paraneoplastic_share": (0, 1, False, False, "a share in [0, 1]"),
    "sclc_share": (0, 1, False, False, "a share in [0, 1]"),
    "former_excess_fraction": (0, 1, False, False, "a share in [0, 1]"),
    "age_paraneoplastic_mean": (18, 95, False, False, "an age in [18, 95]"),
}


def _check_column(name: str, values: np.ndarray) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(f"{_CALLER}: parameter '{name}' has missing or infinite values at "
                         f"{describe_rows(bad)}; give a finite number for every scenario.")
    if name in _RANGES:
        lo, hi, lo_open, hi_open, what = _RANGES[name]
        bad = (values <= lo if lo_open else values < lo) | (values >= hi if hi_open else values > hi)
    elif "_share_" in name and name.startswith(("male_", "smoker_")):
        what = "a target share of cases strictly between 0 and 1"
        bad = (values <= 0) | (values >= 1)
    else:  # relative risks, durations, SDs
        what = "> 0"
        bad = values <= 0
    if bad.any():
        raise ValueError(f"{_CALLER}: parameter '{name}' must be {what}; bad values "
                         f"{values[bad][:3].tolist()} at {describe_rows(bad)}.")


def _param_arrays(params: pd.DataFrame, base) -> dict:
    """Resolve batch parameters: columns of ``params`` override the base scenario's values."""
    if not isinstance(params, pd.DataFrame):
        raise TypeError(f"{_CALLER}: 'params' must be a pandas DataFrame (one row per scenario), "
                        f"got {type(params).__name__}.")
    unknown = sorted(set(map(str, params.columns)) - set(PARAMETERS) - set(TEXT_PARAMETERS))
    if unknown:
        raise ValueError(f"{_CALLER}: unknown parameter column(s) {unknown}; known: "
                         f"{list(PARAMETERS + TEXT_PARAMETERS)}.")
    k = len(params)
    if k == 0:
        raise ValueError(f"{_CALLER}: 'params' has no rows; give one row per scenario.")
    bp = scenario_params(base)
    cols = set(params.columns)
    out = {"k": k}
    for t in TYPES:
        # male: share form or rr form
        share, rr = f"male_share_{t}", f"male_rr_{t}"
        if share in cols and rr in cols:
            raise ValueError(f"{_CALLER}: give either '{share}' or '{rr}' as a column, not both.")
        use_share = share in cols or (rr not in cols and bp[share] is not None)
        out[f"male_target_{t}"] = use_share
        out[f"male_{t}"] = _numeric(params, share if use_share else rr, bp, k)
        # smoking
        share = f"smoker_share_{t}"
        rr_f, rr_c = f"smoking_rr_{t}_former", f"smoking_rr_{t}_current"
        if share in cols and (rr_f in cols or rr_c in cols):
            raise ValueError(f"{_CALLER}: give either '{share}' or the smoking_rr_{t}_* "
                             "columns, not both.")
        use_share = share in cols or (rr_f not in cols and rr_c not in cols
                                      and bp[share] is not None)
        out[f"smoker_target_{t}"] = use_share
        if use_share:
            out[f"smoker_{t}"] = _numeric(params, share, bp, k)
        else:
            out[f"current_{t}"] = _numeric(params, rr_c, bp, k)
            if rr_f in cols or bp[rr_f] is not None:
                out[f"former_{t}"] = _numeric(params, rr_f, bp, k)
            else:  # base solved its RR from a share: derive former from the current RR
                out[f"former_{t}"] = None
    for name in ("prevalence", "paraneoplastic_share", "sclc_share", "age_paraneoplastic_mean",
                 "age_paraneoplastic_sd", "former_excess_fraction", "duration_paraneoplastic",
                 "duration_nonparaneoplastic"):
        out[name] = _numeric(params, name, bp, k)
    for t in TYPES:
        if not out[f"smoker_target_{t}"] and out[f"former_{t}"] is None:
            phi = out["former_excess_fraction"]
            out[f"former_{t}"] = 1.0 + phi * (out[f"current_{t}"] - 1.0)
    for name, allowed in (("paraneoplastic_share_of", ("prevalent", "incident")),
                          ("age_profile_nonparaneoplastic", tuple(NONPARANEOPLASTIC_PROFILES))):
        if name in cols:
            vals = params[name].astype(str).to_numpy()
            bad = ~np.isin(vals, allowed)
            if bad.any():
                raise ValueError(f"{_CALLER}: '{name}' must be one of {list(allowed)}; bad "
                                 f"values at {describe_rows(bad)}.")
        else:
            vals = np.full(k, bp[name], dtype=object)
        out[name] = vals.astype(object)
    return out


def _numeric(params: pd.DataFrame, name: str, bp: dict, k: int) -> np.ndarray:
    if name in params.columns:
        col = params[name]
        if col.dtype == bool:
            raise TypeError(f"{_CALLER}: parameter '{name}' must be numeric, got booleans.")
        try:
            values = pd.to_numeric(col, errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{_CALLER}: parameter '{name}' must be numeric, got values like "
                            f"{col.iloc[:3].tolist()!r}.") from None
    else:
        if bp[name] is None:
            raise ValueError(f"{_CALLER}: the base scenario has no value for '{name}'; add a "
                             f"'{name}' column.")
        values = np.full(k, float(bp[name]))
    _check_column(name, values)
    return values


# ---------------------------------------------------------------------- results
@dataclasses.dataclass(frozen=True)
class BatchResult:
    """Expected counts of a batch of ``k`` scenarios over the strata of one population.

    Attributes
    ----------
    strata : Strata
        The strata (``strata.table`` gives age, sex, smoking and population of each column).
    paraneoplastic, nonparaneoplastic : numpy.ndarray
        Expected cases, shape ``(k, n_strata)``. The properties ``sclc`` (the SCLC-linked part
        of ``paraneoplastic``) and ``cases`` (both types) are computed on access.
    params : pandas.DataFrame
        One row per scenario: the resolved parameters (solved relative risks ``male_rr_*``,
        ``smoking_rr_*_former``/``_current``), ``sclc_share``, the prevalent and incident
        paraneoplastic shares and the constants ``c_paraneoplastic``, ``c_nonparaneoplastic``. Rows refused
        with ``errors="nan"`` have ``ok`` False and NaN counts.
    offset : int
        Position of the first scenario of this chunk in the whole batch.
    """

    strata: Strata
    paraneoplastic: np.ndarray
    nonparaneoplastic: np.ndarray
    params: pd.DataFrame
    offset: int = 0

    @property
    def sclc(self) -> np.ndarray:
        """Expected SCLC-linked cases, shape ``(k, n_strata)`` (computed on access)."""
        return self.paraneoplastic * self.params["sclc_share"].to_numpy()[:, None]

    @property
    def cases(self) -> np.ndarray:
        """Expected cases of both types, shape ``(k, n_strata)``."""
        return self.paraneoplastic + self.nonparaneoplastic

    def totals(self) -> pd.DataFrame:
        """Crude figures per scenario.

        Returns
        -------
        pandas.DataFrame
            One row per scenario: ``scenario`` (position in the batch), ``population``,
            ``expected_paraneoplastic``, ``expected_sclc``, ``expected_nonparaneoplastic``,
            ``expected_cases``, ``prevalence`` (crude), ``paraneoplastic_share`` (prevalent),
            then ``male_share_<type>``, ``smoker_share_<type>`` (ever smokers) and
            ``share_over_50_<type>`` among the expected cases of each type. The same table
            as ``batch_expected(..., reduce="totals")`` without the parameter columns.
        """
        n = self.strata.total
        tab = self.strata.table
        male = (tab["sex"] == "male").to_numpy()
        ever = (tab["smoking"] != "never").to_numpy()
        older = (tab["age"] >= 50).to_numpy()
        p = self.paraneoplastic.sum(axis=1)
        q = self.nonparaneoplastic.sum(axis=1)
        out = {
            "scenario": np.arange(self.offset, self.offset + p.size),
            "population": n, "expected_paraneoplastic": p,
            "expected_sclc": p * self.params["sclc_share"].to_numpy(),
            "expected_nonparaneoplastic": q, "expected_cases": p + q,
            "prevalence": (p + q) / n, "paraneoplastic_share": p / (p + q),
        }
        for t, arr, total in (("paraneoplastic", self.paraneoplastic, p),
                              ("nonparaneoplastic", self.nonparaneoplastic, q)):
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"male_share_{t}"] = arr[:, male].sum(axis=1) / total
                out[f"smoker_share_{t}"] = arr[:, ever].sum(axis=1) / total
                out[f"share_over_50_{t}"] = arr[:, older].sum(axis=1) / total
        return pd.DataFrame(out)


# ---------------------------------------------------------------------- solver
def _profiles(strata: Strata, P: dict, sel: np.ndarray | slice) -> tuple:
    """Age x sex profile arrays (k, m) for both types of the selected scenarios."""
    return row_profiles(strata, P, sel)


def _solve_type(G: np.ndarray, P: dict, t: str, sel) -> tuple:
    """Solve the male RR and the smoking RRs of type ``t``; returns (m, s (k, 3), err mask)."""
    phi = P["former_excess_fraction"][sel]
    k = phi.size
    G = np.broadcast_to(G, (k, 2, 3))
    male_target = P[f"male_target_{t}"]
    smoker_target = P[f"smoker_target_{t}"]
    s = np.ones((k, 3))
    if smoker_target:
        q_s = P[f"smoker_{t}"][sel]
        s[:, 1] = 1.0
        s[:, 2] = 1.0
    else:
        s[:, 1] = P[f"former_{t}"][sel]
        s[:, 2] = P[f"current_{t}"][sel]
    m = np.ones(k) if male_target else P[f"male_{t}"][sel].copy()
    if male_target:
        q_m = P[f"male_{t}"][sel]
    infeasible = np.zeros(k, dtype=bool)
    if not (male_target or smoker_target):
        return m, s, infeasible, np.zeros(k, dtype=bool)
    # contiguous columns G[:, sex, j] and the constants of the loop, computed once
    (f0, f1, f2), (m0, m1, m2) = ([np.ascontiguousarray(G[:, sex, j]) for j in range(3)]
                                  for sex in (0, 1))
    s1, s2 = s[:, 1].copy(), s[:, 2].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        odds_m = q_m / (1.0 - q_m) if male_target else None
        tol_m = _TOL * q_m if male_target else None
        odds_s = q_s / (1.0 - q_s) if smoker_target else None
        keep = 1.0 - phi
        women = f0 + f1 * s1 + f2 * s2     # sums over smoking of G * s, by sex
        men = m0 + m1 * s1 + m2 * s2
        for _ in range(_MAX_ITER):
            if male_target:
                m = odds_m * women / men
            if smoker_target:
                h1 = f1 + m * m1
                r = (odds_s * (f0 + m * m0) - keep * h1) / (phi * h1 + (f2 + m * m2))
                feasible = r > 0
                infeasible |= ~feasible
                r = np.where(feasible, r, 1.0)
                s1 = 1.0 + phi * (r - 1.0)
                s2 = r
            if not (male_target and smoker_target):
                break
            women = f0 + f1 * s1 + f2 * s2
            men = m0 + m1 * s1 + m2 * s2
            men_m = men * m
            total = men_m + women
            done = (np.abs(men_m / total - q_m) <= tol_m) | infeasible | ~np.isfinite(total)
            if done.all():
                break
    s[:, 1], s[:, 2] = s1, s2
    bad = infeasible | ~np.isfinite(m) | ~(m > 0)
    return np.where(bad, 1.0, m), s, infeasible, bad & ~infeasible


def _evaluate(ref: Strata, target: Strata, P: dict, sel: slice, errors: str,
              share_prev: np.ndarray, sums: dict, full: bool = True) -> tuple:
    """Calibrate in ``ref`` and evaluate in ``target`` for the scenarios ``sel``.

    ``sums`` holds the group sums of every distinct profile of the batch
    (:func:`lems_epi.model._collapsed.batch_sums`): calibration, the probability bound and the
    crude totals need nothing else, so the ``(k, n_strata)`` arrays are built only when
    ``full`` (and the exact probability check only for the scenarios the bound does not clear).
    """
    same = target is ref
    prev = P["prevalence"][sel]
    shares = (share_prev[sel], 1.0 - share_prev[sel])
    k = prev.size
    solved, problems = {}, {}
    bound_tgt = bound_ref = 0.0
    for t, share in zip(TYPES, shares, strict=True):
        ts = sums[t]
        idx = ts.index[sel]
        G = ts.ref_G[idx]
        m, s, infeasible, degenerate = _solve_type(G, P, t, sel)
        weight = (G * np.stack([np.ones(k), m], axis=1)[:, :, None] * s[:, None, :]).sum(
            axis=(1, 2))
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(share > 0, prev * ref.total * share / weight, 0.0)
        degenerate |= ~np.isfinite(c)
        c = np.where(np.isfinite(c), c, 0.0)
        problems[f"infeasible_{t}"] = infeasible
        problems[f"degenerate_{t}"] = degenerate
        solved[t] = (c, m, s)
        # largest age x sex risk over the populated strata times the largest smoking risk
        s_max = s.max(axis=1)
        top = ts.tgt_top[idx]
        bound_tgt = bound_tgt + np.maximum(c * top[:, 0], c * top[:, 1] * m) * s_max
        if not same:
            top = ts.ref_top[idx]
            bound_ref = bound_ref + np.maximum(c * top[:, 0], c * top[:, 1] * m) * s_max
    too_high = _prob_above_one(target, P, sel, solved, bound_tgt)
    if not same:
        too_high |= _prob_above_one(ref, P, sel, solved, bound_ref)
    problems["probability"] = too_high
    failed = np.zeros(k, dtype=bool)
    for key, mask in problems.items():
        if mask.any():
            failed |= mask
            if errors == "raise":
                _raise_problem(key, mask, sel, P)
    if not full:
        return _summaries(target, sums, solved, failed, P, sel), solved, failed
    counts = target.counts.astype(float)[None]
    out = []
    for t, a in zip(TYPES, _profiles(target, P, sel), strict=True):
        c, m, s = solved[t]
        risk = c[:, None] * a * np.where(target.male[None, :], m[:, None], 1.0)
        arr = np.multiply(risk[:, :, None], counts)
        arr *= s[:, None, :]
        arr = arr.reshape(k, -1)
        if failed.any():
            arr[failed] = np.nan
        out.append(arr)
    return out[0], out[1], solved, failed


#: Columns of the crude figures, in order (see :meth:`BatchResult.totals`).
_TOTAL_COLUMNS = (
    "scenario", "population", "expected_paraneoplastic", "expected_sclc",
    "expected_nonparaneoplastic", "expected_cases", "prevalence", "paraneoplastic_share",
    *(f"{what}_{t}" for t in TYPES for what in ("male_share", "smoker_share", "share_over_50")),
)


def _summaries(target: Strata, sums: dict, solved: dict, failed: np.ndarray, P: dict,
               sel: slice) -> dict:
    """Crude figures per scenario from the group sums (columns of the totals table, arrays).

    With age bands (groups 2, 3, ... of the target layout) also ``band_cases`` (k, n_bands).
    """
    out = {"scenario": np.arange(sel.start, sel.start + failed.size),
           "population": np.full(failed.size, target.total)}
    totals, shares, band_cases = {}, {}, 0.0
    for t in TYPES:
        c, m, s = solved[t]
        k = c.size
        Gt = sums[t].tgt_G[sums[t].index[sel]]
        sex = np.stack([np.ones(k), m], axis=1)[:, :, None]
        G = Gt[:, 0] * sex * s[:, None, :]
        G50 = Gt[:, 1] * sex * s[:, None, :]
        total = G.sum(axis=(1, 2))
        totals[t] = c * total
        with np.errstate(divide="ignore", invalid="ignore"):
            shares[f"male_share_{t}"] = G[:, 1, :].sum(axis=1) / total
            shares[f"smoker_share_{t}"] = G[:, :, 1:].sum(axis=(1, 2)) / total
            shares[f"share_over_50_{t}"] = G50.sum(axis=(1, 2)) / total
        if Gt.shape[1] > 2:
            coef = (sex * s[:, None, :]).reshape(k, 6)
            band = np.einsum("kbx,kx->kb", Gt[:, 2:].reshape(k, -1, 6), coef)
            band_cases = band_cases + c[:, None] * band
    p, n = totals["paraneoplastic"], totals["nonparaneoplastic"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out.update({"expected_paraneoplastic": p, "expected_sclc": p * P["sclc_share"][sel],
                    "expected_nonparaneoplastic": n, "expected_cases": p + n,
                    "prevalence": (p + n) / target.total, "paraneoplastic_share": p / (p + n)})
    out.update(shares)
    if not np.isscalar(band_cases):
        out["band_cases"] = band_cases
    if failed.any():
        for key, values in out.items():
            if key not in ("scenario", "population"):
                values[failed] = np.nan
    return out


def _prob_above_one(strata: Strata, P: dict, sel: slice, solved: dict,
                    bound: np.ndarray) -> np.ndarray:
    """Whether some populated stratum's total case probability exceeds 1, per scenario.

    ``bound`` (largest age x sex risk times largest smoking risk, summed over the types) clears
    almost every scenario; the exact check over the strata runs only for the rest.
    """
    out = np.zeros(bound.shape, dtype=bool)
    check = np.flatnonzero(bound > 1.0)
    if check.size:
        populated = strata.counts > 0
        prob = 0.0
        for t, a in zip(TYPES, _profiles(strata, P, sel.start + check), strict=True):
            c, m, s = (v[check] for v in solved[t])
            risk = c[:, None] * a * np.where(strata.male[None, :], m[:, None], 1.0)
            prob = prob + risk[:, :, None] * s[:, None, :]
        out[check] = (np.where(populated[None], prob, 0.0) > 1.0).any(axis=(1, 2))
    return out


def _raise_problem(key: str, mask: np.ndarray, sel: slice, P: dict) -> None:
    caller = P.get("caller", _CALLER)
    if caller == _CALLER:
        rows = describe_rows(mask, np.arange(sel.start, sel.start + mask.size))
    else:
        rows = f"'{P.get('name', 'custom')}'"
    if key.startswith("infeasible_"):
        t = key.removeprefix("infeasible_")
        raise ValueError(
            f"{caller}: smoker_share_{t} cannot be reached for scenario {rows}: even a "
            f"current-smoker relative risk near 0 leaves former smokers the risk "
            f"1 - former_excess_fraction, which gives more ever smokers among cases than the "
            f"target. Raise smoker_share_{t}, lower former_excess_fraction, or give "
            f"smoking_rr_{t} instead.")
    if key.startswith("degenerate_"):
        t = key.removeprefix("degenerate_")
        raise ValueError(
            f"{caller}: the {t} risks cannot be calibrated for scenario {rows}: the reference "
            "population has no persons of the sex, smoking status or ages that the profile and "
            "the target shares need. Use a reference population with adults of both sexes.")
    raise ValueError(
        f"{caller}: the calibrated case probability exceeds 1 in some stratum at scenario "
        f"{rows}: the prevalence is too high for the age profile and relative risks (the "
        "cases would be concentrated in too few persons). Lower the prevalence or the relative "
        "risks, or widen the age profile (age_paraneoplastic_sd).")


def _params_columns(P: dict, sel: slice, solved: dict, share_prev: np.ndarray,
                    failed: np.ndarray) -> dict:
    out = {}
    for t in TYPES:
        c, m, s = solved[t]
        out[f"male_rr_{t}"] = m
        out[f"smoking_rr_{t}_former"] = s[:, 1]
        out[f"smoking_rr_{t}_current"] = s[:, 2]
        out[f"c_{t}"] = c
    sp = share_prev[sel]
    dp, dn = P["duration_paraneoplastic"][sel], P["duration_nonparaneoplastic"][sel]
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = (sp / dp) / (sp / dp + (1.0 - sp) / dn)
    out["sclc_share"] = P["sclc_share"][sel]
    out["paraneoplastic_share_prevalent"] = sp
    out["paraneoplastic_share_incident"] = inc
    out["ok"] = ~failed
    return out


def _params_frame(P: dict, sel: slice, solved: dict, share_prev: np.ndarray,
                  failed: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(_params_columns(P, sel, solved, share_prev, failed))
    frame.index = pd.RangeIndex(sel.start, sel.start + len(frame))
    return frame


def batch_expected(params, population=None, *, base=None, reduce: Callable | None = None,
                   chunk_size: int = 2000, errors: str = "raise", age_bands=None,
                   caller: str = _CALLER):
    """Expected LEMS cases by stratum for a batch of scenarios, as arrays.

    This is the vectorised core of the risk model: :func:`lems_epi.expected_counts` is its
    one-scenario case. Every step (age profiles with per-scenario mean and SD, the closed-form
    constants, the relative risks solved from shares of cases) is array code over the
    scenarios of a chunk, with no Python loop per scenario. Calibration and the crude totals
    use group sums by sex and smoking status computed once per distinct age profile of the
    batch, so ``reduce="totals"`` never builds the ``(k, n_strata)`` arrays.

    Parameters
    ----------
    params : pandas.DataFrame
        One row per scenario, one column per numeric parameter (names in ``PARAMETERS``:
        the :class:`~lems_epi.Scenario` field names, with the smoking relative risks split into
        ``smoking_rr_<type>_former`` and ``smoking_rr_<type>_current``), optionally the text
        columns ``paraneoplastic_share_of`` and ``age_profile_nonparaneoplastic``. Missing
        columns take the base scenario's value. For each type and factor the column decides
        the form: a ``male_share_<type>`` column is a target share of cases (the relative risk
        is solved per row), a ``male_rr_<type>`` column is a relative risk; giving both is an
        error. Without either column, the base scenario's form is used. A row with a current
        smoking RR but no former RR (column absent, base in share form) gets former RR
        ``1 + former_excess_fraction * (current - 1)``.
    population : str or pandas.DataFrame, optional
        Population in which the expected counts are returned (default: the base scenario's
        reference population). Calibration always happens in the base scenario's reference
        population, so another population gives other crude figures.
    base : Scenario or str, optional
        Scenario supplying the missing parameters, the smoking table and the reference
        population (default ``"seed-base"``).
    reduce : callable or "totals", optional
        Called with each chunk's :class:`BatchResult`; its return values (arrays stacked along
        the first axis, or DataFrames concatenated) are returned instead of the full arrays.
        Use it to keep memory small: 100,000 scenarios x 600 strata is 480 MB per array.
        ``"totals"``: the crude figures of :meth:`BatchResult.totals` followed by the columns
        of ``BatchResult.params`` (one row per scenario, fast path from group sums).
    chunk_size : int, default 2000
        Scenarios per chunk.
    errors : {"raise", "nan"}, default "raise"
        What to do with a scenario that cannot be calibrated (smoker share out of reach,
        stratum probability above 1): raise a ValueError naming the rows, or return NaN counts
        for it (``params["ok"]`` is False).

    age_bands : str, sequence of int or pandas.DataFrame, optional
        Only with ``reduce="totals"``: add the expected cases (both types) of each age band,
        as columns ``expected_cases_age_<start>``, and the persons of each band,
        ``population_age_<start>`` (the same in every row), where ``<start>`` is the band's
        first age. Anything :func:`lems_epi.populations.age_bands` accepts: a standard
        population name such as ``"esp2013"`` (19 bands, ``expected_cases_age_0``,
        ``expected_cases_age_5``, ..., ``expected_cases_age_90``), a list of left ends or a
        band table. Every age of the target population must lie in a band. The band columns
        add up to ``expected_cases`` and ``population``; divided, they give age-specific
        prevalences for direct standardisation.
    caller : str, default "batch_expected"
        The name error messages start with (the public function that called this one).

    Returns
    -------
    BatchResult or the concatenated ``reduce`` outputs
        Without ``reduce``, one :class:`BatchResult` with arrays of shape
        ``(k, n_strata)``.

    Examples
    --------
    >>> import pandas as pd
    >>> params = pd.DataFrame({"prevalence": [2.7e-6, 7e-6],
    ...                        "male_share_paraneoplastic": [0.72, 0.79]})
    >>> res = batch_expected(params, "denmark-2013", base="seed-base")
    >>> res.paraneoplastic.shape
    (2, 600)
    >>> (res.cases.sum(axis=1) / res.strata.total).round(10).tolist()
    [2.7e-06, 7e-06]
    >>> bool(res.params["male_rr_paraneoplastic"].iloc[1] > res.params[
    ...     "male_rr_paraneoplastic"].iloc[0])
    True

    Crude figures on another population, reduced per chunk:

    >>> tot = batch_expected(params, "finland-2016", reduce=lambda r: r.totals())
    >>> list(tot.columns[:3]), len(tot)
    (['scenario', 'population', 'expected_paraneoplastic'], 2)

    The fast path, with the expected cases of the esp2013 age bands:

    >>> fast = batch_expected(params, "finland-2016", reduce="totals", age_bands="esp2013")
    >>> bands = fast.filter(like="expected_cases_age_")
    >>> list(bands.columns[:2]), bands.shape
    (['expected_cases_age_0', 'expected_cases_age_5'], (2, 19))
    >>> bool(np.allclose(bands.sum(axis=1), fast["expected_cases"], rtol=1e-12))
    True
    """
    base = coerce_scenario("seed-base" if base is None else base, name="base", caller=caller)
    if errors not in ("raise", "nan"):
        raise ValueError(f"{_CALLER}: 'errors' must be 'raise' or 'nan', got {errors!r}.")
    check_whole_number(chunk_size, name="chunk_size", caller=_CALLER)
    totals_path = isinstance(reduce, str)
    if totals_path and reduce != "totals":
        raise ValueError(f"{_CALLER}: 'reduce' must be a callable or 'totals', got {reduce!r}.")
    if reduce is not None and not totals_path and not callable(reduce):
        raise TypeError(f"{_CALLER}: 'reduce' must be a callable or 'totals', got "
                        f"{type(reduce).__name__}.")
    if age_bands is not None and not totals_path:
        raise ValueError(f"{_CALLER}: 'age_bands' needs reduce='totals' (the band totals are "
                         "columns of the totals table); pass reduce='totals' or drop "
                         "'age_bands'.")
    P = _param_arrays(params, base)
    P["caller"], P["name"] = caller, base.name
    ref = _strata_for(base.reference_population, base.smoking_prevalence)
    if population is None:
        target = ref
    else:
        target = _strata_for(population, base.smoking_prevalence)
        if _same_population(population, base.reference_population):
            target = ref
    share = P["paraneoplastic_share"]
    dp, dn = P["duration_paraneoplastic"], P["duration_nonparaneoplastic"]
    incident = P["paraneoplastic_share_of"] == "incident"
    with np.errstate(divide="ignore", invalid="ignore"):
        converted = share * dp / (share * dp + (1.0 - share) * dn)
    share_prev = np.where(incident, converted, share)
    tgt_ages = np.unique(target.ages)
    band_starts, band_masks = None, []
    if age_bands is not None:
        band_starts, band_masks = _band_masks(age_bands, tgt_ages)
    tgt_layout = layout(target, [tgt_ages >= 50], band_masks)
    ref_layout = tgt_layout if target is ref else layout(ref)
    sums = batch_sums(ref_layout, tgt_layout, P)
    chunks = [slice(start, min(start + int(chunk_size), P["k"]))
              for start in range(0, P["k"], int(chunk_size))]
    if totals_path:
        parts = []
        for sel in chunks:
            cols, solved, failed = _evaluate(ref, target, P, sel, errors, share_prev, sums,
                                             full=False)
            cols.update(_params_columns(P, sel, solved, share_prev, failed))
            parts.append(cols)
        data = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
        band_cases = data.pop("band_cases", None)
        if band_starts is not None:
            persons = tgt_layout.weights.reshape(tgt_ages.size, -1, 6)[:, 2:].sum(axis=(0, 2))
            for i, start in enumerate(band_starts):
                data[f"expected_cases_age_{start}"] = band_cases[:, i]
            for i, start in enumerate(band_starts):
                data[f"population_age_{start}"] = np.full(P["k"], persons[i])
        return pd.DataFrame(data)
    outputs = []
    for sel in chunks:
        para, nonpara, solved, failed = _evaluate(ref, target, P, sel, errors, share_prev, sums)
        chunk = BatchResult(strata=target, paraneoplastic=para, nonparaneoplastic=nonpara,
                            params=_params_frame(P, sel, solved, share_prev, failed),
                            offset=sel.start)
        outputs.append(chunk if reduce is None else reduce(chunk))
    if reduce is None:
        if len(outputs) == 1:
            return outputs[0]
        return BatchResult(
            strata=target,
            paraneoplastic=np.concatenate([o.paraneoplastic for o in outputs]),
            nonparaneoplastic=np.concatenate([o.nonparaneoplastic for o in outputs]),
            params=pd.concat([o.params for o in outputs]))
    if all(isinstance(o, pd.DataFrame) for o in outputs):
        return pd.concat(outputs, ignore_index=True)
    if all(isinstance(o, (pd.Series,)) for o in outputs):
        return pd.concat(outputs)
    try:
        return np.concatenate([np.atleast_1d(np.asarray(o)) for o in outputs])
    except ValueError:
        return outputs


def _band_masks(age_bands, ages: np.ndarray) -> tuple[list[int], list[np.ndarray]]:
    """Band first ages and one boolean mask over ``ages`` per band; every age must be in one."""
    from lems_epi.populations import age_bands as band_table

    try:
        table = band_table(age_bands)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{_CALLER}: 'age_bands' is not a banding scheme: {exc}") from None
    starts = table["age_start"].to_numpy(dtype=float)
    ends = table["age_end"].to_numpy(dtype=float, na_value=np.inf)
    if starts.size == 0 or np.any(np.diff(starts) <= 0) or np.any(ends[:-1] >= starts[1:]):
        raise ValueError(f"{_CALLER}: 'age_bands' must be increasing, non-overlapping bands; "
                         f"got first ages {starts.tolist()}.")
    masks = [(ages >= lo) & (ages <= hi) for lo, hi in zip(starts, ends, strict=True)]
    outside = ~np.logical_or.reduce(masks)
    if outside.any():
        raise ValueError(f"{_CALLER}: ages {ages[outside][:5].astype(int).tolist()} of the "
                         f"population lie in no band of 'age_bands' (bands from "
                         f"{int(starts[0])}); use bands that cover every age of the population.")
    return [int(v) for v in starts], masks


def _same_population(a, b) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a == b
