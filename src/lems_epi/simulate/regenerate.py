"""Rebuild the fixed-seed teaching datasets in ``data/synthetic/``.

Run ``python -m lems_epi.simulate.regenerate`` from the repository (add ``--force`` to replace
existing files, ``--out DIR`` to write elsewhere). Every file, including the data dictionary
``README.md``, is written atomically. ``tests/test_synthetic_data.py`` rebuilds them into a
temporary folder and checks that the committed files are what the code produces now.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from lems_epi._io import write_frame_atomic, write_text_atomic

__all__ = ["CASE_CONTROL_N", "COHORT_N", "SEED", "build_datasets", "regenerate"]

#: The one seed of every dataset (an int rng is the entropy of the simulation).
SEED = 20130101
#: Scenario of the cohort and the case-control sample.
SCENARIO = "seed-base"
#: Scenarios of the stratum counts: the named scenarios whose figures are fixed numbers. The
#: ``pooled`` scenario is left out: its figures come from a numerical optimisation (the GLMM
#: meta-analysis) whose last digits move with that code, and the datasets must stay fixed.
COUNT_SCENARIOS = ("seed-low", "seed-high", "seed-base", "literature")
#: Population of every dataset (the named scenarios' reference population).
POPULATION = "denmark-2013"
#: Persons in the teaching cohort.
COHORT_N = 100_000
#: Persons in the cohort behind the case-control sample (about 7e-6 x 35e6 = 245 cases).
CASE_CONTROL_N = 35_000_000
#: Controls per case in the case-control sample.
CONTROLS_PER_CASE = 4
#: The case-control sample must hold at least this many cases.
MIN_CASES = 200

FILES = {
    "counts": "stratum_counts_denmark_2013.csv",
    "cohort": "cohort_seed_base_100k.csv",
    "case_control": "case_control_seed_base.csv",
    "readme": "README.md",
}


def default_folder() -> Path:
    """``data/synthetic`` of the repository this package is installed from (editable)."""
    return Path(__file__).resolve().parents[3] / "data" / "synthetic"


def build_datasets() -> dict[str, pd.DataFrame]:
    """Simulate the three datasets (nothing is written).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``counts``: :func:`lems_epi.simulate_counts` for the Danish 2013 population under every
        named scenario of :data:`COUNT_SCENARIOS`, with a leading ``scenario`` column; ``cohort``:
        :func:`lems_epi.simulate_cohort` of :data:`COHORT_N` persons; ``case_control``:
        :func:`lems_epi.simulate_case_control` from a cohort of :data:`CASE_CONTROL_N`.
    """
    from lems_epi.simulate.case_control import simulate_case_control
    from lems_epi.simulate.cohort import simulate_cohort
    from lems_epi.simulate.counts import simulate_counts

    parts = []
    for name in COUNT_SCENARIOS:
        table = simulate_counts(name, population=POPULATION, rng=SEED)
        table.insert(0, "scenario", name)
        parts.append(table)
    counts = pd.concat(parts, ignore_index=True)
    cohort = simulate_cohort(SCENARIO, COHORT_N, population=POPULATION, rng=SEED)
    cc = simulate_case_control(SCENARIO, CASE_CONTROL_N, controls_per_case=CONTROLS_PER_CASE,
                               population=POPULATION, rng=SEED)
    if int(cc["case"].sum()) < MIN_CASES:
        raise RuntimeError(f"the case-control cohort holds only {int(cc['case'].sum())} cases "
                           f"(< {MIN_CASES}); raise CASE_CONTROL_N.")
    return {"counts": counts, "cohort": cohort, "case_control": cc}


def _dictionary(data: dict[str, pd.DataFrame]) -> str:
    from lems_epi import __version__

    names = ", ".join(f"`{n}`" for n in pd.unique(data["counts"]["scenario"]))
    from lems_epi.model import expected_counts

    cohort, cc = data["cohort"], data["case_control"]
    n_cases = int(cc["case"].sum())
    table = expected_counts(SCENARIO, population=POPULATION)
    expected = COHORT_N * table["expected_cases"].sum() / table["population"].sum()
    k = int(cohort["lems"].sum())
    held = f"{k} case{'' if k == 1 else 's'} ({expected:.1f} expected)"
    return f"""# Synthetic teaching data

Fixed-seed datasets simulated by lems_epi {__version__}. They are synthetic: no row is a real
person. Rebuild them all with

```bash
python -m lems_epi.simulate.regenerate --force
```

(`tests/test_synthetic_data.py` checks that these files are exactly what the code produces now.)
Every dataset uses the seed **{SEED}** (`rng={SEED}`, the entropy of the simulation); the cohort
and the case-control sample use the scenario `{SCENARIO}` and the Danish population of
1 January 2013 (`denmark-2013`). CSV files: comma-separated, header row, missing values as empty
fields, booleans as `True`/`False`.

## `{FILES["counts"]}`

Simulated prevalent LEMS cases in the whole Danish population of 2013 (5,602,628 persons) under
each named scenario with fixed figures ({names}; `pooled` is left out: its figures come from
a numerical meta-analysis), one row per scenario x stratum ({len(data["counts"]):,} rows).
Made by `lems_epi.simulate_counts(name, population="{POPULATION}", rng={SEED})`; the same seed
for every scenario, so differences between scenarios are not blurred by different random numbers
(common random numbers).

