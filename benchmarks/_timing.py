"""Timing helper shared by the benchmark scripts (run them as ``python benchmarks/bench_*.py``)."""

import time


def best_of(func, repeats=5):
    """Best wall-clock time of ``repeats`` calls of ``func``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)
