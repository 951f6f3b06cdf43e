"""Data safety of ``lems-epi simulate`` (issue 19, "Files"): kills, races, unwritable folders,
file-size limits, memory and interrupts, each in a child process.

Every failure must be one line on standard error with exit status 2 (130 for Ctrl-C, 143 for
SIGTERM) and leave nothing at the destination; a SIGKILL (which cannot be caught) leaves a
hidden temporary that ``lems-epi clean`` or the next write into the folder removes.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lems_epi._io import stale_temporaries
from lems_epi.cli import main

CLI = [sys.executable, "-m", "lems_epi.cli"]


def _simulate(out: Path, n: int, *extra: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "simulate", "--n", str(n), "--seed", "1", "--quiet",
                             "--out", str(out), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def _temporaries(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.lems-epi-*.tmp"))


def _wait_for_temporary(proc: subprocess.Popen, folder: Path, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _temporaries(folder):
            return
        if proc.poll() is not None:
            pytest.fail(f"the writer ended before writing: {proc.communicate()}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("no temporary file appeared")


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_ctrl_c_clean_up(tmp_path, sig, code):
    out = tmp_path / "cohort.csv"
    proc = _simulate(out, 3_000_000)
    _wait_for_temporary(proc, tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code
    assert "nothing was written" in _one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_sigkill_leaves_a_temporary_that_clean_and_the_next_run_remove(tmp_path, capsys):
    out = tmp_path / "cohort.csv"
    for _ in range(2):
        proc = _simulate(out, 3_000_000)
        _wait_for_temporary(proc, tmp_path)
        proc.kill()
        proc.communicate(timeout=60)
    assert not out.exists()
    left = _temporaries(tmp_path)
    assert len(left) >= 1
    assert stale_temporaries(tmp_path) == left
    assert main(["clean", str(tmp_path)]) == 0
    assert "removed" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    proc = _simulate(out, 3_000_000)  # killed again; now the next write cleans up
    _wait_for_temporary(proc, tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    assert main(["simulate", "--n", "100", "--seed", "2", "--quiet", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv"]


def test_two_writers_to_one_path_one_fails_clearly(tmp_path):
    out = tmp_path / "cohort.csv"
    procs = [_simulate(out, 400_000) for _ in range(2)]
    results = [(p.communicate(timeout=300)[1], p.returncode) for p in procs]
    results = [(code, err) for err, code in results]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    err = next(e for c, e in results if c == 2)
    line = _one_line(err)
    assert "refusing" in line
    assert "cohort.csv" in line
    with out.open() as handle:
        rows = sum(1 for _ in handle) - 1
    assert rows == 400_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv"]


def test_a_file_appearing_during_the_work_is_not_replaced(tmp_path):
    """The existence check runs before the simulation; the final move checks again."""
    from lems_epi._io import write_atomic

    out = tmp_path / "a.csv"

    def writer(tmp):
        out.write_text("someone else's\n")  # appears while we work
        tmp.write_text("ours\n")

    with pytest.raises(FileExistsError, match="appeared while"):
        write_atomic(out, writer, caller="test")
    assert out.read_text() == "someone else's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def _locked_folder(folder):
    """A folder this process cannot write in: mode 555 for a normal user; for root (who ignores
    modes) a read-only tmpfs mounted there. Returns a clean-up function."""
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"root could not mount a read-only folder for this test: {done.stderr}")
    return lambda: subprocess.run(["umount", str(folder)], check=False)


def test_unwritable_folder_is_refused_before_the_work(tmp_path):
    folder = tmp_path / "locked"
    unlock = _locked_folder(folder)
    try:
        start = time.monotonic()
        proc = _simulate(folder / "cohort.csv", 50_000_000)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, err
        assert "cannot write in the folder" in _one_line(err)
        assert time.monotonic() - start < 60  # refused before simulating 50 million persons
        assert list(folder.iterdir()) == []
    finally:
        unlock()


def test_unwritable_folder_is_refused_before_simulating_in_process(tmp_path, monkeypatch,
                                                                   capsys):
    """The same check without a second user: the folder probe fails, nothing is simulated."""
    import lems_epi._io as io_module
    import lems_epi.simulate.cohort as cohort_module

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    def never(*args, **kwargs):
        raise AssertionError("simulated before checking the folder")

    monkeypatch.setattr(io_module, "_create_temporary", denied)
    monkeypatch.setattr(cohort_module, "simulate_cohort", never)
    code = main(["simulate", "--n", "1000", "--quiet", "--out", str(tmp_path / "c.csv")])
    assert code == 2
    assert "cannot write in the folder" in _one_line(capsys.readouterr().err)


def _limit_file_size():
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))


def test_file_size_limit_gives_one_line_and_leaves_nothing(tmp_path):
    proc = _simulate(tmp_path / "cohort.csv", 300_000, preexec_fn=_limit_file_size)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err
    assert "could not write" in _one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_huge_n_is_a_one_line_memory_error(tmp_path):
    proc = _simulate(tmp_path / "cohort.parquet", 2 ** 40)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err
    assert "memory" in _one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_broken_pipe_exits_quietly():
    """The exit status checked is the CLI's (bash's PIPESTATUS), not that of ``head``, which
    a plain shell pipeline reports and which is 0 whatever the CLI does."""
    proc = subprocess.run(["bash", "-c", f"{sys.executable} -m lems_epi.cli evidence "
                           "| head -n 2; exit ${PIPESTATUS[0]}"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 2
    assert proc.stderr == ""


def test_json_writes_numbers_as_numbers(capsys):
    assert main(["scenarios", "seed-base", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["prevalence"] == 7e-06
    assert data["name"] == "seed-base"
    assert main(["scenarios", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows[0]["prevalence"], float)
    assert main(["evidence", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(isinstance(r["value"], float) for r in rows)


def test_text_tables_fit_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["evidence"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
