"""Benchmark: direct standardisation with intervals of 10,000 areas x 19 age groups (esp2013).

Run with::

    .venv/bin/python benchmarks/bench_standardize.py

Prints the best of several timings of :func:`lems_epi.standardize_direct` (Fay-Feuer and
Dobson intervals, long table in, one row per area out) and of a baseline timed in the same
process: a plain numpy weighted sum of the age-specific rates over the same areas x ages array
(the point estimate alone, no table handling, no intervals). Also times
:func:`lems_epi.split_person_time` on 100,000 persons. Target: under 0.5 s for the
standardisation.
"""


import _timing
import numpy as np
import pandas as pd

from lems_epi import split_person_time, standard_population, standardize_direct

N_AREAS = 10_000
REPEATS = 5


def best_of(func, repeats=REPEATS):
    return _timing.best_of(func, repeats)


def main():
    rng = np.random.default_rng(20240501)
    std = standard_population("esp2013")
    k = len(std)
    person_time = rng.uniform(500, 20_000, size=(N_AREAS, k))
    true_rate = np.geomspace(1e-5, 5e-3, k)
    events = rng.poisson(person_time * true_rate)
    data = pd.DataFrame({
        "area": np.repeat([f"area{i:05d}" for i in range(N_AREAS)], k),
        "age_group": np.tile(std["age_group"].to_numpy(), N_AREAS),
        "events": events.ravel(),
        "person_time": person_time.ravel(),
    })
    w = std["weight"].to_numpy() / std["weight"].sum()

    def baseline():
        return (events / person_time) @ w

    t_base = best_of(baseline)
    out = standardize_direct(data, "esp2013", by="area")
    assert len(out) == N_AREAS
    assert np.allclose(out["estimate"].to_numpy(), baseline())
    print(f"areas x age groups: {N_AREAS} x {k} ({len(data):,} rows)")
    print(f"baseline numpy weighted sum (point estimates only): {t_base * 1e3:8.2f} ms")
    for method in ("fay-feuer", "dobson"):
        t = best_of(lambda m=method: standardize_direct(data, "esp2013", by="area", method=m))
        print(f"standardize_direct method={method:9s}: {t * 1e3:8.2f} ms  "
              f"(x{t / t_base:,.0f} the baseline; target < 500 ms: "
              f"{'met' if t < 0.5 else 'NOT met'})")

    n = 100_000
    birth = rng.uniform(1900, 1960, n)
    entry = birth + rng.uniform(20, 60, n)
    exit_ = entry + rng.exponential(12, n)
    cohort = pd.DataFrame({"id": np.arange(n), "birth": birth, "entry": entry,
                           "exit": exit_, "dead": rng.integers(0, 2, n)})
    age_breaks = list(range(0, 100, 5))
    period_breaks = list(range(1920, 2030, 5))
    t_split = best_of(lambda: split_person_time(
        cohort, "entry", "exit", "birth", status="dead", age_breaks=age_breaks,
        period_breaks=period_breaks), repeats=3)
    pieces = len(split_person_time(cohort, "entry", "exit", "birth", status="dead",
                                   age_breaks=age_breaks, period_breaks=period_breaks))
    t_copy = best_of(lambda: cohort.iloc[np.repeat(np.arange(n), pieces // n)], repeats=3)
    print(f"split_person_time, {n:,} persons -> {pieces:,} rows: {t_split * 1e3:8.1f} ms "
          f"(x{t_split / t_copy:.1f} a bare row repeat of the same size, "
          f"{t_copy * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
