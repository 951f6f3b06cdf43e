"""Benchmark: net survival of 10^5 and 10^6 patients followed up to 10 years.

Run with::

    .venv/bin/python benchmarks/bench_survival.py          # 10^5 and 10^6
    .venv/bin/python benchmarks/bench_survival.py --quick  # 10^5 only

A synthetic registry: patients aged 40-90 at diagnosis (uniform), half men, diagnosed uniformly
over 10 years and followed to the close of the study (so up to 10 years), dying of the cancer at
an excess hazard of 0.3 per year and of other causes at the Finnish 2013 life table's hazards.
Follow-up is recorded in whole days (as registries do: at most 3,653 distinct times); one run
with continuous times (every time distinct) shows the worst case.

Prints, for each size, the time of :func:`lems_epi.kaplan_meier` on the same data in the same
run (the baseline: statsmodels' ``SurvfuncRight`` with tidy output) and of
:func:`lems_epi.net_survival` (Pohar-Perme and Ederer II, relsurv's 1-day steps and exact
integration; times 1-9 years), in seconds and persons per second, the ratio to the
Kaplan-Meier time and the process's peak resident memory. Best of 3 runs at 10^5, one run at
10^6.
"""

import argparse
import os
import resource
import time

import _timing
import numpy as np
import pandas as pd

from lems_epi import kaplan_meier, net_survival
from lems_epi.simulate.sclc_cohort import background_death_age

TIMES = np.arange(1.0, 10.0)


def registry(n, rng, days=True):
    age = rng.uniform(40, 90, n)
    sex = (rng.random(n) < 0.5).astype(np.int64)
    follow = 10.0 * (1 - rng.random(n))  # diagnosis uniform over the 10 years before close
    death = np.minimum(background_death_age(age, sex, rng) - age, rng.exponential(1 / 0.3, n))
    t = np.minimum(death, follow)
    if days:
        t = np.maximum(np.ceil(t * 365.241), 1) / 365.241
    return pd.DataFrame({"years": t, "dead": (death < follow).astype(np.int64), "age": age,
                         "sex": np.where(sex == 1, "male", "female")})


def timed(func, repeats):
    if repeats == 1:
        start = time.perf_counter()
        func()
        return time.perf_counter() - start
    return _timing.best_of(func, repeats)


def run(n, repeats, days=True):
    data = registry(n, np.random.default_rng(20240606), days=days)
    t_km = timed(lambda: kaplan_meier(data, duration="years", event="dead"), repeats)
    label = "whole days" if days else "continuous times"
    print(f"\n{n:,} patients ({label}, {data['dead'].mean():.0%} deaths, "
          f"{data['years'].nunique():,} distinct times)")
    print(f"  kaplan_meier (baseline)            {t_km:7.2f} s  {n / t_km:12,.0f} persons/s")
    for method in ("pohar-perme", "ederer2"):
        for integration in ("daily", "exact"):
            t = timed(lambda m=method, i=integration: net_survival(
                data, duration="years", event="dead", age="age", sex="sex", method=m,
                integration=i, times=TIMES), repeats)
            print(f"  net_survival {method:11s} {integration:6s} {t:7.2f} s  "
                  f"{n / t:12,.0f} persons/s  (x{t / t_km:.1f} Kaplan-Meier)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"  peak resident memory so far: {peak:.2f} GiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 patients only")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)")
    run(100_000, 3)
    run(100_000, 1, days=False)
    if not args.quick:
        run(1_000_000, 1)


if __name__ == "__main__":
    main()
