"""Every query of the scope change log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.errors import NotFound
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.scope.models import ScopeChange


class ScopeChangeRepository(EntityRepository[ScopeChange]):
    """Scope changes of projects."""

    model, noun = ScopeChange, "scope change"

    async def of_project_or_404(self, project_id: uuid.UUID, change_id: uuid.UUID) -> ScopeChange:
        """The project's scope change, or a 404."""
        change = await self.get(change_id)
        if change is None or change.project_id != project_id:
            raise NotFound(f"no scope change with id {change_id} in project {project_id}")
        return change

    async def page(self, project_id: uuid.UUID, page: PageParams, *, status: str | None = None
                   ) -> tuple[Sequence[ScopeChange], str | None]:
        """A page of the project's log, oldest first."""
        stmt = sa.select(ScopeChange).where(ScopeChange.project_id == project_id)
        if status:
            stmt = stmt.where(ScopeChange.status == status)
        return await keyset_page(self.session, stmt, sort=ScopeChange.created_at, tiebreak=ScopeChange.id,
                                 descending=False, page=page)

    async def approved_totals(self, project_id: uuid.UUID) -> tuple[int, Decimal, int]:
        """Approved changes of the project: how many, the sum of their absolute cost impacts, and of schedule days."""
        stmt = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.func.abs(ScopeChange.cost_impact)), 0),
                         sa.func.coalesce(sa.func.sum(ScopeChange.schedule_impact_days), 0)).where(
            ScopeChange.project_id == project_id, ScopeChange.status == "approved")
        count, cost, days = (await self.session.execute(stmt)).one()
        return int(count), Decimal(str(cost)).quantize(Decimal("0.01")), int(days)

    async def save(self, change: ScopeChange) -> ScopeChange:
        """Write a changed scope change now, so its new version (the ETag) is known."""
        await self.session.flush()
        return change
