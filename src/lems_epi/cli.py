"""The ``lems-epi`` command line.

Sub-commands: ``evidence``, ``scenarios``, ``simulate``, ``sensitivity``, ``report`` and
``demo``. Each exits 0 on success; bad arguments or input give a one-line error (no traceback)
on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


class CommandError(Exception):
    """A user error that the command line reports in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _table(frame, fmt: str) -> str:
    import pandas as pd

    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        return frame.to_json(orient="records", indent=1)
    with pd.option_context("display.max_rows", 500, "display.max_columns", 50,
                           "display.width", 160, "display.max_colwidth", 70):
        return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


# ---------------------------------------------------------------------------- sub-commands
def _cmd_evidence(args) -> int:
    from lems_epi.evidence import conflicts, evidence

    if args.conflicts:
        frame = conflicts()
    else:
        filters = {k: v for k, v in (("parameter", args.parameter), ("kind", args.kind)) if v}
        frame = evidence(**filters)
        if args.columns:
            frame = frame[[c.strip() for c in args.columns.split(",")]]
    print(_table(frame, args.format))
    return 0


def _cmd_scenarios(args) -> int:
    from lems_epi.scenario import Scenario, scenarios

    if args.name:
        print(_table(Scenario.named(args.name).summary(), args.format))
    else:
        print(_table(scenarios(), args.format))
    return 0


def _cmd_simulate(args) -> int:
    from lems_epi.simulate.io import write_simulation

    result = write_simulation(args.scenario, args.n, Path(args.out), rng=args.seed,
                              kind=args.kind, population=args.population,
                              overwrite=args.force, progress=not args.quiet)
    print(result)
    return 0


def _cmd_sensitivity(args) -> int:
    from tqdm.auto import tqdm

    from lems_epi import sensitivity as sa
    from lems_epi.scenario import Scenario

    base = Scenario.named(args.scenario)
    kwargs = {"base": base, "population": args.population}
    with tqdm(total=1, desc=f"sensitivity ({args.method})", disable=args.quiet,
              leave=False, file=sys.stderr) as bar:
        if args.method == "one-way":
            frame = sa.one_way(args.output, **kwargs)
        elif args.method == "sobol":
            frame = sa.sobol(args.output, None, n=args.n, rng=args.seed, **kwargs)
        elif args.method == "probabilistic":
            frame = sa.probabilistic(args.output, None, n=args.n, rng=args.seed,
                                     **kwargs).summary
        else:
            frame = sa.scenario_grid(args.output, None, **kwargs)
        bar.update(1)
    print(_table(frame, args.format))
    return 0


def _cmd_report(args) -> int:
    from lems_epi.report import write_report

    path = write_report(Path(args.out), scenario=args.scenario, population=args.population,
                        rng=args.seed, overwrite=args.force, progress=not args.quiet)
    print(f"report written to {Path(path).resolve()}")
    return 0


