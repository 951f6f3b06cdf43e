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

from lems_epi._rng import as_generator
from lems_epi._validation import (
    as_float_array,
    check_columns,
    check_method,
    check_probability,
    check_whole_number,
    describe_rows,
)

__all__ = [
    "E_VALUE_MEASURES",
    "correct_misclassification",
    "e_value",
    "misclassify_outcome",
    "outcome_misclassification",
]

E_VALUE_MEASURES = ("rr", "or", "hr")


def _e_of_rr(rr: np.ndarray) -> np.ndarray:
    """E-value of a risk ratio on the >= 1 side: RR + sqrt(RR (RR - 1))."""
    rr = np.where(rr < 1, 1 / rr, rr)
    return rr + np.sqrt(rr * (rr - 1))


def _to_rr(x: np.ndarray, measure: str, rare_outcome: bool) -> np.ndarray:
    if measure == "rr" or rare_outcome:
        return x
    if measure == "or":
        return np.sqrt(x)
    return (1 - 0.5 ** np.sqrt(x)) / (1 - 0.5 ** np.sqrt(1 / x))


def e_value(estimate, lower=None, upper=None, *, measure="rr", rare_outcome=True
            ) -> pd.DataFrame:
    r"""E-value of an observed ratio and of its confidence limit closer to the null.

    The E-value is the minimum strength of association, on the risk ratio scale, that an
    unmeasured confounder would need with both the exposure and the outcome, over and above
    the measured covariates, to explain away the observed risk ratio:

    .. math:: E = RR + \sqrt{RR\,(RR - 1)}

    for :math:`RR \ge 1`; for :math:`RR < 1` the formula is applied to :math:`1 / RR`. The
    E-value of the confidence interval uses the limit closer to 1 (the lower limit when
    :math:`RR > 1`, the upper when :math:`RR < 1`), and is 1 when the interval contains 1.

    An odds ratio or hazard ratio is first converted to an approximate risk ratio: unchanged
    when the outcome is rare (under about 15% by the end of follow-up, as LEMS always is);
    :math:`\sqrt{OR}` for a common outcome; and
    :math:`(1 - 0.5^{\sqrt{HR}}) / (1 - 0.5^{\sqrt{1/HR}})` for a common outcome's hazard ratio.

    Parameters
    ----------
    estimate : float or array_like
        Observed ratio(s), > 0.
    lower, upper : float or array_like, optional
        Confidence limits; give both or neither.
    measure : {"rr", "or", "hr"}, default "rr"
        Risk ratio, odds ratio or hazard ratio.
    rare_outcome : bool, default True
        Whether the outcome is rare (then OR and HR approximate the RR directly).

    Returns
    -------
    pandas.DataFrame
        One row per estimate: ``measure, rare_outcome, estimate, lower, upper, rr_estimate,
        e_value, e_value_limit`` (``rr_estimate`` is the risk ratio the E-value was computed
        from; ``e_value_limit`` is NaN when no limits were given).

    References
    ----------
    .. [1] VanderWeele TJ, Ding P (2017). Sensitivity analysis in observational research:
       introducing the E-value. Annals of Internal Medicine 167(4):268-274.

    Examples
    --------
    >>> e_value(3.9, 1.8, 8.7)[["e_value", "e_value_limit"]].round(2)
       e_value  e_value_limit
    0     7.26           3.00
    """
    caller = "e_value"
    check_method(measure, E_VALUE_MEASURES, caller=caller, name="measure")
    if not isinstance(rare_outcome, (bool, np.bool_)):
        raise TypeError(f"{caller}: 'rare_outcome' must be True or False, got {rare_outcome!r}.")
    est = as_float_array(np.atleast_1d(estimate), name="estimate", caller=caller,
                         allow_zero=False)
    if (lower is None) != (upper is None):
        raise ValueError(f"{caller}: give both 'lower' and 'upper' confidence limits, or "
                         "neither.")
    if lower is not None:
        lo = as_float_array(np.atleast_1d(lower), name="lower", caller=caller, allow_zero=False)
        hi = as_float_array(np.atleast_1d(upper), name="upper", caller=caller, allow_zero=False)
        try:
            est, lo, hi = np.broadcast_arrays(est, lo, hi)
        except ValueError:
            raise ValueError(f"{caller}: 'estimate', 'lower' and 'upper' must have the same "
                             "length.") from None
        bad = (lo > est) | (hi < est)
        if bad.any():
            raise ValueError(f"{caller}: each estimate must lie between its limits; it does "
                             f"not at {describe_rows(bad)}.")
    else:
        lo = hi = np.full(est.shape, np.nan)
    rr = _to_rr(est, measure, bool(rare_outcome))
    e = _e_of_rr(rr)
    limit = np.full(est.shape, np.nan)
    if lower is not None:
        rr_lo, rr_hi = _to_rr(lo, measure, bool(rare_outcome)), _to_rr(hi, measure,
                                                                         bool(rare_outcome))
        crosses = (rr_lo <= 1) & (rr_hi >= 1)
        near = np.where(rr >= 1, rr_lo, rr_hi)
        limit = np.where(crosses, 1.0, _e_of_rr(near))
    return pd.DataFrame({"measure": measure, "rare_outcome": bool(rare_outcome),
                         "estimate": est, "lower": lo, "upper": hi, "rr_estimate": rr,
                         "e_value": e, "e_value_limit": limit})


