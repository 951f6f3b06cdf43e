"""Shared building blocks of the two-group comparisons (rates, risks, odds).

Validation of the cells of 2x2 tables and of two-rate comparisons, the zero-cell warning, Wald
limits on the log scale, root finding on a log scale, mid-p binomial limits, and the
test columns (Wald z test, minimum-likelihood exact p-values). The
public estimators are in :mod:`lems_epi.stats.rate_comparison`,
:mod:`lems_epi.stats.risk_comparison` and :mod:`lems_epi.stats.odds_ratios`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from lems_epi._validation import (
    as_count_array,
    as_float_array,
    check_conf_level,
    check_method,
    check_positive_number,
    describe_rows,
)
from lems_epi.exceptions import ZeroCellWarning

__all__ = [
    "broadcast_inputs",
    "check_correction",
    "warn_zero",
    "table_arrays",
    "rate_arrays",
    "table_inputs",
    "apply_correction",
    "log_wald",
    "solve_log",
    "binomial_midp_limits",
    "wald_test",
    "binomial_minlike_p",
    "pick_method",
]


def pick_method(method, aliases: dict[str, str], *, caller: str) -> str:
    """Resolve a method name or one of its aliases (case-insensitive, ``_`` as ``-``)."""
    if not isinstance(method, str):
        raise TypeError(f"{caller}: 'method' must be a string, one of "
                        f"{sorted(set(aliases.values()))}; got {method!r}.")
    key = method.strip().lower().replace("_", "-")
    if key in aliases:
        return aliases[key]
    return check_method(key, sorted(set(aliases.values())), caller=caller)


def broadcast_inputs(arrays: dict[str, np.ndarray], *, caller: str) -> list[np.ndarray]:
    """Broadcast named 1-D arrays to a common length, or raise naming the shapes."""
    for name, v in arrays.items():
        if np.ndim(v) > 1:
            raise ValueError(f"{caller}: '{name}' must be a scalar or a one-dimensional array, "
                             f"got shape {np.shape(v)}; pass one comparison per element.")
    try:
        out = np.broadcast_arrays(*[np.atleast_1d(v) for v in arrays.values()])
    except ValueError:
        shapes = {k: np.shape(v) for k, v in arrays.items()}
        raise ValueError(f"{caller}: the inputs have incompatible shapes {shapes}; give arrays "
                         "of one common length (or scalars).") from None
    if out[0].size == 0:
        raise ValueError(f"{caller}: the inputs {list(arrays)} are empty; give at least one "
                         "comparison (scalars or arrays of one common length).")
    return [np.array(v, dtype=float) + 0.0 for v in out]  # + 0.0 turns -0.0 into 0.0


def check_correction(correction, *, caller: str) -> float | None:
    """``None`` or a positive number added to the cells of zero-cell rows."""
    if correction is None:
        return None
    return check_positive_number(correction, name="correction", caller=caller)


def check_options(conf_level, method, aliases: dict[str, str], correction, *, caller: str,
                  wald_only: bool = True) -> tuple[float, str, float | None]:
    """The options every comparison checks: ``conf_level``, ``method`` and ``correction``.

    With ``wald_only``, a ``correction`` with another method than ``"wald"`` is an error (the
    exact and score methods need none).

    Examples
    --------
    >>> check_options(0.9, "Wald", {"wald": "wald"}, None, caller="f")
    (0.9, 'wald', None)
    """
    conf_level = check_conf_level(conf_level, caller=caller)
    method = pick_method(method, aliases, caller=caller)
    correction = check_correction(correction, caller=caller)
    if wald_only and correction is not None and method != "wald":
        raise ValueError(f"{caller}: 'correction' applies to method='wald' only; the other "
                         f"methods need no correction (got method={method!r}).")
    return conf_level, method, correction


def warn_zero(mask: np.ndarray, message: str, *, caller: str, stacklevel: int = 3) -> None:
    """Warn with :class:`ZeroCellWarning` naming the rows in ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        warnings.warn(f"{caller}: {message} at {describe_rows(mask)}.", ZeroCellWarning,
                      stacklevel=stacklevel)


def _check_dims(values: dict, caller: str) -> None:
    for name, v in values.items():
        if not isinstance(v, (pd.Series, pd.Index)) and np.ndim(v) > 1:
            raise ValueError(f"{caller}: '{name}' must be a scalar or a one-dimensional array, "
                             f"got shape {np.shape(v)}; pass one comparison per element.")


def table_arrays(a, b, c, d, *, caller: str) -> list[np.ndarray]:
    """Validate the four cells of one or many 2x2 tables."""
    _check_dims({"a": a, "b": b, "c": c, "d": d}, caller)
    cells = {k: as_count_array(v, name=k, caller=caller)
             for k, v in (("a", a), ("b", b), ("c", c), ("d", d))}
    a, b, c, d = broadcast_inputs(cells, caller=caller)
    for mask, group in ((a + b == 0, "exposed (a + b)"), (c + d == 0, "unexposed (c + d)")):
        if mask.any():
            raise ValueError(f"{caller}: the {group} group is empty at {describe_rows(mask)}; "
                             "every table needs persons in both exposure groups.")
    return [a, b, c, d]


