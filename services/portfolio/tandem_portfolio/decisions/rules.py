"""Which stop decisions a project's stage allows: deferral while it is live, termination until it ends."""

from __future__ import annotations

from tandem_portfolio.projects.lifecycle import ProjectStage

ENDED = frozenset({ProjectStage.CLOSED, ProjectStage.TERMINATED})
# A project still being decided or delivered can be put on hold.
DEFERRABLE = frozenset(ProjectStage) - ENDED - {ProjectStage.DEFERRED, ProjectStage.CLOSING}
TERMINABLE = frozenset(ProjectStage) - ENDED
TARGET = {"defer": ProjectStage.DEFERRED, "terminate": ProjectStage.TERMINATED}


def allowed_actions(stage: str) -> list[str]:
    """The stop decisions allowed from a stage, sorted."""
    current = ProjectStage(stage)
    return sorted(action for action, stages in (("defer", DEFERRABLE), ("terminate", TERMINABLE))
                  if current in stages)


def accepts_demand(stage: str) -> bool:
    """A deferred, terminated or closed project plans no demand."""
    return ProjectStage(stage) not in ENDED | {ProjectStage.DEFERRED}
