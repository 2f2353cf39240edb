"""The package's layers, read from the source: no import cycle at import time, the model
imports no experiment engine, command line, app or figures code, and the base modules (the
registry, outcomes, reference data, scenarios) import nothing built on them (issue 15's
two inversions were ``scenario.py`` and ``engine/spec.py`` importing the model's outcomes).

Imports are read with :mod:`ast` from every module of ``ftzsim``: those at module level
(including inside ``try`` and ``if`` blocks, except ``if TYPE_CHECKING:``) run at import
time and can make a cycle; those inside functions run when called and still count for the
layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ftzsim"

#: what the model may not import, even inside a function
ABOVE_MODEL = ("ftzsim.engine", "ftzsim.cli", "ftzsim.app", "ftzsim.analysis")
#: the base modules, and what they may not import
BASE = ("ftzsim.levers", "ftzsim.outcomes", "ftzsim.reference", "ftzsim.scenario", "ftzsim.seeds", "ftzsim.io")
ABOVE_BASE = ("ftzsim.model", "ftzsim.engine", "ftzsim.cli", "ftzsim.app", "ftzsim.analysis", "ftzsim.calibration")


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


MODULES = _modules()


def _imports(name: str) -> set[tuple[str, bool]]:
    """(imported ftzsim module, at import time?) for module ``name``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[tuple[str, bool]] = set()

    def target(module: str, names: list[str]) -> list[str]:
        subs = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
        return subs or [module]

    def visit(nodes: list[ast.stmt], top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.Import):
                found.update((a.name, top) for a in node.names if a.name.startswith("ftzsim"))
            elif isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                module = ".".join(p for p in (base, node.module or "") if p)
                if module.startswith("ftzsim"):
                    found.update((m, top) for m in target(module, [a.name for a in node.names]))
            inner = top and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for field in ("body", "orelse", "finalbody", "handlers"):
                sub = getattr(node, field, None)
                if isinstance(sub, list):
                    visit(sub, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")).body, True)
    return found


IMPORTS = {name: _imports(name) for name in MODULES}


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_reader_sees_the_imports_it_must():
    """A guard on the reader itself: known edges of each kind are found."""
    assert ("ftzsim.model.firms", True) in IMPORTS["ftzsim.model.model"]
    assert ("ftzsim.model.kernel", True) in IMPORTS["ftzsim.model.firms"]
    assert ("ftzsim.engine.adapter", False) in IMPORTS["ftzsim.calibration.simulate"]  # inside a function
    assert all(m != "ftzsim.model.model" for m, _ in IMPORTS["ftzsim.model.agents"])  # TYPE_CHECKING only
    assert len(MODULES) > 50


def test_no_import_cycle_at_import_time():
    graph = {name: sorted(m for m, top in IMPORTS[name] if top and m in MODULES and m != name) for name in MODULES}
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _within(n, ("ftzsim.model",))))
def test_the_model_imports_no_engine_cli_app_or_figures(name):
    bad = sorted(m for m, _ in IMPORTS[name] if _within(m, ABOVE_MODEL))
    assert not bad, f"{name} imports {bad}"


@pytest.mark.parametrize("name", BASE)
def test_the_base_modules_import_nothing_built_on_them(name):
    bad = sorted(m for m, _ in IMPORTS[name] if _within(m, ABOVE_BASE))
    assert not bad, f"{name} imports {bad}"
