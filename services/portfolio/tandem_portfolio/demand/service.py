"""Planning a project's demand: store the lines, publish them for capacity."""

from __future__ import annotations

from collections.abc import Sequence

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectDemandPlanned, ResourceDemand
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.demand.models import DemandLine
from tandem_portfolio.demand.repository import DemandRepository
from tandem_portfolio.demand.schemas import DemandPlan
from tandem_portfolio.projects.lifecycle import accepts_demand, refuse
from tandem_portfolio.projects.models import Project
from tandem_portfolio.stewardship import ensure_owner

FIELDS = ("role", "skill", "min_proficiency", "person_id", "hours_per_week", "start", "end", "kind")


async def plan_demand(uow: UnitOfWork, *, actor: Actor, project: Project, body: DemandPlan) -> list[DemandLine]:
    """Replace the project's demand lines (kept by id, changed in place, new, or gone) and publish the plan."""
    ensure_owner(actor, project, "planning a project's demand")
    if not accepts_demand(project.stage):
        raise refuse(project.stage, "plan demand")
    session = uow.session
    lines = uow.repo(DemandRepository)
    current = {line.id: line for line in await lines.for_project(project.id)}
    before = {"lines": [history.snapshot(line, ("id", *FIELDS)) for line in current.values()]}
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
    await uow.audit(actor=actor.sub, action="plan_demand", entity_type="project", entity_id=project.id,
                    detail={"lines": len(kept), "removed": len(current)},
                    changes=history.changes(before, {"lines": [history.snapshot(line, ("id", *FIELDS))
                                                               for line in kept]}))
    await _publish(uow, actor=actor.sub, project=project, lines=kept)
    return kept


async def republish_plan(uow: UnitOfWork, *, actor: str, project: Project) -> None:
    """Publish the project's current plan again (nothing when it has no lines)."""
    lines = await uow.repo(DemandRepository).for_project(project.id)
    if lines:
        await _publish(uow, actor=actor, project=project, lines=lines)


async def _publish(uow: UnitOfWork, *, actor: str, project: Project, lines: Sequence[DemandLine]) -> None:
    await uow.record(ProjectDemandPlanned(
        project_id=project.id, project_name=project.name, planned_by=actor,
        demands=[ResourceDemand(id=row.id, **{name: getattr(row, name) for name in FIELDS}) for row in lines],
    ), actor=actor)
