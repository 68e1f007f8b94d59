"""Every query of team success scores."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_change.scores.models import TeamSuccessScore


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
