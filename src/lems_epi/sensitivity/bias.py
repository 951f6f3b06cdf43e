"""Quantitative bias analysis: E-values and outcome misclassification.

Two questions an analyst asks of an observed association or count:

* How strong would an unmeasured confounder have to be to explain it away?
  :func:`e_value` (VanderWeele and Ding 2017).
* How many cases are there really, if the LEMS diagnosis misses some cases and wrongly
  labels some non-cases? :func:`correct_misclassification` for counts,
  :func:`misclassify_outcome` to create misclassified synthetic records, and
  :func:`outcome_misclassification` for the record-level probabilistic analysis of Fox, Lash
  and Greenland (2005), with sensitivity and specificity fixed or drawn.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._rng import as_generator
from lems_epi._validation import (
    as_float_array,
    check_columns,
    check_conf_level,
    check_method,
    check_positive_number,
    check_probability,
    check_whole_number,
    describe_rows,
)
from lems_epi.stats.contract import contract_frame

__all__ = [
    "E_VALUE_MEASURES",
    "correct_misclassification",
    "e_value",
    "misclassify_outcome",
    "outcome_misclassification",
    "covariate_misclassification",
    "selection_bias",
    "unmeasured_confounder",
]

E_VALUE_MEASURES = ("rr", "or", "hr", "smd")
MISCLASSIFIED = ("outcome", "exposure")


def _e_of_rr(rr: np.ndarray) -> np.ndarray:
    """E-value of a risk ratio on the >= 1 side: RR + sqrt(RR (RR - 1))."""
    rr = np.where(rr < 1, 1 / rr, rr)
    with np.errstate(over="ignore", invalid="ignore"):
        return rr + np.sqrt(rr * (rr - 1))


def _to_rr(x: np.ndarray, measure: str, rare_outcome: bool) -> np.ndarray:
    if measure == "smd":
        return np.exp(0.91 * x)
    if measure == "rr" or rare_outcome:
        return x
    if measure == "or":
        return np.sqrt(x)
    return (1 - 0.5 ** np.sqrt(x)) / (1 - 0.5 ** np.sqrt(1 / x))


def _e_value_inputs(estimate, lower, upper, se, measure, caller):
    """Estimate and limits on the measure's own scale (SMD limits from ``se``)."""
    if measure == "smd":
        est = _as_finite(estimate, name="estimate", caller=caller)
        if se is not None:
            s = as_float_array(np.atleast_1d(se), name="se", caller=caller, allow_zero=False)
            half = 1.78 / 0.91 * s  # RR limits exp(0.91 d -/+ 1.78 se), as the paper gives
            return est, est - half, est + half
        lower_given = lower is not None
        lo = _as_finite(lower, name="lower", caller=caller) if lower_given else None
        hi = _as_finite(upper, name="upper", caller=caller) if lower_given else None
        return est, lo, hi
    est = as_float_array(np.atleast_1d(estimate), name="estimate", caller=caller,
                         allow_zero=False)
    if lower is None:
        return est, None, None
    lo = as_float_array(np.atleast_1d(lower), name="lower", caller=caller, allow_zero=False)
    hi = as_float_array(np.atleast_1d(upper), name="upper", caller=caller, allow_zero=False)
    return est, lo, hi


