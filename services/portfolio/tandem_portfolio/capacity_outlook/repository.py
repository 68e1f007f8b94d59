"""Every query of the capacity outlook projection."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_portfolio.capacity_outlook.models import CapacityOutlook

DEFAULT_POOL = "all"


class CapacityOutlookRepository:
    """The latest snapshot per pool."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, pool: str = DEFAULT_POOL) -> CapacityOutlook | None:
        return await self.session.get(CapacityOutlook, pool)

    async def lock(self, pool: str) -> CapacityOutlook | None:
        """The pool's row, locked until commit so two snapshots of one pool apply one after the other."""
        stmt = sa.select(CapacityOutlook).where(CapacityOutlook.pool == pool).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def add(self, outlook: CapacityOutlook) -> CapacityOutlook:
        self.session.add(outlook)
        return outlook
