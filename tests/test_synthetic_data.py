"""The committed teaching datasets in data/synthetic are exactly what the code produces now.

The datasets are rebuilt once per test module into a temporary folder (about a second: the
case-control sample streams a cohort of 35 million persons block by block) and compared with the
committed files. If a test here fails after a deliberate change to the risk model or the
simulation, rebuild the files with ``python -m lems_epi.simulate.regenerate --force`` and commit
them.
"""

import re
from pathlib import Path

import pandas as pd
import pytest

from lems_epi.simulate import regenerate as regen

COMMITTED = Path(__file__).resolve().parents[1] / "data" / "synthetic"
CSV_FILES = [name for key, name in regen.FILES.items() if key != "readme"]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    regen.regenerate(folder)
    return folder


@pytest.mark.parametrize("name", CSV_FILES)
def test_committed_csv_equals_rebuilt(rebuilt, name):
    folder = rebuilt
    committed = pd.read_csv(COMMITTED / name)
    fresh = pd.read_csv(folder / name)
    # integers and labels exactly; expected counts (floats) to 1e-12 relative, because a
    # change of summation order in the risk model moves their last bits (seen: 2e-15)
    pd.testing.assert_frame_equal(committed, fresh, check_exact=False, rtol=1e-12, atol=0)
    for column in committed.columns:
        if committed[column].dtype.kind in "iubO" or committed[column].dtype == "str":
            assert committed[column].equals(fresh[column]), column


def test_committed_dictionary_equals_rebuilt(rebuilt):
    folder = rebuilt
    assert (COMMITTED / "README.md").read_text(encoding="utf-8") == \
        (folder / "README.md").read_text(encoding="utf-8")


def test_size_under_ten_megabytes():
    total = sum(p.stat().st_size for p in COMMITTED.iterdir() if p.is_file())
    assert total < 10 * 2**20


def test_dictionary_documents_every_column():
    text = (COMMITTED / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE))
    for name in CSV_FILES:
        assert f"`{name}`" in text
        columns = set(pd.read_csv(COMMITTED / name, nrows=0).columns)
        assert columns <= documented, sorted(columns - documented)
    assert str(regen.SEED) in text


def test_case_control_sample_design():
    cc = pd.read_csv(COMMITTED / regen.FILES["case_control"])
    cases = int(cc["case"].sum())
    assert cases >= regen.MIN_CASES
    assert (~cc["case"]).sum() == regen.CONTROLS_PER_CASE * cases
    assert (cc["case"] == cc["lems"]).all()
    assert cc["weight"].sum() == pytest.approx(regen.CASE_CONTROL_N, rel=1e-12)


def test_counts_cover_every_named_scenario_with_fixed_figures():
    from lems_epi.scenario import NAMED_SCENARIOS

    counts = pd.read_csv(COMMITTED / regen.FILES["counts"])
    assert list(pd.unique(counts["scenario"])) == list(regen.COUNT_SCENARIOS)
    assert set(NAMED_SCENARIOS) - set(regen.COUNT_SCENARIOS) == {"pooled"}
    per = counts.groupby("scenario")["population"].sum()
    assert (per == 5_602_628).all()


def test_regenerate_refuses_to_overwrite(tmp_path):
    (tmp_path / regen.FILES["cohort"]).write_text("keep me")
    with pytest.raises(FileExistsError, match="--force"):
        regen.regenerate(tmp_path)
    assert (tmp_path / regen.FILES["cohort"]).read_text() == "keep me"
    assert regen.main(["--out", str(tmp_path)]) == 1


@pytest.mark.parametrize("key", ["cohort", "case_control", "counts"])
def test_read_simulation_restores_the_dictionary_dtypes(key):
    """CSV holds text; read_simulation gives back the dtypes of the simulation (no DtypeWarning:
    the suite turns warnings into errors)."""
    from lems_epi.simulate.io import COLUMN_DTYPES, read_simulation

    frame = read_simulation(COMMITTED / regen.FILES[key])
    for column in frame.columns:
        if column in COLUMN_DTYPES and column != "person_id":
            assert str(frame[column].dtype) == str(pd.Series(dtype=COLUMN_DTYPES[column]).dtype), \
                column
    if "vgcc_antibody" in frame:
        assert str(frame["vgcc_antibody"].dtype) == "boolean"
        assert frame["vgcc_antibody"].isna().equals(~frame["lems"])
    if "person_id" in frame:
        assert frame["person_id"].dtype == "int32"


def test_read_simulation_round_trips_a_frame(tmp_path):
    import lems_epi as le

    s = le.Scenario.named("seed-base").replace(prevalence=0.02)
    cohort = le.simulate_cohort(s, 5_000, rng=3)
    cc = le.sample_case_control(cohort, controls_per_case=2, rng=4)
    for frame, name in ((cohort, "cohort.csv"), (cc, "cc.csv"), (cohort, "cohort.parquet")):
        info = le.write_simulation(frame, out=tmp_path / name)
        assert info.kind == "frame"
        assert info.rows == len(frame)
        back = le.read_simulation(tmp_path / name)
        pd.testing.assert_frame_equal(back, frame.reset_index(drop=True), check_exact=False,
                                      rtol=1e-6)
