"""Every query of the projects projection."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.uow import UnitOfWork

from tandem_metrics.projects.models import ProjectFacts

_CACHE = "metrics.projects"


class Projects:
    """Projects by id (cached per transaction: a batch of one project's events reads it once)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _cache(self) -> dict[uuid.UUID, ProjectFacts | None]:
        return UnitOfWork.of(self.session).cache.setdefault(_CACHE, {})

    async def get(self, project_id: uuid.UUID | None) -> ProjectFacts | None:
        """One project, or None when unknown."""
        if project_id is None:
            return None
        cache = self._cache()
        if project_id not in cache:
            cache[project_id] = await self.session.get(ProjectFacts, project_id)
        return cache[project_id]

    async def categories(self, project_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str | None]:
        """The categories of projects by id (unknown projects are absent)."""
        ids = sorted(set(project_ids))
        if not ids:
            return {}
        stmt = sa.select(ProjectFacts.project_id, ProjectFacts.category).where(ProjectFacts.project_id.in_(ids))
        return {row[0]: row[1] for row in (await self.session.execute(stmt)).all()}

    async def ensure(self, project_id: uuid.UUID, at: datetime) -> ProjectFacts:
        """The project's row, added when unknown (events of a project may precede its creation in a replay)."""
        row = await self.get(project_id)
        if row is None:
            row = ProjectFacts(project_id=project_id, updated_at=at)
            self.session.add(row)
            self._cache()[project_id] = row
        return row
