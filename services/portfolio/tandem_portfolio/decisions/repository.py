"""Every query of project decision records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_portfolio.decisions.models import Decision


class DecisionRepository:
    """Who deferred or terminated a project, when and why."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, decision: Decision) -> Decision:
        self.session.add(decision)
        return decision

    async def of_project(self, project_id: uuid.UUID) -> Sequence[Decision]:
        stmt = sa.select(Decision).where(Decision.project_id == project_id).order_by(Decision.decided_at, Decision.id)
        return (await self.session.execute(stmt)).scalars().all()
