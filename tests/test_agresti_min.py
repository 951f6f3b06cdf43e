"""The Agresti-Min exact unconditional interval of the odds ratio (``method="agresti-min"``).

Agresti A, Min Y (2002). Unconditional small-sample confidence intervals for the odds ratio.
Biostatistics 3(3):379-386. The interval is every odds ratio not rejected by one two-sided
exact unconditional test ordered by the score statistic (the p-value is the supremum of the
tail probability over the nuisance risk).

No software reproduces the published numbers with this definition: R's exact2x2, whose
``uncondExact2x2(parmtype = "oddsratio", method = "score", tsmethod = "square")`` implements it,
states in its validation vignette (cran/exact2x2, vignettes/exact2x2Validation.Rnw, section
"Confidence Intervals on Odds Ratios with method='score'") that it matches the paper for
neither ``tsmethod`` and that it is not clear which software is closer; it records no value of
its own for the two-sided inversion. So the tests here are: the StatXact 11 values exact2x2
records for the one-sided machinery, an independent brute-force computation of the definition,
exact coverage by enumeration, and invariants.
"""

import math
import warnings

import numpy as np
import pytest
from scipy import optimize, stats

import lems_epi as le
from lems_epi.exceptions import ZeroCellWarning
from lems_epi.stats.odds_ratios import UnconditionalScoreTest, agresti_min_interval


def _pearson_under(x1, n1, x0, n0, theta):
    """Pearson chi-square of a 2x2 table with expected counts fitted under odds ratio theta
    (margins fixed; the fitted exposed-case count solves A(n0 - m1 + A) = theta (n1 - A)(m1 - A)),
    written independently of lems_epi's score statistic."""
    m1 = x1 + x0
    lo, hi = max(0, m1 - n0), min(n1, m1)
    if lo == hi:
        return 0.0

    def gap(a):
        return (math.log(a) + math.log(n0 - m1 + a) - math.log(n1 - a) - math.log(m1 - a)
                - math.log(theta))

    eps = 1e-13 * max(1, hi)
    a = optimize.brentq(gap, lo + eps, hi - eps, xtol=1e-14, rtol=1e-15)
    return (x1 - a) ** 2 * (1 / a + 1 / (n1 - a) + 1 / (m1 - a) + 1 / (n0 - m1 + a))


def _brute_p(x1, n1, x0, n0, theta, points=20001):
    """Definition by brute force: loop over every pair of counts, keep those with a Pearson
    chi-square at least the observed one, and take the largest probability over a full grid
    of nuisance values (20001 evenly spaced unexposed risks and as many exposed risks, no
    refinement)."""
    observed = _pearson_under(x1, n1, x0, n0, theta)
    u = np.linspace(0.0, 1.0, points)
    p0 = np.concatenate([u, u / (theta - u * (theta - 1.0))])
    p1 = theta * p0 / (1.0 - p0 + theta * p0)
    pmf1 = [stats.binom.pmf(i, n1, p1) for i in range(n1 + 1)]
    pmf0 = [stats.binom.pmf(j, n0, p0) for j in range(n0 + 1)]
    total = np.zeros_like(p0)
    for i in range(n1 + 1):
        for j in range(n0 + 1):
            if _pearson_under(i, n1, j, n0, theta) >= observed * (1 - 1e-9):
                total += pmf1[i] * pmf0[j]
    return float(total.max())


def test_fagerland_table_by_brute_force():
    """7/34 vs 1/34 (Fagerland, Lydersen and Laake 2015, whose table prints StatXact's 1.19 to
    72): the definition gives 1.18088 to 107.95. The brute-force p-value rejects just outside
    each limit and accepts just inside (0.04716 at 1.18087, 0.05143 at 1.18089 -- the p-value
    jumps there -- and 0.050002 at 107.95, 0.049998 at 107.96)."""
    lower, upper, p = agresti_min_interval(7, 34, 1, 34)
    assert round(lower, 4) == 1.1809
    assert round(upper, 2) == 107.95
    for theta, accepted in ((lower * (1 - 2e-5), False), (lower * (1 + 2e-5), True),
                            (upper * (1 - 5e-5), True), (upper * (1 + 5e-5), False)):
        assert (_brute_p(7, 34, 1, 34, theta) >= 0.05) == accepted, theta
    assert p == pytest.approx(_brute_p(7, 34, 1, 34, 1.0), abs=1e-9)
    table = le.odds_ratio(7, 27, 1, 33, method="agresti-min")
    assert table["lower"].iloc[0] == lower
    assert table["upper"].iloc[0] == upper
    assert table["p_value"].iloc[0] == pytest.approx(0.0281, abs=5e-5)


