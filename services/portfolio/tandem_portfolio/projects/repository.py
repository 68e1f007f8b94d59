"""Every query of projects and their links."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.objectives.models import ProjectObjective
from tandem_portfolio.projects.models import Project, ProjectStakeholder, ProjectTouch

ROLE_ORDER = {"sponsor": 0, "project_manager": 1, "service_owner": 2, "other": 3}


@dataclass
class ProjectLinks:
    """A project's objectives, touched services and CIs, and stakeholders, in their order."""

    objectives: list[ProjectObjective] = field(default_factory=list)
    services: list[ProjectTouch] = field(default_factory=list)
    cis: list[ProjectTouch] = field(default_factory=list)
    stakeholders: list[ProjectStakeholder] = field(default_factory=list)


class ProjectRepository(EntityRepository[Project]):
    """Projects."""

    model, noun = Project, "project"

    async def page(
        self, page: PageParams, *, stage: str | None = None, category: str | None = None,
        sponsor: str | None = None, portfolio: str | None = None, project_manager: str | None = None,
        objective_id: uuid.UUID | None = None, touches: uuid.UUID | None = None, q: str | None = None,
        sort: str = "-created_at",
    ) -> tuple[Sequence[Project], str | None]:
        stmt = sa.select(Project)
        for column, value in ((Project.stage, stage), (Project.category, category), (Project.sponsor, sponsor),
                              (Project.portfolio, portfolio), (Project.project_manager, project_manager)):
            if value:
                stmt = stmt.where(column == value)
        if objective_id:
            stmt = stmt.where(Project.id.in_(sa.select(ProjectObjective.project_id)
                                             .where(ProjectObjective.objective_id == objective_id)))
        if touches:
            stmt = stmt.where(Project.id.in_(sa.select(ProjectTouch.project_id).where(ProjectTouch.ref_id == touches)))
        if q:
            stmt = stmt.where(Project.name.icontains(q, autoescape=True))
        column = Project.name if sort.lstrip("-") == "name" else Project.created_at
        return await keyset_page(self.session, stmt, sort=column, tiebreak=Project.id,
                                 descending=sort.startswith("-"), page=page)

    async def links(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ProjectLinks]:
        """The links of each of these projects (three queries, whatever the number of projects)."""
        found = {pid: ProjectLinks() for pid in ids}
        if not found:
            return found
        objectives = sa.select(ProjectObjective).where(ProjectObjective.project_id.in_(found)) \
            .order_by(ProjectObjective.position)
        for row in (await self.session.execute(objectives)).scalars():
            found[row.project_id].objectives.append(row)
        touches = sa.select(ProjectTouch).where(ProjectTouch.project_id.in_(found)).order_by(ProjectTouch.position)
        for row in (await self.session.execute(touches)).scalars():
            (found[row.project_id].services if row.kind == "service" else found[row.project_id].cis).append(row)
        people = sa.select(ProjectStakeholder).where(ProjectStakeholder.project_id.in_(found))
        for row in sorted((await self.session.execute(people)).scalars(), key=lambda s: (ROLE_ORDER[s.role], s.sub)):
            found[row.project_id].stakeholders.append(row)
        return found

    async def _replace(self, model: Any, where: sa.ColumnElement[bool], rows: list[dict[str, Any]]) -> None:
        await self.session.execute(sa.delete(model).where(where))
        if rows:
            await self.session.execute(sa.insert(model), rows)

    async def set_objectives(self, project_id: uuid.UUID, links: list[tuple[uuid.UUID, int]]) -> None:
        await self._replace(ProjectObjective, ProjectObjective.project_id == project_id, [
            {"project_id": project_id, "objective_id": oid, "contribution": c, "position": i}
            for i, (oid, c) in enumerate(links)])

    async def set_touches(self, project_id: uuid.UUID, kind: str, items: list[tuple[uuid.UUID, str | None]]) -> None:
        await self._replace(ProjectTouch, (ProjectTouch.project_id == project_id) & (ProjectTouch.kind == kind), [
            {"project_id": project_id, "kind": kind, "ref_id": rid, "name": name, "position": i}
            for i, (rid, name) in enumerate(items)])

    async def set_stakeholders(self, project_id: uuid.UUID, people: list[tuple[str, str]]) -> None:
        await self._replace(ProjectStakeholder, ProjectStakeholder.project_id == project_id, [
            {"project_id": project_id, "sub": sub, "role": role} for sub, role in dict.fromkeys(people)])
