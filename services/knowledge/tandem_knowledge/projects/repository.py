"""Every query of the projects projection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_knowledge.projects.models import KnownProject, ProjectFact


class ProjectRepository:
    """Projects and their facts."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, project_id: uuid.UUID) -> KnownProject | None:
        return await self.session.get(KnownProject, project_id)

    async def get_or_add(self, project_id: uuid.UUID) -> KnownProject:
        """The project, or a new row for it (an event may arrive before its creation event)."""
        project = await self.get(project_id)
        if project is None:
            project = KnownProject(id=project_id, services=[], cis=[])
            self.session.add(project)
            await self.session.flush()
        return project

    async def fact(self, project_id: uuid.UUID, kind: str, ref_id: uuid.UUID) -> ProjectFact | None:
        return await self.session.get(ProjectFact, (project_id, kind, ref_id))

    def add_fact(self, fact: ProjectFact) -> None:
        self.session.add(fact)

    async def facts(self, project_id: uuid.UUID, kind: str) -> Sequence[ProjectFact]:
        """The project's facts of a kind, in the order they happened."""
        stmt = (sa.select(ProjectFact).where(ProjectFact.project_id == project_id, ProjectFact.kind == kind)
                .order_by(ProjectFact.at, ProjectFact.ref_id))
        return (await self.session.execute(stmt)).scalars().all()

    async def flush(self) -> None:
        await self.session.flush()
