"""Project use cases: intake and edits, each with its links, audit row and event in the caller's unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.portfolio import ProjectCreated, ProjectUpdated, TouchedItem
from tandem_shared.db import utcnow
from tandem_shared.errors import Forbidden, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.objectives.repository import ObjectiveRepository
from tandem_portfolio.projects.lifecycle import ProjectStage, editable, refuse
from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.repository import ProjectLinks, ProjectRepository
from tandem_portfolio.projects.schemas import (
    ObjectiveLink,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    Stakeholder,
    TouchedRead,
)

SCALARS = ("name", "description", "problem_statement", "category", "portfolio", "sponsor", "project_manager",
           "service_owner", "support_team", "delivery_team", "start_date", "go_live_date", "budget_amount",
           "budget_currency")
LISTS = ("objectives", "services", "cis", "stakeholders")
NOT_NULL = ("name", "category", "portfolio")
PEOPLE = ("sponsor", "project_manager", "service_owner")  # each is a stakeholder in the role of its field's name
PMO = ("pmo",)
# Work other packages do when a project's fields are set or changed (teams follows the delivery team), registered
# when they are imported: projects depends on none of them. Called with the unit, the project, the names of the
# fields set or changed, and the actor.
FieldsChanged = Callable[[UnitOfWork, Project, frozenset[str], str], Awaitable[None]]
ON_FIELDS_CHANGED: list[FieldsChanged] = []


def owns(actor: Actor, project: Project) -> bool:
    """The creator, sponsor and project manager own a project; so do the PMO and admins."""
    return actor.has_any(*PMO) or actor.sub in {project.created_by, project.sponsor, project.project_manager}


async def get_project(uow: UnitOfWork | AsyncSession, project_id: uuid.UUID) -> Project:
    """The project, or 404."""
    # Some callers still hold a session rather than its unit of work; both name the same transaction.
    uow = uow if isinstance(uow, UnitOfWork) else UnitOfWork.of(uow)
    return await uow.repo(ProjectRepository).get_or_404(project_id)


def _read(project: Project, links: ProjectLinks) -> ProjectRead:
    return ProjectRead(
        **{name: getattr(project, name) for name in (*SCALARS, "id", "stage", "held_from_stage", "created_by",
                                                     "version", "created_at", "updated_at")},
        objectives=[ObjectiveLink.model_validate(o) for o in links.objectives],
        services=[TouchedRead(id=t.ref_id, name=t.name) for t in links.services],
        cis=[TouchedRead(id=t.ref_id, name=t.name) for t in links.cis],
        stakeholders=[Stakeholder.model_validate(s) for s in links.stakeholders],
    )


async def project_reads(uow: UnitOfWork, projects: Sequence[Project]) -> list[ProjectRead]:
    """The projects with their links."""
    links = await uow.repo(ProjectRepository).links([p.id for p in projects])
    return [_read(p, links[p.id]) for p in projects]


async def project_read(uow: UnitOfWork, project: Project) -> ProjectRead:
    """The project with its links."""
    return (await project_reads(uow, [project]))[0]


async def _check_objectives(uow: UnitOfWork, links: list[ObjectiveLink]) -> None:
    known = await uow.repo(ObjectiveRepository).active_of([link.objective_id for link in links])
    for index, link in enumerate(links):
        if link.objective_id not in known:
            raise ValidationProblem.field(f"objectives.{index}.objective_id",
                                          f"no strategic objective {link.objective_id}")
        if not known[link.objective_id]:
            raise ValidationProblem.field(f"objectives.{index}.objective_id", "the objective is not active")


async def _write_links(uow: UnitOfWork, project: Project, values: dict[str, Any], others: list[Stakeholder]) -> None:
    """Replace the lists given in `values`; stakeholders follow the people fields and `others`."""
    repo = uow.repo(ProjectRepository)
    if values.get("objectives") is not None:
        await repo.set_objectives(project.id, [(o.objective_id, o.contribution) for o in values["objectives"]])
    for kind, name in (("service", "services"), ("ci", "cis")):
        if values.get(name) is not None:
            await repo.set_touches(project.id, kind, [(t.id, t.name) for t in values[name]])
    people = [(getattr(project, role), role) for role in PEOPLE if getattr(project, role)]
    await repo.set_stakeholders(project.id, people + [(s.sub, s.role.value) for s in others])


async def create_project(uow: UnitOfWork, *, actor: Actor, body: ProjectCreate) -> Project:
    """Submit an idea (or, for the PMO, a proposal) with the objectives it serves and what it touches."""
    if body.stage != ProjectStage.IDEA and not actor.has_any(*PMO):
        raise Forbidden("only the PMO enters a project as proposed (it skips the screening gate); submit an idea",
                        required_roles=list(PMO))
    await _check_objectives(uow, body.objectives or [])
    project = await uow.repo(ProjectRepository).add(Project(
        **{name: getattr(body, name) for name in SCALARS}, stage=body.stage, created_by=actor.sub))
    await _write_links(uow, project, {name: getattr(body, name) for name in LISTS}, body.stakeholders or [])
    await uow.audit(actor=actor.sub, action="create", entity_type="project", entity_id=project.id,
                    to_state=project.stage)
    await uow.record(ProjectCreated(
        id=project.id, name=project.name, category=project.category, stage=project.stage, sponsor=project.sponsor,
        start_date=project.start_date, go_live_date=project.go_live_date, created_by=actor.sub,
        project_manager=project.project_manager, service_owner=project.service_owner,
        support_team=project.support_team, delivery_team=project.delivery_team,
        services=[TouchedItem(id=str(t.id), name=t.name) for t in body.services or []],
        cis=[TouchedItem(id=str(t.id), name=t.name) for t in body.cis or []],
    ), actor=actor.sub)
    given = frozenset(name for name in SCALARS if getattr(project, name) is not None)
    for hook in ON_FIELDS_CHANGED:
        await hook(uow, project, given, actor.sub)
    return project


async def _current_lists(uow: UnitOfWork, project: Project) -> dict[str, Any]:
    links = (await uow.repo(ProjectRepository).links([project.id]))[project.id]
    read = _read(project, links)
    return {"objectives": read.objectives, "services": read.services, "cis": read.cis,
            "stakeholders": [s for s in read.stakeholders if s.role == "other"]}


async def update_project(uow: UnitOfWork, *, actor: Actor, project: Project, body: ProjectUpdate) -> Project:
    """Change the fields given (lists replace the whole list); publish what changed."""
    if not owns(actor, project):
        raise Forbidden("only the project's creator, sponsor or project manager, the PMO or an admin edit it")
    if not editable(project.stage):
        raise refuse(project.stage, "update")
    fields = body.model_dump(exclude_unset=True)
    for name in NOT_NULL:
        if name in fields and fields[name] is None:
            raise ValidationProblem.field(name, "cannot be null")
    for name in LISTS:
        if name in fields and fields[name] is None:
            raise ValidationProblem.field(name, "cannot be null; send [] to empty the list")
    merged = {name: fields.get(name, getattr(project, name)) for name in SCALARS}
    if merged["go_live_date"] and merged["start_date"] and merged["go_live_date"] < merged["start_date"]:
        raise ValidationProblem.field("go_live_date", "must not be before start_date")
    if merged["budget_amount"] is not None and merged["budget_currency"] is None:
        raise ValidationProblem.field("budget_currency", "is required when budget_amount is given")
    current = await _current_lists(uow, project)
    changed = {name for name in SCALARS if name in fields and getattr(project, name) != fields[name]}
    changed |= {name for name in LISTS if fields.get(name) is not None
                and to_jsonable_python(getattr(body, name)) != to_jsonable_python(current[name])}
    if not changed:
        return project
    if "objectives" in changed:
        await _check_objectives(uow, body.objectives or [])
    before = {name: getattr(project, name) for name in changed & set(SCALARS)}
    for name in changed & set(SCALARS):
        setattr(project, name, fields[name])
    project.updated_at = utcnow()  # a change of links only is a new version too
    await uow.session.flush()
    others = body.stakeholders if "stakeholders" in changed else current["stakeholders"]
    await _write_links(uow, project, {name: getattr(body, name) for name in changed & set(LISTS)}, others)
    as_json = {name: to_jsonable_python(getattr(body, name)) for name in sorted(changed)}
    old = {name: before[name] if name in before else current[name] for name in sorted(changed)}
    await uow.audit(actor=actor.sub, action="update", entity_type="project", entity_id=project.id,
                    detail={"from": to_jsonable_python(before), "to": as_json}, changes=history.changes(old, as_json))
    await uow.record(ProjectUpdated(id=project.id, changed=as_json, updated_by=actor.sub, version=project.version),
                     actor=actor.sub)
    for hook in ON_FIELDS_CHANGED:
        await hook(uow, project, frozenset(changed), actor.sub)
    return project
