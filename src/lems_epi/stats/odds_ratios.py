r"""Odds ratio of a 2x2 table: logit (Woolf, Gart, smoothed), score, Cornfield and exact methods.

The exact methods work with the conditional distribution of the exposed-case cell ``a`` given
the table's margins, Fisher's noncentral hypergeometric distribution. It is evaluated in log
space, as ratios of consecutive probabilities summed outward from the observed cell, and only
over the cells that carry probability (30 standard deviations around the observed cell):
a table with a billion persons per cell costs about as much as one with ten thousand.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import special, stats

from lems_epi._validation import describe_rows
from lems_epi.stats._core import z_value
from lems_epi.stats.comparison_core import (
    apply_correction,
    check_options,
    log_wald,
    solve_log,
    table_arrays,
    table_inputs,
    wald_test,
    warn_zero,
)
from lems_epi.stats.contract import contract_frame
from lems_epi.stats.risk_comparison import score_limits, score_statistic

__all__ = ["ODDS_RATIO_METHODS", "odds_ratio", "ConditionalTable", "fisher_exact_p",
           "StratifiedConditional", "exact_common_odds_ratio", "UnconditionalScoreTest",
           "agresti_min_interval", "AGRESTI_MIN_MAX_GROUP"]

ODDS_RATIO_METHODS = ("wald", "gart", "independence-smoothed-logit", "fisher", "mid-p",
                      "baptista-pike", "baptista-pike-mid-p", "score", "score-uncorrected",
                      "agresti-min")
_ALIASES = {"wald": "wald", "woolf": "wald", "logit": "wald", "fisher": "fisher",
            "exact": "fisher", "conditional": "fisher", "mid-p": "mid-p", "midp": "mid-p",
            "baptista-pike": "baptista-pike", "baptista-pike-mid-p": "baptista-pike-mid-p",
            "cornfield": "mid-p", "score": "score", "miettinen-nurminen": "score",
            "score-uncorrected": "score-uncorrected", "cornfield-approximate": "score-uncorrected",
            "gart": "gart", "logit-adjusted": "gart",
            "independence-smoothed-logit": "independence-smoothed-logit",
            "logit-smoothed": "independence-smoothed-logit", "agresti-min": "agresti-min",
            "exact-unconditional": "agresti-min", "unconditional": "agresti-min",
            "unconditional-score": "agresti-min"}
_WIDTH = 30.0  # standard deviations of the window around the observed cell


class ConditionalTable:
    """The conditional distribution of ``a`` given the margins of one 2x2 table.

    ``log_pmf(t)`` gives the log probabilities at log odds ratio ``t`` over the cells of the
    window ``support`` (all cells for small tables).

    Examples
    --------
    >>> t = ConditionalTable(3, 1, 1, 3)
    >>> t.support.tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0]
    >>> round(float(np.exp(t.log_pmf(0.0))[3]), 6)  # dhyper(3, 4, 4, 4)
    0.228571
    """

    def __init__(self, a, b, c, d, centre=None):
        a, b, c, d = (float(v) for v in (a, b, c, d))
        self.a = a
        self.n1, self.n0, self.m1 = a + b, c + d, a + c
        lo_s, hi_s = max(0.0, self.m1 - self.n0), min(self.n1, self.m1)
        centre = a if centre is None else centre
        x = min(max(centre, lo_s + 0.5), hi_s - 0.5) if hi_s > lo_s else centre
        with np.errstate(divide="ignore"):
            inv = 1 / x + 1 / (self.n1 - x) + 1 / (self.m1 - x) + 1 / (self.n0 - self.m1 + x)
        sd = 1.0 / np.sqrt(inv) if np.isfinite(inv) and inv > 0 else 1.0
        half = _WIDTH * sd + 10.0
        lo = max(lo_s, np.floor(min(centre, a) - half))
        hi = min(hi_s, np.ceil(max(centre, a) + half))
        self.support = np.arange(lo, hi + 1.0)
        self.lo_s, self.hi_s = lo_s, hi_s
        k = self.support[:-1]  # log f(k + 1) - log f(k) at odds ratio 1
        step = (np.log(self.n1 - k) + np.log(self.m1 - k) - np.log(k + 1)
                - np.log(self.n0 - self.m1 + k + 1))
        cum = np.concatenate([[0.0], np.cumsum(step)])
        self.at = int(round(min(max(a, lo), hi) - lo))
        self.log_base = cum - cum[self.at]
        self.offset = self.support - a

    def log_pmf(self, log_or: float) -> np.ndarray:
        """Log probabilities over ``support`` at the log odds ratio."""
        w = self.log_base + self.offset * log_or
        return w - special.logsumexp(w)

    def _weights(self, log_or: float) -> np.ndarray:
        w = self.log_base + self.offset * log_or
        return np.exp(w - w.max())

    def tails(self, log_or: float) -> tuple[float, float, float]:
        """P(A < a), P(A = a), P(A > a) at the log odds ratio."""
        p = self._weights(log_or)
        below, at = p[: self.at].sum(), p[self.at]
        total = p.sum()
        return float(below / total), float(at / total), float((total - below - at) / total)

    def mean(self, log_or: float) -> float:
        """Mean of the conditional distribution at the log odds ratio."""
        p = self._weights(log_or)
        return float(self.a + np.dot(self.offset, p) / p.sum())


def _log_convolve(log_x: np.ndarray, log_y: np.ndarray) -> np.ndarray:
    """``log(convolve(exp(log_x), exp(log_y)))`` without leaving log space.

    Examples
    --------
    >>> np.exp(_log_convolve(np.log([1.0, 2.0]), np.log([3.0, 4.0]))).round(6).tolist()
    [3.0, 10.0, 8.0]
    """
    if log_x.size < log_y.size:
        log_x, log_y = log_y, log_x
    out = np.full(log_x.size + log_y.size - 1, -np.inf)
    for j, value in enumerate(log_y):  # the shorter of the two
        window = out[j:j + log_x.size]
        np.logaddexp(window, log_x + value, out=window)
    return out


class StratifiedConditional(ConditionalTable):
    r"""The conditional distribution of :math:`S = \sum_i a_i` over strata, given the margins.

    Under a common odds ratio the stratum cells are independent noncentral hypergeometric
    variables; their sum has the convolution of the central distributions, tilted by the odds
    ratio (the distribution of R's ``mantelhaen.test(exact = TRUE)``).

    Examples
    --------
    >>> t = StratifiedConditional([3, 2], [1, 2], [1, 2], [3, 2])
    >>> t.support.tolist()[:3]
    [0.0, 1.0, 2.0]
    """

    def __init__(self, a, b, c, d):
        a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
        log_conv, lo, hi = np.array([0.0]), 0.0, 0.0
        for cells in zip(a, b, c, d, strict=True):
            one = ConditionalTable(*cells, centre=None)
            full = ConditionalTable(*cells, centre=(one.lo_s + one.hi_s) / 2)
            t = full if full.support.size >= one.support.size else one
            # in log space: far in a tail (a huge stratum, an extreme odds ratio) the
            # probabilities underflow any linear-scale convolution
            log_conv = _log_convolve(log_conv, t.log_base - t.log_base.max())
            lo, hi = lo + t.support[0], hi + t.support[-1]
        self.a = float(a.sum())
        self.support = np.arange(lo, hi + 1.0)
        self.at = int(round(self.a - lo))
        self.log_base = log_conv - log_conv[self.at]
        self.offset = self.support - self.a
        self.lo_s, self.hi_s = lo, hi


def exact_common_odds_ratio(a, b, c, d, conf_level=0.95):
    """Conditional MLE, exact interval and exact test of a common odds ratio over strata.

    Returns ``(estimate, lower, upper, p_value)``: the limits invert the two one-sided tests at
    (1 - conf_level)/2; the two-sided p-value sums the probabilities of the sums no more
    likely than the observed one (as R's ``mantelhaen.test(exact = TRUE)``).

    Examples
    --------
    >>> est, lo, hi, p = exact_common_odds_ratio([3, 2], [1, 2], [1, 2], [3, 2])
    >>> round(p, 4)
    0.6306
    """
    t = StratifiedConditional(a, b, c, d)
    est = _conditional_mle(t)
    lower, upper = _exact_limits(t, conf_level, mid=False)
    return est, lower, upper, _minlike_p(t, 0.0, False)


def _conditional_mle(t: ConditionalTable) -> float:
    if t.a <= t.lo_s:
        return 0.0
    if t.a >= t.hi_s:
        return np.inf
    return float(np.exp(solve_log(t.mean, t.a)))


def _exact_limits(t: ConditionalTable, conf_level: float, mid: bool) -> tuple[float, float]:
    """Limits where P(A >= a) (mid-p: minus half P(A = a)) equals alpha/2, and the mirror."""
    half = (1.0 - conf_level) / 2.0
    w = 0.5 if mid else 1.0

    def upper_tail(log_or):  # increasing in the odds ratio
        _, at, above = t.tails(log_or)
        return above + w * at

    def lower_tail(log_or):  # decreasing in the odds ratio; negate to make it increasing
        below, at, _ = t.tails(log_or)
        return -(below + w * at)

    lower = 0.0 if t.a <= t.lo_s else float(np.exp(solve_log(upper_tail, half)))
    upper = np.inf if t.a >= t.hi_s else float(np.exp(solve_log(lower_tail, -half)))
    return lower, upper


def _minlike_p(t: ConditionalTable, log_or: float, mid: bool) -> float:
    """Two-sided p-value summing probabilities no larger than the observed one's."""
    lp = t.log_pmf(log_or)
    ref = lp[t.support == t.a][0]
    if mid:
        smaller = lp < ref - 1e-7
        equal = np.abs(lp - ref) <= 1e-7
        return float(np.exp(special.logsumexp(lp[smaller])) if smaller.any() else 0.0) + \
            0.5 * float(np.exp(special.logsumexp(lp[equal])))
    return float(min(1.0, np.exp(special.logsumexp(lp[lp <= ref + 1e-7]))))


def fisher_exact_p(a, b, c, d, *, mid_p=False) -> float:
    """Two-sided p-value of Fisher's exact test (as R's ``fisher.test``), in log space.

    Examples
    --------
    >>> round(fisher_exact_p(3, 1, 1, 3), 6)
    0.485714
    """
    n1, m1 = a + b, a + c
    mean0 = n1 * m1 / (a + b + c + d)
    t = ConditionalTable(a, b, c, d, centre=mean0)
    if t.support[0] > min(a, mean0) or t.support[-1] < max(a, mean0):
        return 0.0  # observed cell more than 30 standard deviations from the null mean
    return _minlike_p(t, 0.0, mid_p)


def _baptista_pike(t: ConditionalTable, conf_level: float, mid: bool) -> tuple[float, float]:
    """Outermost odds ratios whose minimum-likelihood conditional p-value reaches alpha."""
    alpha = 1.0 - conf_level
    centre = _conditional_mle(t)
    start = float(np.log(centre)) if 0 < centre < np.inf else 0.0

    def accept(s):
        return _minlike_p(t, s, mid) >= alpha

    limits = []
    for direction, edge in ((-1.0, t.a <= t.lo_s), (1.0, t.a >= t.hi_s)):
        if edge:
            limits.append(0.0 if direction < 0 else np.inf)
            continue
        inside, step = start, 0.25
        outside = inside + direction * step
        while accept(outside):
            inside, step = outside, step * 2
            outside = inside + direction * step
            if abs(outside) > 700:
                break
        for _ in range(200):
            mid_pt = 0.5 * (inside + outside)
            inside, outside = (mid_pt, outside) if accept(mid_pt) else (inside, mid_pt)
            if abs(outside - inside) < 1e-12:
                break
        limits.append(float(np.exp(0.5 * (inside + outside))))
    return limits[0], limits[1]


# ------------------------------------------------------------ exact unconditional (Agresti-Min)

#: largest group (persons) the exact unconditional interval accepts: beyond it a table costs
#: seconds (the sample space grows as the product of the group sizes)
AGRESTI_MIN_MAX_GROUP = 200
_COARSE, _ZOOM_POINTS, _ZOOMS, _PEAKS = 250, 24, 3, 3
_LOG_EDGE = 60.0  # odds ratios beyond exp(60) count as 0 or infinity


class UnconditionalScoreTest:
    r"""Exact unconditional test of an odds ratio, ordered by the score statistic.

    The sample space is every pair of counts :math:`(x_1, x_0)` of two independent binomials
    with the table's group sizes. At a hypothesised odds ratio :math:`\theta` a pair is as
    extreme as the observed one when its squared score statistic (the Pearson chi-square
    with expected counts fitted under :math:`\theta`) is at least the observed one; the
    p-value is the largest probability of those pairs over the unexposed risk
    :math:`\pi_0 \in [0, 1]` (the exposed risk follows from :math:`\theta`), as in Agresti
    and Min (2002).

    The supremum is taken over a coarse grid (249 evenly spaced unexposed risks, the
    unexposed risks that give 249 evenly spaced exposed risks, and both ends), then refined
    by zooming three times into each of the three highest local maxima (24 points between
    the neighbours of the best point each time, so a spacing of a few :math:`10^{-6}`).

    ``alternative="greater"`` (``"less"``) orders the pairs by the signed statistic: a pair
    is as extreme when its z is at least (at most) the observed one (the one-sided tests
    whose inversion at alpha/2 each is StatXact's "two one-sided tests" interval).

    Examples
    --------
    >>> test = UnconditionalScoreTest(7, 34, 1, 34)
    >>> round(test.p_value(1.0), 4)
    0.0281
    """

    def __init__(self, x1, n1, x0, n0, alternative="two-sided"):
        self.x1, self.n1, self.x0, self.n0 = int(x1), int(n1), int(x0), int(n0)
        if alternative not in ("two-sided", "greater", "less"):
            raise ValueError("UnconditionalScoreTest: 'alternative' must be 'two-sided', "
                             f"'greater' or 'less'; got {alternative!r}.")
        self.alternative = alternative
        self.k1, self.k0 = np.arange(self.n1 + 1.0), np.arange(self.n0 + 1.0)
        self._log_choose = [special.gammaln(n + 1) - special.gammaln(k + 1)
                            - special.gammaln(n - k + 1)
                            for n, k in ((self.n0, self.k0), (self.n1, self.k1))]
        self._grid = np.linspace(0.0, 1.0, _COARSE + 1)[1:-1]
        self._fixed = (self.pmf(0, self._grid), self.pmf(1, self._grid))
        self._cache: dict[float, float] = {}

    def pmf(self, group: int, p: np.ndarray) -> np.ndarray:
        """Binomial probabilities of every count (columns) of a group at the risks ``p``."""
        k, n = (self.k1, self.n1) if group else (self.k0, self.n0)
        p = np.asarray(p, dtype=float)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            log = self._log_choose[group] + special.xlogy(k, p) + special.xlog1py(n - k, -p)
        return np.exp(log)

    def extreme(self, theta: float) -> np.ndarray:
        """Indicator (x1 by x0) of the pairs at least as extreme as the observed one."""
        z = score_statistic("or", theta, self.k1[:, None], self.n1, self.k0[None, :], self.n0)
        if self.alternative != "two-sided":
            z = z if self.alternative == "greater" else -z
            observed = z[self.x1, self.x0]
            return z >= observed - 1e-9 * max(1.0, abs(observed))
        chi2 = z * z
        observed = chi2[self.x1, self.x0]
        return chi2 >= observed - 1e-9 * max(1.0, observed)

    @staticmethod
    def _rows(region: np.ndarray):
        """Each row's non-extreme counts as one run ``[start, end]``, where they are one run."""
        inside = ~region
        count = inside.sum(axis=1)
        width = region.shape[1]
        start = np.where(count > 0, inside.argmax(axis=1), width)
        end = np.where(count > 0, width - 1 - inside[:, ::-1].argmax(axis=1), width - 1)
        return start, end, (count > 0) & (end - start + 1 != count)

    @staticmethod
    def _sum(b1: np.ndarray, region: tuple, b0: np.ndarray) -> np.ndarray:
        """Sum of b1[g, i] b0[g, j] over the extreme pairs (i, j), for every row g.

        A row whose non-extreme counts form one run adds the two binomial tails outside the
        run (cumulative sums, O(n) a row); other rows (rare) are summed directly.
        """
        region, (start, end, broken) = region
        zero = np.zeros((b0.shape[0], 1))
        below = np.concatenate([zero, np.cumsum(b0, axis=1)], axis=1)  # P(X0 < k)
        above = np.concatenate([np.cumsum(b0[:, ::-1], axis=1)[:, ::-1], zero], axis=1)
        tails = below[:, start] + above[:, end + 1]  # P(X0 >= k)
        if broken.any():
            tails[:, broken] = b0 @ region[broken].T.astype(float)
        return (b1 * tails).sum(axis=1)

    def tail(self, theta: float, p0, region=None) -> np.ndarray:
        """Probability of the extreme pairs at the unexposed risks ``p0``."""
        if region is None:
            region = self.extreme(theta)
            region = (region, self._rows(region))
        p0 = np.asarray(p0, dtype=float)
        p1 = theta * p0 / (1.0 - p0 + theta * p0)
        return self._sum(self.pmf(1, p1), region, self.pmf(0, p0))

    def p_value(self, theta: float) -> float:
        """Supremum over the unexposed risk of the probability of the extreme pairs."""
        theta = float(theta)
        if theta in self._cache:
            return self._cache[theta]
        region = self.extreme(theta)
        region = (region, self._rows(region))
        g = self._grid
        p0 = np.concatenate([[0.0, 1.0], g, g / (theta - g * (theta - 1.0))])
        values = np.concatenate([
            [float(region[0][0, 0]), float(region[0][-1, -1])],
            self._sum(self.pmf(1, theta * g / (1.0 - g + theta * g)), region, self._fixed[0]),
            self._sum(self._fixed[1], region, self.pmf(0, p0[g.size + 2:]))])
        order = np.argsort(p0, kind="stable")
        p0, values = p0[order], values[order]
        best = float(values.max())
        padded = np.concatenate([[-1.0], values, [-1.0]])
        peaks = np.flatnonzero((values >= padded[:-2]) & (values >= padded[2:]))
        peaks = peaks[np.argsort(values[peaks])[::-1][:_PEAKS]]
        lo, hi = p0[np.maximum(peaks - 1, 0)], p0[np.minimum(peaks + 1, p0.size - 1)]
        for _ in range(_ZOOMS):
            points = np.linspace(lo, hi, _ZOOM_POINTS).T  # one row per peak
            zoom = self.tail(theta, points.ravel(), region).reshape(points.shape)
            best = max(best, float(zoom.max()))
            j = zoom.argmax(axis=1)
            rows = np.arange(points.shape[0])
            lo = points[rows, np.maximum(j - 1, 0)]
            hi = points[rows, np.minimum(j + 1, _ZOOM_POINTS - 1)]
        self._cache[theta] = min(best, 1.0)
        return self._cache[theta]


def _accepted_edge(accept, inside, outside, direction):
    """Bisect between an accepted and a rejected log odds ratio, then look further out.

    The p-value need not fall monotonically away from the estimate, so after each boundary is
    found the odds ratios about 3%, 10%, 35% and 100% further out (0.03, 0.1, 0.3 and 0.7
    further on the log scale) are tried; an accepted one restarts the search from there (the
    limit is the outermost boundary found).
    """
    if not np.isfinite(outside):
        return outside
    for _ in range(20):
        while abs(outside - inside) > 1e-8:
            middle = 0.5 * (inside + outside)
            inside, outside = (middle, outside) if accept(middle) else (inside, middle)
        further = [s for s in (outside + direction * step
                               for step in (0.03, 0.1, 0.3, 0.7)) if accept(s)]
        if not further:
            break
        inside, outside = _bracket(accept, further[-1], direction)
        if not np.isfinite(outside):
            return outside
    return 0.5 * (inside + outside)


def _bracket(accept, inside, direction):
    """From an accepted log odds ratio, step outward until one is rejected."""
    step = 0.25
    outside = inside + direction * step
    while accept(outside):
        inside, step = outside, 2.0 * step
        outside = inside + direction * step
        if abs(outside) > _LOG_EDGE:
            return inside, direction * np.inf
    return inside, outside



@functools.lru_cache(maxsize=512)
def agresti_min_interval(x1: int, n1: int, x0: int, n0: int,
                         conf_level: float = 0.95) -> tuple[float, float, float]:
    """Agresti-Min limits of the odds ratio and the exact unconditional p-value at 1.

    Returns ``(lower, upper, p_value)``: the outermost odds ratios whose
    :class:`UnconditionalScoreTest` p-value is at least ``1 - conf_level`` (0 when the
    exposed count is 0 or the unexposed count full, infinity in the mirror cases), and the
    test's p-value at an odds ratio of 1. The search starts from the score interval and
    bisects on the log odds ratio to 1e-8. Cached per table.

    Examples
    --------
    >>> lower, upper, p = agresti_min_interval(7, 34, 1, 34)
    >>> round(lower, 4), round(upper, 2), round(p, 4)
    (1.1809, 107.95, 0.0281)
    """
    test = UnconditionalScoreTest(x1, n1, x0, n0)
    alpha = 1.0 - conf_level

    def accept(s):
        return test.p_value(float(np.exp(s))) >= alpha

    args = [np.array([float(v)]) for v in (x1, n1, x0, n0)]
    limits = score_limits("or", *args, z_value(conf_level))
    with np.errstate(divide="ignore"):
        score = [float(np.log(v[0])) for v in limits]
        estimate = float(np.log(x1 * (n0 - x0)) - np.log((n1 - x1) * x0))
    limits = []
    for direction, edge, start in ((-1.0, x1 == 0 or x0 == n0, score[0]),
                                   (1.0, x0 == 0 or x1 == n1, score[1])):
        if edge:
            limits.append(0.0 if direction < 0 else np.inf)
            continue
        inside, step = estimate, 1.0  # the estimate has p-value 1
        if not np.isfinite(inside):  # walk in from the score limit
            inside = start - direction
            while not accept(inside) and step < _LOG_EDGE:
                step *= 2.0
                inside = start - direction * step
        if accept(start):
            inside, outside = _bracket(accept, start, direction)
        else:
            outside = start
        limit = _accepted_edge(accept, inside, outside, direction)
        limits.append(float(np.exp(limit)))
    return limits[0], limits[1], test.p_value(1.0)


def _logit_cells(a, b, c, d, method, correction, caller):
    if method == "gart":
        return a + 0.5, b + 0.5, c + 0.5, d + 0.5
    if method == "independence-smoothed-logit":
        n = a + b + c + d
        n1, n0, m1, m0 = a + b, c + d, a + c, b + d
        return (a + 2 * n1 * m1 / n**2, b + 2 * n1 * m0 / n**2, c + 2 * n0 * m1 / n**2,
                d + 2 * n0 * m0 / n**2)
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    return apply_correction([a, b, c, d], zero, correction, "a zero cell makes the Wald "
                            "interval undefined on the log scale", caller=caller,
                            hint="pass correction=0.5 or use method='fisher' or 'score'")


def _agresti_min_rows(a, b, c, d, degenerate, conf_level, caller):
    big = ((a + b) > AGRESTI_MIN_MAX_GROUP) | ((c + d) > AGRESTI_MIN_MAX_GROUP)
    if big.any():
        i = np.flatnonzero(big)[0]
        raise ValueError(
            f"{caller}: method='agresti-min' enumerates every pair of group counts and takes "
            f"groups of at most {AGRESTI_MIN_MAX_GROUP} persons; the table at "
            f"{describe_rows(big)} has a + b = {a[i] + b[i]} and c + d = {c[i] + d[i]}. Use "
            "method='baptista-pike' (exact, conditional) or method='score' for large tables.")
    lower, upper, p_value = (np.full(a.shape, np.nan) for _ in range(3))
    for i in np.flatnonzero(~degenerate):
        lower[i], upper[i], p_value[i] = agresti_min_interval(
            int(a[i]), int(a[i] + b[i]), int(c[i]), int(c[i] + d[i]), float(conf_level))
    return lower, upper, p_value


def odds_ratio(a, b, c, d, *, conf_level=0.95, method="wald", correction=None) -> pd.DataFrame:
    r"""Odds ratio of a 2x2 table with an interval and a test.

    Parameters
    ----------
    a, b, c, d : int or array_like of int
        Exposed cases, exposed non-cases, unexposed cases, unexposed non-cases (in a
        case-control study: exposed cases, exposed controls, unexposed cases, unexposed
        controls).
    conf_level : float, default 0.95
        Confidence level of the interval.
    method : str, default "wald"
        ``"wald"`` (aliases ``"woolf"``, ``"logit"``): :math:`ad/bc` with Woolf's interval
        :math:`\exp(\log OR \pm z\sqrt{1/a + 1/b + 1/c + 1/d})` [1]_. ``"gart"``: the same
        with 1/2 added to every cell [2]_. ``"independence-smoothed-logit"``: the same with
        cells smoothed toward independence (2 persons spread by the margins) [3]_.
        The two adjusted logit methods report the adjusted odds ratio the interval is
        centred on as ``estimate``.
        ``"fisher"`` (alias ``"exact"``): the conditional maximum likelihood estimate with
        the exact interval that inverts the two one-sided conditional tests (Cornfield's
        exact conditional interval [4]_), as R's ``fisher.test``. ``"mid-p"`` (alias
        ``"cornfield"``): the same with mid-p tails (what epiR's ``OR.crude.cfield`` /
        ``zORcfield`` computes). ``"baptista-pike"`` and ``"baptista-pike-mid-p"``: the odds
        ratios whose two-sided minimum-likelihood conditional p-value (mid-p) is at least
        alpha [5]_. ``"score"`` (alias ``"miettinen-nurminen"``): the interval that inverts
        the Miettinen-Nurminen score test, with its :math:`N/(N-1)` variance factor [6]_ (as
        ``PropCIs::orscoreci``). ``"score-uncorrected"`` (alias ``"cornfield-approximate"``):
        the same without the factor, which is Cornfield's approximate interval (the fitted
        cell at the normal quantiles) and epiR's ``OR.strata.score`` (epiR searches a grid of
        factors 1.001, so its limits lie up to 0.1% outside these exact roots).
        ``"agresti-min"`` (aliases ``"exact-unconditional"``, ``"unconditional"``,
        ``"unconditional-score"``): the exact unconditional interval of Agresti and Min [7]_,
        the odds ratios not rejected by one two-sided exact unconditional score test (the
        supremum of the tail probability over the unexposed risk; see
        :class:`UnconditionalScoreTest`); groups of at most 200 persons. It is exact (coverage
        at least ``conf_level`` at every pair of risks) but does not reproduce the published
        numbers: for 7/34 vs 1/34 it gives 1.18 to 108 where Fagerland et al. (2015) print
        StatXact's 1.19 to 72, and R's exact2x2 ``uncondExact2x2`` (same definition) documents
        that it matches neither either.
    correction : float, optional
        ``"wald"`` only: added to every cell of the rows with a zero cell.

    Returns
    -------
    pandas.DataFrame
        ``a, b, c, d, measure ("odds_ratio"), estimate, lower, upper, conf_level, method,
        per, statistic, p_value, alternative``: Fisher's exact test for the conditional
        methods (mid-p for the mid-p ones), the score chi-square's z for the score methods
        (for ``"agresti-min"`` with the exact unconditional p-value), the Wald z otherwise
        (all of an odds ratio of 1).

    Warns
    -----
    ZeroCellWarning
        For Wald intervals over zero cells, for an infinite estimate or upper limit, and for
        tables without cases or without non-cases (odds ratio undefined, ``nan``).

    References
    ----------
    .. [1] Woolf B (1955). On estimating the relation between blood group and disease.
       Annals of Human Genetics 19(4):251-253.
    .. [2] Gart JJ (1966). Alternative analyses of contingency tables. Journal of the Royal
       Statistical Society B 28(1):164-179.
    .. [3] Agresti A (1999). On logit confidence intervals for the odds ratio with small
       samples. Biometrics 55(2):597-602. https://doi.org/10.1111/j.0006-341X.1999.00597.x
    .. [4] Cornfield J (1956). A statistical problem arising from retrospective studies.
       Proceedings of the Third Berkeley Symposium on Mathematical Statistics and
       Probability, Vol. 4, 135-148.
    .. [5] Baptista J, Pike MC (1977). Exact two-sided confidence limits for the odds ratio
       in a 2x2 table. Journal of the Royal Statistical Society C 26(2):214-220.
    .. [6] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in
       Medicine 4(2):213-226. https://doi.org/10.1002/sim.4780040211
    .. [7] Agresti A, Min Y (2002). Unconditional small-sample confidence intervals for the
       odds ratio. Biostatistics 3(3):379-386.

    Examples
    --------
    >>> from lems_epi import odds_ratio
    >>> odds_ratio(12, 88, 5, 95)[["estimate", "lower", "upper"]].round(4)
       estimate   lower  upper
    0    2.5909  0.8774  7.651
    >>> odds_ratio(12, 88, 5, 95, method="fisher")[["estimate", "lower", "upper"]].round(3)
       estimate  lower  upper
    0     2.579  0.806  9.732
    """
    caller = "odds_ratio"
    conf_level, method, correction = check_options(conf_level, method, _ALIASES,
                                                   correction, caller=caller)
    a, b, c, d = table_arrays(a, b, c, d, caller=caller)
    inputs = table_inputs(a, b, c, d)
    z = z_value(conf_level)
    degenerate = (a + c == 0) | (b + d == 0)
    warn_zero(degenerate, "the table has no cases or no non-cases, so the odds ratio is "
              "undefined (nan)", caller=caller)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (a * d) / (b * c)
        statistic = score_statistic("or", 1.0, a, a + b, c, c + d)
    p_value = 2 * stats.norm.sf(np.abs(statistic))
    if method in ("wald", "gart", "independence-smoothed-logit"):
        keep = ~degenerate
        a_, b_, c_, d_ = _logit_cells(np.where(keep, a, 1), np.where(keep, b, 1),
                                      np.where(keep, c, 1), np.where(keep, d, 1), method,
                                      correction, caller)
        with np.errstate(divide="ignore", invalid="ignore"):
            est_w = (a_ * d_) / (b_ * c_)
            log_se = np.sqrt(1 / a_ + 1 / b_ + 1 / c_ + 1 / d_)
        lower, upper = log_wald(est_w, log_se, z)
        statistic, p_value = wald_test(est_w, 0.0, log_se, log=True)
        estimate = est_w  # gart, smoothed: the adjusted odds ratio the interval is centred on
    elif method in ("score", "score-uncorrected"):
        lower, upper = score_limits("or", a, a + b, c, c + d, z, correction=method == "score")
        warn_zero(~np.isfinite(estimate) & ~degenerate, "a zero cell (b or c) makes the odds "
                  "ratio infinite (nan when a or d is 0 too)", caller=caller)
    elif method == "agresti-min":
        lower, upper, p_value = _agresti_min_rows(a, b, c, d, degenerate, conf_level, caller)
    else:
        lower, upper = np.full(a.shape, np.nan), np.full(a.shape, np.nan)
        for i in np.flatnonzero(~degenerate):
            cells = (a[i], b[i], c[i], d[i])
            t = ConditionalTable(*cells)
            estimate[i] = _conditional_mle(t)
            mid = method.endswith("mid-p")
            if method.startswith("baptista-pike"):
                lower[i], upper[i] = _baptista_pike(t, conf_level, mid)
            else:
                lower[i], upper[i] = _exact_limits(t, conf_level, mid)
            statistic[i] = a[i]
            p_value[i] = fisher_exact_p(*cells, mid_p=mid)
        warn_zero(np.isinf(upper) & ~degenerate, "the conditional odds ratio or its upper "
                  "limit is infinite (a zero cell at the edge of the conditional "
                  "distribution)", caller=caller)
    nan_if = np.where(degenerate, np.nan, 1.0)
    return contract_frame(inputs, measure="odds_ratio", estimate=estimate * nan_if,
                          lower=lower * nan_if, upper=upper * nan_if, conf_level=conf_level,
                          method=method, statistic=statistic * nan_if,
                          p_value=p_value * nan_if)
