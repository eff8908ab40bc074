"""The package's import graph: no cycles, and no module imports from a layer above its own.

Imports are read with :mod:`ast` from ``oloy_model/*.py`` (module-level and function-level
alike: a function-level import is still a dependency). The known exceptions are listed
exactly, so a new one fails and a removed one asks for the list to shrink (issue 16).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "oloy_model"

# Layers, lowest first: a module's layer is its subpackage; the orchestrating CLI modules sit on top.
LAYERS = ["base", "demography", "planning", "uncertainty", "review", "reporting", "top"]
TOP_MODULES = {"__init__", "cli", "runner", "orchestrators"}

# Imports that still point upwards or close a cycle (to be removed; issue 16).
KNOWN_UPWARD: set[tuple[str, str]] = set()
KNOWN_CYCLES: list[set[str]] = []
KNOWN_FUNCTION_LEVEL: list[str] = []


def module_name(path: Path) -> str:
    """``demography.ccmpp`` for oloy_model/demography/ccmpp.py; ``cli`` for oloy_model/cli.py."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def layer_of(module: str) -> int:
    return LAYERS.index("top" if module in TOP_MODULES else module.split(".")[0])


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom, modules: set[str]) -> set[str]:
    """The package modules an ``ImportFrom`` node reads (``from .x import y`` may name module y)."""
    if node.level == 0:
        if not (node.module or "").startswith("oloy_model"):
            return set()
        base = node.module.split(".")[1:]
    else:
        here = importer.split(".") if is_package else importer.split(".")[:-1]
        if importer in TOP_MODULES:
            here = []
        base = here[:len(here) - (node.level - 1)] + (node.module.split(".") if node.module else [])
    found = set()
    for alias in node.names:
        candidate = ".".join(base + [alias.name])
        target = candidate if candidate in modules else ".".join(base)
        if target in modules:
            found.add(target)
    return found


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Package modules that ``path`` imports, anywhere in the file (a function-level import counts)."""
    importer = module_name(path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found |= _resolve(importer, path.name == "__init__.py", node, modules)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".", 1)[1] for a in node.names if a.name.startswith("oloy_model."))
    return found - {importer} - {m for m in found if "." not in m and m in LAYERS}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in files}
    return {module_name(p): _imports(p, modules) for p in files if module_name(p) not in LAYERS}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = {stack.pop()}
            while node not in component:
                component.add(stack.pop())
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_parser_sees_the_imports(graph):
    """A parser that found nothing would pass everything below."""
    assert {"demography.ccmpp", "base.errors"} <= graph["demography.projection"] | graph["demography.ccmpp"]
    assert "planning.result" in graph["uncertainty.ensemble"]
    assert "demography.ccmpp" in graph["__init__"] and "base.version" in graph["cli"]


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_beyond_the_known_ones(graph):
    assert sorted(map(sorted, _cycles(graph))) == sorted(map(sorted, KNOWN_CYCLES))


def test_every_module_sits_in_a_layer(graph):
    """Every module is in a layer's subpackage or one of the top modules; no stray top-level module."""
    stray = [m for m in graph if m not in TOP_MODULES and m.split(".")[0] not in LAYERS]
    assert stray == []


def test_no_module_imports_from_a_layer_above_beyond_the_known_ones(graph):
    upward = {(module, target) for module, targets in graph.items() for target in targets
              if layer_of(target) > layer_of(module)}
    assert upward == KNOWN_UPWARD


def test_no_function_level_imports_of_package_modules():
    """Imports of package modules sit at the top of the module, where a reader sees them."""
    hidden = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("oloy_model")):
                        hidden.append(f"{module_name(path)}:{node.lineno}")
    assert hidden == KNOWN_FUNCTION_LEVEL, hidden
