r"""Funnel-plot control limits for comparing many units (areas, hospitals) with a target.

A funnel plot draws each unit's indicator (a proportion, a rate, or a ratio such as an SMR)
against its precision (the denominator) with control limits around the target. A unit whose
true value equals the target falls outside the ``level`` limits with probability at most about
``1 - level``: points outside deserve a look, but with hundreds of units some fall outside the
95% limits by chance alone.

:func:`funnel_limits` computes the limits for any denominators (one value or many, e.g. a grid
to draw the funnel), :func:`funnel_outliers` places each unit against them. The exact limits
follow Spiegelhalter (2005, appendix A.1.1): for a count :math:`R` with the null distribution
(binomial with size :math:`n` and probability :math:`\theta_0`, or Poisson with mean
:math:`\theta_0 n`), let :math:`r_p` be the smallest :math:`r` with :math:`P(R \le r) \ge p`,
and

.. math::

    \alpha = \frac{P(R \le r_p) - p}{P(R \le r_p) - P(R \le r_p - 1)}, \qquad
    \text{limit}_p = \frac{r_p - \alpha}{n}.

The interpolation makes the limits smooth in :math:`n`. Where :math:`r_p = 0` the lower limit
is :math:`-\alpha/n < 0`: it is returned as computed (as the R reference does) with the flag
column ``lower_negative``, and a plot clips it at 0.

Overdispersion (Spiegelhalter 2005, section 6): units often differ by more than chance even
when none is "unusual". From the units' z-scores :math:`z_i = (y_i - \theta_0)/s_i`
(:math:`s_i` the null standard error), winsorised at the 10th and 90th percentiles,

* multiplicative: :math:`\hat\phi = \frac{1}{I}\sum z_i^2`, limits
  :math:`\theta_0 \pm z\sqrt{\hat\phi}\, s(n)` (only widened: :math:`\hat\phi < 1` leaves the
  plain normal limits);
* additive (random effects): :math:`\hat\tau^2 = \max\{0, (I\hat\phi - (I - 1)) /
  (\sum w_i - \sum w_i^2 / \sum w_i)\}` with :math:`w_i = 1/s_i^2` (DerSimonian-Laird on the
  winsorised z-scores), limits :math:`\theta_0 \pm z\sqrt{s(n)^2 + \hat\tau^2}`.

References
----------
.. [1] Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
   Statistics in Medicine 24(8):1185-1202. https://doi.org/10.1002/sim.1970
.. [2] Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators. Quality
   and Safety in Health Care 14(5):347-351. https://doi.org/10.1136/qshc.2005.013755
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._validation import (
    as_float_array,
    check_conf_level,
    check_method,
    check_positive_number,
    describe_rows,
)
from lems_epi.stats._core import z_value
from lems_epi.stats.contract import contract_frame

__all__ = ["FUNNEL_KINDS", "FUNNEL_METHODS", "funnel_limits", "funnel_outliers",
           "overdispersion_estimate"]

#: Indicator kinds: a proportion (binomial), a rate (Poisson count over person-time) or a
#: ratio of observed to expected counts (Poisson, denominator = expected count).
FUNNEL_KINDS = ("proportion", "rate", "ratio")
#: Limit methods; the first is the default.
FUNNEL_METHODS = ("exact-interpolated", "exact-step", "normal")
_METHOD_ALIASES = {"exact": "exact-interpolated", "interpolated": "exact-interpolated",
                   "step": "exact-step", "exact-unsmoothed": "exact-step",
                   "wald": "normal", "approximate": "normal"}
_OVERDISPERSION = ("multiplicative", "additive")


def _null_distribution(kind: str, target: float, n: np.ndarray):
    """The null distribution of the count at each denominator (frozen scipy distribution)."""
    if kind == "proportion":
        return stats.binom(np.round(n).astype(np.int64), target)
    return stats.poisson(target * n)


def _null_sd(kind: str, target: float, n: np.ndarray) -> np.ndarray:
    """Standard error of the indicator under the null (per unit of the indicator)."""
    if kind == "proportion":
        return np.sqrt(target * (1.0 - target) / n)
    return np.sqrt(target / n)


def _quantile_count(dist, p: float) -> np.ndarray:
    """Smallest r with P(R <= r) >= p (checked against the cdf, as R's qbinom/qpois do)."""
    r = np.asarray(dist.ppf(p), dtype=float)
    r = np.where(np.isfinite(r), r, 0.0)
    # guard against floating error in ppf: step down while the cdf one below still reaches p
    for _ in range(3):
        down = (r > 0) & (dist.cdf(r - 1) >= p)
        r = np.where(down, r - 1, r)
        up = dist.cdf(r) < p
        r = np.where(up, r + 1, r)
    return r


def _exact_limit(dist, p: float, n: np.ndarray):
    """Spiegelhalter's interpolated limit at probability ``p``; returns (limit, r_p, alpha)."""
    r = _quantile_count(dist, p)
    f_r, f_below = dist.cdf(r), np.where(r > 0, dist.cdf(r - 1), 0.0)
    alpha = (f_r - p) / (f_r - f_below)
    return (r - alpha) / n, r, alpha


def _outside_probability(dist, n, lower, upper):
    """Exact null probability that the indicator lies strictly below / above the limits.

    The indicator cannot be negative, so a limit below 0 is read as 0 (as a plot draws it):
    nothing falls below such a lower limit, and a count of 0 is not above such an upper one.
    """
    with np.errstate(invalid="ignore"):
        lo_count = n * np.maximum(lower, 0.0)
        hi_count = n * np.maximum(upper, 0.0)
        # strictly below lower: R < n * lower, i.e. R <= ceil(n * lower) - 1
        k_lo = np.ceil(lo_count - 1e-9 * np.maximum(1.0, np.abs(lo_count))) - 1
        below = np.where(k_lo >= 0, dist.cdf(np.maximum(k_lo, 0)), 0.0)
        # strictly above upper: R > n * upper, i.e. R >= floor(n * upper) + 1
        k_hi = np.floor(hi_count + 1e-9 * np.maximum(1.0, np.abs(hi_count)))
        above = dist.sf(k_hi)
    return below, above


def _check_inputs(target, denominator, kind, caller):
    kind = check_method(kind, FUNNEL_KINDS, caller=caller, name="kind")
    target = check_positive_number(target, name="target", caller=caller)
    if kind == "proportion" and not target < 1:
        raise ValueError(f"{caller}: a proportion's 'target' must lie strictly between 0 and "
                         f"1, got {target!r}.")
    n = np.atleast_1d(as_float_array(denominator, name="denominator", caller=caller,
                                     allow_zero=False)).ravel()
    if kind == "proportion":
        frac = n != np.round(n)
        if frac.any():
            raise ValueError(f"{caller}: a proportion's 'denominator' (the number of trials) "
                             f"must hold whole numbers; {describe_rows(frac)} are not (e.g. "
                             f"{n[frac][:3].tolist()}). Round them, or use kind='rate'.")
    return kind, target, n


def _check_levels(levels, caller):
    levels = [levels] if np.isscalar(levels) else list(levels)
    if not levels:
        raise ValueError(f"{caller}: 'levels' is empty; give e.g. (0.95, 0.998).")
    return [check_conf_level(v, caller=caller) for v in levels]


def overdispersion_estimate(observed, denominator, target, *, kind="proportion",
                            model="multiplicative", winsor=0.1) -> float:
    r"""Spiegelhalter's overdispersion estimate from the units' winsorised z-scores.

    Parameters
    ----------
    observed : array_like
        Each unit's numerator (events, or observed count for a ratio).
    denominator : array_like
        Each unit's denominator (trials, person-time, or expected count for a ratio).
    target : float
        The target value :math:`\theta_0`.
    kind : {"proportion", "rate", "ratio"}
        The indicator's kind.
    model : {"multiplicative", "additive"}
        ``multiplicative`` returns :math:`\hat\phi` (the mean squared winsorised z-score);
        ``additive`` returns :math:`\hat\tau^2` (DerSimonian-Laird on the winsorised z-scores,
        truncated at 0), in squared units of the indicator.
    winsor : float, default 0.1
        Share winsorised in each tail (Spiegelhalter uses 10%).

    Returns
    -------
    float

    References
    ----------
    .. [1] Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators.
       Quality and Safety in Health Care 14(5):347-351.
       https://doi.org/10.1136/qshc.2005.013755

    Examples
    --------
    >>> round(overdispersion_estimate([2, 30, 35, 5, 12, 40], [100, 200, 250, 80, 150, 120],
    ...                               0.1), 3)
    7.513
    """
    caller = "overdispersion_estimate"
    kind, target, n = _check_inputs(target, denominator, kind, caller)
    model = check_method(model, _OVERDISPERSION, caller=caller, name="model")
    y = np.atleast_1d(as_float_array(observed, name="observed", caller=caller)).ravel()
    if y.size != n.size:
        raise ValueError(f"{caller}: 'observed' has {y.size} values and 'denominator' "
                         f"{n.size}; give one numerator per unit.")
    if y.size < 3:
        raise ValueError(f"{caller}: overdispersion needs at least 3 units, got {y.size}.")
    if not 0 <= winsor < 0.5:
        raise ValueError(f"{caller}: 'winsor' must lie in [0, 0.5), got {winsor!r}.")
    sd = _null_sd(kind, target, n)
    z = (y / n - target) / sd
    lo, hi = np.quantile(z, [winsor, 1.0 - winsor])
    z = np.clip(z, lo, hi)
    units = z.size
    phi = float(np.mean(z**2))
    if model == "multiplicative":
        return phi
    w = 1.0 / sd**2
    return float(max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum())))


