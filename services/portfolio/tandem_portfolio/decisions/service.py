"""Deferring and terminating projects: the stage change, its decision record, audit row and event."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectDeferred, ProjectTerminated
from tandem_shared.errors import InvalidTransition
from tandem_shared.uow import record_event
from tandem_shared.repository import record_audit

from tandem_portfolio.decisions.models import Decision
from tandem_portfolio.decisions.repository import DecisionRepository
from tandem_portfolio.decisions.rules import TARGET, allowed_actions
from tandem_portfolio.projects.models import Project


async def decide(session: AsyncSession, *, actor: Actor, project: Project, action: str, reason: str) -> Decision:
    """Defer or terminate the project (409 naming the allowed actions when its stage does not allow it)."""
    allowed = allowed_actions(project.stage)
    if action not in allowed:
        raise InvalidTransition(entity="project", state=project.stage, action=action, allowed=allowed)
    before, project.stage = project.stage, TARGET[action].value
    decision = DecisionRepository(session).add(Decision(
        project_id=project.id, action=action, from_stage=before, to_stage=project.stage, reason=reason,
        decided_by=actor.sub))
    await session.flush()
    await record_audit(session, actor=actor.sub, action=action, entity_type="project", entity_id=project.id,
                       from_state=before, to_state=project.stage, detail={"reason": reason})
    event = ProjectDeferred(id=project.id, reason=reason, deferred_by=actor.sub) if action == "defer" else \
        ProjectTerminated(id=project.id, reason=reason, terminated_by=actor.sub)
    await record_event(session, event, actor=actor.sub)
    return decision


async def decisions_of(session: AsyncSession, project: Project) -> Sequence[Decision]:
    """The project's decision records, oldest first."""
    return await DecisionRepository(session).of_project(project.id)
