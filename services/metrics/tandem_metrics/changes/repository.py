"""Every query of the changes projection.

Written by every implementation consumed, so kept as keyed Core rows (`tandem_shared.rows.KeyedRows`); the ORM class
is for the linking rule's reads, which refresh objects loaded before (`populate_existing`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.rows import KeyedRows, Row

from tandem_metrics.changes.models import ChangeFacts


class Changes:
    """Changes by id, and those implemented in a window of time."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.rows = KeyedRows(session, ChangeFacts.__table__)  # type: ignore[arg-type]

    async def put(self, change_id: uuid.UUID, **values: object) -> Row:
        """Set some of a change's columns (a change not known yet has no CIs and no services until told)."""
        if await self.rows.get(change_id) is None:
            values = {"affected_cis": [], "services": [], **values}
        return await self.rows.put(change_id, **values)

    async def by_ids(self, change_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ChangeFacts]:
        """Changes by id (unknown ones are absent)."""
        ids = sorted(set(change_ids))
        if not ids:
            return {}
        stmt = sa.select(ChangeFacts).where(ChangeFacts.change_id.in_(ids)).execution_options(populate_existing=True)
        return {row.change_id: row for row in (await self.session.execute(stmt)).scalars()}

    async def implemented_between(self, start: datetime, end: datetime) -> list[ChangeFacts]:
        """Changes whose implementation ended in [start, end]."""
        stmt = (sa.select(ChangeFacts).where(ChangeFacts.implemented_at >= start, ChangeFacts.implemented_at <= end)
                .order_by(ChangeFacts.implemented_at).execution_options(populate_existing=True))
        return list((await self.session.execute(stmt)).scalars())