def rate_arrays(events_a, person_time_a, events_b, person_time_b, *, caller: str):
    """Validate the events and person-time of two groups."""
    _check_dims({"events_a": events_a, "person_time_a": person_time_a, "events_b": events_b,
                 "person_time_b": person_time_b}, caller)
    return broadcast_inputs({
        "events_a": as_count_array(events_a, name="events_a", caller=caller),
        "person_time_a": as_float_array(person_time_a, name="person_time_a", caller=caller,
                                        allow_zero=False),
        "events_b": as_count_array(events_b, name="events_b", caller=caller),
        "person_time_b": as_float_array(person_time_b, name="person_time_b", caller=caller,
                                        allow_zero=False),
    }, caller=caller)


def table_inputs(a, b, c, d) -> dict[str, np.ndarray]:
    """The input columns of a 2x2 comparison (whole counts as int64)."""
    return {k: v.astype(np.int64) for k, v in zip("abcd", (a, b, c, d), strict=True)}


def apply_correction(cells, zero, correction, message, *, caller, hint):
    """Add ``correction`` to every cell of the rows in ``zero``, or warn about them."""
    if correction is None:
        warn_zero(zero, f"{message}; {hint}", caller=caller, stacklevel=4)
        return cells
    return [np.where(zero, v + correction, v) for v in cells]


def log_wald(estimate, log_se, z):
    """Wald limits on the log scale; a zero estimate keeps a lower limit of zero."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_est = np.log(estimate)
        lower = np.exp(log_est - z * log_se)
        upper = np.exp(log_est + z * log_se)
    zero = estimate == 0
    lower = np.where(zero, 0.0, lower)
    upper = np.where(zero, np.nan, upper)
    infinite = np.isinf(estimate)
    lower = np.where(infinite, np.nan, lower)
    upper = np.where(infinite, np.inf, upper)
    undefined = np.isnan(estimate)
    return np.where(undefined, np.nan, lower), np.where(undefined, np.nan, upper)


def solve_log(func, target: float, start: float = 0.0) -> float:
    """Root in ``t`` of the increasing function ``func(t) - target`` (``t`` on a log scale)."""
    lo, hi = start - 1.0, start + 1.0
    while func(lo) > target:
        lo -= 2.0 * (start - lo)
        if lo < -745:
            return -np.inf
    while func(hi) < target:
        hi += 2.0 * (hi - start)
        if hi > 745:
            return np.inf
    return optimize.brentq(lambda t: func(t) - target, lo, hi, xtol=1e-14, rtol=1e-15,
                           maxiter=500)


def binomial_midp_limits(x: float, n: float, conf_level: float) -> tuple[float, float]:
    """Mid-p limits of a binomial proportion, solved on the logit scale."""
    half = (1.0 - conf_level) / 2.0
    x, n = int(x), int(n)
    log_choose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)

    def upper_tail(t):  # P(X > x) + P(X = x) / 2, increasing in p
        p = special.expit(t)
        pmf = np.exp(log_choose + x * np.log(p) + (n - x) * np.log1p(-p))
        return special.bdtrc(x, n, p) + 0.5 * pmf

    lower = 0.0 if x == 0 else special.expit(solve_log(upper_tail, half))
    upper = 1.0 if x == n else special.expit(solve_log(upper_tail, 1.0 - half))
    return lower, upper


def wald_test(estimate, null, se, *, log=False):
    """Two-sided Wald z test: ``(estimate - null) / se`` (of the logarithms with ``log``)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        est = np.asarray(estimate, float)
        if log:
            est = np.log(est)
        z = (est - null) / np.asarray(se, float)
    return z, 2.0 * stats.norm.sf(np.abs(z))


def binomial_minlike_p(x, n, p) -> np.ndarray:
    """Two-sided exact binomial p-value by minimum likelihood (as R's ``binom.test``).

    Sums the probabilities of the outcomes no more likely than the observed one, with R's
    relative tolerance of 1e-7; evaluated over the outcomes within 40 standard deviations of
    the mean (the rest carry less than 1e-300).
    """
    x, n, p = (np.atleast_1d(np.asarray(v, float)) for v in (x, n, p))
    x, n, p = np.broadcast_arrays(x, n, p)
    out = np.full(x.shape, np.nan)
    for i in range(x.size):
        xi, ni, pi = x.flat[i], n.flat[i], p.flat[i]
        if ni == 0:
            out.flat[i] = 1.0
            continue
        sd = np.sqrt(ni * pi * (1 - pi))
        lo = max(0.0, min(xi, np.floor(ni * pi - 40 * sd - 2)))
        hi = min(ni, max(xi, np.ceil(ni * pi + 40 * sd + 2)))
        if hi - lo > 2e7:  # the observed count lies far in a tail: p below any float
            out.flat[i] = 0.0
            continue
        k = np.arange(lo, hi + 1.0)
        logp = stats.binom.logpmf(k, ni, pi)
        ref = stats.binom.logpmf(xi, ni, pi)
        keep = logp <= ref + np.log1p(1e-7)
        out.flat[i] = min(1.0, float(np.exp(special.logsumexp(logp[keep]))))
    return out
