"""Implementation-caused disruption of a project, without I/O.

Each incident linked to the project's go-live (the link names the project, or a change of the project) weighs by
its priority as metrics weighs it (docs/kpis.md): P1 10, P2 5, P3 2, P4 1. The points are an input of the
resources dimension of the project's status (amber from 5, red from 10) and, while above 0, of an automatic issue
"Go-live caused incidents" in the register (impact 2 below 5 points, 3 below 10, 4 from 10).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WEIGHTS = {"P1": 10, "P2": 5, "P3": 2, "P4": 1}
AMBER_FROM = 5  # points
RED_FROM = 10
SOURCE_KEY = "go_live_incidents"
TITLE = "Go-live caused incidents"


@dataclass(frozen=True)
class Incident:
    """What the rules read of a caused incident."""

    external_id: str
    priority: str
    explanation: str


def points(incidents: Iterable[Incident]) -> int:
    """The priority-weighted sum."""
    return sum(WEIGHTS[i.priority] for i in incidents)


def colour(total: int) -> str:
    """green below 5 points, amber from 5, red from 10."""
    return "red" if total >= RED_FROM else "amber" if total >= AMBER_FROM else "green"


def describe(incidents: list[Incident]) -> str:
    """The words: the points, the bands and each incident with its link's explanation."""
    if not incidents:
        return "no incident linked to the project's go-live"
    total = points(incidents)
    return (f"{len(incidents)} incident(s) caused by the project's go-live weigh {total} point(s) (P1 10, P2 5, P3 2, "
            f"P4 1; amber from {AMBER_FROM}, red from {RED_FROM}): "
            + "; ".join(f"{i.external_id} ({i.priority}): {i.explanation}" for i in incidents))


@dataclass(frozen=True)
class DisruptionIssue:
    """The register entry the disruption asks for."""

    impact: int
    title: str
    explanation: str


def issue(incidents: list[Incident]) -> DisruptionIssue | None:
    """The automatic issue while disruption is above 0, else None."""
    total = points(incidents)
    if total <= 0:
        return None
    impact = 4 if total >= RED_FROM else 3 if total >= AMBER_FROM else 2
    return DisruptionIssue(impact=impact, title=TITLE, explanation=describe(incidents))