def _as_finite(values, *, name, caller):
    """Finite floats (of any sign) as a 1-D array, or a ValueError naming the argument."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if not np.isfinite(arr).all():
        raise ValueError(f"{caller}: '{name}' must be finite, got {arr.tolist()!r}.")
    return arr


def e_value(estimate, lower=None, upper=None, *, measure="rr", rare_outcome=True,
            true_value=1.0, se=None) -> pd.DataFrame:
    r"""E-value of an observed ratio and of its confidence limits.

    The E-value is the minimum strength of association, on the risk ratio scale, that an
    unmeasured confounder would need with both the exposure and the outcome, over and above
    the measured covariates, to move the observed risk ratio to ``true_value`` (1: explain
    it away) [1]_:

    .. math:: E = R + \sqrt{R\,(R - 1)}, \qquad R = RR / RR_{true} \text{ (or its inverse,
       whichever is} \ge 1)

    An odds ratio or hazard ratio is first converted to an approximate risk ratio: unchanged
    when the outcome is rare (under about 15% by the end of follow-up, as LEMS always is);
    :math:`\sqrt{OR}` for a common outcome; and
    :math:`(1 - 0.5^{\sqrt{HR}}) / (1 - 0.5^{\sqrt{1/HR}})` for a common outcome's hazard
    ratio. A standardised mean difference :math:`d` becomes :math:`RR = \exp(0.91\,d)`.

    Parameters
    ----------
    estimate : float or array_like
        Observed ratio(s), > 0 (a difference ``d`` for ``measure="smd"``).
    lower, upper : float or array_like, optional
        Confidence limits; give both or neither.
    measure : {"rr", "or", "hr", "smd"}, default "rr"
        Risk ratio, odds ratio, hazard ratio or standardised mean difference.
    rare_outcome : bool, default True
        Whether the outcome is rare (then OR and HR approximate the RR directly).
    true_value : float, default 1.0
        The risk ratio the confounder would have to move the estimate to.
    se : float or array_like, optional
        ``measure="smd"`` only: standard error of ``d``; the risk ratio limits are then
        :math:`\exp(0.91\,d \pm 1.78\,se)`, as VanderWeele and Ding give them.

    Returns
    -------
    pandas.DataFrame
        One row per estimate on the output contract: the inputs ``input_estimate,
        input_lower, input_upper``, ``measure`` ("e_value"), ``estimate`` (the E-value of the
        estimate), ``lower`` (the E-value of the limit closer to ``true_value``, 1 when the
        interval contains it; this is the "E-value of the confidence interval"), ``upper``
        (the E-value of the farther limit), ``conf_level`` (nan: the level of the given
        limits is not known), ``method``, ``per``, then ``rr_estimate`` (the risk ratio the
        E-value was computed from), ``e_value_limit`` (= ``lower``), ``true_value``.

    References
    ----------
    .. [1] VanderWeele TJ, Ding P (2017). Sensitivity analysis in observational research:
       introducing the E-value. Annals of Internal Medicine 167(4):268-274.
       https://doi.org/10.7326/M16-2607

    Examples
    --------
    >>> e_value(3.9, 1.8, 8.7)[["estimate", "lower", "e_value_limit"]].round(2)
       estimate  lower  e_value_limit
    0      7.26    3.0            3.0
    >>> e_value(0.8, 0.71, 0.91, true_value=1.2)[["estimate", "lower"]].round(3)
       estimate  lower
    0     2.366  1.967
    """
    caller = "e_value"
    check_method(measure, E_VALUE_MEASURES, caller=caller, name="measure")
    if not isinstance(rare_outcome, (bool, np.bool_)):
        raise TypeError(f"{caller}: 'rare_outcome' must be True or False, got {rare_outcome!r}.")
    true_value = check_positive_number(true_value, name="true_value", caller=caller)
    if (lower is None) != (upper is None):
        raise ValueError(f"{caller}: give both 'lower' and 'upper' confidence limits, or "
                         "neither.")
    if se is not None and measure != "smd":
        raise ValueError(f"{caller}: 'se' applies to measure='smd' only (got {measure!r}).")
    est, lo, hi = _e_value_inputs(estimate, lower, upper, se, measure, caller)
    try:
        arrays = np.broadcast_arrays(est, *(() if lo is None else (lo, hi)))
    except ValueError:
        raise ValueError(f"{caller}: 'estimate', 'lower' and 'upper' must have the same "
                         "length.") from None
    est = arrays[0]
    if lo is not None:
        lo, hi = arrays[1], arrays[2]
        bad = (lo > est) | (hi < est)
        if bad.any():
            raise ValueError(f"{caller}: each estimate must lie between its limits; it does "
                             f"not at {describe_rows(bad)}.")
    rare = bool(rare_outcome)
    rr = _to_rr(est, measure, rare)
    e = _e_of_rr(rr / true_value)
    near = far = np.full(est.shape, np.nan)
    if lo is not None:
        rr_lo, rr_hi = _to_rr(lo, measure, rare) / true_value, _to_rr(hi, measure,
                                                                        rare) / true_value
        crosses = (rr_lo <= 1) & (rr_hi >= 1)
        above = rr / true_value >= 1
        near = np.where(crosses, 1.0, _e_of_rr(np.where(above, rr_lo, rr_hi)))
        far = _e_of_rr(np.where(above, rr_hi, rr_lo))
    bad = ~np.isfinite(e)
    if bad.any():
        raise ValueError(f"{caller}: the E-value overflows at {describe_rows(bad)} (estimate "
                         "too far from the null to be represented); check the estimate.")
    nan = np.full(est.shape, np.nan)
    return contract_frame(
        {"input_estimate": est, "input_lower": nan if lo is None else lo,
         "input_upper": nan if hi is None else hi}, measure="e_value", estimate=e,
        lower=near, upper=far, conf_level=np.nan, method=f"vanderweele-ding-{measure}",
        extra={"rr_estimate": rr, "e_value_limit": near, "true_value": true_value})


def _check_se_sp(sensitivity, specificity, *, caller: str) -> tuple[float, float]:
    se = check_probability(sensitivity, name="sensitivity", caller=caller)
    sp = check_probability(specificity, name="specificity", caller=caller)
    if se + sp <= 1:
        raise ValueError(f"{caller}: 'sensitivity' + 'specificity' must exceed 1 (a test no "
                         f"better than chance cannot be corrected for), got {se} + {sp}.")
    return se, sp


def _pair(value, name, caller):
    """A (group 1, group 2) pair of probabilities from one number or two."""
    if value is None:
        raise TypeError(f"{caller}: give '{name}' (one number, or a pair for the two groups).")
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{caller}: '{name}' must be one number or a pair, got "
                             f"{len(value)} values.")
        return tuple(check_probability(v, name=name, caller=caller) for v in value)
    v = check_probability(value, name=name, caller=caller)
    return v, v


def _corrected_counts(observed, n, se, sp):
    """Expected true positives behind ``observed`` of ``n`` given Se and Sp."""
    return (observed - (1 - sp) * n) / (se + sp - 1)


def correct_misclassification(*counts, sensitivity=None, specificity=None,
                              misclassified="outcome", method="sensitivity-specificity",
                              ppv=None, npv=None, conf_level=0.95) -> pd.DataFrame:
    r"""Correct counts, or a 2x2 table, for a misclassified outcome or exposure.

    Two forms:

    * ``correct_misclassification(observed, n, sensitivity=, specificity=)``: the expected
      true number of cases behind an observed count. With :math:`Se` and :math:`Sp` of the
      diagnosis, :math:`E[O] = Se\,T + (1 - Sp)(n - T)`, so
      :math:`\hat T = (O - (1 - Sp)\,n) / (Se + Sp - 1)` [1]_.
    * ``correct_misclassification(a, b, c, d, misclassified=..., ...)``: the 2x2 table
      (exposed cases, exposed non-cases, unexposed cases, unexposed non-cases) corrected,
      with the corrected risk ratio and odds ratio. ``misclassified="outcome"``: cases are
      corrected within each exposure group, ``sensitivity`` and ``specificity`` given as
      (exposed, unexposed) pairs. ``misclassified="exposure"``: exposure is corrected
      within cases and within non-cases, pairs given as (cases, non-cases); the odds ratio
      gets Chu et al.'s (2006) interval [2]_. ``method="predictive-values"`` (exposure only)
      corrects with ``ppv`` and ``npv`` pairs (cases, non-cases) instead: true exposed
      cases :math:`= PPV\,a + (1 - NPV)\,c` [3]_. A single number applies to both groups
      (non-differential misclassification).

    Parameters
    ----------
    *counts : float or array_like
        ``observed, n`` or ``a, b, c, d``.
    sensitivity, specificity : float or pair of float
        Of the classification; their sum must exceed 1.
    misclassified : {"outcome", "exposure"}, default "outcome"
        Which variable is misclassified (2x2 form).
    method : {"sensitivity-specificity", "predictive-values"}
        How the misclassification is described.
    ppv, npv : float or pair of float, optional
        Predictive values for ``method="predictive-values"``.
    conf_level : float, default 0.95
        Level of the corrected odds ratio's interval (exposure, sensitivity-specificity).

    Returns
    -------
    pandas.DataFrame
        Counts form: ``observed, n``, ``measure`` ("corrected_count"), ``estimate`` (the
        corrected count; negative when the observed count is below the false positives
        expected from the specificity alone), ``lower``/``upper`` nan, ``conf_level``,
        ``method``, ``per``. Table form: ``a, b, c, d``, rows ``risk_ratio`` and
        ``odds_ratio`` of the corrected table, then ``a_corrected`` ... ``d_corrected``.

    References
    ----------
    .. [1] Lash TL, Fox MP, Fink AK (2009). Applying Quantitative Bias Analysis to
       Epidemiologic Data. New York: Springer. Chapter 6.
    .. [2] Chu H, Wang Z, Cole SR, Greenland S (2006). Sensitivity analysis of
       misclassification: a graphical and a Bayesian approach. Annals of Epidemiology
       16(11):834-841. https://doi.org/10.1016/j.annepidem.2006.04.001
    .. [3] Marshall RJ (1990). Validation study methods for estimating exposure proportions
       and odds ratios with misclassified data. Journal of Clinical Epidemiology
       43(9):941-947.

    Examples
    --------
    >>> correct_misclassification(89, 1000, sensitivity=0.8, specificity=0.99)[
    ...     "estimate"].round(6).tolist()
    [100.0]
    >>> t = correct_misclassification(215, 668, 1449, 4296, misclassified="exposure",
    ...                               sensitivity=0.78, specificity=0.99)
    >>> t[["measure", "estimate"]].round(4)
          measure  estimate
    0  risk_ratio    0.9614
    1  odds_ratio    0.9491
    """
    caller = "correct_misclassification"
    method = check_method(method, ("sensitivity-specificity", "predictive-values"),
                          caller=caller)
    if len(counts) == 2:
        if method != "sensitivity-specificity":
            raise ValueError(f"{caller}: method={method!r} needs a 2x2 table (a, b, c, d).")
        se, sp = _check_se_sp(sensitivity, specificity, caller=caller)
        obs = as_float_array(counts[0], name="observed", caller=caller)
        n = as_float_array(counts[1], name="n", caller=caller)
        obs, n = np.broadcast_arrays(np.atleast_1d(obs), np.atleast_1d(n))
        bad = obs > n
        if bad.any():
            raise ValueError(f"{caller}: 'observed' exceeds 'n' at {describe_rows(bad)}.")
        return contract_frame({"observed": obs, "n": n}, measure="corrected_count",
                              estimate=_corrected_counts(obs, n, se, sp), lower=np.nan,
                              upper=np.nan, conf_level=np.nan, method=method, space=None)
    if len(counts) != 4:
        raise TypeError(f"{caller}: give two counts (observed, n) or four (a, b, c, d), got "
                        f"{len(counts)}.")
    check_method(misclassified, MISCLASSIFIED, caller=caller, name="misclassified")
    return _corrected_table(counts, misclassified, method, sensitivity, specificity, ppv,
                            npv, conf_level, caller)


def _corrected_table(counts, misclassified, method, sensitivity, specificity, ppv, npv,
                     conf_level, caller):
    a, b, c, d = (float(as_float_array(v, name=k, caller=caller).ravel()[0])
                  for k, v in zip("abcd", counts, strict=True))
    z = stats.norm.isf((1 - check_conf_level(conf_level, caller=caller)) / 2)
    lo_or = hi_or = np.nan
    if method == "predictive-values":
        if misclassified != "exposure":
            raise ValueError(f"{caller}: method='predictive-values' corrects a misclassified "
                             "exposure; pass misclassified='exposure'.")
        (p1, p0), (q1, q0) = _pair(ppv, "ppv", caller), _pair(npv, "npv", caller)
        a_t, b_t = p1 * a + (1 - q1) * c, p0 * b + (1 - q0) * d
        c_t, d_t = a + c - a_t, b + d - b_t
    else:
        (se1, se0), (sp1, sp0) = (_pair(sensitivity, "sensitivity", caller),
                                  _pair(specificity, "specificity", caller))
        for se, sp in ((se1, sp1), (se0, sp0)):
            _check_se_sp(se, sp, caller=caller)
        if misclassified == "outcome":  # cases within exposure groups (exposed, unexposed)
            a_t = _corrected_counts(a, a + b, se1, sp1)
            c_t = _corrected_counts(c, c + d, se0, sp0)
            b_t, d_t = a + b - a_t, c + d - c_t
        else:  # exposure within cases and within non-cases
            m1, m0 = a + c, b + d
            a_t = _corrected_counts(a, m1, se1, sp1)
            b_t = _corrected_counts(b, m0, se0, sp0)
            c_t, d_t = m1 - a_t, m0 - b_t
            var = (m1 * a * c * (se1 + sp1 - 1) ** 2 / ((m1 * se1 - a) ** 2
                                                         * (m1 * sp1 - c) ** 2)
                   + m0 * b * d * (se0 + sp0 - 1) ** 2 / ((m0 * se0 - b) ** 2
                                                           * (m0 * sp0 - d) ** 2))
            log_or = np.log(a_t * d_t / (b_t * c_t))
            lo_or, hi_or = np.exp(log_or - z * np.sqrt(var)), np.exp(log_or + z * np.sqrt(var))
    cells = np.array([a_t, b_t, c_t, d_t])
    if (cells <= 0).any():
        raise ValueError(f"{caller}: these bias parameters give corrected cells "
                         f"{np.round(cells, 3).tolist()} (a, b, c, d), some not positive: they "
                         "are incompatible with the data; check sensitivity and specificity.")
    rr = (a_t / (a_t + b_t)) / (c_t / (c_t + d_t))
    odds = a_t * d_t / (b_t * c_t)
    return contract_frame(
        {k: [v, v] for k, v in zip("abcd", (a, b, c, d), strict=True)},
        measure=["risk_ratio", "odds_ratio"], estimate=[rr, odds], lower=[np.nan, lo_or],
        upper=[np.nan, hi_or], conf_level=conf_level, method=f"{misclassified}-{method}",
        extra={f"{k}_corrected": [v, v] for k, v in zip("abcd", cells, strict=True)})


def selection_bias(a, b, c, d, *, selection) -> pd.DataFrame:
    r"""Correct a 2x2 table for selection bias with the four selection probabilities.

    Each cell is divided by the probability that a person of that cell was selected into the
    study (took part): :math:`A = a / S_{a}`, :math:`B = b / S_{b}`, ... [1]_. The corrected
    odds ratio is the observed one divided by the selection-bias factor
    :math:`S_a S_d / (S_b S_c)`.

    Parameters
    ----------
    a, b, c, d : float
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases.
    selection : tuple of 4 floats or float
        Selection probabilities of exposed cases, unexposed cases, exposed non-cases and
        unexposed non-cases (episensr's order for ``selection()``), or one selection-bias
        odds ratio factor (then only the odds ratio is corrected).

    Returns
    -------
    pandas.DataFrame
        ``a, b, c, d``, rows ``risk_ratio`` and ``odds_ratio`` of the corrected table (no
        interval: the uncertainty of the selection probabilities is not modelled), then the
        corrected cells ``a_corrected`` ... ``d_corrected``.

    References
    ----------
    .. [1] Lash TL, Fox MP, Fink AK (2009). Applying Quantitative Bias Analysis to
       Epidemiologic Data. New York: Springer. Chapter 4.

    Examples
    --------
    The uveal melanoma and mobile phone study of Stang et al. (episensr's worked example):

    >>> t = selection_bias(136, 297, 107, 165, selection=(0.94, 0.85, 0.64, 0.25))
    >>> t[["measure", "estimate"]].round(6)
          measure  estimate
    0  risk_ratio   1.48378
    1  odds_ratio  1.634608
    """
    caller = "selection_bias"
    cells = [float(as_float_array(v, name=k, caller=caller).ravel()[0])
             for k, v in zip("abcd", (a, b, c, d), strict=True)]
    if isinstance(selection, numbers.Real) and not isinstance(selection, bool):
        factor = check_positive_number(selection, name="selection", caller=caller)
        a_, b_, c_, d_ = cells
        odds = a_ * d_ / (b_ * c_) / factor
        return contract_frame({k: [v] for k, v in zip("abcd", cells, strict=True)},
                              measure="odds_ratio", estimate=odds, lower=np.nan,
                              upper=np.nan, conf_level=np.nan, method="selection-factor")
    try:
        s_case_exp, s_case_unexp, s_non_exp, s_non_unexp = selection
    except (TypeError, ValueError):
        raise TypeError(f"{caller}: 'selection' must be four probabilities (exposed cases, "
                        "unexposed cases, exposed non-cases, unexposed non-cases) or one "
                        f"factor, got {selection!r}.") from None
    probs = [check_probability(v, name="selection", caller=caller, open_interval=False)
             for v in (s_case_exp, s_non_exp, s_case_unexp, s_non_unexp)]
    if min(probs) <= 0:
        raise ValueError(f"{caller}: selection probabilities must be > 0, got {selection!r}.")
    a_t, b_t, c_t, d_t = (v / p for v, p in zip(cells, probs, strict=True))
    rr = (a_t / (a_t + b_t)) / (c_t / (c_t + d_t))
    return contract_frame(
        {k: [v, v] for k, v in zip("abcd", cells, strict=True)},
        measure=["risk_ratio", "odds_ratio"], estimate=[rr, a_t * d_t / (b_t * c_t)],
        lower=np.nan, upper=np.nan, conf_level=np.nan, method="selection-probabilities",
        extra={f"{k}_corrected": [v, v] for k, v in
               zip("abcd", (a_t, b_t, c_t, d_t), strict=True)})


def unmeasured_confounder(estimate, lower=None, upper=None, *, rr_confounder_outcome,
                          prevalence_exposed, prevalence_unexposed) -> pd.DataFrame:
    r"""Risk ratio adjusted for a binary unmeasured confounder (external adjustment).

    With the confounder's risk ratio for the outcome :math:`RR_{CD}` and its prevalence
    :math:`p_1` among the exposed and :math:`p_0` among the unexposed, the confounded risk
    ratio is the adjusted one times the bias factor [1]_ [2]_

    .. math:: B = \frac{p_1 (RR_{CD} - 1) + 1}{p_0 (RR_{CD} - 1) + 1}, \qquad
       RR_{adj} = RR_{obs} / B.

    The confidence limits are divided by the same factor (the bias parameters are taken as
    known). ``percent_bias`` is :math:`(RR_{obs} - RR_{adj}) / RR_{adj} \times 100`.

    Parameters
    ----------
    estimate : float or array_like
        Observed risk ratio(s) (or rate or odds ratios of a rare outcome).
    lower, upper : float or array_like, optional
        Their confidence limits.
    rr_confounder_outcome : float
        Risk ratio of the outcome for the confounder, > 0.
    prevalence_exposed, prevalence_unexposed : float
        Prevalence of the confounder among the exposed and the unexposed.

    Returns
    -------
    pandas.DataFrame
        ``input_estimate``, ``measure`` ("risk_ratio"), ``estimate`` (adjusted), ``lower``,
        ``upper``, ``conf_level`` (nan), ``method``, ``per``, ``bias_factor``,
        ``percent_bias``.

    References
    ----------
    .. [1] Schneeweiss S (2006). Sensitivity analysis and external adjustment for unmeasured
       confounders in epidemiologic database studies of therapeutics.
       Pharmacoepidemiology and Drug Safety 15(5):291-303. https://doi.org/10.1002/pds.1200
    .. [2] Lash TL, Fox MP, Fink AK (2009). Applying Quantitative Bias Analysis to
       Epidemiologic Data. New York: Springer. Chapter 5.

    Examples
    --------
    Schneeweiss' example (episensr's ``confounders.array``): observed RR 2, RR 2.5 for the
    confounder, prevalence 10% among the exposed and 50% among the unexposed:

    >>> t = unmeasured_confounder(2.0, rr_confounder_outcome=2.5, prevalence_exposed=0.1,
    ...                           prevalence_unexposed=0.5)
    >>> t[["estimate", "percent_bias"]].round(4)
       estimate  percent_bias
    0    3.0435      -34.2857
    """
    caller = "unmeasured_confounder"
    rr_cd = check_positive_number(rr_confounder_outcome, name="rr_confounder_outcome",
                                  caller=caller)
    p1 = check_probability(prevalence_exposed, name="prevalence_exposed", caller=caller)
    p0 = check_probability(prevalence_unexposed, name="prevalence_unexposed", caller=caller)
    if (lower is None) != (upper is None):
        raise ValueError(f"{caller}: give both 'lower' and 'upper', or neither.")
    est = as_float_array(np.atleast_1d(estimate), name="estimate", caller=caller,
                         allow_zero=False)
    factor = (p1 * (rr_cd - 1) + 1) / (p0 * (rr_cd - 1) + 1)
    if lower is None:
        lo = hi = np.full(est.shape, np.nan)
    else:
        lo = as_float_array(np.atleast_1d(lower), name="lower", caller=caller)
        hi = as_float_array(np.atleast_1d(upper), name="upper", caller=caller)
    adjusted = est / factor
    return contract_frame({"input_estimate": est}, measure="risk_ratio", estimate=adjusted,
                          lower=lo / factor, upper=hi / factor, conf_level=np.nan,
                          method="external-adjustment",
                          extra={"bias_factor": factor,
                                 "percent_bias": (est - adjusted) / adjusted * 100})


def _mh_ratios(cells):
    a, b, c, d = cells
    n1, n0 = a + b, c + d
    n = n1 + n0
    return (np.sum(a * n0 / n) / np.sum(c * n1 / n), np.sum(a * d / n) / np.sum(b * c / n))


def covariate_misclassification(tables, *, sensitivity, specificity) -> pd.DataFrame:
    r"""Mantel-Haenszel risk and odds ratios adjusted for a misclassified confounder.

    ``tables`` holds the 2x2 tables of the two classified confounder levels (first row:
    classified as having the confounder). Within each of the four exposure x outcome cells the
    persons are reclassified by the confounder's sensitivity and specificity (among cases and
    among non-cases): the true number with the confounder is
    :math:`(x - (1 - Sp)\,n) / (Se + Sp - 1)` of the :math:`n` persons of the cell, :math:`x`
    of them classified as having it [1]_. The Mantel-Haenszel ratios over the corrected
    strata estimate the exposure's effect adjusted for the true confounder.

    Parameters
    ----------
    tables : pandas.DataFrame
        Two rows (confounder classified present, then absent) with columns ``a, b, c, d``.
    sensitivity, specificity : float or pair of float
        Of the confounder's classification, one number or (cases, non-cases).

    Returns
    -------
    pandas.DataFrame
        Rows ``risk_ratio`` and ``odds_ratio`` (Mantel-Haenszel over the corrected strata, no
        interval), with ``observed`` (the same over the classified strata) after the contract.

    References
    ----------
    .. [1] Lash TL, Fox MP, Fink AK (2009). Applying Quantitative Bias Analysis to
       Epidemiologic Data. New York: Springer. Chapter 6.

    Examples
    --------
    Folic acid and twins, with in vitro fertilisation known only through a poor proxy
    (Berry et al.; episensr's ``misclassification_cov`` example):

    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": [565, 754], "b": [3583, 34471], "c": [781, 4860],
    ...                   "d": [21958, 383588]})
    >>> r = covariate_misclassification(t, sensitivity=0.6, specificity=0.95)
    >>> r[["measure", "estimate", "observed"]].round(6)
          measure  estimate  observed
    0  risk_ratio  1.000187  2.228816
    1  odds_ratio  1.000215  2.290469
    """
    caller = "covariate_misclassification"
    check_columns(tables, list("abcd"), caller=caller, name="tables")
    if len(tables) != 2:
        raise ValueError(f"{caller}: 'tables' must have two rows (confounder classified "
                         f"present, then absent), got {len(tables)}.")
    (se1, se0), (sp1, sp0) = (_pair(sensitivity, "sensitivity", caller),
                              _pair(specificity, "specificity", caller))
    for se, sp in ((se1, sp1), (se0, sp0)):
        _check_se_sp(se, sp, caller=caller)
    observed = [as_float_array(tables[k], name=k, caller=caller) for k in "abcd"]
    corrected = []
    for k, cell in zip("abcd", observed, strict=True):
        se, sp = (se1, sp1) if k in "ac" else (se0, sp0)  # a, c: cases; b, d: non-cases
        true = _corrected_counts(cell[0], cell.sum(), se, sp)
        corrected.append(np.array([true, cell.sum() - true]))
    bad = np.array(corrected) <= 0
    if bad.any():
        raise ValueError(f"{caller}: these bias parameters give non-positive corrected cells; "
                         "they are incompatible with the data (check sensitivity and "
                         "specificity).")
    rr_c, or_c = _mh_ratios(corrected)
    rr_o, or_o = _mh_ratios(observed)
    totals = {k: [float(v.sum())] * 2 for k, v in zip("abcd", observed, strict=True)}
    return contract_frame(totals, measure=["risk_ratio", "odds_ratio"], estimate=[rr_c, or_c],
                          lower=np.nan, upper=np.nan, conf_level=np.nan,
                          method="mantel-haenszel-corrected-covariate",
                          extra={"observed": [rr_o, or_o]})


def misclassify_outcome(data, *, outcome="case", sensitivity, specificity, rng=None,
                        name="observed_case") -> pd.DataFrame:
    """Add a misclassified copy of a true 0/1 outcome to synthetic records.

    Each true case is diagnosed with probability ``sensitivity``; each non-case is wrongly
    diagnosed with probability ``1 - specificity``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person, with a 0/1 (or boolean) column ``outcome``.
    outcome : str, default "case"
        The true outcome column.
    sensitivity, specificity : float
        Of the diagnosis.
    rng : {None, int, numpy.random.Generator}, optional
        Source of randomness.
    name : str, default "observed_case"
        Name of the added column (0/1 integers).

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with the column ``name`` added.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"case": [1, 1, 0, 0]})
    >>> misclassify_outcome(d, sensitivity=1.0, specificity=1.0, rng=0)["observed_case"].tolist()
    [1, 1, 0, 0]
    """
    caller = "misclassify_outcome"
    se = check_probability(sensitivity, name="sensitivity", caller=caller)
    sp = check_probability(specificity, name="specificity", caller=caller)
    if not isinstance(name, str):
        raise TypeError(f"{caller}: 'name' must be a column name (a string), got {name!r}.")
    if name in data.columns:
        raise ValueError(f"{caller}: 'data' already has a column {name!r}; pass another "
                         f"name= for the observed outcome so that {name!r} is not overwritten.")
    truth = _binary(data, outcome, caller=caller)
    gen = as_generator(rng, caller=caller)
    u = gen.random(truth.size)
    observed = np.where(truth == 1, u < se, u < 1 - sp).astype(np.int64)
    return data.assign(**{name: observed})


def _binary(data, column, *, caller: str) -> np.ndarray:
    check_columns(data, [column], caller=caller)
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(values, [0.0, 1.0])
    if bad.any():
        raise ValueError(f"{caller}: column '{column}' must hold 0/1 values; it does not at "
                         f"{describe_rows(bad, data.index)}.")
    return values.astype(np.int64)


def _draws(value, n_draws, gen, *, name: str, caller: str) -> np.ndarray:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        check_probability(value, name=name, caller=caller)
        return np.full(n_draws, float(value))
    if callable(getattr(value, "rvs", None)):
        x = np.asarray(value.rvs(size=n_draws, random_state=gen), dtype=float)
        bad = ~((x >= 0) & (x <= 1))
        if bad.any():
            raise ValueError(f"{caller}: the distribution of '{name}' gave values outside "
                             f"[0, 1]; use one on [0, 1], e.g. scipy.stats.beta or "
                             f"lems_epi.sensitivity.pert.")
        return x
    raise TypeError(f"{caller}: '{name}' must be a number in [0, 1] or a scipy.stats frozen "
                    f"distribution on [0, 1], got {type(value).__name__}.")


def outcome_misclassification(data, *, outcome="observed_case", by=None, sensitivity,
                              specificity, n_draws=1000, rng=None) -> pd.DataFrame:
    r"""Record-level probabilistic correction of a misclassified outcome.

    For each draw of sensitivity and specificity (fixed numbers, or scipy.stats distributions
    drawn once per draw), the expected true count :math:`\hat T` in each group is computed
    with :func:`correct_misclassification`; each record is then given a true outcome by a
    Bernoulli draw with its predictive value (drawn as the binomial sum of the records' draws,
    which has the same distribution): among diagnosed records the positive predictive
    value :math:`Se\,\hat T / O`, among undiagnosed ones :math:`1 - NPV =
    (1 - Se)\,\hat T / (n - O)`. Draws whose correction is impossible (a negative corrected
    count, or more true cases than persons) are kept with ``valid`` False and no imputed count,
    so the share of impossible draws can be reported.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person with a 0/1 observed outcome column.
    outcome : str, default "observed_case"
        The observed (misclassified) outcome.
    by : str, optional
        A grouping column (e.g. an exposure); the correction is made within each group.
    sensitivity, specificity : float or scipy.stats frozen distribution
        Of the diagnosis, fixed or drawn (e.g. ``scipy.stats.beta(80, 20)``).
    n_draws : int, default 1000
        Number of draws.
    rng : {None, int, numpy.random.Generator}, optional
        Source of randomness.

    Returns
    -------
    pandas.DataFrame
        One row per draw and group: ``draw, group, sensitivity, specificity, n, observed,
        corrected, imputed, valid`` (``corrected`` the expected true count, ``imputed`` the
        number of cases after the record-level imputation).

    References
    ----------
    .. [1] Fox MP, Lash TL, Greenland S (2005). A method to automate probabilistic
       sensitivity analyses of misclassified binary variables. International Journal of
       Epidemiology 34(6):1370-1376.
    .. [2] Lash TL, Fox MP, Fink AK (2009). Applying Quantitative Bias Analysis to
       Epidemiologic Data. Springer, New York.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"observed_case": [1] * 89 + [0] * 911})
    >>> r = outcome_misclassification(d, sensitivity=0.8, specificity=0.99, n_draws=2, rng=1)
    >>> r["corrected"].round(6).tolist()
    [100.0, 100.0]
    """
    caller = "outcome_misclassification"
    obs = _binary(data, outcome, caller=caller)
    check_whole_number(n_draws, name="n_draws", caller=caller)
    if by is None:
        groups = np.zeros(obs.size, dtype=np.int64)
        labels = ["all"]
    else:
        check_columns(data, [by], caller=caller)
        if data[by].isna().any():
            raise ValueError(f"{caller}: column '{by}' has missing values at "
                             f"{describe_rows(data[by].isna().to_numpy(), data.index)}.")
        codes, uniques = pd.factorize(data[by], sort=True)
        groups, labels = codes.astype(np.int64), list(uniques)
    gen = as_generator(rng, caller=caller)
    se = _draws(sensitivity, int(n_draws), gen, name="sensitivity", caller=caller)
    sp = _draws(specificity, int(n_draws), gen, name="specificity", caller=caller)
    if np.any(se + sp <= 1):
        raise ValueError(f"{caller}: sensitivity + specificity must exceed 1 in every draw; it "
                         f"does not in {int(np.sum(se + sp <= 1))} draws. Use distributions "
                         "that keep the sum above 1.")
    k = len(labels)
    n_g = np.bincount(groups, minlength=k).astype(float)
    o_g = np.bincount(groups, weights=obs, minlength=k).astype(float)
    corrected = (o_g[None, :] - (1 - sp)[:, None] * n_g) / (se + sp - 1)[:, None]
    valid = (corrected >= 0) & (corrected <= n_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        ppv = np.where(o_g > 0, se[:, None] * corrected / o_g, 0.0)
        fnr = np.where(n_g - o_g > 0, (1 - se)[:, None] * corrected / (n_g - o_g), 0.0)
    ppv = np.clip(np.nan_to_num(ppv), 0, 1)
    fnr = np.clip(np.nan_to_num(fnr), 0, 1)
    pos = o_g
    neg = n_g - o_g
    imputed = gen.binomial(pos.astype(np.int64), ppv) + gen.binomial(neg.astype(np.int64), fnr)
    imputed = np.where(valid, imputed, np.nan)
    draws = np.repeat(np.arange(int(n_draws)), k)
    return pd.DataFrame({
        "draw": draws, "group": np.tile(np.asarray(labels, dtype=object), int(n_draws)),
        "sensitivity": np.repeat(se, k), "specificity": np.repeat(sp, k),
        "n": np.tile(n_g, int(n_draws)), "observed": np.tile(o_g, int(n_draws)),
        "corrected": corrected.ravel(), "imputed": imputed.ravel(), "valid": valid.ravel()})
