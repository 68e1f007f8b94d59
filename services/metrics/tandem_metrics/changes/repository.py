"""Every query of the changes projection."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_metrics.changes.models import ChangeFacts


class Changes:
    """Changes by id, and those implemented in a window of time."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, change_id: uuid.UUID) -> ChangeFacts:
        """The change's row, added when unknown."""
        row = await self.session.get(ChangeFacts, change_id)
        if row is None:
            row = ChangeFacts(change_id=change_id, affected_cis=[], services=[])
            self.session.add(row)
        return row

    async def by_ids(self, change_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ChangeFacts]:
        """Changes by id (unknown ones are absent)."""
        ids = sorted(set(change_ids))
        if not ids:
            return {}
        stmt = sa.select(ChangeFacts).where(ChangeFacts.change_id.in_(ids))
        return {row.change_id: row for row in (await self.session.execute(stmt)).scalars()}

    async def implemented_between(self, start: datetime, end: datetime) -> list[ChangeFacts]:
        """Changes whose implementation ended in [start, end]."""
        stmt = sa.select(ChangeFacts).where(ChangeFacts.implemented_at >= start, ChangeFacts.implemented_at <= end)
        return list((await self.session.execute(stmt.order_by(ChangeFacts.implemented_at))).scalars())
