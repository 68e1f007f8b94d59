"""Line diffs between two versions of an article, without I/O: a unified diff and the same hunks structured."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Literal

CONTEXT_LINES = 3


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk: kept (" "), removed ("-") or added ("+")."""

    op: Literal[" ", "-", "+"]
    text: str
    old_line: int | None  # 1-based line number in the old text; None for an added line
    new_line: int | None  # in the new text; None for a removed line


@dataclass(frozen=True)
class Hunk:
    """A run of changes with its context, as `@@ -old_start,old_lines +new_start,new_lines @@` names it."""

    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    lines: list[DiffLine] = field(default_factory=list)

    @property
    def header(self) -> str:
        """The unified-diff header of the hunk."""
        return f"@@ -{_range(self.old_start, self.old_lines)} +{_range(self.new_start, self.new_lines)} @@"


@dataclass(frozen=True)
class LineDiff:
    """What changed between two texts: the unified diff, its hunks, and counts of lines added and removed."""

    unified: str
    hunks: list[Hunk]
    added: int
    removed: int


def _range(start: int, length: int) -> str:
    # difflib's convention: an empty range names the line before it.
    return f"{start}" if length == 1 else f"{start},{length}"


def _start(first: int, length: int) -> int:
    return first + 1 if length else first


def line_diff(old: str, new: str, *, old_label: str = "a", new_label: str = "b",
              context: int = CONTEXT_LINES) -> LineDiff:
    """The unified diff of two texts (difflib) and the same hunks as data, with line numbers on both sides."""
    a, b = old.splitlines(), new.splitlines()
    unified = "\n".join(difflib.unified_diff(a, b, fromfile=old_label, tofile=new_label, n=context, lineterm=""))
    hunks, added, removed = [], 0, 0
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines: list[DiffLine] = []
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                lines += [DiffLine(" ", a[i], i + 1, b1 + (i - a1) + 1) for i in range(a1, a2)]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("-", a[i], i + 1, None) for i in range(a1, a2)]
                removed += a2 - a1
            if tag in ("replace", "insert"):
                lines += [DiffLine("+", b[j], None, j + 1) for j in range(b1, b2)]
                added += b2 - b1
        hunks.append(Hunk(_start(i1, i2 - i1), i2 - i1, _start(j1, j2 - j1), j2 - j1, lines))
    return LineDiff(unified=unified, hunks=hunks, added=added, removed=removed)


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields (other than the body) whose values differ: name -> {"from": old, "to": new}."""
    return {name: {"from": old[name], "to": new[name]} for name in old if old[name] != new.get(name)}
