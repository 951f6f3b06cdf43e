import subprocess
import sys

import pandas as pd
import pytest

from lems_epi.cli import build_parser, main


def test_evidence_conflicts_csv(capsys):
    assert main(["evidence", "--conflicts", "--format", "csv"]) == 0
    from io import StringIO

    table = pd.read_csv(StringIO(capsys.readouterr().out))
    assert "prevalence" in set(table["parameter"])


def test_evidence_filter_and_columns(capsys):
    assert main(["evidence", "--parameter", "prevalence", "--kind", "seed",
                 "--columns", "evidence_id,low,high"]) == 0
    out = capsys.readouterr().out
    assert "seed004-prevalence" in out


def test_scenarios_list_and_one(capsys):
    assert main(["scenarios"]) == 0
    assert "seed-base" in capsys.readouterr().out
    assert main(["scenarios", "seed-low"]) == 0
    assert "seed004-prevalence" in capsys.readouterr().out


def test_bad_argument_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["simulate", "--n", "-5", "--out", "x.csv"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "must be > 0" in err[0]


def test_unknown_scenario_is_one_line_exit_2(capsys):
    assert main(["scenarios", "seed-middle"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "unknown scenario" in err[0]
    assert "Traceback" not in err[0]


def test_simulate_writes_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "cohort.csv"
    assert main(["simulate", "--scenario", "seed-base", "--n", "2000", "--seed", "3",
                 "--out", str(out), "--quiet"]) == 0
    assert "2000" in capsys.readouterr().out.replace(",", "")
    first = out.read_bytes()
    assert len(pd.read_csv(out)) == 2000
    assert main(["simulate", "--n", "1000", "--seed", "4", "--out", str(out), "--quiet"]) == 2
    assert "overwrite" in capsys.readouterr().err
    assert out.read_bytes() == first
    assert main(["simulate", "--n", "1000", "--seed", "4", "--out", str(out), "--quiet",
                 "--force"]) == 0
    assert len(pd.read_csv(out)) == 1000


def test_simulate_bad_suffix(tmp_path, capsys):
    assert main(["simulate", "--n", "10", "--out", str(tmp_path / "a.xlsx"), "--quiet"]) == 2
    assert ".csv or .parquet" in capsys.readouterr().err


def test_console_script_help_runs():
    res = subprocess.run([sys.executable, "-m", "lems_epi.cli", "report", "--help"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0
    assert "--scenario" in res.stdout


def test_simulate_counts_kind(tmp_path, capsys):
    out = tmp_path / "counts.parquet"
    assert main(["simulate", "--kind", "counts", "--seed", "1", "--out", str(out),
                 "--quiet"]) == 0
    table = pd.read_parquet(out)
    assert {"age", "sex", "smoking", "population", "cases"} <= set(table.columns)
    assert int(table["population"].sum()) == 5_495_315  # finland-2016, the default
    assert "strata" in capsys.readouterr().out


def test_sensitivity_one_way_and_sobol(capsys):
    from io import StringIO

    assert main(["sensitivity", "--method", "one-way", "--output", "expected_cases",
                 "--format", "csv", "--quiet"]) == 0
    tornado = pd.read_csv(StringIO(capsys.readouterr().out))
    assert list(tornado.columns[:3]) == ["parameter", "low", "high"]
    assert (tornado["swing"].diff().dropna() <= 0).all()
    assert main(["sensitivity", "--method", "sobol", "--n", "1000", "--quiet"]) == 2
    assert "power of two" in capsys.readouterr().err


def test_sensitivity_unknown_output(capsys):
    with pytest.raises(SystemExit) as info:
        main(["sensitivity", "--output", "nonsense", "--quiet"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "nonsense" in err
    assert "expected_sclc_cases" in err  # the valid names are listed
    assert len(err.strip().splitlines()) == 1


def test_unknown_column_is_one_line_exit_2(capsys):
    assert main(["evidence", "--columns", "evidence_id,colour"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "colour" in err[0]
    assert "source_id" in err[0]  # the valid columns are listed


def test_report_unknown_population_fails_before_writing(tmp_path, capsys):
    out = tmp_path / "r.html"
    with pytest.raises(SystemExit) as info:
        main(["report", "--population", "mars", "--out", str(out), "--quiet"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "finland-2016" in err[0]
    assert not out.exists()


@pytest.mark.parametrize("command", ["evidence", "scenarios", "simulate", "sensitivity",
                                     "report", "demo"])
def test_every_option_has_help(command):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    for action in sub._actions:
        assert action.help, f"lems-epi {command} {action.option_strings}: no help text"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chunked_writing_equals_one_piece(tmp_path, suffix):
    from lems_epi import Scenario, simulate_cohort
    from lems_epi._io import write_frame_atomic

    cohort = simulate_cohort(Scenario.named("seed-base").replace(prevalence=1e-2), 5000, rng=9)
    whole, chunked = tmp_path / f"whole{suffix}", tmp_path / f"chunked{suffix}"
    write_frame_atomic(cohort, whole)
    write_frame_atomic(cohort, chunked, chunk_rows=777)
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    pd.testing.assert_frame_equal(read(whole), read(chunked))
    assert len(read(chunked)) == 5000


def test_sobol_with_default_settings_prints_a_note_and_no_warning(capsys):
    """Default n (4096) on the default output converges; the note says so, below the table."""
    assert main(["sensitivity", "--method", "sobol", "--seed", "1", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "Note: converged at n=4096" in captured.out
    assert "first_order" in captured.out
    assert captured.err == ""


def test_probabilistic_prints_the_contract_table(capsys):
    assert main(["sensitivity", "--method", "probabilistic", "--n", "200", "--seed", "1",
                 "--quiet", "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert header[:8] == ["output", "measure", "estimate", "lower", "upper", "conf_level",
                          "method", "per"]
