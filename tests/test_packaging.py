"""The dependency lists of pyproject.toml and environment.yml stay in step."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements):
    out = set()
    for req in requirements:
        name = re.split(r"[<>=!\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")
        if name:
            out.add(name)
    return out


def test_environment_yml_lists_every_pyproject_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted |= _names(extra)
    env_lines = (ROOT / "environment.yml").read_text().splitlines()
    conda = _names(line.strip()[2:] for line in env_lines
                   if line.strip().startswith("- ") and not line.strip().startswith("- pip")
                   and not line.strip().startswith("- -e"))
    missing = wanted - conda
    assert not missing, f"environment.yml lacks {sorted(missing)}"


def test_console_script_points_at_main():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["lems-epi"] == "lems_epi.cli:main"


def test_public_names_are_importable():
    import lems_epi

    for name in lems_epi.__all__:
        assert hasattr(lems_epi, name), name
