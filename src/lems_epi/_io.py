"""Safe file writing.

Files are written atomically (a temporary file in the same folder, then a rename) and an existing
file is never overwritten unless asked.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomic", "write_text_atomic", "write_frame_atomic"]

FRAME_SUFFIXES = (".csv", ".parquet")


def _check_target(path: Path, overwrite: bool, caller: str) -> Path:
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{caller}: {str(path)!r} exists; refusing to overwrite it. "
                              "Pass overwrite=True (or --force on the command line) to replace "
                              "it, or choose another path.")
    if path.is_dir():
        raise IsADirectoryError(f"{caller}: {str(path)!r} is a directory; give a file path.")
    if not path.parent.exists():
        raise FileNotFoundError(f"{caller}: the folder {str(path.parent)!r} does not exist.")
    return path


def write_atomic(path, writer: Callable[[Path], None], *, overwrite: bool = False,
                 caller: str = "write") -> Path:
    """Call ``writer(tmp_path)`` and move the finished file to ``path`` in one step.

    If the writer fails, the temporary file is removed and ``path`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_atomic(d / "a.txt", lambda p: p.write_text("hi"))
    >>> (d / "a.txt").read_text()
    'hi'
    >>> write_atomic(d / "a.txt", lambda p: p.write_text("again"))
    Traceback (most recent call last):
    ...
    FileExistsError: write: ... exists; refusing to overwrite it. ...
    """
    path = _check_target(Path(path), overwrite, caller)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        writer(tmp_path)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path, text: str, *, overwrite: bool = False, caller: str = "write") -> Path:
    """Write text atomically (UTF-8)."""
    return write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"),
                        overwrite=overwrite, caller=caller)


def write_frame_atomic(frame, path, *, overwrite: bool = False, caller: str = "write",
                       progress: bool = False, chunk_rows: int = 1 << 20) -> Path:
    """Write a DataFrame to ``.csv`` or ``.parquet`` atomically.

    Large frames are written in chunks of ``chunk_rows`` rows (CSV appended, Parquet one row
    group a chunk), with a progress bar on standard error when ``progress`` is true.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FRAME_SUFFIXES:
        raise ValueError(f"{caller}: the output must end in .csv or .parquet, got "
                         f"{str(path)!r}.")
    starts = range(0, max(len(frame), 1), chunk_rows)

    def chunks():
        from tqdm.auto import tqdm

        with tqdm(total=len(frame), desc=f"writing {path.name}", unit="rows",
                  disable=not progress, leave=False) as bar:
            for start in starts:
                part = frame.iloc[start:start + chunk_rows]
                yield part
                bar.update(len(part))

    def write_csv(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            for i, part in enumerate(chunks()):
                part.to_csv(handle, index=False, header=i == 0)

    def write_parquet(tmp: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        try:
            for part in chunks():
                table = pa.Table.from_pandas(part, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()

    return write_atomic(path, write_csv if suffix == ".csv" else write_parquet,
                        overwrite=overwrite, caller=caller)
