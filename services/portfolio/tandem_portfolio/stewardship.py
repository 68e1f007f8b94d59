"""Who may steer a project's execution records (milestones, risks, scope, costs, status), and when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tandem_shared.auth import Actor
from tandem_shared.errors import Conflict, Forbidden

if TYPE_CHECKING:
    from tandem_portfolio.projects.models import Project

STEWARD_ROLES = ("project_manager", "pmo")
# Stages after which a project's execution records are history: read-only.
FINISHED_STAGES = frozenset({"closed", "terminated"})


def ensure_steward(actor: Actor, project: Project, action: str) -> None:
    """403 unless the actor is a project manager, PMO (or admin), or this project's sponsor or named manager."""
    if actor.has_any(*STEWARD_ROLES):
        return
    if actor.sub in {project.sponsor, project.project_manager} - {None}:
        return
    raise Forbidden(f"{action} needs the project's sponsor or manager, or one of the roles: "
                    f"{', '.join(STEWARD_ROLES)}", required_roles=list(STEWARD_ROLES))


def ensure_active(project: Project, action: str) -> None:
    """409 when the project is closed or terminated: its execution records no longer change."""
    if project.stage in FINISHED_STAGES:
        raise Conflict(f"cannot {action}: the project is {project.stage}", stage=project.stage)
