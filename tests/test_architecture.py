"""The package's structure, checked from its source: imports run along the flow of an article, no
import cycle, small modules and functions.

The flow, from the bottom: the foundations (errors, limits, files, storage, text, budget, gc_pause, recent) ->
dictionaries -> article -> match -> decide -> write and report -> config -> pipeline -> batch ->
api -> service -> cli. A module may import from its own folder and from any folder below its own,
never from one above it or beside it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from support import ROOT

SOURCE = ROOT / "src" / "jats_enrich"
FOUNDATIONS = ("errors", "limits", "files", "storage", "text", "budget", "gc_pause", "recent")
FLOOR: dict[str, int] = {
    **dict.fromkeys(FOUNDATIONS, 0),
    "dictionaries": 1,
    "article": 2,
    "match": 3,
    "decide": 4,
    "write": 5,
    "report": 5,
    "config": 6,
    "pipeline": 7,
    "batch": 8,
    "api": 9,
    "service": 10,
    "cli": 11,
}
#: The package's own entry points, above everything; its data files (a package of resources, no code).
ENTRY_POINTS = ("", "__main__")
RESOURCES = ("data",)
MODULE_LINES = 400
FUNCTION_LINES = 60
#: Functions that are declarative tables (an argument parser's options, one call per option): long,
#: but read as a list.
DECLARATIVE_TABLES = {
    "cli.article_options.add_article_options",
    "cli.vocab.add_vocab_commands",
    "cli.serve.add_serve_command",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, ast.Module]:
    paths = [p for p in sorted(SOURCE.rglob("*.py")) if _folder(_module_name(p)) not in RESOURCES]
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in paths}


def _imports(tree: ast.Module, known: set[str]) -> set[str]:
    """The package's modules that a module imports, wherever the import is (top, function, TYPE_CHECKING)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "jats_enrich":
            base = node.module.removeprefix("jats_enrich").lstrip(".")
            for alias in node.names:
                named = f"{base}.{alias.name}" if base else alias.name
                found.add(named if named in known else base)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("jats_enrich.") for a in node.names if a.name.startswith("jats_enrich."))
    return found & known


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(tree, known) - {name} for name, tree in modules.items()}


def _folder(module: str) -> str:
    return module.split(".")[0]


def test_every_module_has_a_place_in_the_flow():
    unplaced = sorted(m for m in _graph() if m not in ENTRY_POINTS and _folder(m) not in FLOOR)
    assert unplaced == [], "give these a folder (and FLOOR a line): " + ", ".join(unplaced)


def test_imports_run_along_the_flow():
    against = []
    for module, imported in _graph().items():
        if module in ENTRY_POINTS:
            continue
        for other in imported:
            here, there = _folder(module), _folder(other)
            same_place = here == there or (here in FOUNDATIONS and there in FOUNDATIONS)
            if other not in ENTRY_POINTS and not same_place and FLOOR[there] >= FLOOR[here]:
                against.append(f"{module} -> {other}")
    assert against == [], "imports against the flow: " + "; ".join(sorted(against))


def test_no_import_cycle():
    graph = _graph()
    cycles: list[list[str]] = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []


def test_modules_are_small():
    long_modules = {}
    for path in sorted(SOURCE.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        name = _module_name(path)
        if lines > MODULE_LINES:
            long_modules[name] = lines
    assert long_modules == {}, f"modules over {MODULE_LINES} lines"


def test_functions_are_short():
    long_functions = {}
    for module, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                name = f"{module}.{node.name}"
                if lines > FUNCTION_LINES and name not in DECLARATIVE_TABLES:
                    long_functions[name] = lines
    assert long_functions == {}, f"functions over {FUNCTION_LINES} lines"
