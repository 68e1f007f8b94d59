"""Who may steer a project (its stage, demand and execution records: milestones, risks, scope, costs, status), and
when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tandem_shared.auth import Actor
from tandem_shared.errors import Conflict, Forbidden

if TYPE_CHECKING:
    from tandem_portfolio.projects.models import Project

# Act on every project (and admin); a project manager acts on the projects they created or that name them.
STEWARD_ROLES = ("pmo",)
# Stages after which a project's execution records are history: read-only.
FINISHED_STAGES = frozenset({"closed", "terminated"})


def owns(actor: Actor, project: Project) -> bool:
    """The project's creator, sponsor and named manager own it; the PMO and admins act on every project."""
    return actor.has_any(*STEWARD_ROLES) or actor.sub in {project.created_by, project.sponsor,
                                                          project.project_manager} - {None}


def ensure_owner(actor: Actor, project: Project, action: str) -> None:
    """403 naming who may act, unless the actor owns the project."""
    if not owns(actor, project):
        raise Forbidden(f"{action} needs the project's creator, sponsor or project manager, or one of the roles: "
                        f"{', '.join(STEWARD_ROLES)}", reason="not_owner", required_roles=list(STEWARD_ROLES))


ensure_steward = ensure_owner  # the execution records follow their project's ownership


def ensure_active(project: Project, action: str) -> None:
    """409 when the project is closed or terminated: its execution records no longer change."""
    if project.stage in FINISHED_STAGES:
        raise Conflict(f"cannot {action}: the project is {project.stage}", stage=project.stage)
