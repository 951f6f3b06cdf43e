"""A larger fuzz of every public estimator of lems_epi.stats (issue 19); not a test.

Draws ``--calls`` calls from the specs of ``tests/test_fuzz.py``: about half with valid random
inputs, half with one argument replaced by a bad value (text, dates, durations, complex, NaN,
inf, -1, -0.0, 1.5 as a count, bool, None, 2-D, empty, a list as a column name, a duplicated
column). Each call runs in this process under a timeout guard (SIGALRM). Prints the counts:

- ``named``: a ValueError/TypeError naming the argument (bad input), or any such error
  naming an argument or column (valid input that the estimator refuses, e.g. a zero
  denominator);
- ``accepted``: a table on the contract (valid input), or -0.0 giving the table of 0, or an
  empty input giving an empty table;
- ``unnamed``: any other exception, a message naming no argument, a stray (non-lems_epi)
  warning, or a timeout;
- ``wrong``: a silent wrong number: a bad value accepted, a table off the contract, or a NaN
  or infinite number without a LemsEpiWarning.

Usage: ``.venv/bin/python benchmarks/fuzz_catalogue.py --calls 3000 --seed 19``
"""

from __future__ import annotations

import argparse
import collections
import signal
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import test_fuzz as tf  # noqa: E402


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def classify_valid(spec, params) -> tuple[str, str]:
    problem = tf.problem_with_valid(spec, params)
    if problem is None:
        table, err, _ = tf.run(spec, params)
        return ("named", "") if err is not None else ("accepted", "")
    kind = "unnamed" if problem.startswith(("unnamed", "error naming", "stray")) else "wrong"
    return kind, problem


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per call")
    parser.add_argument("--show", type=int, default=40, help="failures to list")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    names = sorted(tf.SPECS)
    counts = collections.Counter()
    by_function = collections.defaultdict(collections.Counter)
    failures = []
    signal.signal(signal.SIGALRM, _alarm)
    start = time.perf_counter()
    for i in range(args.calls):
        name = names[int(rng.integers(len(names)))]
        spec = tf.SPECS[name]
        params = spec.make(rng)
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
        try:
            if i % 2 == 0:
                label = "valid"
                verdict, why = classify_valid(spec, params)
            else:
                cases = list(tf.bad_cases(spec, params))
                if not cases:
                    label = "valid"
                    verdict, why = classify_valid(spec, params)
                else:
                    arg, kind, q, zero = cases[int(rng.integers(len(cases)))]
                    label = f"{arg if isinstance(arg, str) else arg[-1]}={kind}"
                    verdict = tf.judge_bad(spec, q, zero, arg, kind)
                    why = ""
        except _Timeout:
            verdict, why = "unnamed", f"timeout after {args.timeout} s"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        counts[verdict] += 1
        by_function[name][verdict] += 1
        if verdict in ("unnamed", "wrong"):
            failures.append((name, label, verdict, why))
    elapsed = time.perf_counter() - start
    print(f"calls {args.calls} (seed {args.seed}, {elapsed:.0f} s)")
    for key in ("named", "accepted", "unnamed", "wrong"):
        print(f"{key:>9}: {counts[key]}")
    bad = {n: c for n, c in by_function.items() if c["unnamed"] or c["wrong"]}
    for n, c in sorted(bad.items()):
        print(f"  {n}: unnamed {c['unnamed']}, wrong {c['wrong']}")
    seen = set()
    for name, label, verdict, why in failures:
        key = (name, label, verdict, why[:60])
        if key in seen or len(seen) >= args.show:
            continue
        seen.add(key)
        print(f"  - {name} [{label}] {verdict}: {why[:200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
