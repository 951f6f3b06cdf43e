"""The ``lems-epi`` command line.

Sub-commands: ``evidence``, ``scenarios``, ``simulate``, ``sensitivity``, ``report``, ``demo``
and ``clean``. Each exits 0 on success. Every failure is one line on standard error, no
traceback: bad arguments or input, an existing or unwritable output, a full disk, a file-size
limit or too little memory exit 2; Ctrl-C exits 130 and SIGTERM 143, both after removing
their temporary file. Output cut short by a closed pipe (``lems-epi evidence | head``) ends
quietly.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import sys
import textwrap
from pathlib import Path

__all__ = ["main", "build_parser"]


class CommandError(Exception):
    """A user error that the command line reports in one line with exit code 2."""


class Terminated(BaseException):  # noqa: N818 (like KeyboardInterrupt, not an error)
    """Raised by the SIGTERM handler so that temporaries are cleaned up as on Ctrl-C."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _numeric_columns(frame):
    """Columns of text that hold only numbers become numbers (for JSON)."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            converted = pd.to_numeric(out[col], errors="coerce")
            if converted.notna().sum() == out[col].notna().sum() and out[col].notna().any():
                out[col] = converted
    return out


def _table(frame, fmt: str) -> str:
    import pandas as pd

    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        return _numeric_columns(frame).to_json(orient="records", indent=1)
    width = max(shutil.get_terminal_size((100, 24)).columns, 40)
    limit = max(12, width // 3)  # long text cells are cut so that the table fits
    texts = [c for c in frame.columns if frame[c].dtype == object
             or pd.api.types.is_string_dtype(frame[c].dtype)]
    cut = {c: [v if len(str(v)) <= limit else str(v)[:limit - 3] + "..." for v in
               frame[c].astype(object).where(frame[c].notna(), "")] for c in texts}
    with pd.option_context("display.max_rows", 500, "display.max_columns", 50,
                           "display.width", width, "display.max_colwidth", limit):
        return frame.assign(**cut).to_string(index=False, float_format=_float,
                                             line_width=width)


def _float(v) -> str:
    return "" if isinstance(v, float) and math.isnan(v) else f"{v:.4g}"


def _notes(notes, fmt: str) -> None:
    """Print notes below a text table, or on standard error beside CSV and JSON."""
    for note in notes:
        if fmt == "text":
            print(textwrap.fill(f"Note: {note}", width=100))
        else:
            print(f"note: {note}", file=sys.stderr)


# ---------------------------------------------------------------------------- sub-commands
def _cmd_evidence(args) -> int:
    from lems_epi.sources import conflicts, evidence

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
        from lems_epi.sources import with_source_labels

        frame = with_source_labels(frame)
    print(_table(frame, args.format))
    return 0


def _cmd_scenarios(args) -> int:
    from lems_epi.scenario import coerce_scenario, scenarios

    if args.name:
        scenario = coerce_scenario(args.name, name="name", caller="scenarios")
        if args.format == "json":  # the parameters with their own types
            print(json.dumps(scenario.to_dict(), indent=1))
        else:
            print(_table(scenario.summary(), args.format))
    elif args.format == "text":  # descriptions are long: list them below the table
        table = scenarios()
        print(_table(table.drop(columns="description"), "text"))
        print()
        width = max(shutil.get_terminal_size((100, 24)).columns, 40)
        for name, text in zip(table["name"], table["description"], strict=True):
            print(textwrap.fill(text, width=width, initial_indent=f"{name}: ",
                                subsequent_indent="    ", break_on_hyphens=False))
    else:
        print(_table(scenarios(), args.format))
    return 0


def _cmd_simulate(args) -> int:
    from lems_epi.simulate.io import write_simulation

    result = write_simulation(args.scenario, args.n, Path(args.out), kind=args.kind,
                              population=args.population, overwrite=args.force,
                              progress=not args.quiet, rng=args.seed)
    print(result)
    return 0


def _cmd_sensitivity(args) -> int:
    from tqdm.auto import tqdm

    from lems_epi import sensitivity as sa

    kwargs = {"base": args.scenario, "population": args.population}
    notes = ()
    with tqdm(total=1, desc=f"sensitivity ({args.method})", disable=args.quiet,
              leave=False, file=sys.stderr) as bar:
        if args.method == "one-way":
            frame = sa.one_way(args.output, **kwargs)
        elif args.method == "sobol":
            result = sa.sobol(args.output, None, n=args.n, rng=args.seed, **kwargs)
            notes = result.notes  # text: one row per parameter; csv, json: the contract table
            frame = result.summary().tables["Indices"] if args.format == "text" \
                else result.table
        elif args.method == "probabilistic":
            frame = sa.probabilistic(args.output, None, n=args.n, rng=args.seed,
                                     **kwargs).table
        else:
            frame = sa.scenario_grid(args.output, **kwargs)
        bar.update(1)
    print(_table(frame, args.format))
    _notes(notes, args.format)
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


def _cmd_clean(args) -> int:
    from lems_epi._io import remove_stale_temporaries

    removed = []
    for folder in args.folders or ["."]:
        if not Path(folder).is_dir():
            raise CommandError(f"{folder!r} is not a folder.")
        removed += remove_stale_temporaries(folder)
    for path in removed:
        print(f"removed {path}")
    if not removed:
        print("no stale temporary files")
    return 0


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for the documentation and the tests)."""
    from lems_epi.populations.loaders import POPULATION_NAMES
    from lems_epi.scenario import DEFAULT_POPULATION, scenario_names

    p = _Parser(prog="lems-epi", description="Epidemiology of Lambert-Eaton myasthenic syndrome: "
                "sources, scenarios, synthetic data, statistics and sensitivity analysis.")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    names = ", ".join(scenario_names())
    pops = dict(choices=POPULATION_NAMES, metavar="POPULATION", default=DEFAULT_POPULATION,
                help=f"population: {', '.join(POPULATION_NAMES)} (default {DEFAULT_POPULATION})")
    _add_evidence(sub)
    _add_scenarios(sub, names)
    _add_simulate(sub, names, pops)
    _add_sensitivity(sub, names, pops)
    _add_report(sub, names, pops)
    _add_demo(sub)
    _add_clean(sub)
    return p


