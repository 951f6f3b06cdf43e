"""The teaching notebooks are stored clean: no outputs, numbered, short cells, public API only.

The notebooks themselves are executed by ``pytest --nbmake notebooks/*.ipynb`` (``make test``);
these checks cover what execution does not: how they are stored and what they may touch.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_CODE_LINES = 30
NAME = re.compile(r"^(\d{2})_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
# a fetch from the network, or a path into the test data
FORBIDDEN = {
    "network access": re.compile(r"https?://|\b(?:urllib|requests|httpx|urlopen|wget|curl)\b"),
    "test data": re.compile(r"\btests/"),
    "private lems_epi module": re.compile(r"\b(?:lems_epi|le)(?:\.[a-z]\w*)*\._(?!_)"),
}


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _ids(paths):
    return [p.name for p in paths]


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebook in {NOTEBOOK_DIR}"


def test_numbers_are_unique():
    numbers = [NAME.match(p.name).group(1) for p in NOTEBOOKS if NAME.match(p.name)]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    assert not repeated, f"notebook numbers used twice: {repeated}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_name_is_numbered(path):
    assert NAME.match(path.name), (
        f"{path.name}: name notebooks 'NN_words_with_underscores.ipynb' (two digits first)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_without_outputs(path):
    nb = _load(path)
    assert nb.get("nbformat") == 4, f"{path.name}: not an nbformat 4 notebook"
    dirty = [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} hold outputs or execution counts; "
                       "clear them before committing (jupyter nbconvert --clear-output)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_runs_on_the_default_kernel(path):
    kernel = _load(path).get("metadata", {}).get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{path.name}: kernelspec is {kernel!r}, expected 'python3'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_code_cells_are_short(path):
    long = {i: len(_source(cell).splitlines()) for i, cell in enumerate(_load(path)["cells"])
            if cell["cell_type"] == "code"
            and len(_source(cell).splitlines()) > MAX_CODE_LINES}
    assert not long, (f"{path.name}: code cells longer than {MAX_CODE_LINES} lines "
                      f"(cell index: lines) {long}; split them")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_code_stays_local_and_public(path):
    found = []
    for i, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        for what, pattern in FORBIDDEN.items():
            hit = pattern.search(_source(cell))
            if hit:
                found.append(f"cell {i}: {what} ({hit.group(0)!r})")
    assert not found, f"{path.name}: " + "; ".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_starts_with_a_title_and_imports_the_package(path):
    cells = _load(path)["cells"]
    assert cells, f"{path.name}: no cells"
    assert cells[0]["cell_type"] == "markdown", f"{path.name}: first cell not markdown"
    assert _source(cells[0]).lstrip().startswith("# "), f"{path.name}: first cell has no title"
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    assert "import lems_epi as le" in code, f"{path.name}: never imports lems_epi as le"


def test_readme_lists_every_notebook():
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in NOTEBOOKS if p.name not in readme]
    assert not missing, f"notebooks/README.md does not list {missing}"