def _limits_one_level(kind, target, n, level, method, over):
    """Limits at one level: dict of arrays (lower, upper, r_lower, r_upper, probabilities)."""
    dist = _null_distribution(kind, target, n)
    p_lo, p_hi = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    lower, r_lo, _ = _exact_limit(dist, p_lo, n)
    upper, r_hi, _ = _exact_limit(dist, p_hi, n)
    if over is None:
        if method == "exact-step":
            lower, upper = r_lo / n, r_hi / n
        elif method == "normal":
            half = z_value(level) * _null_sd(kind, target, n)
            lower, upper = target - half, target + half
    else:
        model, value = over
        sd = _null_sd(kind, target, n)
        spread = sd * np.sqrt(max(value, 1.0)) if model == "multiplicative" else \
            np.sqrt(sd**2 + value)
        lower, upper = target - z_value(level) * spread, target + z_value(level) * spread
    below, above = _outside_probability(dist, n, lower, upper)
    return {"lower": lower, "upper": upper, "r_lower": r_lo, "r_upper": r_hi,
            "prob_below": below, "prob_above": above}


def funnel_limits(target, denominator, *, kind="proportion", levels=(0.95, 0.998),
                  method="exact-interpolated", overdispersion=None, observed=None,
                  observed_denominator=None, winsor=0.1, per=1.0) -> pd.DataFrame:
    r"""Funnel-plot control limits around a target, at one or many denominators.

    Parameters
    ----------
    target : float
        The target :math:`\theta_0`: a proportion, a rate per unit of denominator, or a ratio
        (1 for an SMR against the reference rates).
    denominator : float or array_like
        Where to compute the limits: trials for a proportion (whole numbers), person-time for a
        rate, the expected count for a ratio.
    kind : {"proportion", "rate", "ratio"}, default "proportion"
        Binomial null for a proportion; Poisson null with mean ``target * denominator`` for a
        rate and for a ratio (observed / expected, with the expected count as denominator).
    levels : float or sequence of float, default (0.95, 0.998)
        Levels of the limits (two-sided); 0.998 is the "3 sigma" limit.
    method : {"exact-interpolated", "exact-step", "normal"}, default "exact-interpolated"
        ``exact-interpolated``: Spiegelhalter's interpolated exact limits (module docstring);
        ``exact-step``: :math:`r_p / n` (no interpolation, a staircase);
        ``normal``: :math:`\theta_0 \pm z\, s(n)` with :math:`s(n)^2 = \theta_0(1-\theta_0)/n`
        or :math:`\theta_0/n`. Aliases: ``"exact"``, ``"step"``, ``"wald"``.
    overdispersion : {None, "multiplicative", "additive"}, default None
        Widen the limits for overdispersion estimated from the units' data (``observed``,
        ``observed_denominator``), as in Spiegelhalter (2005); the limits are then normal
        limits on the indicator's scale and the estimate is reported in the column ``phi`` or
        ``tau2`` (and in ``attrs``).
    observed, observed_denominator : array_like, optional
        The units' numerators and denominators, needed for ``overdispersion``
        (``observed_denominator`` defaults to ``denominator``).
    winsor : float, default 0.1
        Share of z-scores winsorised in each tail for the overdispersion estimate.
    per : float, default 1.0
        Output multiplier (e.g. 1e5 for rates per 100,000; 100 for percentages).

    Returns
    -------
    pandas.DataFrame
        One row per denominator (in the order given) and level, on the output contract:
        ``denominator``, ``expected`` (``target * denominator``), ``measure``
        (``"funnel_proportion"``, ``"funnel_rate"`` or ``"funnel_ratio"``: limits, not an
        interval of an estimate, so they are never clipped), ``estimate`` (the target),
        ``lower``, ``upper``, ``conf_level`` (the level), ``method``, ``per``, then
        ``r_lower``, ``r_upper`` (the quantile counts :math:`r_p`), ``lower_negative`` (the
        lower limit is below 0, as computed; not clipped), ``upper_below_target`` (below about
        0.025 expected cases Spiegelhalter's interpolated upper limit falls below the target,
        even below 0: the formula, kept as the R reference computes it, not an interval that
        contains the target), ``prob_below`` and ``prob_above``:
        the exact probability, under the null binomial or Poisson distribution, that a unit
        with this denominator falls strictly below / above the limit (a limit below 0 read as
        0), and with overdispersion ``phi`` or ``tau2``.

    Notes
    -----
    The R code that reproduces the exact limits (``tests/data/funnel_limits.csv``)::

        p <- c((1 - level) / 2, (1 + level) / 2)
        r <- qbinom(p, n, target)              # or qpois(p, target * n)
        a <- (pbinom(r, n, target) - p) / dbinom(r, n, target)   # or ppois / dpois
        limit <- (r - a) / n

    At very few expected cases the interpolated *upper* limit can be negative too (when
    :math:`P(R = 0) \ge p`, e.g. below 0.025 expected cases at the 95% level): every count
    of 1 or more is then above it. The indicator cannot be negative, so ``prob_below``,
    ``prob_above`` and :func:`funnel_outliers` read a negative limit as 0, as a plot draws it.

    With a discrete count the share of units outside a limit is not the nominal tail:
    ``prob_below`` is always below :math:`(1 - \text{level})/2`, and at a few expected cases
    the lower limit is negative so nothing can fall below it. ``prob_above`` of the
    interpolated limits can exceed the nominal tail (a count equal to :math:`r_p` already
    lies above :math:`r_p - \alpha`); the step limits stay below it.

    References
    ----------
    .. [1] Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
       Statistics in Medicine 24(8):1185-1202. https://doi.org/10.1002/sim.1970
    .. [2] Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators.
       Quality and Safety in Health Care 14(5):347-351.
       https://doi.org/10.1136/qshc.2005.013755

    Examples
    --------
    >>> from lems_epi.stats import funnel_limits
    >>> t = funnel_limits(0.12, 10, levels=0.95)
    >>> t[["denominator", "lower", "upper", "r_lower", "r_upper"]].round(6)
       denominator     lower     upper  r_lower  r_upper
    0         10.0 -0.091023  0.298748      0.0      3.0
    >>> bool(t["lower_negative"].iloc[0])
    True
    """
    caller = "funnel_limits"
    kind, target, n = _check_inputs(target, denominator, kind, caller)
    levels = _check_levels(levels, caller)
    method = check_method(_METHOD_ALIASES.get(method, method), FUNNEL_METHODS, caller=caller)
    per = check_positive_number(per, name="per", caller=caller)
    over = None
    if overdispersion is not None:
        model = check_method(overdispersion, _OVERDISPERSION, caller=caller,
                             name="overdispersion")
        if observed is None:
            raise ValueError(f"{caller}: overdispersion={model!r} is estimated from the units' "
                             "data; pass observed= (and observed_denominator= when the limits "
                             "are wanted at other denominators).")
        obs_n = denominator if observed_denominator is None else observed_denominator
        over = (model, overdispersion_estimate(observed, obs_n, target, kind=kind,
                                               model=model, winsor=winsor))
    frames = []
    for level in levels:
        part = _limits_one_level(kind, target, n, level, method, over)
        name = method if over is None else f"normal-{over[0]}"
        extra = {"r_lower": part["r_lower"], "r_upper": part["r_upper"],
                 "lower_negative": part["lower"] < 0,
                 "upper_below_target": part["upper"] < target, "prob_below": part["prob_below"],
                 "prob_above": part["prob_above"]}
        if over is not None:
            extra["phi" if over[0] == "multiplicative" else "tau2"] = over[1]
        frames.append(contract_frame(
            {"denominator": n, "expected": target * n}, measure=f"funnel_{kind}",
            estimate=target * per,
            lower=part["lower"] * per, upper=part["upper"] * per, conf_level=level,
            method=name, per=per, extra=extra, space=None))
    out = pd.concat(frames, ignore_index=True)
    position = np.tile(np.arange(n.size), len(levels))   # keep the denominators' order
    out = out.iloc[np.lexsort((out["conf_level"].to_numpy(), position))].reset_index(drop=True)
    out.attrs = {"kind": kind, "target": target}
    if over is not None:
        out.attrs["phi" if over[0] == "multiplicative" else "tau2"] = over[1]
    return out