| column | type | meaning |
|---|---|---|
| `scenario` | text | named scenario (`lems_epi.scenarios()`) |
| `age` | integer | age in whole years; 99 means 99 and over |
| `sex` | text | `female` / `male` |
| `smoking` | text | `never` / `former` / `current` (the scenario's smoking prevalence) |
| `population` | integer | persons in the stratum |
| `expected_paraneoplastic` | float | expected paraneoplastic cases (risk model, no randomness) |
| `expected_sclc` | float | expected SCLC-linked cases (part of the paraneoplastic ones) |
| `expected_nonparaneoplastic` | float | expected non-paraneoplastic cases |
| `expected_cases` | float | expected cases of either type |
| `paraneoplastic` | integer | simulated paraneoplastic cases |
| `sclc` | integer | simulated SCLC-linked cases (part of `paraneoplastic`) |
| `nonparaneoplastic` | integer | simulated non-paraneoplastic cases |
| `cases` | integer | `paraneoplastic + nonparaneoplastic` |

## `{FILES["cohort"]}`

A cohort of {len(cohort):,} persons drawn from the `{SCENARIO}` scenario
(`lems_epi.simulate_cohort("{SCENARIO}", {COHORT_N}, population="{POPULATION}", rng={SEED})`),
one row per person. At 7 cases per million it holds {held}: a cohort of this size is the wrong design
for a disease this rare, which is itself the lesson. Persons follow the
Danish age x sex structure and the scenario's smoking prevalence; rows are ordered by stratum
(age, sex, smoking) within blocks of 2^20 persons.

| column | type | meaning |
|---|---|---|
| `person_id` | integer | 0 to n - 1 |
| `age` | integer | age in whole years; 99 means 99 and over |
| `sex` | text | `female` / `male` |
| `smoking` | text | `never` / `former` / `current` |
| `lems` | boolean | has LEMS (prevalent case) |
| `lems_type` | text | `paraneoplastic` / `non-paraneoplastic`; empty for non-cases |
| `cancer` | text | `sclc` / `other` for paraneoplastic cases; empty otherwise |
| `onset_age` | float | age at onset: age minus a time since onset drawn from an exponential with the scenario's mean duration of the type, truncated so that onset is at least 18 (paraneoplastic) or the youngest age of the scenario's age profile (non-paraneoplastic: 5 for seed-base's any-age profile, 18 for the others); empty for non-cases |
| `vgcc_antibody` | boolean | P/Q-type VGCC antibodies, drawn with the scenario's type-specific positivity; empty for non-cases (not tested) |

## `{FILES["case_control"]}`

A case-control sample: every case of a cohort of {CASE_CONTROL_N:,} persons (scenario
`{SCENARIO}`, seed {SEED}; {n_cases} cases) and {CONTROLS_PER_CASE} controls per case drawn at
random, unmatched, from its non-cases ({len(cc):,} rows). Made by
`lems_epi.simulate_case_control("{SCENARIO}", {CASE_CONTROL_N}, controls_per_case={CONTROLS_PER_CASE},
population="{POPULATION}", rng={SEED})`, which simulates the cohort block by block and keeps only the
cases and the chosen controls; its cases are exactly the cases of
`simulate_cohort("{SCENARIO}", {CASE_CONTROL_N}, population="{POPULATION}", rng={SEED})`.

Columns: those of the cohort above, then

| column | type | meaning |
|---|---|---|
| `case` | boolean | `True` for a case, `False` for a control |
| `weight` | float | sampling weight = inverse sampling fraction: 1 for cases, non-cases in the cohort / controls for controls; weighted counts reproduce the cohort |
| `match_set` | integer | 0 (unmatched design) |
"""


def regenerate(folder=None, *, overwrite: bool = False) -> list[Path]:
    """Write the datasets and the data dictionary to ``folder``.

    Parameters
    ----------
    folder : str or pathlib.Path, optional
        Target folder (created if missing); default ``data/synthetic`` of the repository.
    overwrite : bool, default False
        Replace existing files; without it an existing file stops the run before anything is
        simulated.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = default_folder() if folder is None else Path(folder)
    targets = {key: folder / name for key, name in FILES.items()}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"regenerate: {existing} exist; pass overwrite=True (--force) to "
                              "replace them.")
    folder.mkdir(parents=True, exist_ok=True)
    data = build_datasets()
    written = [write_frame_atomic(data[key], targets[key], overwrite=overwrite,
                                  caller="regenerate")
               for key in ("counts", "cohort", "case_control")]
    written.append(write_text_atomic(targets["readme"], _dictionary(data), overwrite=overwrite,
                                     caller="regenerate"))
    return written


def main(argv=None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m lems_epi.simulate.regenerate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None,
                        help="target folder (default: data/synthetic of the repository)")
    parser.add_argument("--force", action="store_true", help="replace existing files")
    args = parser.parse_args(argv)
    try:
        written = regenerate(args.out, overwrite=args.force)
    except FileExistsError as err:
        print(err, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