def _cmd_demo(args) -> int:
    """Run the main job: the report from the embedded defaults, or a text summary."""
    try:
        from lems_epi.report import write_report
    except ImportError:
        write_report = None
    if write_report is not None:
        path = write_report(Path(args.out), overwrite=True, progress=not args.quiet)
        print(f"report written to {Path(path).resolve()}")
        return 0
    from lems_epi.evidence import conflicts
    from lems_epi.scenario import scenarios

    print("Where the sources disagree (lems_epi.conflicts()):\n")
    print(_table(conflicts()[["parameter", "unit", "low", "high", "source_low",
                              "source_high", "reading"]], "text"))
    print("\nNamed scenarios (lems_epi.scenarios()):\n")
    print(_table(scenarios(), "text"))
    return 0


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for the documentation and the tests)."""
    p = _Parser(prog="lems-epi", description="Epidemiology of Lambert-Eaton myasthenic syndrome: "
                "sources, scenarios, synthetic data, statistics and sensitivity analysis.")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fmt = dict(choices=["text", "csv", "json"], default="text", help="output format")

    e = sub.add_parser("evidence", help="print the evidence table or the conflicts",
                       description="Print every figure the sources give (one row each), or "
                       "with --conflicts one row per parameter on which sources disagree.")
    e.add_argument("--conflicts", action="store_true", help="print conflicts() instead")
    e.add_argument("--parameter", help="keep rows of this parameter (e.g. prevalence)")
    e.add_argument("--kind", choices=["seed", "literature", "assumption"])
    e.add_argument("--columns", help="comma-separated columns to show")
    e.add_argument("--format", **fmt)
    e.set_defaults(func=_cmd_evidence)

    s = sub.add_parser("scenarios", help="list named scenarios or show one",
                       description="List the named scenarios, or show one with its sources.")
    s.add_argument("name", nargs="?", help="a named scenario, e.g. seed-base")
    s.add_argument("--format", **fmt)
    s.set_defaults(func=_cmd_scenarios)

    m = sub.add_parser("simulate", help="write a synthetic cohort or stratum counts",
                       description="Simulate from a named scenario and write the result "
                       "atomically to a .csv or .parquet file (never overwriting without "
                       "--force).")
    m.add_argument("--scenario", default="seed-base", help="named scenario (default seed-base)")
    m.add_argument("--n", type=_positive_int, default=100_000,
                   help="persons in the cohort (default 100000)")
    m.add_argument("--seed", type=_seed, default=None, help="random seed (an integer >= 0)")
    m.add_argument("--kind", choices=["cohort", "counts"], default="cohort",
                   help="one row per person (cohort) or per stratum (counts)")
    m.add_argument("--population", default=None,
                   help="population name (default: the scenario's reference population)")
    m.add_argument("--out", required=True, help="output path ending in .csv or .parquet")
    m.add_argument("--force", action="store_true", help="overwrite an existing file")
    m.add_argument("--quiet", action="store_true", help="no progress bar")
    m.set_defaults(func=_cmd_simulate)

    v = sub.add_parser("sensitivity", help="tornado or Sobol analysis of a named output",
                       description="Sensitivity of a named output to the conflicting source "
                       "figures, on the closed-form model for a target population.")
    v.add_argument("--method", choices=["one-way", "sobol", "probabilistic", "grid"],
                   default="one-way", help="one-way (tornado data, default), sobol (variance "
                   "indices), probabilistic (distribution of the output), grid (every "
                   "combination of the sources' figures)")
    v.add_argument("--output", default="expected_cases",
                   help="named output: expected_cases (default), expected_paraneoplastic_cases, "
                   "expected_sclc_cases, expected_cases_under_50, share_smokers_among_cases, "
                   "male_to_female_ratio, population_for_100_cases, "
                   "age_standardised_prevalence")
    v.add_argument("--scenario", default="seed-base", help="base scenario")
    v.add_argument("--population", default="finland-2016", help="target population")
    v.add_argument("--n", type=_positive_int, default=1024,
                   help="samples (a power of two for sobol)")
    v.add_argument("--seed", type=_seed, default=None,
                   help="random seed for sobol and probabilistic (an integer >= 0)")
    v.add_argument("--format", **fmt)
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_sensitivity)

    r = sub.add_parser("report", help="write the self-contained HTML report",
                       description="Write one self-contained HTML report (plotly.js inline).")
    r.add_argument("--scenario", default="seed-base",
                   help="named scenario: seed-base (default), seed-low, seed-high, literature")
    r.add_argument("--population", default="finland-2016",
                   help="target population: finland-2016 (default) or denmark-2013")
    r.add_argument("--seed", type=_seed, default=2013, help="random seed (default 2013)")
    r.add_argument("--out", default="report.html", help="output file (default report.html)")
    r.add_argument("--force", action="store_true", help="overwrite an existing file")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_cmd_report)

    d = sub.add_parser("demo", help="the main job with the embedded defaults",
                       description="Build the report from the embedded defaults (what "
                       "`make demo` runs).")
    d.add_argument("--out", default="report.html")
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_cmd_demo)
    return p


def _version() -> str:
    from lems_epi import __version__

    return f"lems-epi {__version__}"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"the seed must be >= 0, got {value}")
    return value


def main(argv=None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileExistsError, FileNotFoundError, IsADirectoryError,
            CommandError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"lems-epi {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
