"""Every query of caused incidents."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_portfolio.disruption.models import CausedIncident

# Handover's `project_changes` (the changes linked to projects), read as a plain table: handover's package reads the
# status, which reads the disruption, so importing handover here would close a cycle.
_PROJECT_CHANGES = sa.table("project_changes", sa.column("change_id", sa.Uuid()), sa.column("project_id", sa.Uuid()))


class CausedIncidentRepository:
    """Incidents linked to projects' go-lives."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, incident_id: uuid.UUID) -> CausedIncident | None:
        return await self.session.get(CausedIncident, incident_id)

    def add(self, incident: CausedIncident) -> None:
        self.session.add(incident)

    async def delete(self, incident: CausedIncident) -> None:
        await self.session.delete(incident)
        await self.session.flush()

    async def project_of_change(self, change_id: uuid.UUID | None) -> uuid.UUID | None:
        """The project portfolio knows the change belongs to, if any."""
        if change_id is None:
            return None
        stmt = sa.select(_PROJECT_CHANGES.c.project_id).where(_PROJECT_CHANGES.c.change_id == change_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_project(self, project_id: uuid.UUID) -> Sequence[CausedIncident]:
        """The incidents whose link names the project or one of its changes, oldest first."""
        changes = sa.select(_PROJECT_CHANGES.c.change_id).where(_PROJECT_CHANGES.c.project_id == project_id)
        stmt = (sa.select(CausedIncident)
                .where(sa.or_(CausedIncident.project_id == project_id, CausedIncident.change_id.in_(changes)))
                .order_by(CausedIncident.opened_at, CausedIncident.incident_id))
        return (await self.session.execute(stmt)).scalars().all()
