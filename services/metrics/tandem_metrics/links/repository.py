"""Every query of incident links."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_metrics.links.models import IncidentLink

# pg_advisory_xact_lock key of incident linking (any constant no other lock of the database uses).
LINKING_LOCK = 7_301_442_001


class IncidentLinks:
    """Links by incident."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_linking(self) -> None:
        """Take the linking lock until the commit (PostgreSQL; SQLite has one writer anyway).

        Incidents arriving and a change's implementation arriving are linked by two transactions that each read what
        the other writes: without the lock, each could miss the other's uncommitted row and neither would link.
        """
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LINKING_LOCK})

    async def by_incidents(self, incident_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, IncidentLink]:
        """Links of incidents by incident id (unlinked ones are absent)."""
        ids = sorted(set(incident_ids))
        found: dict[uuid.UUID, IncidentLink] = {}
        for start in range(0, len(ids), 500):
            stmt = sa.select(IncidentLink).where(IncidentLink.incident_id.in_(ids[start:start + 500]))
            found.update({row.incident_id: row for row in (await self.session.execute(stmt)).scalars()})
        return found

    async def incidents_of_change(self, change_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
        """Incidents linked to one of the changes."""
        ids = sorted(set(change_ids))
        found: list[uuid.UUID] = []
        for start in range(0, len(ids), 500):
            stmt = sa.select(IncidentLink.incident_id).where(IncidentLink.change_id.in_(ids[start:start + 500]))
            found += (await self.session.execute(stmt)).scalars()
        return found

    def add(self, row: IncidentLink) -> None:
        """A new link."""
        self.session.add(row)

    async def delete(self, row: IncidentLink) -> None:
        """Remove a link."""
        await self.session.delete(row)
