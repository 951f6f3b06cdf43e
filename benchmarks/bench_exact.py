"""Benchmark: exact odds ratio intervals at large counts, and Kaplan-Meier over many groups.

Run with::

    .venv/bin/python benchmarks/bench_exact.py

Prints the best-of-3 time of :func:`lems_epi.odds_ratio` with ``method="fisher"`` and
``method="mid-p"`` (conditional MLE, interval and Fisher's p-value) for a table with every cell
near k = 10^3, 10^4, 10^5 and 10^9 (issue 14: 0.55 s, 10 s, 51 s at 3 x 10^4 and an
OverflowError at 10^9 before the conditional distribution was evaluated in log space over a
window around the observed cell), then :func:`lems_epi.kaplan_meier` over 1,000 and 10,000
groups of 50 persons (issue 19: 1.35 s and 11.8 s with one fit per group).
"""

import _timing
import numpy as np
import pandas as pd

import lems_epi as le


def bench_odds_ratio():
    print("odds_ratio, every cell near k (best of 3, seconds)")
    print(f"{'k':>12}  {'fisher':>8}  {'mid-p':>8}")
    le.odds_ratio(5, 6, 7, 8, method="fisher")  # imports and first-call set-up
    for k in (10**3, 10**4, 10**5, 10**9):
        cells = (k + 37, k, k, k + 11)
        times = [_timing.best_of(lambda m=m, c=cells: le.odds_ratio(*c, method=m), repeats=3)
                 for m in ("fisher", "mid-p")]
        print(f"{k:>12.0e}  {times[0]:8.3f}  {times[1]:8.3f}")


def bench_kaplan_meier():
    import warnings

    from lems_epi.exceptions import UndefinedValueWarning

    print("kaplan_meier over groups of 50 persons (best of 3, seconds)")
    rng = np.random.default_rng(1)
    for groups in (1_000, 10_000):
        n = groups * 50
        data = pd.DataFrame({"g": np.repeat(np.arange(groups), 50),
                             "t": rng.exponential(5, n).round(1) + 0.1,
                             "e": rng.integers(0, 2, n)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedValueWarning)
            t = _timing.best_of(lambda d=data: le.kaplan_meier(d, duration="t", event="e",
                                                               by="g"), repeats=3)
        print(f"{groups:>12,d}  {t:8.3f}")


if __name__ == "__main__":
    bench_odds_ratio()
    bench_kaplan_meier()
