"""Safe file writing: atomic, never replacing what was not checked, never leaking a temporary.

A file is written to a temporary file in the destination folder, named
``.NAME.lems-epi-PID-TOKEN.tmp`` (hidden, with the writer's process id), and moved to its name
only when complete:

* Without ``overwrite`` the move is a hard link (:func:`os.link`), which fails if the name
  exists: a file that appeared at the destination while the work ran (another run writing the
  same path) is never replaced, and the run that lost the race gets a ``FileExistsError``. On a
  file system without hard links, the name is reserved with ``O_CREAT | O_EXCL`` and then
  replaced, which refuses the same way.
* With ``overwrite`` the temporary replaces the destination (:func:`os.replace`).
* If the writing fails or is interrupted (an exception, Ctrl-C, or SIGTERM under the command
  line, which turns it into an exception), the temporary is removed. A SIGKILL cannot be caught:
  it leaves the temporary behind, and the next write into that folder (or ``lems-epi clean``)
  removes every temporary of this pattern whose process is no longer alive
  (:func:`remove_stale_temporaries`).

The destination is checked before any work (:func:`check_target`): it must not exist (unless
``overwrite``), its folder must exist and be writable.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["FRAME_SUFFIXES", "check_target", "remove_stale_temporaries", "stale_temporaries",
           "write_atomic", "write_frame_atomic", "write_text_atomic"]

FRAME_SUFFIXES = (".csv", ".parquet")
_TEMP_PATTERN = re.compile(r"^\.(?P<name>.+)\.lems-epi-(?P<pid>\d+)-[0-9a-f]+\.tmp$")


def _temporary_name(path: Path) -> str:
    return f".{path.name}.lems-epi-{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def stale_temporaries(folder) -> list[Path]:
    """Temporaries of this package in ``folder`` whose writing process is no longer alive.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".a.csv.lems-epi-999999999-00ff.tmp").write_text("x")
    >>> [p.name for p in stale_temporaries(d)]
    ['.a.csv.lems-epi-999999999-00ff.tmp']
    """
    folder = Path(folder)
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _TEMP_PATTERN.match(entry.name)
            if match and entry.is_file(follow_symlinks=False) \
                    and not _alive(int(match["pid"])):
                found.append(folder / entry.name)
    return sorted(found)


def remove_stale_temporaries(folder) -> list[Path]:
    """Remove the stale temporaries of :func:`stale_temporaries`; return what was removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".a.csv.lems-epi-999999999-00ff.tmp").write_text("x")
    >>> len(remove_stale_temporaries(d)), list(d.iterdir())
    (1, [])
    """
    removed = []
    for path in stale_temporaries(folder):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def check_target(path, *, overwrite: bool = False, caller: str = "write") -> Path:
    """Check before any work that ``path`` can be written; return it as a Path.

    Raises ``FileExistsError`` (it exists and ``overwrite`` is false), ``IsADirectoryError``,
    ``FileNotFoundError`` (no such folder) or ``PermissionError`` (the folder is not
    writable), each with a one-line message that starts with ``caller``. Stale temporaries
    of earlier killed runs in the folder are removed.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{caller}: {str(path)!r} is a directory; give a file path.")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{caller}: {str(path)!r} exists; refusing to overwrite it. "
                              "Pass overwrite=True (or --force on the command line) to replace "
                              "it, or choose another path.")
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{caller}: the folder {str(folder)!r} does not exist; create "
                                "it first.")
    try:
        probe = _create_temporary(path)
    except PermissionError:
        raise PermissionError(f"{caller}: cannot write in the folder {str(folder)!r} "
                              "(permission denied); choose a folder you can write to.") from None
    except OSError as exc:
        raise OSError(exc.errno, f"{caller}: cannot write in the folder {str(folder)!r}: "
                      f"{exc.strerror}") from None
    probe.unlink()
    remove_stale_temporaries(folder)
    return path


def _create_temporary(path: Path) -> Path:
    tmp = path.parent / _temporary_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    os.close(fd)
    return tmp


def _commit(tmp: Path, path: Path, *, overwrite: bool, caller: str) -> None:
    """Give ``tmp`` the name ``path``; without ``overwrite`` never replace an existing file."""
    if overwrite:
        os.replace(tmp, path)
        return
    lost = FileExistsError(f"{caller}: {str(path)!r} appeared while this run was working "
                           "(another run writing the same file?); refusing to replace it. "
                           "Nothing was written: choose another path or pass --force.")
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise lost from None
    except OSError as exc:  # no hard links here: reserve the name exclusively, then replace
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                             errno.EMLINK, errno.ENOSYS):
            raise
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            raise lost from None
        os.close(fd)
        os.replace(tmp, path)
        return
    tmp.unlink()


def write_atomic(path, writer: Callable[[Path], None], *, overwrite: bool = False,
                 caller: str = "write") -> Path:
    """Call ``writer(tmp_path)`` and move the finished file to ``path`` in one step.

    If the writer fails or is interrupted, the temporary file is removed and ``path`` is
    untouched. Without ``overwrite``, a file that appears at ``path`` while the writer runs is
    not replaced (``FileExistsError``).

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
    >>> write_atomic(d / "b.txt", lambda p: (d / "b.txt").write_text("theirs"))
    Traceback (most recent call last):
    ...
    FileExistsError: write: ... appeared while this run was working ...
    >>> (d / "b.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('theirs', ['a.txt', 'b.txt'])
    """
    path = check_target(path, overwrite=overwrite, caller=caller)
    tmp = _create_temporary(path)
    try:
        writer(tmp)
        _commit(tmp, path, overwrite=overwrite, caller=caller)
    except BaseException:
        tmp.unlink(missing_ok=True)
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
