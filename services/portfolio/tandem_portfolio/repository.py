"""Every query of the portfolio service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_portfolio.models import Project
from tandem_shared.api import PageParams
from tandem_shared.repository import keyset_page


class ProjectRepository:
    """Projects."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, project_id: uuid.UUID) -> Project | None:
        return await self.session.get(Project, project_id)

    async def add(self, project: Project) -> Project:
        self.session.add(project)
        await self.session.flush()
        return project

    async def page(
        self, page: PageParams, *, stage: str | None = None, category: str | None = None,
        sponsor: str | None = None, q: str | None = None, sort: str = "-created_at",
    ) -> tuple[Sequence[Project], str | None]:
        stmt = sa.select(Project)
        if stage:
            stmt = stmt.where(Project.stage == stage)
        if category:
            stmt = stmt.where(Project.category == category)
        if sponsor:
            stmt = stmt.where(Project.sponsor == sponsor)
        if q:
            stmt = stmt.where(Project.name.icontains(q, autoescape=True))
        column = Project.name if sort.lstrip("-") == "name" else Project.created_at
        return await keyset_page(self.session, stmt, sort=column, tiebreak=Project.id,
                                 descending=sort.startswith("-"), page=page)
