"""Every query of projects."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.projects.models import Project


class ProjectRepository(EntityRepository[Project]):
    """Projects."""

    model, noun = Project, "project"

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