def test_statxact_two_one_sided_values():
    """The one-sided versions of the same test, inverted at alpha/2 each, give StatXact 11's
    "two one-sided tests" interval recorded in exact2x2 (cran/exact2x2,
    inst/slowTests/test_OddsRatioScore.R: ``uncondExact2x2(2, 12, 7, 12, parmtype =
    "oddsratio", method = "score", tsmethod = "central")``, p 0.045, 1.040 to 103; exact2x2's
    odds ratio is group 2 over group 1, here 7/12 exposed vs 2/12 unexposed)."""
    greater = UnconditionalScoreTest(7, 12, 2, 12, alternative="greater")
    less = UnconditionalScoreTest(7, 12, 2, 12, alternative="less")
    p = min(1.0, 2 * min(greater.p_value(1.0), less.p_value(1.0)))
    lower = math.exp(optimize.brentq(lambda s: greater.p_value(math.exp(s)) - 0.025,
                                     -3.0, math.log(7.0), xtol=1e-10))
    upper = math.exp(optimize.brentq(lambda s: less.p_value(math.exp(s)) - 0.025,
                                     math.log(7.0), 8.0, xtol=1e-10))
    assert (round(p, 3), round(lower, 2), round(upper)) == (0.045, 1.04, 103)


def test_supremum_grid_is_fine_enough():
    """The refined supremum is never below the maximum over a dense grid (20001 evenly spaced
    unexposed and as many exposed risks) by more than 1e-12 (measured: 3e-14 at most over 36
    odds ratios and six tables against 40001 + 40001 points)."""
    rng = np.random.default_rng(20261130)
    for cells in ((7, 34, 1, 34), (60, 100, 45, 100), (3, 100, 9, 100), (5, 15, 0, 10)):
        test = UnconditionalScoreTest(*cells)
        for theta in np.exp(rng.uniform(-4.0, 4.0, 3)):
            g = np.linspace(0.0, 1.0, 20001)
            p0 = np.concatenate([g, g / (theta - g * (theta - 1.0))])
            dense = max(float(test.tail(theta, p0[i:i + 10000]).max())
                        for i in range(0, p0.size, 10000))
            assert test.p_value(theta) >= dense - 1e-12, (cells, theta)


@pytest.mark.parametrize(("n1", "n0"), [(10, 10), (15, 15)])
def test_exact_coverage_by_enumeration(n1, n0):
    """Coverage over every table of two binomial samples is at least 95% at every pair of
    true risks on a grid (unexposed risk 0.05 to 0.95, odds ratio 1/20 to 50). Tables without
    cases or without non-cases count as covering: the test accepts every odds ratio there
    (the observed statistic is 0), though ``odds_ratio`` reports their undefined estimate and
    limits as nan."""
    limits = {}
    for x1 in range(n1 + 1):
        for x0 in range(n0 + 1):
            defined = 0 < x1 + x0 < n1 + n0
            limits[x1, x0] = agresti_min_interval(x1, n1, x0, n0)[:2] if defined else (0, np.inf)
    x1, x0 = np.array(list(limits)).T
    lower, upper = np.array(list(limits.values())).T
    worst = 1.0
    for p0 in (0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95):
        for theta in (0.05, 0.3, 1.0, 2.5, 8.0, 50.0):
            p1 = theta * p0 / (1 - p0 + theta * p0)
            w = stats.binom.pmf(x1, n1, p1) * stats.binom.pmf(x0, n0, p0)
            worst = min(worst, float(np.sum(w[(lower <= theta) & (theta <= upper)])))
    assert worst >= 0.95


def test_interval_contains_estimate_and_zero_cells():
    cells = np.array([[7, 27, 1, 33], [2, 10, 7, 5], [12, 88, 5, 95], [0, 10, 5, 5],
                      [5, 5, 0, 10], [10, 0, 3, 7], [40, 60, 25, 75]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroCellWarning)
        am = le.odds_ratio(*cells.T, method="agresti-min")
    assert (am["lower"] <= am["estimate"]).all()
    assert (am["estimate"] <= am["upper"]).all()
    assert am.loc[3, "lower"] == 0.0
    assert np.isinf(am.loc[4, "upper"])
    assert np.isinf(am.loc[5, "upper"])
    assert am.loc[5, "lower"] > 0
    assert (am["method"] == "agresti-min").all()


def test_aliases_and_size_limit():
    a = le.odds_ratio(7, 27, 1, 33, method="exact-unconditional")
    assert a["method"].iloc[0] == "agresti-min"
    with pytest.raises(ValueError, match=r"a \+ b = 201.*baptista-pike"):
        le.odds_ratio([7, 100], [27, 101], [1, 10], [33, 90], method="agresti-min")


def test_table_of_one_hundred_per_group_is_fast():
    """Well under a second for 100 per group (about 0.25 s measured; 1.5 s allowed for a
    loaded machine)."""
    import time

    start = time.perf_counter()
    agresti_min_interval(61, 100, 44, 100)
    assert time.perf_counter() - start < 1.5
