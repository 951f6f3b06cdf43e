"""The house rules of the package's imports, checked by parsing every module with ``ast``.

* No import cycle between the package's modules, counting imports inside functions too (a cycle
  hidden in a function is still a cycle: the modules cannot be understood, or tested, apart).
  The only exceptions are convenience methods that reach one layer up from inside a method on
  purpose: a result's ``.plot()`` (any function-level import of ``lems_epi.plots``) and those
  listed in :data:`DEFERRED` (``Scenario.check()``).
* No private name imported across packages: ``from lems_epi.a.b import _x`` is allowed only
  inside ``lems_epi.a``; a private module of a sub-package (``lems_epi.a._m``) is imported only
  inside ``lems_epi.a``. Each top-level module (``lems_epi.scenario``, ``lems_epi.cli``...)
  counts as a package of its own; the top-level private modules (``_validation``, ``_rng``,
  ``_io``) are the package's shared internals and may be imported anywhere, but their private
  names may not.
* ``import lems_epi`` loads none of the heavy dependencies (statsmodels.api, plotly, dask,
  distributed): checked in a fresh interpreter (no timing here; see
  ``benchmarks/bench_import.py`` for the time).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("statsmodels.api", "plotly", "dask", "distributed")

#: Imports inside a function that go up a layer on purpose: (module, imported module) -> why.
#: Besides these, any function-level import of the plots (``lems_epi.plots...``) is deferred:
#: a result's ``.plot()`` method draws it with the layer above.
DEFERRED = {
    ("lems_epi.scenario", "lems_epi.model.evidence_check"):
        "Scenario.check() compares the model's figures with the evidence",
}


def _deferred(module: str, target: str) -> bool:
    return (module, target) in DEFERRED or target == "lems_epi.plots" \
        or target.startswith("lems_epi.plots.")

#: Cycles in modules of other owners, each to be removed by its owner (the test fails once one
#: is gone, so the list only shrinks).
PENDING_CYCLES: list[list[str]] = []

#: Known violations in modules of other owners, each to be removed by its owner (issue 12).
#: An entry that is no longer needed fails the test, so the list can only shrink.
PENDING: set[tuple[str, str, str]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "lems_epi").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _owner(module: str) -> str:
    """The package a module belongs to for the private-name rule."""
    parts = module.split(".")
    if _is_package(module):
        return module
    if len(parts) == 2:  # a top-level module is its own package
        return module
    return ".".join(parts[:-1])


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imports(module: str, *, deferred: bool = True):
    """Yield ``(target module, imported name or None)`` for every import in ``module``
    (without the function-level imports listed in :data:`DEFERRED` if ``deferred`` is false)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if not deferred and id(node) not in top and isinstance(node, ast.ImportFrom) \
                and node.module and _deferred(module, node.module):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lems_epi"):
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = (module if _is_package(module) else module.rsplit(".", 1)[0]).split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not source.startswith("lems_epi"):
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                yield (full, None) if full in MODULES else (source, alias.name)


def _graph() -> dict[str, set[str]]:
    return {m: {t for t, _ in _imports(m, deferred=False) if t in MODULES and t != m}
            for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_the_checker_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    cycles = _cycles(_graph())
    new = [c for c in cycles if c not in PENDING_CYCLES]
    assert not new, f"import cycles (including imports inside functions): {new}"
    gone = [c for c in PENDING_CYCLES if c not in cycles]
    assert not gone, f"remove these fixed cycles from PENDING_CYCLES: {gone}"


def _violations() -> set[tuple[str, str, str]]:
    found = set()
    for module in MODULES:
        mine = _owner(module)
        for target, name in _imports(module):
            if name is None:  # a module import: private modules of other sub-packages
                parts = target.split(".")
                private_sub = [p for p in parts[2:] if _private(p)]
                if target in MODULES and private_sub and _owner(target) != mine:
                    found.add((module, target, ""))
            elif _private(name) and target in MODULES and _owner(target) != mine:
                found.add((module, target, name))
            elif target in MODULES and any(_private(p) for p in target.split(".")[2:]) \
                    and _owner(target) != mine:
                found.add((module, target, name))
    return found


def test_no_private_name_imported_across_packages():
    found = _violations()
    new = sorted(found - PENDING)
    assert not new, ("private names imported across packages (make them public in their "
                     f"module, or move them): {new}")
    fixed = sorted(PENDING - found)
    assert not fixed, f"remove these fixed entries from PENDING: {fixed}"


def test_module_names_say_what_is_inside():
    """Renamed in issue 12: one module per name, and the name says what is inside."""
    names = {m.rsplit(".", 1)[-1] for m in MODULES if m.count(".") >= 2}
    assert "variance" not in names  # Sobol's indices live in sensitivity/sobol_indices.py
    reports = [m for m in MODULES if m.endswith(".report")]
    assert reports == ["lems_epi.report"], reports


@pytest.mark.parametrize("statement", ["import lems_epi", "import lems_epi.stats",
                                       "import lems_epi.scenario",
                                       "from lems_epi import Scenario, expected_counts"])
def test_import_does_not_load_heavy_dependencies(statement):
    code = (f"{statement}\nimport sys\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "", f"{statement!r} loaded {out.stdout.strip()}"


def test_top_level_statistics_are_the_stats_namespace_objects():
    """lems_epi re-exports statistics by name only; lems_epi.stats holds their modules, so the
    two namespaces cannot drift apart (each name must exist in lems_epi.stats)."""
    import lems_epi
    import lems_epi.stats as st

    assert set(lems_epi._FROM_STATS) <= set(st.__all__)
    for name in lems_epi._FROM_STATS:
        assert getattr(lems_epi, name) is getattr(st, name), name
