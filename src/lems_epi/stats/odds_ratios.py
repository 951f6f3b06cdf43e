r"""Odds ratio of a 2x2 table: logit (Woolf, Gart, smoothed), score, Cornfield and exact methods.

The exact methods work with the conditional distribution of the exposed-case cell ``a`` given
the table's margins, Fisher's noncentral hypergeometric distribution. It is evaluated in log
space, as ratios of consecutive probabilities summed outward from the observed cell, and only
over the cells that carry probability (30 standard deviations around the observed cell):
a table with a billion persons per cell costs about as much as one with ten thousand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from lems_epi._validation import check_conf_level
from lems_epi.stats._core import z_value
from lems_epi.stats.comparison_core import (
    apply_correction,
    check_correction,
    log_wald,
    pick_method,
    solve_log,
    table_arrays,
    table_inputs,
    wald_test,
    warn_zero,
)
from lems_epi.stats.contract import contract_frame
from lems_epi.stats.risk_comparison import score_limits, score_statistic

__all__ = ["ODDS_RATIO_METHODS", "odds_ratio", "ConditionalTable", "fisher_exact_p",
           "StratifiedConditional", "exact_common_odds_ratio"]

ODDS_RATIO_METHODS = ("wald", "gart", "independence-smoothed-logit", "fisher", "mid-p",
                      "baptista-pike", "baptista-pike-mid-p", "score", "score-uncorrected")
_ALIASES = {"wald": "wald", "woolf": "wald", "logit": "wald", "fisher": "fisher",
            "exact": "fisher", "conditional": "fisher", "mid-p": "mid-p", "midp": "mid-p",
            "baptista-pike": "baptista-pike", "baptista-pike-mid-p": "baptista-pike-mid-p",
            "cornfield": "mid-p", "score": "score", "miettinen-nurminen": "score",
            "score-uncorrected": "score-uncorrected", "cornfield-approximate": "score-uncorrected",
            "gart": "gart", "logit-adjusted": "gart",
            "independence-smoothed-logit": "independence-smoothed-logit",
            "logit-smoothed": "independence-smoothed-logit"}
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
        conv, lo, hi = np.array([1.0]), 0.0, 0.0
        for cells in zip(a, b, c, d, strict=True):
            one = ConditionalTable(*cells, centre=None)
            full = ConditionalTable(*cells, centre=(one.lo_s + one.hi_s) / 2)
            t = full if full.support.size >= one.support.size else one
            weights = np.exp(t.log_base - t.log_base.max())
            conv = np.convolve(conv, weights)
            conv /= conv.max()
            lo, hi = lo + t.support[0], hi + t.support[-1]
        self.a = float(a.sum())
        self.support = np.arange(lo, hi + 1.0)
        with np.errstate(divide="ignore"):
            log_conv = np.log(conv)
        self.at = int(round(self.a - lo))
        self.log_base = np.where(np.isfinite(log_conv), log_conv, -1e300) - log_conv[self.at]
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
    correction : float, optional
        ``"wald"`` only: added to every cell of the rows with a zero cell.

    Returns
    -------
    pandas.DataFrame
        ``a, b, c, d, measure ("odds_ratio"), estimate, lower, upper, conf_level, method,
        per, statistic, p_value, alternative``: Fisher's exact test for the conditional
        methods (mid-p for the mid-p ones), the score chi-square's z for the score methods,
        the Wald z otherwise (all of an odds ratio of 1).

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
    conf_level = check_conf_level(conf_level, caller=caller)
    method = pick_method(method, _ALIASES, caller=caller)
    correction = check_correction(correction, caller=caller)
    if correction is not None and method != "wald":
        raise ValueError(f"{caller}: 'correction' applies to method='wald' only (got "
                         f"method={method!r}).")
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
