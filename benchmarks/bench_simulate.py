"""Benchmark: speed and memory of simulate_cohort (and simulate_counts at 10^10 persons).

Run with::

    .venv/bin/python benchmarks/bench_simulate.py

For n = 10^6 and 10^7 persons it prints

* persons per second of ``simulate_cohort(Scenario.named("seed-base"), n, rng=...)`` (best of
  5, after a warm-up call that fills the risk model's caches);
* the ratio of that time to ``numpy.random.default_rng(0).random(n)``, timed the same way in the
  same process (target at 10^7: at most 2);
* peak memory per person above the starting memory (target at 10^7: at most 24 bytes), measured
  two ways, each in a fresh subprocess: (a) peak resident set size,
  ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` after the call minus the current resident size
  (``/proc/self/statm``) just before it, after imports and a small warm-up; (b) the peak of the
  Python-level allocations that ``tracemalloc`` sees (numpy reports its buffers to it) during
  the call;
* the frame's own size, ``DataFrame.memory_usage(deep=True)`` per person.

It also times ``simulate_counts`` on the Danish population scaled to 10^10 persons.
"""

import json
import subprocess
import sys

import _timing
import numpy as np

SIZES = (10**6, 10**7)
REPEATS = 5


def best_of(func, repeats=REPEATS):
    return _timing.best_of(func, repeats)


def _rss_bytes() -> int:
    import os

    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_memory(n: int, how: str) -> dict:
    """Run in a fresh subprocess: memory above the starting point of one simulate_cohort call."""
    import resource
    import tracemalloc

    from lems_epi import Scenario, simulate_cohort

    scenario = Scenario.named("seed-base")
    simulate_cohort(scenario, 1000, rng=0)  # warm-up: imports, risk-model caches
    if how == "rss":
        start = _rss_bytes()
        frame = simulate_cohort(scenario, n, rng=1)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        extra = peak - start
    else:
        tracemalloc.start()
        frame = simulate_cohort(scenario, n, rng=1)
        extra = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"n": n, "how": how, "bytes_per_person": extra / n,
            "frame_bytes_per_person": frame.memory_usage(deep=True).sum() / n}


def memory_in_subprocess(n: int, how: str) -> dict:
    code = ("import json, sys; sys.path.insert(0, 'benchmarks'); import bench_simulate as b; "
            f"print(json.dumps(b.measure_memory({n}, {how!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    from lems_epi import Scenario, population, simulate_cohort, simulate_counts

    scenario = Scenario.named("seed-base")
    simulate_cohort(scenario, 1000, rng=0)  # warm-up
    print(f"numpy {np.__version__}; best of {REPEATS}")
    print(f"{'n':>12} {'cohort s':>9} {'persons/s':>12} {'random(n) s':>11} {'ratio':>6} "
          f"{'peak RSS B/p':>12} {'tracemalloc B/p':>15} {'frame B/p':>9}")
    for n in SIZES:
        t_cohort = best_of(lambda n=n: simulate_cohort(scenario, n, rng=1))
        t_random = best_of(lambda n=n: np.random.default_rng(0).random(n))
        rss = memory_in_subprocess(n, "rss")
        traced = memory_in_subprocess(n, "tracemalloc")
        print(f"{n:>12,} {t_cohort:>9.4f} {n / t_cohort:>12,.0f} {t_random:>11.4f} "
              f"{t_cohort / t_random:>6.2f} {rss['bytes_per_person']:>12.1f} "
              f"{traced['bytes_per_person']:>15.1f} {rss['frame_bytes_per_person']:>9.1f}")

    pop = population("denmark-2013")
    big = pop.assign(population=np.round(pop["population"] * 1e10 / pop["population"].sum())
                     .astype(np.int64))
    simulate_counts(scenario, population=big, rng=0)
    t_counts = best_of(lambda: simulate_counts(scenario, population=big, rng=1))
    print(f"simulate_counts, {int(big['population'].sum()):,} persons: {t_counts * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
