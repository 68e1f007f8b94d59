"""The SQLite driver stands on public interfaces: no other library's private attribute, and no aiosqlite."""

from __future__ import annotations

import ast
from pathlib import Path

import tandem_shared.sqlite_driver as driver

TREE = ast.parse(Path(driver.__file__).read_text())


def _defined_here() -> set[str]:
    """Private names the module defines itself: functions, classes, slots and attributes it assigns."""
    names: set[str] = set()
    for node in ast.walk(TREE):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__slots__"
                                                  for t in node.targets):
            names.update(ast.literal_eval(node.value))
    return names


def test_the_driver_reads_no_private_attribute_it_does_not_define() -> None:
    read = {node.attr for node in ast.walk(TREE) if isinstance(node, ast.Attribute)
            and node.attr.startswith("_") and not node.attr.startswith("__")}
    assert read - _defined_here() == set()


def test_the_driver_imports_the_standard_library_and_only_sqlalchemys_adapted_connection() -> None:
    imported: set[str] = set()
    for node in ast.walk(TREE):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    third_party = {name for name in imported if name.split(".")[0] not in
                   {"asyncio", "collections", "contextlib", "sqlite3", "sys", "types", "typing"}}
    assert third_party == {"sqlalchemy.engine.AdaptedConnection"}
    assert not any(part.startswith("_") for name in imported for part in name.split("."))
