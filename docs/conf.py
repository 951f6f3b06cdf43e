"""Sphinx configuration of the lems_epi documentation (``make docs``).

The API pages are generated from each package's ``__all__`` every build, so a public name added
to :mod:`lems_epi`, :mod:`lems_epi.stats`, :mod:`lems_epi.sensitivity` or :mod:`lems_epi.plots`
appears without editing anything here. The notebooks (``docs/notebooks`` links to the
repository's ``notebooks/``) are executed by myst-nb on every build, with no cache. The build
needs no network.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import lems_epi

HERE = Path(__file__).resolve().parent

project = "lems_epi"
author = "lems_epi developers"
copyright = "2026, lems_epi developers"  # noqa: A001
release = lems_epi.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "notebooks/README.md", "**/.ipynb_checkpoints", "**/out"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# -- API reference ---------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

#: package -> (page title, one-line description)
API_PACKAGES = {
    "lems_epi": ("lems_epi", "The top-level namespace: evidence, scenarios, the model, "
                 "synthetic data and the statistics most often used."),
    "lems_epi.stats": ("lems_epi.stats", "The disease-agnostic statistics, usable alone."),
    "lems_epi.sensitivity": ("lems_epi.sensitivity", "Sensitivity and bias analysis."),
    "lems_epi.plots": ("lems_epi.plots", "Plotly figures; each function returns a Figure."),
}


def _public_names(package: str) -> list[str]:
    """The package's ``__all__`` without sub-packages and dunder names."""
    module = importlib.import_module(package)
    subpackages = {f"lems_epi.{p}" for p in ("plots", "sensitivity", "stats")}
    names = [n for n in module.__all__
             if not n.startswith("__") and f"{package}.{n}" not in subpackages]
    return sorted(names, key=str.lower)


def _documented_elsewhere(package: str) -> dict[str, str]:
    """Names of ``package`` that are the same object as a name of a sub-package page."""
    if package != "lems_epi":
        return {}
    out = {}
    for other in API_PACKAGES:
        if other == package:
            continue
        for name in _public_names(other):
            # same object: lems_epi re-exports it from the sub-package (read from the lazy
            # table, so that listing the names imports nothing)
            origin = getattr(lems_epi, "_LAZY", {}).get(name, "")
            if name in lems_epi.__all__ and origin.startswith(other):
                out.setdefault(name, other)
    return out


def _api_page(package: str, title: str, blurb: str) -> str:
    elsewhere = _documented_elsewhere(package)
    own = [n for n in _public_names(package) if n not in elsewhere]
    lines = [title, "=" * len(title), "", blurb, "",
             f".. automodule:: {package}", "   :no-members:", "",
             f".. currentmodule:: {package}", "",
             ".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
    lines += [f"   {name}" for name in own]
    if elsewhere:
        lines += ["", "Also at top level", "-----------------", "",
                  "These names are the same objects as in the packages below, where each has "
                  "its page."]
        for other in sorted(set(elsewhere.values())):
            lines += ["", f".. currentmodule:: {other}", "", ".. autosummary::",
                      "   :nosignatures:", ""]
            lines += [f"   {n}" for n in sorted(elsewhere, key=str.lower)
                      if elsewhere[n] == other]
    return "\n".join(lines) + "\n"


def write_api_pages() -> None:
    """Write docs/api/<package>.rst, one autosummary table per package's ``__all__``."""
    out = HERE / "api"
    out.mkdir(exist_ok=True)
    for package, (title, blurb) in API_PACKAGES.items():
        page = out / f"{package}.rst"
        text = _api_page(package, title, blurb)
        if not page.exists() or page.read_text() != text:
            page.write_text(text)


write_api_pages()

# -- notebooks (myst-nb) ---------------------------------------------------------------------
# no cache: every build runs every notebook (LEMS_EPI_DOCS_EXECUTE=0 skips execution, for
# drafting the prose only)
nb_execution_mode = "force" if os.environ.get("LEMS_EPI_DOCS_EXECUTE", "1") == "1" else "off"
nb_execution_timeout = int(os.environ.get("LEMS_EPI_DOCS_TIMEOUT", "300"))
# LEMS_EPI_DOCS_ALLOW_ERRORS=1 renders a failing notebook with its traceback (for drafting only:
# ``make docs`` treats a failing cell as an error)
_ALLOW_ERRORS = os.environ.get("LEMS_EPI_DOCS_ALLOW_ERRORS") == "1"
nb_execution_allow_errors = _ALLOW_ERRORS
nb_execution_raise_on_error = not _ALLOW_ERRORS
nb_execution_show_tb = True
nb_merge_streams = True
myst_heading_anchors = 3
# figures carry plotly's JSON output (for JupyterLab) beside an HTML output that the site shows;
# numpydoc reference lists need not be cited in the text
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "ref.citation"]

# -- HTML --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"lems_epi {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
}
# the theme's mode when the browser has none stored (a file:// page): without it the theme logs
# "invalid theme mode" to the console
html_context = {"default_mode": "light"}
html_show_sourcelink = False
html_copy_source = False
