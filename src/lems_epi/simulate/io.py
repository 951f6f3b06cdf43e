"""Write a simulated cohort to a file in one step (the engine of ``lems-epi simulate``)."""

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
    rows : int
        Data rows (persons).
    columns : tuple of str
        Column names, in order.
    scenario : str
        Scenario name.
    entropy : int
        The cohort's entropy (``attrs["entropy"]``); the same value as ``rng`` rebuilds it.
    """

    path: Path
    rows: int
    columns: tuple[str, ...]
    scenario: str
    entropy: int

    def __str__(self) -> str:
        return (f"wrote {self.rows:,} persons x {len(self.columns)} columns "
                f"({', '.join(self.columns)}) of scenario {self.scenario!r} "
                f"(rng entropy {self.entropy}) to {self.path}")


def write_simulation(scenario, n, out, rng=None, *, population=None, overwrite=False
                     ) -> WrittenFile:
    """Simulate a cohort and write it atomically to a CSV or Parquet file.

    Parameters
    ----------
    scenario : lems_epi.Scenario or str
        A scenario, or the name of one (see :func:`lems_epi.scenarios`).
    n : int
        Number of persons.
    out : str or pathlib.Path
        Output file ending in ``.csv`` or ``.parquet``. Its folder must exist.
    rng : None, int or numpy.random.Generator, optional
        As for :func:`lems_epi.simulate_cohort`; the entropy used is reported.
    population : None, str or pandas.DataFrame, optional
        As for :func:`lems_epi.simulate_cohort`.
    overwrite : bool, default False
        Replace an existing file (``--force`` on the command line).

    Returns
    -------
    WrittenFile
        The path, the number of rows, the columns, the scenario and the entropy;
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
    >>> write_simulation("seed-base", 1000, folder / "cohort.csv", rng=1)
    Traceback (most recent call last):
    ...
    FileExistsError: write_simulation: ... exists; refusing to overwrite it. ...
    """
    from lems_epi.scenario import Scenario
    from lems_epi.simulate.cohort import _check_n, simulate_cohort

    caller = "write_simulation"
    if isinstance(scenario, str):
        scenario = Scenario.named(scenario)
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
    cohort = simulate_cohort(scenario, n, rng=entropy, population=population)
    write_frame_atomic(cohort, path, overwrite=overwrite, caller=caller)
    return WrittenFile(path=path, rows=len(cohort), columns=tuple(cohort.columns),
                       scenario=scenario.name, entropy=entropy)
