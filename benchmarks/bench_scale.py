"""Benchmark: a cohort larger than memory, generated and reduced to stratum counts on Dask.

Run with::

    .venv/bin/python benchmarks/bench_scale.py                       # 10**9 persons, 2 workers
    .venv/bin/python benchmarks/bench_scale.py --n 100000000 --scaling-n 20000000

Three measurements, each on a fresh ``distributed.LocalCluster`` of worker processes (one
thread each; the cluster's start-up is not timed):

1. the headline run: ``--n`` persons (default 10**9) with ``--workers`` workers (default 2),
   made by :func:`lems_epi.simulate.scale.simulate_cohort_dask` and reduced by
   :func:`lems_epi.simulate.scale.aggregate` to counts by age x sex x smoking; every partition
   is generated, reduced to its counts and dropped, so memory stays bounded;
2. scaling: ``--scaling-n`` persons with 1 worker, then with 2 workers; persons per second of
   each and their ratio (2 would be perfect on 2 cores);
3. the in-memory baseline, timed in this process: ``simulate_cohort`` of ``--baseline-n``
   persons and the same aggregation with pandas;
4. optionally (``--parquet-n``), the persons themselves written to Parquet with
   ``ddf.to_parquet`` (one file per partition; a temporary folder unless ``--parquet-dir``).

Peak memory is the largest sum of resident memory (RSS) of this process and all its children
(the workers), sampled every 0.1 s. The CPU time the workers used is printed too: on a machine
shared with other jobs, "busy" well below 100% means the workers waited for a core, and the
persons per worker CPU-second are then the fairer measure of the work. The counts are checked:
persons sum to ``n``.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import psutil

from lems_epi import Scenario, simulate_cohort
from lems_epi.simulate.scale import aggregate, simulate_cohort_dask

BY = ["age", "sex", "smoking"]
GIB = 2**30


class PeakMemory:
    """Sample the RSS of this process tree in a background thread; keep the maximum."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        me = psutil.Process()
        total = me.memory_info().rss
        for child in me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _cpu(self) -> dict[int, float]:
        """CPU seconds (user + system) used so far by each child process (the workers)."""
        out = {}
        for child in psutil.Process().children(recursive=True):
            try:
                t = child.cpu_times()
                out[child.pid] = t.user + t.system
            except psutil.Error:
                pass
        return out

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(self.interval)

    def __enter__(self):
        self.peak = self._rss()
        self._cpu_start = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
        end = self._cpu()
        #: CPU seconds the child processes (the workers) used while measured
        self.child_cpu = sum(t - self._cpu_start.get(pid, 0.0) for pid, t in end.items())


def _warm_up():
    """Import the library on a worker, so the import is not timed as work."""
    import lems_epi.simulate.scale  # noqa: F401


def _timed_on_cluster(workers, job):
    """Start a LocalCluster of ``workers`` processes, then time ``job()`` and its peak memory."""
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        client.run(_warm_up)
        startup = time.perf_counter() - start
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            result = job()
            elapsed = time.perf_counter() - t0
    return result, elapsed, startup, mem


def run_on_cluster(scenario, n, workers, blocks_per_partition, seed):
    """Time generation + aggregation of ``n`` persons on a LocalCluster of ``workers``."""
    def job():
        ddf = simulate_cohort_dask(scenario, n, rng=seed,
                                   blocks_per_partition=blocks_per_partition)
        return aggregate(ddf, by=BY, events="lems")

    counts, elapsed, startup, mem = _timed_on_cluster(workers, job)
    if int(counts["persons"].sum()) != n:
        raise RuntimeError(f"counts sum to {counts['persons'].sum()}, not {n}")
    return {"n": n, "workers": workers, "seconds": elapsed, "startup": startup,
            "peak_gib": mem.peak / GIB, "rate": n / elapsed, "strata": len(counts),
            "cases": int(counts["events"].sum()),
            "worker_cpu": mem.child_cpu}


