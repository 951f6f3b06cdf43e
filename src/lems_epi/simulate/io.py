"""Write a simulated cohort or stratum counts to a file in one step (``lems-epi simulate``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lems_epi._io import FRAME_SUFFIXES, write_frame_atomic
from lems_epi._rng import entropy_from

__all__ = ["WrittenFile", "write_simulation"]


@dataclass(frozen=True)
class WrittenFile:
    """What :func:`write_simulation` wrote.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    kind : str
        ``"cohort"`` (one row per person) or ``"counts"`` (one row per stratum).
    rows : int
        Data rows (persons or strata).
    columns : tuple of str
        Column names, in order.
    scenario : str
        Scenario name.
    entropy : int
        The cohort's entropy (``attrs["entropy"]``); the same value as ``rng`` rebuilds it.
    """

    path: Path
    kind: str
    rows: int
    columns: tuple[str, ...]
    scenario: str
    entropy: int

    def __str__(self) -> str:
        what = "persons" if self.kind == "cohort" else "strata"
        return (f"wrote {self.rows:,} {what} x {len(self.columns)} columns "
                f"({', '.join(self.columns)}) of scenario {self.scenario!r} "
                f"(rng entropy {self.entropy}) to {self.path}")


def write_simulation(scenario, n, out, rng=None, *, kind="cohort", population=None,
                     overwrite=False, progress=False) -> WrittenFile:
    """Simulate a cohort (or stratum counts) and write it atomically to a CSV or Parquet file.

    Parameters
    ----------
    scenario : lems_epi.Scenario or str
        A scenario, or the name of one (see :func:`lems_epi.scenarios`).
    n : int or None
        Number of persons in the cohort (ignored, and may be ``None``, for ``kind="counts"``).
    out : str or pathlib.Path
        Output file ending in ``.csv`` or ``.parquet``. Its folder must exist.
    rng : None, int or numpy.random.Generator, optional
        As for :func:`lems_epi.simulate_cohort`; the entropy used is reported.
    kind : {"cohort", "counts"}, default "cohort"
        Write :func:`lems_epi.simulate_cohort` (one row per person) or
        :func:`lems_epi.simulate_counts` (one row per stratum of the whole population).
    population : None, str or pandas.DataFrame, optional
        As for :func:`lems_epi.simulate_cohort`.
    overwrite : bool, default False
        Replace an existing file (``--force`` on the command line).
    progress : bool, default False
        Show a progress bar (tqdm, on standard error) while the file is written.

    Returns
    -------
    WrittenFile
        The path, the kind, the number of rows, the columns, the scenario and the entropy;
        ``str()`` of it is a one-line message for the user.

    Raises
    ------
    FileExistsError
        If ``out`` exists and ``overwrite`` is False (nothing is simulated).
    ValueError
        If ``out`` does not end in ``.csv`` or ``.parquet``, or on bad ``n`` or scenario.

    Notes
    -----
    The file is written to a temporary file in the same folder and renamed when complete, so
    an interrupted run never leaves a half-written file under ``out``. CSV keeps category
    labels as text and writes missing values as empty fields; Parquet keeps the dtypes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> info = write_simulation("seed-base", 1000, folder / "cohort.csv", rng=1)
    >>> info.rows, info.columns[:3]
    (1000, ('person_id', 'age', 'sex'))
    >>> print(write_simulation("seed-base", None, folder / "counts.csv", rng=1, kind="counts"))
    wrote 600 strata x 12 columns (age, sex, ..., cases) of scenario 'seed-base' (rng entropy 1) to ...counts.csv
    >>> write_simulation("seed-base", 1000, folder / "cohort.csv", rng=1)
    Traceback (most recent call last):
    ...
    FileExistsError: write_simulation: ... exists; refusing to overwrite it. ...
    """
    from lems_epi._validation import check_method
    from lems_epi.scenario import Scenario
    from lems_epi.simulate.cohort import _check_n, simulate_cohort
    from lems_epi.simulate.counts import simulate_counts

    caller = "write_simulation"
    kind = check_method(kind, ("cohort", "counts"), caller=caller, name="kind")
    if isinstance(scenario, str):
        scenario = Scenario.named(scenario)
    if kind == "cohort":
        n = _check_n(n, caller=caller)
    if not isinstance(out, (str, Path)):
        raise TypeError(f"{caller}: 'out' must be a file path, got {type(out).__name__}.")
    path = Path(out)
    if path.suffix.lower() not in FRAME_SUFFIXES:
        raise ValueError(f"{caller}: 'out' must end in .csv or .parquet, got {str(path)!r}.")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{caller}: {str(path)!r} exists; refusing to overwrite it. Pass "
                              "overwrite=True (or --force on the command line) to replace it, "
                              "or choose another path.")
    if not path.parent.exists():
        raise FileNotFoundError(f"{caller}: the folder {str(path.parent)!r} does not exist; "
                                "create it first.")
    entropy = entropy_from(rng, caller=caller)
    if kind == "cohort":
        frame = simulate_cohort(scenario, n, rng=entropy, population=population)
    else:
        frame = simulate_counts(scenario, population, rng=entropy)
    write_frame_atomic(frame, path, overwrite=overwrite, caller=caller, progress=progress)
    return WrittenFile(path=path, kind=kind, rows=len(frame), columns=tuple(frame.columns),
                       scenario=scenario.name, entropy=entropy)
