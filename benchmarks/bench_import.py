"""Import time of ``lems_epi`` against ``pandas`` + ``scipy.stats`` (target: ratio <= 1.2).

Each import runs in a fresh interpreter (``python -c``), alternately, several times; the best
time of each is kept (``python -X importtime`` is not used: it slows imports down). The ratio
``import lems_epi`` / ``import pandas, scipy.stats`` is printed with both times and the list
of heavy modules (statsmodels.api, plotly, dask, distributed) that ``import lems_epi`` loaded,
which should be empty. ``import lems_epi`` is lazy (SPEC 1), so the figure that matters to a
user is also printed: the first use of the names most sessions start with
(``from lems_epi import Scenario, expected_counts, rates, simulate_cohort``), which imports
pandas and scipy itself.

Run: ``.venv/bin/python benchmarks/bench_import.py [repeats]``.
"""

import subprocess
import sys

HEAVY = ("statsmodels.api", "plotly", "dask", "distributed")
TIMER = ("import time; t = time.perf_counter(); {stmt}; "
         "print(time.perf_counter() - t)")


def time_import(stmt: str) -> float:
    """Seconds for ``stmt`` in a fresh interpreter (interpreter start-up excluded)."""
    out = subprocess.run([sys.executable, "-c", TIMER.format(stmt=stmt)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def heavy_loaded() -> list[str]:
    code = ("import sys, lems_epi; print(','.join(m for m in %r if m in sys.modules))" % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return [m for m in out.stdout.strip().split(",") if m]


FIRST_USE = "from lems_epi import Scenario, expected_counts, rates, simulate_cohort"


def main(repeats: int = 7) -> float:
    ours, base, first = [], [], []
    for stmt in ("import lems_epi", "import pandas, scipy.stats", FIRST_USE):
        time_import(stmt)  # warm the file cache and the bytecode
    for _ in range(repeats):
        ours.append(time_import("import lems_epi"))
        base.append(time_import("import pandas, scipy.stats"))
        first.append(time_import(FIRST_USE))
    ratio = min(ours) / min(base)
    print(f"import lems_epi:             {min(ours) * 1000:7.1f} ms (best of {repeats})")
    print(f"import pandas, scipy.stats:  {min(base) * 1000:7.1f} ms (best of {repeats})")
    print(f"ratio:                       {ratio:7.4f} (target <= 1.2)")
    print(f"first use ({FIRST_USE[5:]}): {min(first) * 1000:.1f} ms, ratio "
          f"{min(first) / min(base):.2f}")
    print(f"heavy modules loaded:        {heavy_loaded() or 'none'}")
    return ratio


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