_FORMAT = dict(choices=["text", "csv", "json"], default="text",
               help="output format (json writes numbers as numbers)")


def _add_evidence(sub) -> None:
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
    e.add_argument("--format", **_FORMAT)
    e.set_defaults(func=_cmd_evidence)


def _add_scenarios(sub, names: str) -> None:
    s = sub.add_parser("scenarios", help="list named scenarios or show one",
                       description="List the named scenarios, or show one with its sources.")
    s.add_argument("name", nargs="?", help=f"a named scenario: {names}")
    s.add_argument("--format", **_FORMAT)
    s.set_defaults(func=_cmd_scenarios)


def _add_simulate(sub, names: str, pops: dict) -> None:
    m = sub.add_parser("simulate", help="write a synthetic cohort or stratum counts",
                       description="Simulate from a named scenario and write the result "
                       "atomically to a .csv or .parquet file (never overwriting without "
                       "--force, not even a file that appears while the simulation runs).")
    m.add_argument("--scenario", default="seed-base",
                   help=f"named scenario: {names} (default seed-base)")
    m.add_argument("--n", type=_positive_int, default=100_000,
                   help="persons in the cohort (default 100000; ignored with --kind counts, "
                   "which covers the whole population)")
    m.add_argument("--seed", type=_seed, default=None, help="random seed (an integer >= 0)")
    m.add_argument("--kind", choices=["cohort", "counts"], default="cohort",
                   help="one row per person (cohort) or per stratum (counts)")
    m.add_argument("--population", **pops)
    m.add_argument("--out", required=True, help="output path ending in .csv or .parquet")
    m.add_argument("--force", action="store_true", help="overwrite an existing file")
    m.add_argument("--quiet", action="store_true", help="no progress bar")
    m.set_defaults(func=_cmd_simulate)


def _add_sensitivity(sub, names: str, pops: dict) -> None:
    from lems_epi.sensitivity import OUTPUTS

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
    v.add_argument("--population", **pops)
    v.add_argument("--n", type=_positive_int, default=4096,
                   help="samples for sobol (a power of two) and probabilistic (default 4096; "
                   "ignored by one-way and grid)")
    v.add_argument("--seed", type=_seed, default=None,
                   help="random seed for sobol and probabilistic (an integer >= 0)")
    v.add_argument("--format", **_FORMAT)
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_sensitivity)


def _add_report(sub, names: str, pops: dict) -> None:
    r = sub.add_parser("report", help="write the self-contained HTML report",
                       description="Write one self-contained HTML report (plotly.js inline).")
    r.add_argument("--scenario", default="seed-base",
                   help=f"named scenario: {names} (default seed-base)")
    r.add_argument("--population", **pops)
    r.add_argument("--seed", type=_seed, default=2013, help="random seed (default 2013)")
    r.add_argument("--out", default="report.html",
                   help="output HTML file; its folder must exist (default report.html)")
    r.add_argument("--force", action="store_true", help="overwrite an existing file")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_cmd_report)


def _add_demo(sub) -> None:
    d = sub.add_parser("demo", help="write report.html from the embedded defaults "
                       "(what `make demo` runs)",
                       description="Write the report from the embedded defaults (scenario "
                       "seed-base, the default population, seed 2013) and print its path; "
                       "this is what `make demo` runs. An existing file is replaced.")
    d.add_argument("--out", default="report.html",
                   help="output HTML file, replaced if it exists (default report.html)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=_cmd_demo)


def _add_clean(sub) -> None:
    c = sub.add_parser("clean", help="remove temporary files left by killed runs",
                       description="Remove the hidden temporary files (.NAME.lems-epi-PID-*.tmp) "
                       "that a killed `lems-epi simulate` or `report` left in a folder, when "
                       "their process is no longer running. Every later write into a folder "
                       "does the same.")
    c.add_argument("folders", nargs="*", metavar="FOLDER", help="folders to clean (default .)")
    c.set_defaults(func=_cmd_clean)


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


def _on_sigterm(signum, frame):
    raise Terminated()


def _install_signal_handlers() -> None:
    """SIGTERM cleans up as Ctrl-C does; a file-size limit gives an error, not a core dump."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop quietly, without a second error at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def _os_error(exc: OSError) -> str:
    if exc.filename is None and exc.strerror is None:
        return str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def main(argv=None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None:  # the real command line (tests call main([...]) in-process)
        _install_signal_handlers()

    def fail(message: str, code: int = 2) -> int:
        print(f"lems-epi {args.command}: error: {message}", file=sys.stderr)
        return code

    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        return fail("interrupted; nothing was written.", 130)
    except Terminated:
        return fail("terminated (SIGTERM); nothing was written.", 143)
    except MemoryError as exc:
        text = str(exc).splitlines()[0] if str(exc) else ""
        if not text or "persons need about" not in text:
            text = "not enough memory" + (f" for --n {args.n:,} persons; use a smaller --n"
                                          if getattr(args, "n", None) else "") + "."
        return fail(text + " Nothing was written.")
    except (ValueError, TypeError, CommandError, FileExistsError, FileNotFoundError,
            IsADirectoryError, PermissionError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return fail(text)
    except OSError as exc:  # disk full, file too large, ...
        return fail(f"could not write: {_os_error(exc)}; nothing was written.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
