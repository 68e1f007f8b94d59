"""A service's packages import each other without cycles, and its Alembic metadata holds every table it declares."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Services laid out as one package per aggregate.
RESTRUCTURED = ["change", "capacity", "knowledge", "metrics", "portfolio"]


def _root(service: str) -> tuple[str, Path]:
    """The service's import name and its directory."""
    name = f"tandem_{service}"
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, f"{name} is not an installed package"
    return name, Path(next(iter(spec.submodule_search_locations)))


def _modules(root: Path) -> Iterator[tuple[str, Path]]:
    """(dotted name relative to the service package, file) of every module except migration scripts."""
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[0] == "migrations" and "versions" in parts:
            continue  # each revision stands alone: it imports nothing of the service
        yield ".".join(p for p in parts if p != "__init__"), path


def _imported(name: str, relative: str, tree: ast.AST, is_package: bool) -> Iterator[str]:
    """Every module of the service package this module imports (anywhere in it: TYPE_CHECKING and functions too)."""
    own = relative.split(".") if relative else []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = own if is_package else own[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([name, *base, *(node.module.split(".") if node.module else [])])
            else:
                module = node.module or ""
            # `from pkg import mod` names a module; `from mod import thing` names an attribute (kept as mod).
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            if target == name or target.startswith(name + "."):
                yield target.removeprefix(name).lstrip(".")


def package_graph(service: str) -> dict[str, set[str]]:
    """Direct children of the service package (subpackages and top-level modules) -> the children they import."""
    name, root = _root(service)
    children = {p.name for p in root.iterdir() if (p / "__init__.py").exists()} | {
        p.stem for p in root.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, set[str]] = {child: set() for child in children}
    for relative, path in _modules(root):
        if not relative:
            continue  # the service's own __init__
        tree = ast.parse(path.read_text(), filename=str(path))
        source = relative.split(".")[0]
        for target in _imported(name, relative, tree, path.name == "__init__.py"):
            child = target.split(".")[0]
            if child in children and child != source:
                graph[source].add(child)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that ends where it starts, or None when it has none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_reports_a_cycle_and_accepts_a_dag() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("service", RESTRUCTURED)
def test_packages_import_each_other_without_cycles(service: str) -> None:
    graph = package_graph(service)
    cycle = find_cycle(graph)
    assert cycle is None, f"tandem_{service}: {' -> '.join(cycle or [])} import each other in a cycle"


@pytest.mark.parametrize("service", RESTRUCTURED)
def test_the_migration_metadata_holds_every_declared_table(service: str) -> None:
    # A fresh interpreter, so tables other tests imported cannot hide a models module Alembic's env misses.
    name, root = _root(service)
    declared = set()
    for _relative, path in _modules(root):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__tablename__" for t in node.targets):
                declared.add(ast.literal_eval(node.value))
    script = f"import {name}.models as m; print(' '.join(sorted(m.Base.metadata.tables)))"
    seen = set(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
               .stdout.split())
    assert declared and declared <= seen, f"{name}.models misses the tables {sorted(declared - seen)}"
