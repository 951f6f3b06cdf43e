"""The ``lems-epi`` command line.

Sub-commands: ``evidence``, ``scenarios``, ``simulate``, ``sensitivity``, ``report`` and
``demo``. Each exits 0 on success; bad arguments or input give a one-line error (no traceback)
on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
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
            wanted = [c.strip() for c in args.columns.split(",") if c.strip()]
            unknown = [c for c in wanted if c not in frame.columns]
            if unknown or not wanted:
                raise CommandError(f"--columns: unknown column(s) {unknown or [args.columns]}; "
                                   f"choose from {', '.join(frame.columns)}.")
            frame = frame[wanted]
    if args.format == "text":  # people read text: sources by their labels, not file names
        from lems_epi.evidence import with_source_labels

        frame = with_source_labels(frame)
    print(_table(frame, args.format))
    return 0


def _cmd_scenarios(args) -> int:
    from lems_epi.scenario import Scenario, scenarios

    if args.name:
        print(_table(Scenario.named(args.name).summary(), args.format))
    elif args.format == "text":  # descriptions are long: list them below the table
        table = scenarios()
        print(_table(table.drop(columns="description"), "text"))
        print()
        for name, text in zip(table["name"], table["description"], strict=True):
            print(textwrap.fill(text, width=100, initial_indent=f"{name}: ",
                                subsequent_indent="    ", break_on_hyphens=False))
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
    """Run the main job: the report from the embedded defaults."""
    from lems_epi.report import write_report

    path = write_report(Path(args.out), overwrite=True, progress=not args.quiet)
    print(f"report written to {Path(path).resolve()}")
    return 0


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for the documentation and the tests)."""
    p = _Parser(prog="lems-epi", description="Epidemiology of Lambert-Eaton myasthenic syndrome: "
                "sources, scenarios, synthetic data, statistics and sensitivity analysis.")
    p.add_argument("--version", action="version", version=_version())
    from lems_epi.populations.loaders import POPULATION_NAMES
    from lems_epi.scenario import _REGISTRY
    from lems_epi.sensitivity import OUTPUTS

    names = ", ".join(sorted(_REGISTRY))
    pops = ", ".join(POPULATION_NAMES)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fmt = dict(choices=["text", "csv", "json"], default="text", help="output format")

    e = sub.add_parser("evidence", help="print the evidence table or the conflicts",
                       description="Print every figure the sources give (one row each), or "
                       "with --conflicts one row per parameter on which sources disagree.")
    e.add_argument("--conflicts", action="store_true",
                   help="print one row per disputed parameter instead (ignores the filters)")
    e.add_argument("--parameter", help="keep rows of this parameter (e.g. prevalence, "
                   "paraneoplastic_share, sclc_share; an unknown name lists them all)")
    e.add_argument("--kind", choices=["seed", "literature", "assumption"],
                   help="keep rows from the seed documents, the literature, or stated "
                   "assumptions")
    e.add_argument("--columns", metavar="COL,COL,...",
                   help="comma-separated columns to show, e.g. evidence_id,value,low,high,"
                   "source_id (an unknown name lists them all)")
    e.add_argument("--format", **fmt)
    e.set_defaults(func=_cmd_evidence)

    s = sub.add_parser("scenarios", help="list named scenarios or show one",
                       description="List the named scenarios, or show one with its sources.")
    s.add_argument("name", nargs="?", help=f"a named scenario: {names}")
    s.add_argument("--format", **fmt)
    s.set_defaults(func=_cmd_scenarios)

    m = sub.add_parser("simulate", help="write a synthetic cohort or stratum counts",
                       description="Simulate from a named scenario and write the result "
                       "atomically to a .csv or .parquet file (never overwriting without "
                       "--force).")
    m.add_argument("--scenario", default="seed-base",
                   help=f"named scenario: {names} (default seed-base)")
    m.add_argument("--n", type=_positive_int, default=100_000,
                   help="persons in the cohort (default 100000; ignored with --kind counts, "
                   "which covers the whole population)")
    m.add_argument("--seed", type=_seed, default=None, help="random seed (an integer >= 0)")
    m.add_argument("--kind", choices=["cohort", "counts"], default="cohort",
                   help="one row per person (cohort) or per stratum (counts)")
    m.add_argument("--population", default=None, choices=POPULATION_NAMES,
                   metavar="POPULATION", help=f"population: {pops} (default: the scenario's "
                   "reference population, denmark-2013 for the named scenarios)")
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
    v.add_argument("--output", default="expected_cases", choices=list(OUTPUTS),
                   metavar="OUTPUT", help="named output: " + ", ".join(OUTPUTS)
                   + " (default expected_cases)")
    v.add_argument("--scenario", default="seed-base",
                   help=f"base scenario: {names} (default seed-base)")
    v.add_argument("--population", default="finland-2016", choices=POPULATION_NAMES,
                   metavar="POPULATION",
                   help=f"target population: {pops} (default finland-2016)")
    v.add_argument("--n", type=_positive_int, default=1024,
                   help="samples for sobol (a power of two) and probabilistic (default 1024; "
                   "ignored by one-way and grid)")
    v.add_argument("--seed", type=_seed, default=None,
                   help="random seed for sobol and probabilistic (an integer >= 0)")
    v.add_argument("--format", **fmt)
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_sensitivity)

    r = sub.add_parser("report", help="write the self-contained HTML report",
                       description="Write one self-contained HTML report (plotly.js inline).")
    r.add_argument("--scenario", default="seed-base",
                   help=f"named scenario: {names} (default seed-base)")
    r.add_argument("--population", default="finland-2016", choices=POPULATION_NAMES,
                   metavar="POPULATION",
                   help=f"target population: {pops} (default finland-2016)")
    r.add_argument("--seed", type=_seed, default=2013, help="random seed (default 2013)")
    r.add_argument("--out", default="report.html",
                   help="output HTML file; its folder must exist (default report.html)")
    r.add_argument("--force", action="store_true", help="overwrite an existing file")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_cmd_report)

    d = sub.add_parser("demo", help="write report.html from the embedded defaults "
                       "(what `make demo` runs)",
                       description="Write the report from the embedded defaults (scenario "
                       "seed-base, population finland-2016, seed 2013) and print its path; "
                       "this is what `make demo` runs. An existing file is replaced.")
    d.add_argument("--out", default="report.html",
                   help="output HTML file, replaced if it exists (default report.html)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
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
