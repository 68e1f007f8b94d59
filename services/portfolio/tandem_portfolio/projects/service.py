"""Project use cases: each writes the project, its audit row and its event in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectCreated
from tandem_shared.uow import record_event
from tandem_shared.repository import record_audit

from tandem_portfolio.projects.lifecycle import INITIAL_STAGE
from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.repository import ProjectRepository
from tandem_portfolio.projects.schemas import ProjectCreate


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project:
    """The project, or 404."""
    return await ProjectRepository(session).get_or_404(project_id)


async def create_project(session: AsyncSession, *, actor: Actor, body: ProjectCreate) -> Project:
    """Propose a project (stage proposed)."""
    project = await ProjectRepository(session).add(
        Project(
            name=body.name, description=body.description, category=body.category.value,
            stage=INITIAL_STAGE.value, sponsor=body.sponsor, start_date=body.start_date,
            go_live_date=body.go_live_date, budget_amount=body.budget_amount,
            budget_currency=body.budget_currency, created_by=actor.sub,
        )
    )
    await record_audit(session, actor=actor.sub, action="create", entity_type="project", entity_id=project.id,
                       to_state=project.stage)
    await record_event(session, ProjectCreated(
        id=project.id, name=project.name, category=project.category, stage=project.stage, sponsor=project.sponsor,
        start_date=project.start_date, go_live_date=project.go_live_date, created_by=actor.sub,
    ), actor=actor.sub)
    return project
