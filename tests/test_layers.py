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

# Layers, lowest first (issue 16's shape; the modules have not moved into subpackages yet).
LAYERS = {
    "base": ["errors", "caching", "dimensions", "tidy", "textfile", "safe_names", "atomic", "citations", "schema", "resources", "tables", "inert",
             "style", "measures", "hierarchy"],
    "demography": ["graduation", "lifetable", "mortality", "fertility", "migration", "ccmpp", "population",
                   "estimates", "scenario", "observations", "anchoring", "projection"],
    "planning": ["demand", "capacity", "gaps", "result", "schedule", "workforce"],
    "uncertainty_review": ["stochastic", "ensemble", "review", "backtest", "official"],
    "reporting": ["summary", "digest", "plotting", "figures", "render", "report", "output", "workbook", "plan_outputs"],
    "top": ["runner", "cli", "__init__"],
}
LAYER_OF = {module: rank for rank, modules in enumerate(LAYERS.values()) for module in modules}

# Function-level imports that still point upwards or close a cycle (to be removed by issue 16).
KNOWN_UPWARD = {("result", "review"), ("schedule", "ensemble")}
KNOWN_CYCLES = [{"result", "review"}]


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Sibling modules that ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("oloy_model"):
            parts = node.module.split(".")
            found.update(parts[1:2] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("oloy_model."))
    return (found & modules) - {path.stem}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    return {p.stem: _imports(p, modules) for p in sorted(PACKAGE.glob("*.py"))}


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
    assert {"ccmpp", "lifetable", "errors"} <= graph["projection"] | graph["ccmpp"]
    assert "result" in graph["ensemble"] and "review" in graph["result"]  # a function-level import counts


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_beyond_the_known_ones(graph):
    assert sorted(map(sorted, _cycles(graph))) == sorted(map(sorted, KNOWN_CYCLES))


def test_every_module_has_a_layer(graph):
    assert set(graph) == set(LAYER_OF), set(graph) ^ set(LAYER_OF)


def test_no_module_imports_from_a_layer_above_beyond_the_known_ones(graph):
    upward = {(module, target) for module, targets in graph.items() for target in targets
              if LAYER_OF[target] > LAYER_OF[module]}
    assert upward == KNOWN_UPWARD
