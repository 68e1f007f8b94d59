"""Planning a project's demand: store the lines, publish them for capacity."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectDemandPlanned, ResourceDemand
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import InvalidTransition, ValidationProblem
from tandem_shared.uow import record_event
from tandem_shared.repository import record_audit

from tandem_portfolio.demand.models import DemandLine
from tandem_portfolio.demand.repository import DemandRepository
from tandem_portfolio.demand.schemas import DemandPlan
from tandem_portfolio.decisions.rules import accepts_demand, allowed_actions
from tandem_portfolio.projects.models import Project

FIELDS = ("role", "skill", "min_proficiency", "person_id", "hours_per_week", "start", "end", "kind")


async def plan_demand(session: AsyncSession, *, actor: Actor, project: Project, body: DemandPlan) -> list[DemandLine]:
    """Replace the project's demand lines (kept by id, changed in place, new, or gone) and publish the plan."""
    if not accepts_demand(project.stage):
        raise InvalidTransition(entity="project", state=project.stage, action="plan demand",
                                allowed=allowed_actions(project.stage))
    lines = DemandRepository(session)
    current = {line.id: line for line in await lines.for_project(project.id)}
    owners = await lines.owners([line.id for line in body.lines if line.id is not None])
    for index, line in enumerate(body.lines):
        if line.id is not None and owners.get(line.id, project.id) != project.id:
            raise ValidationProblem.field(f"lines.{index}.id", "belongs to another project's demand")
    kept = []
    for index, line in enumerate(body.lines):
        values = {name: getattr(line, name) for name in FIELDS}
        row = current.pop(line.id, None) if line.id is not None else None
        if row is None:
            row = DemandLine(id=line.id or new_id(), project_id=project.id, position=index, **values)
            session.add(row)
        else:
            for name, value in {**values, "position": index}.items():
                setattr(row, name, value)
        kept.append(row)
    for gone in current.values():
        await session.delete(gone)
    project.updated_at = utcnow()  # bumps the version: the plan's ETag is the project's
    await session.flush()
    await record_audit(session, actor=actor.sub, action="plan_demand", entity_type="project", entity_id=project.id,
                       detail={"lines": len(kept), "removed": len(current)})
    await record_event(session, ProjectDemandPlanned(
        project_id=project.id, project_name=project.name, planned_by=actor.sub,
        demands=[ResourceDemand(id=row.id, **{name: getattr(row, name) for name in FIELDS}) for row in kept],
    ), actor=actor.sub)
    return kept
