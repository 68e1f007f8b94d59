"""Every query of milestones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.errors import NotFound
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.milestones.models import Milestone
from tandem_portfolio.paging import date_cursor


class MilestoneRepository(EntityRepository[Milestone]):
    """Milestones of projects."""

    model, noun = Milestone, "milestone"

    async def of_project_or_404(self, project_id: uuid.UUID, milestone_id: uuid.UUID) -> Milestone:
        """The project's milestone, or a 404 (another project's milestone is not found here either)."""
        milestone = await self.get(milestone_id)
        if milestone is None or milestone.project_id != project_id:
            raise NotFound(f"no milestone with id {milestone_id} in project {project_id}")
        return milestone

    async def for_project(self, project_id: uuid.UUID) -> Sequence[Milestone]:
        """Every milestone of the project, by forecast date."""
        stmt = (sa.select(Milestone).where(Milestone.project_id == project_id)
                .order_by(Milestone.forecast_date, Milestone.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def page(self, project_id: uuid.UUID, page: PageParams, *, status: str | None = None,
                   kind: str | None = None) -> tuple[Sequence[Milestone], str | None]:
        """A page of the project's milestones by forecast date."""
        stmt = sa.select(Milestone).where(Milestone.project_id == project_id)
        if status:
            stmt = stmt.where(Milestone.status == status)
        if kind:
            stmt = stmt.where(Milestone.kind == kind)
        return await keyset_page(self.session, stmt, sort=Milestone.forecast_date, tiebreak=Milestone.id,
                                 descending=False, page=date_cursor(page))

    async def save(self, milestone: Milestone) -> Milestone:
        """Write a changed milestone now, so its new version (the ETag) is known."""
        await self.session.flush()
        return milestone

    async def delete(self, milestone: Milestone) -> None:
        """Remove a milestone."""
        await self.session.delete(milestone)
        await self.session.flush()
