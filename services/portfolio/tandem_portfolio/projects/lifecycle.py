"""The project lifecycle: categories and the stages a project passes through (transitions come later)."""

from __future__ import annotations

from enum import StrEnum


class ProjectCategory(StrEnum):
    """Run the business, grow it, or transform it."""

    RUN = "run"
    GROW = "grow"
    TRANSFORM = "transform"


class ProjectStage(StrEnum):
    """Where a project is in its life; every project starts proposed."""

    PROPOSED = "proposed"
    SCREENING = "screening"
    APPROVED = "approved"
    INITIATION = "initiation"
    PLANNING = "planning"
    EXECUTION = "execution"
    MONITORING = "monitoring"
    CLOSING = "closing"
    CLOSED = "closed"
    DEFERRED = "deferred"
    TERMINATED = "terminated"


INITIAL_STAGE = ProjectStage.PROPOSED
