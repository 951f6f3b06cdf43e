"""Write simulated data to a file in one step (``lems-epi simulate``), and read it back.

:func:`write_simulation` simulates a cohort or stratum counts (or takes a DataFrame already
made) and writes it safely (see :mod:`lems_epi._io`: the destination is checked before the
work and never replaced unless asked, not even by a file that appears meanwhile).
:func:`read_simulation` reads such a CSV or Parquet file with the data dictionary's dtypes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lems_epi._io import FRAME_SUFFIXES, check_target, write_frame_atomic
from lems_epi._rng import entropy_from
from lems_epi.scenario import DEFAULT_POPULATION, coerce_scenario
from lems_epi.simulate.blocks import (
    CANCER_CATEGORIES,
    LEMS_TYPE_CATEGORIES,
    SEX_CATEGORIES,
    SMOKING_CATEGORIES,
    check_cohort_size,
)

__all__ = ["COLUMN_DTYPES", "WrittenFile", "read_simulation", "write_simulation"]

#: The dtype of every column that the simulation functions write (the data dictionary's).
COLUMN_DTYPES = {
    "scenario": "string", "person_id": "int64", "age": "int16",
    "sex": pd.CategoricalDtype(list(SEX_CATEGORIES)),
    "smoking": pd.CategoricalDtype(list(SMOKING_CATEGORIES)),
    "lems": "bool", "lems_type": pd.CategoricalDtype(list(LEMS_TYPE_CATEGORIES)),
    "cancer": pd.CategoricalDtype(list(CANCER_CATEGORIES)), "onset_age": "float32",
    "vgcc_antibody": "boolean", "case": "bool", "weight": "float64", "match_set": "int32",
    "population": "int64", "expected_paraneoplastic": "float64", "expected_sclc": "float64",
    "expected_nonparaneoplastic": "float64", "expected_cases": "float64",
    "paraneoplastic": "int64", "sclc": "int64", "nonparaneoplastic": "int64", "cases": "int64",
}


@dataclass(frozen=True)
class WrittenFile:
    """What :func:`write_simulation` wrote.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    kind : str
        ``"cohort"`` (one row per person), ``"counts"`` (one row per stratum) or ``"frame"``
        (a DataFrame the caller gave).
    rows : int
        Data rows (persons or strata).
    columns : tuple of str
        Column names, in order.
    scenario : str
        Scenario name (for a DataFrame: its ``attrs["scenario"]``, else ``""``).
    entropy : int or None
        The cohort's entropy (``attrs["entropy"]``); the same value as ``rng`` rebuilds it.
        ``None`` for a DataFrame without one.
    """

    path: Path
    kind: str
    rows: int
    columns: tuple[str, ...]
    scenario: str
    entropy: int | None

    def __str__(self) -> str:
        what = {"cohort": "persons", "counts": "strata"}.get(self.kind, "rows")
        origin = f" of scenario {self.scenario!r}" if self.scenario else ""
        seed = f" (rng entropy {self.entropy})" if self.entropy is not None else ""
        return (f"wrote {self.rows:,} {what} x {len(self.columns)} columns "
                f"({', '.join(self.columns)}){origin}{seed} to {self.path}")


def write_simulation(scenario, n=None, out=None, *, kind="cohort", population=DEFAULT_POPULATION,
                     overwrite=False, progress=False, rng=None) -> WrittenFile:
    """Simulate a cohort (or stratum counts), or take a DataFrame, and write it to a file safely.

    Parameters
    ----------
    scenario : Scenario, str or pandas.DataFrame
        A scenario, or the name of one (see :func:`lems_epi.scenarios`); or a DataFrame
        already simulated (then ``n``, ``kind``, ``population`` and ``rng`` are not used).
    n : int or None
        Number of persons in the cohort (ignored, and may be ``None``, for ``kind="counts"``).
    out : str or pathlib.Path
        Output file ending in ``.csv`` or ``.parquet``. Its folder must exist and be writable.
    kind : {"cohort", "counts"}, default "cohort"
        Write :func:`lems_epi.simulate_cohort` (one row per person) or
        :func:`lems_epi.simulate_counts` (one row per stratum of the whole population).
    population : str, pandas.DataFrame or None, default DEFAULT_POPULATION
        As for :func:`lems_epi.simulate_cohort`.
    overwrite : bool, default False
        Replace an existing file (``--force`` on the command line).
    progress : bool, default False
        Show a progress bar (tqdm, on standard error) while the file is written.
    rng : None, int or numpy.random.Generator, optional
        As for :func:`lems_epi.simulate_cohort`; the entropy used is reported.

    Returns
    -------
    WrittenFile
        The path, the kind, the number of rows, the columns, the scenario and the entropy;
        ``str()`` of it is a one-line message for the user.

    Raises
    ------
    FileExistsError
        If ``out`` exists and ``overwrite`` is False (checked before simulating, and again at
        the final move: a file that appeared meanwhile is not replaced).
    FileNotFoundError, PermissionError
        If the folder of ``out`` does not exist or is not writable (checked before simulating).
    ValueError
        If ``out`` does not end in ``.csv`` or ``.parquet``, or on bad ``n`` or scenario.

    Notes
    -----
    The file is written to a hidden temporary file in the same folder and moved to its name
    when complete, so an interrupted run never leaves a half-written file under ``out``; see
    :mod:`lems_epi._io` for how temporaries of killed runs are cleaned up. CSV keeps category
    labels as text and writes missing values as empty fields (:func:`read_simulation` restores
    the dtypes); Parquet keeps the dtypes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> info = write_simulation("seed-base", 1000, folder / "cohort.csv", rng=1)
    >>> info.rows, info.columns[:3]
    (1000, ('person_id', 'age', 'sex'))
    >>> print(write_simulation("seed-base", None, folder / "counts.csv", kind="counts", rng=1))
    wrote 606 strata x 12 columns (age, sex, ..., cases) of scenario 'seed-base' (rng entropy 1) to ...counts.csv
    >>> write_simulation("seed-base", 1000, folder / "cohort.csv", rng=1)
    Traceback (most recent call last):
    ...
    FileExistsError: write_simulation: ... exists; refusing to overwrite it. ...
    >>> cohort = read_simulation(folder / "cohort.csv")  # a CSV keeps no scenario name or seed
    >>> print(write_simulation(cohort.head(10), out=folder / "first10.parquet"))
    wrote 10 rows x 9 columns (person_id, ..., vgcc_antibody) to ...first10.parquet
    """
    from lems_epi._validation import check_method
    from lems_epi.simulate.cohort import simulate_cohort
    from lems_epi.simulate.counts import simulate_counts

    caller = "write_simulation"
    path = _output_path(out, caller=caller)
    if isinstance(scenario, pd.DataFrame):
        check_target(path, overwrite=overwrite, caller=caller)
        frame = scenario
        kind, name = "frame", str(frame.attrs.get("scenario", ""))
        entropy = frame.attrs.get("entropy")
    else:
        kind = check_method(kind, ("cohort", "counts"), caller=caller, name="kind")
        scenario = coerce_scenario(scenario, caller=caller)
        if kind == "cohort":
            n = check_cohort_size(n, caller=caller)
        check_target(path, overwrite=overwrite, caller=caller)  # before the work
        entropy = entropy_from(rng, caller=caller)
        if kind == "cohort":
            frame = simulate_cohort(scenario, n, population=population, rng=entropy)
        else:
            frame = simulate_counts(scenario, population=population, rng=entropy)
        name = scenario.name
    write_frame_atomic(frame, path, overwrite=overwrite, caller=caller, progress=progress)
    return WrittenFile(path=path, kind=kind, rows=len(frame), columns=tuple(frame.columns),
                       scenario=name, entropy=None if entropy is None else int(entropy))


def _output_path(out, *, caller: str) -> Path:
    if not isinstance(out, (str, Path)):
        raise TypeError(f"{caller}: 'out' must be a file path ending in .csv or .parquet, got "
                        f"{type(out).__name__}.")
    path = Path(out)
    if path.suffix.lower() not in FRAME_SUFFIXES:
        raise ValueError(f"{caller}: 'out' must end in .csv or .parquet, got {str(path)!r}.")
    return path


def read_simulation(path) -> pd.DataFrame:
    """Read a file written by :func:`write_simulation` (or ``data/synthetic``) with its dtypes.

    CSV stores only text: this restores the data dictionary's dtypes (:data:`COLUMN_DTYPES`):
    ``sex``, ``smoking``, ``lems_type`` and ``cancer`` categorical, ``lems`` and ``case``
    boolean, ``vgcc_antibody`` nullable boolean (empty for non-cases), ``onset_age`` float32,
    ``age`` int16, ``person_id`` int32 (int64 beyond 2^31 rows), counts int64. Other columns
    are read as pandas infers them. Parquet files keep their dtypes.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv`` or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import lems_epi as le
    >>> s = le.Scenario.named("seed-base").replace(prevalence=0.01)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = write_simulation(s, 2000, out, rng=4)
    >>> back = read_simulation(out)
    >>> str(back["vgcc_antibody"].dtype), str(back["sex"].dtype)
    ('boolean', 'category')
    >>> back.equals(le.simulate_cohort(s, 2000, rng=4))
    True
    """
    path = _output_path(path, caller="read_simulation")
    if not path.is_file():
        raise FileNotFoundError(f"read_simulation: no file {str(path)!r}.")
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    header = pd.read_csv(path, nrows=0).columns
    dtypes = {c: COLUMN_DTYPES[c] for c in header if c in COLUMN_DTYPES}
    frame = pd.read_csv(path, dtype=dtypes, low_memory=False)
    if "person_id" in frame and (frame.empty or frame["person_id"].max() < 2**31):
        frame["person_id"] = frame["person_id"].astype("int32")
    return frame
