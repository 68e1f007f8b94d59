"""Every query of team success scores, the changes' score entries and the incidents linked to changes."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_change.record.models import Change
from tandem_change.scores.models import ChangeScoreEntry, IncidentLink, TeamSuccessScore


class TeamScoreRepository:
    """One row per team: its change success score and the counts behind it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, team: str, *, for_update: bool = False) -> TeamSuccessScore | None:
        return await self.session.get(TeamSuccessScore, team, with_for_update=for_update)

    async def all(self) -> Sequence[TeamSuccessScore]:
        return (await self.session.execute(sa.select(TeamSuccessScore).order_by(TeamSuccessScore.team))).scalars().all()

    def add(self, row: TeamSuccessScore) -> TeamSuccessScore:
        self.session.add(row)
        return row

    async def entry(self, change_id: uuid.UUID) -> ChangeScoreEntry | None:
        """What the change put in its team's score, or None (not implemented, or scored before entries were kept)."""
        return await self.session.get(ChangeScoreEntry, change_id)

    def add_entry(self, entry: ChangeScoreEntry) -> ChangeScoreEntry:
        self.session.add(entry)
        return entry


class IncidentLinkRepository:
    """Incidents linked to changes, as metrics announced them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, incident_id: uuid.UUID) -> IncidentLink | None:
        return await self.session.get(IncidentLink, incident_id, with_for_update=True)

    def add(self, link: IncidentLink) -> IncidentLink:
        self.session.add(link)
        return link

    async def of_change(self, change_id: uuid.UUID) -> Sequence[IncidentLink]:
        """The incidents linked to the change, highest priority first."""
        stmt = (sa.select(IncidentLink).where(IncidentLink.change_id == change_id)
                .order_by(IncidentLink.priority, IncidentLink.as_of, IncidentLink.incident_id))
        return (await self.session.execute(stmt)).scalars().all()

    async def priorities(self, change_id: uuid.UUID) -> list[int] | None:
        """The priorities of the incidents linked to the change, or None when no link names it."""
        stmt = sa.select(IncidentLink.priority).where(IncidentLink.change_id == change_id)
        found = list((await self.session.execute(stmt)).scalars())
        return found or None

    async def changes_for_update(self, change_ids: Collection[uuid.UUID]) -> list[Change]:
        """The changes, locked in id order (PostgreSQL): a completion running meanwhile waits, or is waited for."""
        if not change_ids:
            return []
        stmt = sa.select(Change).where(Change.id.in_(sorted(change_ids))).order_by(Change.id).with_for_update()
        return list((await self.session.execute(stmt)).scalars())
