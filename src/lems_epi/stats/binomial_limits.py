r"""Confidence limits for a binomial proportion by the methods of screening software.

:func:`binomial_limits` computes the limits of ``x`` successes out of ``n`` by any of
:data:`BINOMIAL_LIMIT_METHODS`, as plain arrays (no table): the array building block of
:func:`lems_epi.stats.diagnostic.diagnostic_test` and
:func:`lems_epi.stats.diagnostic.true_prevalence`. Besides the usual closed forms it offers the
two exact intervals that invert a test other than the equal-tailed one:

* **Sterne** (1954): the acceptance region at ``p`` holds the most probable outcomes; the
  p-value of ``x`` is the probability of every outcome no more probable than ``x``.
* **Blaker** (2000): the p-value of ``x`` is the probability of every outcome whose smaller
  tail probability is no larger than that of ``x``.

Both are mostly shorter than Clopper-Pearson (Blaker's always lies inside it, Sterne's may
reach beyond it) and their coverage stays at or above the nominal level. Their p-value is not
monotone in ``p``, so the set of accepted ``p`` can have gaps; the limits are its outermost
points, as epiR reports them. They are found on a logit-scale grid searched inwards from an
outer bound (Clopper-Pearson at the same level for Blaker, at a much higher level for Sterne,
whose grid also holds the points where its p-value jumps), then refined by bisection.

Examples
--------
>>> from lems_epi.stats.binomial_limits import binomial_limits
>>> lo, hi = binomial_limits([20], [100], 0.95, "blaker")
>>> [round(float(lo[0]), 4), round(float(hi[0]), 4)]
[0.1286, 0.2883]
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from lems_epi._validation import check_method
from lems_epi.stats._core import binomial_exact_limits, z_value

__all__ = [
    "BINOMIAL_LIMIT_METHODS",
    "BINOMIAL_METHOD_ALIASES",
    "binomial_limits",
    "resolve_binomial_method",
    "sterne_limits",
    "blaker_limits",
    "wilson_hmisc_limits",
]

#: Interval methods for one proportion, by their names in the literature.
BINOMIAL_LIMIT_METHODS = ("clopper-pearson", "wilson", "wilson-hmisc", "jeffreys",
                          "agresti-coull", "sterne", "blaker")
#: Other names accepted for them (epiR's and common usage).
BINOMIAL_METHOD_ALIASES = {
    "exact": "clopper-pearson", "c-p": "clopper-pearson", "cp": "clopper-pearson",
    "score": "wilson", "hmisc": "wilson-hmisc", "agresti": "agresti-coull",
}

_GRID = 1_000
_BISECT = 40


def resolve_binomial_method(method, *, caller: str, aliases=None) -> str:
    """Return the canonical name of a proportion interval method (aliases accepted).

    ``aliases`` adds or overrides aliases for one caller (e.g. epiR's ``"wilson"`` meaning
    Hmisc's variant).

    Examples
    --------
    >>> resolve_binomial_method("exact", caller="f")
    'clopper-pearson'
    """
    table = {**BINOMIAL_METHOD_ALIASES, **(aliases or {})}
    if isinstance(method, str):
        method = table.get(method.lower(), method.lower())
    return check_method(method, BINOMIAL_LIMIT_METHODS + tuple(sorted(table)), caller=caller)


def wilson_hmisc_limits(x, n, conf_level: float):
    r"""Wilson score limits as ``Hmisc::binconf`` computes them (used by epiR's ``epi.prev``).

    The score interval, except that for ``x = 1`` the lower limit is
    :math:`-\log(1-\alpha)/n` and for ``x = n - 1`` the upper limit is
    :math:`1 + \log(1-\alpha)/n` (Poisson-type limits Hmisc substitutes there), with 0 at
    ``x = 0`` and 1 at ``x = n``.

    References
    ----------
    .. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical
       inference. Journal of the American Statistical Association 22(158):209-212.
       https://doi.org/10.1080/01621459.1927.10502953

    Examples
    --------
    >>> lo, hi = wilson_hmisc_limits(1, 250, 0.95)
    >>> round(float(lo), 10)  # -log(0.95) / 250
    0.0002051732
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    lo, hi = _wilson(x, n, conf_level)
    alpha = 1.0 - conf_level
    lo = np.where(x == 1, -np.log(1.0 - alpha) / n, lo)
    hi = np.where(x == n - 1, 1.0 + np.log(1.0 - alpha) / n, hi)
    return lo, hi


def _wilson(x, n, conf_level):
    z = z_value(conf_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = np.where(x == 0, 0.0, centre - half)
    hi = np.where(x == n, 1.0, centre + half)
    return lo, hi


def _window(p, x, n):
    """Outcomes ``k`` whose probability matters at any of ``p`` (and ``x`` itself)."""
    p = np.asarray(p, dtype=float)
    sd = np.sqrt(n * p * (1 - p))
    low = int(max(0, np.floor(min(x, np.min(n * p - 40 * sd - 40)))))
    high = int(min(n, np.ceil(max(x, np.max(n * p + 40 * sd + 40)))))
    return np.arange(low, high + 1)


def _log_pmf(p, k, n):
    """Binomial log-probabilities of outcomes ``k`` (columns) at each ``p`` (rows)."""
    p = np.asarray(p, dtype=float)[:, None]
    comb = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    return comb[None, :] + k[None, :] * np.log(p) + (n - k)[None, :] * np.log1p(-p)


def _sterne_pvalue(p, x, n):
    """Sterne's p-value of ``x`` at each ``p`` (vector of p, scalar x and n)."""
    k = _window(p, x, n)
    log_pmf = _log_pmf(p, k, n)
    own = log_pmf[:, x - k[0]][:, None]
    return np.sum(np.where(log_pmf <= own + 1e-7, np.exp(log_pmf), 0.0), axis=1)


def _blaker_pvalue(p, x, n):
    """Blaker's p-value of ``x`` at each ``p`` (vector of p, scalar x and n)."""
    k = _window(p, x, n)
    pmf = np.exp(_log_pmf(p, k, n))
    gamma = np.minimum(np.cumsum(pmf, axis=1), np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1])
    own = gamma[:, x - k[0]][:, None]
    return np.sum(np.where(gamma <= own * (1 + 1e-7), pmf, 0.0), axis=1)


def _sterne_breaks(x, n):
    """Logits of the ``p`` where an outcome becomes exactly as probable as ``x``.

    Sterne's p-value jumps only there (an outcome enters or leaves the set no more probable
    than ``x``), so an accepted stretch begins or ends at one of them or between two of them.
    """
    k = np.delete(np.arange(n + 1), x)
    lchoose = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    own = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    return (own - lchoose) / (k - x)


def _outer_limit(pvalue, x, n, outer, inner, alpha):
    """The accepted ``p`` farthest from ``inner`` (the estimate) towards ``outer``.

    A grid on the logit scale from ``outer`` to ``inner`` (with, for Sterne's test, the points
    on both sides of every jump of the p-value) finds the outermost accepted point; bisection
    between it and its rejected outer neighbour refines the limit.
    """
    start, stop = _logit(outer), _logit(inner)
    eta = np.linspace(start, stop, _GRID + 1)
    if pvalue is _sterne_pvalue:
        breaks = _sterne_breaks(x, n)
        breaks = breaks[(breaks - start) * (breaks - stop) < 0]
        eta = np.concatenate([eta, breaks - 1e-9, breaks + 1e-9])
        eta = np.sort(eta) if stop > start else np.sort(eta)[::-1]
    grid = 1.0 / (1.0 + np.exp(-eta))
    accepted = pvalue(grid, x, n) > alpha
    if accepted[0]:
        return outer
    first = int(np.argmax(accepted)) if accepted.any() else eta.size - 1
    out, inn = eta[first - 1], eta[first]
    for _ in range(_BISECT):
        mid = 0.5 * (out + inn)
        if pvalue(np.array([1.0 / (1.0 + np.exp(-mid))]), x, n)[0] > alpha:
            inn = mid
        else:
            out = mid
    return 1.0 / (1.0 + np.exp(-inn))


def _logit(p):
    return float(np.log(p / (1.0 - p)))


def _test_inversion_limits(pvalue, x, n, conf_level, outer_level):
    x = np.atleast_1d(np.asarray(x, dtype=float))
    n = np.atleast_1d(np.asarray(n, dtype=float))
    x, n = np.broadcast_arrays(x, n)
    out_lo, out_hi = binomial_exact_limits(x, n, outer_level)
    alpha = 1.0 - conf_level
    lo = np.zeros(x.shape)
    hi = np.ones(x.shape)
    cache: dict[tuple[int, int], tuple[float, float]] = {}
    for i, (xi, ni) in enumerate(zip(x.astype(int).ravel(), n.astype(int).ravel(), strict=True)):
        if ni <= 0:
            lo.flat[i] = hi.flat[i] = np.nan
            continue
        if (xi, ni) not in cache:
            low = upp = xi / ni
            if xi > 0:
                inner = xi / ni if xi < ni else 1 - 1e-12
                low = _outer_limit(pvalue, xi, ni, max(out_lo.flat[i], 1e-300), inner, alpha)
            if xi < ni:
                inner = xi / ni if xi > 0 else 1e-12
                upp = _outer_limit(pvalue, xi, ni, min(out_hi.flat[i], 1 - 1e-16), inner, alpha)
            cache[(xi, ni)] = (0.0 if xi == 0 else low, 1.0 if xi == ni else upp)
        lo.flat[i], hi.flat[i] = cache[(xi, ni)]
    return lo, hi


def sterne_limits(x, n, conf_level: float):
    """Sterne's (1954) exact limits for ``x`` successes out of ``n``.

    The interval holds every ``p`` at which ``x`` is among the most probable outcomes that
    make up probability ``conf_level``: the inversion of the minimum-likelihood test.

    References
    ----------
    .. [1] Sterne TE (1954). Some remarks on confidence or fiducial limits. Biometrika
       41(1/2):275-278. https://doi.org/10.2307/2333026
    .. [2] Reiczigel J, Foldi J, Ozsvari L (2010). Exact confidence limits for prevalence of a
       disease with an imperfect diagnostic test. Epidemiology and Infection
       138(11):1674-1678. https://doi.org/10.1017/S0950268810000385

    Examples
    --------
    >>> lo, hi = sterne_limits(20, 100, 0.95)
    >>> [round(float(lo[0]), 5), round(float(hi[0]), 5)]
    [0.12861, 0.28934]
    """
    return _test_inversion_limits(_sterne_pvalue, x, n, conf_level,
                                  1 - (1 - conf_level) / 1000)


def blaker_limits(x, n, conf_level: float):
    """Blaker's (2000) exact limits for ``x`` successes out of ``n``.

    The inversion of the test whose p-value adds the probabilities of all outcomes whose
    smaller tail is no larger than that of ``x``; nested in the Clopper-Pearson interval.

    References
    ----------
    .. [1] Blaker H (2000). Confidence curves and improved exact confidence intervals for
       discrete distributions. Canadian Journal of Statistics 28(4):783-798.
       https://doi.org/10.2307/3315916

    Examples
    --------
    >>> lo, hi = blaker_limits(0, 50, 0.95)
    >>> float(lo[0]), round(float(hi[0]), 4)
    (0.0, 0.0642)
    """
    return _test_inversion_limits(_blaker_pvalue, x, n, conf_level, conf_level)


def binomial_limits(x, n, conf_level: float, method: str = "clopper-pearson"):
    """Limits of ``x`` successes out of ``n`` by ``method`` (arrays in, arrays out).

    No validation beyond the method's name: ``0 <= x <= n`` whole numbers are assumed; rows
    with ``n = 0`` get NaN limits. Use :func:`lems_epi.stats.intervals.proportion_ci` for a
    validated table.

    Examples
    --------
    >>> lo, hi = binomial_limits([0, 3], [10, 10], 0.95, "exact")
    >>> [round(float(v), 4) for v in hi]
    [0.3085, 0.6525]
    """
    method = resolve_binomial_method(method, caller="binomial_limits")
    x = np.atleast_1d(np.asarray(x, dtype=float))
    n = np.atleast_1d(np.asarray(n, dtype=float))
    x, n = np.broadcast_arrays(x, n)
    empty = n <= 0
    safe_n = np.where(empty, 1.0, n)
    safe_x = np.where(empty, 0.0, x)
    if method == "clopper-pearson":
        lo, hi = binomial_exact_limits(safe_x, safe_n, conf_level)
    elif method == "wilson":
        lo, hi = _wilson(safe_x, safe_n, conf_level)
    elif method == "wilson-hmisc":
        lo, hi = wilson_hmisc_limits(safe_x, safe_n, conf_level)
    elif method == "jeffreys":
        alpha = 1.0 - conf_level
        lo = np.where(safe_x > 0, stats.beta.ppf(alpha / 2, safe_x + 0.5, safe_n - safe_x + 0.5),
                      0.0)
        hi = np.where(safe_x < safe_n, stats.beta.ppf(1 - alpha / 2, safe_x + 0.5,
                                                      safe_n - safe_x + 0.5), 1.0)
    elif method == "agresti-coull":
        z2 = z_value(conf_level) ** 2
        p_t = (safe_x + z2 / 2) / (safe_n + z2)
        half = np.sqrt(z2 * p_t * (1 - p_t) / (safe_n + z2))
        lo, hi = np.clip(p_t - half, 0, 1), np.clip(p_t + half, 0, 1)
    elif method == "sterne":
        lo, hi = sterne_limits(safe_x, safe_n, conf_level)
    else:
        lo, hi = blaker_limits(safe_x, safe_n, conf_level)
    lo = np.where(empty, np.nan, np.asarray(lo, dtype=float))
    hi = np.where(empty, np.nan, np.asarray(hi, dtype=float))
    return lo, hi
