"""One human label per source, used by the report, plots and CLI."""

import re

import pytest

import lems_epi as le
from lems_epi.sources import SEED_IDS, source_label, source_labels

SEED_NAME = re.compile(r"\d{3}_[0-9a-f]{16}")


def test_every_source_has_a_label_without_a_file_name():
    ids = le.evidence()["source_id"].unique().tolist()
    labels = source_labels(ids)
    assert len(labels) == len(ids)
    assert not [lab for lab in labels if SEED_NAME.search(lab)]
    assert all(lab.strip() for lab in labels)


def test_seed_labels_say_seed_and_number():
    for seed in SEED_IDS:
        assert source_label(seed).startswith(f"Seed {seed[:3]} · ")
    assert source_label("004_113001bf63506033") == "Seed 004 · DiseaseMaps.org (2026)"


def test_evidence_ids_map_to_their_source():
    assert source_label("lit-wirtz2003-prevalence") == "Wirtz 2003, South Holland"
    assert source_label("seed004-prevalence") == source_label("004_113001bf63506033")


def test_unknown_keys_and_text_with_seed_names():
    assert source_label("not-a-source") == "not-a-source"
    assert source_label("from 004_113001bf63506033 (low)") == \
        "from Seed 004 · DiseaseMaps.org (2026) (low)"
    assert source_label("999_0123456789abcdef") == "Seed 999"
    with pytest.raises(TypeError, match="key"):
        source_label(4)


def test_cli_evidence_text_shows_labels(capsys):
    from lems_epi.cli import main

    assert main(["evidence", "--parameter", "prevalence", "--columns",
                 "evidence_id,source_id"]) == 0
    out = capsys.readouterr().out
    assert "Seed 004 · DiseaseMaps.org (2026)" in out
    assert not SEED_NAME.search(out)


def test_tornado_bars_show_labels():
    import pandas as pd

    from lems_epi.plots import tornado_plot

    t = pd.DataFrame({"parameter": ["prevalence"], "low": [2.3e-6], "high": [1e-5],
                      "source_low": ["wirtz2003"], "source_high": ["004_113001bf63506033"],
                      "output_base": [10.0], "output_low": [4.0], "output_high": [14.0]})
    fig = tornado_plot(t)
    text = " ".join(str(v) for tr in fig.data for v in list(tr.text) + list(tr.y))
    assert "Wirtz 2003, South Holland" in text
    assert "Seed 004 · DiseaseMaps.org (2026)" in text
    assert not SEED_NAME.search(text)