def funnel_outliers(observed, denominator, target, *, kind="proportion",
                    levels=(0.95, 0.998), method="exact-interpolated", overdispersion=None,
                    winsor=0.1, label=None, per=1.0) -> pd.DataFrame:
    """Place each unit against the funnel limits at its own denominator.

    Parameters
    ----------
    observed : array_like
        Each unit's numerator (events; the observed count for a ratio).
    denominator : array_like
        Each unit's denominator (trials, person-time, or expected count for a ratio).
    target : float
        The target value.
    kind, levels, method, overdispersion, winsor, per
        As in :func:`funnel_limits` (overdispersion is estimated from these units).
    label : array_like, optional
        Unit names, kept as the first column ``unit``.

    Returns
    -------
    pandas.DataFrame
        One row per unit and level: ``unit`` (when labelled), ``observed``, ``denominator``,
        ``value`` (``observed / denominator * per``), ``conf_level``, ``lower``, ``upper``,
        ``position`` (``"above"``, ``"below"`` or ``"inside"``; a point on a limit is inside,
        and a limit below 0 counts as 0, as the plot draws it).

    Examples
    --------
    >>> t = funnel_outliers([2, 30, 5], [100, 100, 100], 0.05, levels=0.95)
    >>> t["position"].tolist()
    ['inside', 'above', 'inside']
    """
    caller = "funnel_outliers"
    y = np.atleast_1d(as_float_array(observed, name="observed", caller=caller)).ravel()
    n = np.atleast_1d(as_float_array(denominator, name="denominator", caller=caller,
                                     allow_zero=False)).ravel()
    if y.size != n.size:
        raise ValueError(f"{caller}: 'observed' has {y.size} values and 'denominator' "
                         f"{n.size}; give one numerator per unit.")
    limits = funnel_limits(target, n, kind=kind, levels=levels, method=method,
                           overdispersion=overdispersion, observed=y if overdispersion else
                           None, winsor=winsor, per=per)
    rows = []
    for level in limits["conf_level"].unique():
        lim = limits[limits["conf_level"] == level]     # one row per unit, in their order
        lo, hi = lim["lower"].to_numpy(), lim["upper"].to_numpy()
        value = y / n * per
        # a limit below 0 is read as 0: a value of 0 is then on the limit, i.e. inside
        position = np.where(value > np.maximum(hi, 0.0), "above",
                            np.where(value < np.maximum(lo, 0.0), "below", "inside"))
        part = {"observed": y, "denominator": n, "value": value, "conf_level": level,
                "lower": lo, "upper": hi, "position": position.astype(object)}
        frame = pd.DataFrame(part)
        if label is not None:
            frame.insert(0, "unit", np.asarray(label))
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)
