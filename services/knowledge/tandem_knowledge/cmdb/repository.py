"""Every query of the CMDB projection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_knowledge.cmdb.models import KnownCI, KnownMaintenanceWindow, KnownRelationship


class CmdbRepository:
    """CIs, relationships and maintenance windows as change published them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ci(self, ci_id: uuid.UUID) -> KnownCI | None:
        return await self.session.get(KnownCI, ci_id)

    async def cis(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, KnownCI]:
        """The known CIs among these ids."""
        if not ids:
            return {}
        stmt = sa.select(KnownCI).where(KnownCI.id.in_(ids))
        return {ci.id: ci for ci in (await self.session.execute(stmt)).scalars()}

    async def relationship(self, relationship_id: uuid.UUID) -> KnownRelationship | None:
        return await self.session.get(KnownRelationship, relationship_id)

    async def window(self, window_id: uuid.UUID) -> KnownMaintenanceWindow | None:
        return await self.session.get(KnownMaintenanceWindow, window_id)

    def add(self, row: KnownCI | KnownRelationship | KnownMaintenanceWindow) -> None:
        self.session.add(row)

    async def delete(self, row: KnownRelationship | KnownMaintenanceWindow) -> None:
        await self.session.delete(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def relationships_of(self, ids: Sequence[uuid.UUID]) -> Sequence[KnownRelationship]:
        """Relationships with either end among these CIs, in a stable order."""
        if not ids:
            return []
        stmt = (sa.select(KnownRelationship)
                .where(sa.or_(KnownRelationship.source_id.in_(ids), KnownRelationship.target_id.in_(ids)))
                .order_by(KnownRelationship.source_id, KnownRelationship.target_id, KnownRelationship.type))
        return (await self.session.execute(stmt)).scalars().all()

    async def providers(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """What each of these CIs depends on (the targets of its relationships)."""
        found: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
        if ids:
            stmt = (sa.select(KnownRelationship.source_id, KnownRelationship.target_id)
                    .where(KnownRelationship.source_id.in_(ids)).order_by(KnownRelationship.target_id))
            for source, target in (await self.session.execute(stmt)).all():
                found[source].append(target)
        return found

    async def windows_of(self, ids: Sequence[uuid.UUID]) -> Sequence[KnownMaintenanceWindow]:
        """Maintenance windows of these CIs."""
        if not ids:
            return []
        stmt = (sa.select(KnownMaintenanceWindow).where(KnownMaintenanceWindow.ci_id.in_(ids))
                .order_by(KnownMaintenanceWindow.ci_id, KnownMaintenanceWindow.starts_at))
        return (await self.session.execute(stmt)).scalars().all()