def write_parquet_on_cluster(scenario, n, workers, blocks_per_partition, seed, path):
    """Time writing ``n`` persons to Parquet under ``path`` on a LocalCluster of ``workers``."""
    def job():
        ddf = simulate_cohort_dask(scenario, n, rng=seed,
                                   blocks_per_partition=blocks_per_partition)
        ddf.to_parquet(path, write_index=False)
        return ddf.npartitions

    npartitions, elapsed, startup, mem = _timed_on_cluster(workers, job)
    files = list(Path(path).glob("*.parquet"))
    size = sum(f.stat().st_size for f in files)
    if len(files) != npartitions:
        raise RuntimeError(f"{len(files)} Parquet files for {npartitions} partitions")
    print(f"parquet: n={n:,} workers={workers} time={elapsed:.1f} s "
          f"({n / elapsed / 1e6:.2f} M persons/s), peak RSS {mem.peak / GIB:.2f} GiB, "
          f"{len(files)} files, {size / GIB:.2f} GiB on disk ({size / n:.1f} B/person) "
          f"(cluster start {startup:.1f} s)", flush=True)


def report(label, r):
    print(f"{label}: n={r['n']:,} workers={r['workers']} time={r['seconds']:.1f} s "
          f"({r['rate'] / 1e6:.2f} M persons/s), peak RSS {r['peak_gib']:.2f} GiB, "
          f"{r['strata']} strata, {r['cases']:,} cases (cluster start {r['startup']:.1f} s)",
          flush=True)
    if "worker_cpu" in r:
        busy = r["worker_cpu"] / (r["seconds"] * r["workers"])
        print(f"    workers used {r['worker_cpu']:.1f} CPU-s: {busy:.0%} of "
              f"{r['workers']} core(s) over the run; "
              f"{r['n'] / r['worker_cpu'] / 1e6:.2f} M persons per worker CPU-second",
              flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**9, help="persons in the headline run")
    parser.add_argument("--workers", type=int, default=2, help="workers in the headline run")
    parser.add_argument("--scaling-n", type=int, default=10**8,
                        help="persons in the 1- and 2-worker scaling runs (0 to skip)")
    parser.add_argument("--baseline-n", type=int, default=10**7,
                        help="persons in the in-memory baseline (0 to skip)")
    parser.add_argument("--parquet-n", type=int, default=0,
                        help="persons to write to Parquet with --workers workers (0: skip)")
    parser.add_argument("--parquet-dir", default=None,
                        help="folder for the Parquet run (default: a temporary folder, "
                             "removed afterwards)")
    parser.add_argument("--blocks-per-partition", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    scenario = Scenario.named("seed-base")

    if args.baseline_n:
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            cohort = simulate_cohort(scenario, args.baseline_n, rng=args.seed)
            counts = aggregate(cohort, by=BY, events="lems")
            elapsed = time.perf_counter() - t0
            del cohort
        report("in-memory baseline", {
            "n": args.baseline_n, "workers": 1, "seconds": elapsed, "startup": 0.0,
            "peak_gib": mem.peak / GIB, "rate": args.baseline_n / elapsed,
            "strata": len(counts), "cases": int(counts["events"].sum())})

    if args.scaling_n:
        one = run_on_cluster(scenario, args.scaling_n, 1, args.blocks_per_partition, args.seed)
        report("scaling, 1 worker ", one)
        two = run_on_cluster(scenario, args.scaling_n, 2, args.blocks_per_partition, args.seed)
        report("scaling, 2 workers", two)
        print(f"scaling ratio (2 workers / 1 worker, persons per second): "
              f"{two['rate'] / one['rate']:.2f}", flush=True)

    if args.n:
        head = run_on_cluster(scenario, args.n, args.workers, args.blocks_per_partition,
                              args.seed)
        report("headline", head)
        verdict = "under" if head["peak_gib"] < 4 else "OVER"
        print(f"peak memory {head['peak_gib']:.2f} GiB: {verdict} the 4 GiB target", flush=True)

    if args.parquet_n:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(args.parquet_dir or tmp) / "cohort"
            write_parquet_on_cluster(scenario, args.parquet_n, args.workers,
                                     args.blocks_per_partition, args.seed, path)


if __name__ == "__main__":
    main()
