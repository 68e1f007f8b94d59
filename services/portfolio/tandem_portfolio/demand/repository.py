"""Queries of demand lines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from tandem_shared.repository import EntityRepository

from tandem_portfolio.demand.models import DemandLine


class DemandRepository(EntityRepository[DemandLine]):
    """Demand lines of projects."""

    model, noun = DemandLine, "demand line"

    async def for_project(self, project_id: uuid.UUID) -> Sequence[DemandLine]:
        stmt = sa.select(DemandLine).where(DemandLine.project_id == project_id).order_by(DemandLine.position)
        return (await self.session.execute(stmt)).scalars().all()

    async def owners(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """The project of each of these line ids that exists."""
        if not ids:
            return {}
        stmt = sa.select(DemandLine.id, DemandLine.project_id).where(DemandLine.id.in_(ids))
        return dict((await self.session.execute(stmt)).all())
