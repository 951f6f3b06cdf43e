"""The README's Python example runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    code = blocks[0]
    assert len(code.strip().splitlines()) <= 16
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - the project's own README
    # the default population is Finland 2016: 5,495,315 persons in the R reference file
    # population_finland_2016.csv (popEpi::meanpop_fi, rounded), summed outside lems_epi
    assert namespace["counts"]["population"].sum() == 5_495_315


def test_readme_names_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text