def _check_se_sp(sensitivity, specificity, *, caller: str) -> tuple[float, float]:
    se = check_probability(sensitivity, name="sensitivity", caller=caller)
    sp = check_probability(specificity, name="specificity", caller=caller)
    if se + sp <= 1:
        raise ValueError(f"{caller}: 'sensitivity' + 'specificity' must exceed 1 (a test no "
                         f"better than chance cannot be corrected for), got {se} + {sp}.")
    return se, sp


def correct_misclassification(observed, n, *, sensitivity, specificity) -> np.ndarray:
    r"""Expected true number of cases behind an observed, misclassified count.

    If the diagnosis has sensitivity :math:`Se` and specificity :math:`Sp`, the expected
    observed count among :math:`n` persons with :math:`T` true cases is
    :math:`Se\,T + (1 - Sp)(n - T)`; solving for :math:`T` gives the corrected count

    .. math:: \hat T = \frac{O - (1 - Sp)\,n}{Se + Sp - 1},

    unbiased for :math:`T` (its expectation over the misclassification is exactly :math:`T`).

    Parameters
    ----------
    observed : float or array_like
        Observed number of (diagnosed) cases.
    n : float or array_like
        Number of persons the count comes from.
    sensitivity, specificity : float
        Of the diagnosis; their sum must exceed 1.

    Returns
    -------
    numpy.ndarray
        Corrected counts; negative when the observed count is below the false positives
        expected from the specificity alone (a sign that the specificity is too low).

    References
    ----------
    .. [1] Lash TL, Fox MP, Fink AK (2009). Applying Quantitative Bias Analysis to
       Epidemiologic Data. Springer, New York.

    Examples
    --------
    >>> round(float(correct_misclassification(89, 1000, sensitivity=0.8, specificity=0.99)), 6)
    100.0
    """
    caller = "correct_misclassification"
    se, sp = _check_se_sp(sensitivity, specificity, caller=caller)
    obs = as_float_array(observed, name="observed", caller=caller)
    n = as_float_array(n, name="n", caller=caller)
    bad = np.broadcast_to(obs > n, np.broadcast_shapes(obs.shape, n.shape))
    if bad.any():
        raise ValueError(f"{caller}: 'observed' exceeds 'n' at {describe_rows(bad)}.")
    return (obs - (1 - sp) * n) / (se + sp - 1)


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
