"""Every query of team success scores, and of the projects a team delivers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_portfolio.projects.lifecycle import ENDED
from tandem_portfolio.projects.models import Project
from tandem_portfolio.teams.models import TeamScore


class TeamScoreRepository:
    """Change's success score per team, as last announced."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, team: str | None) -> TeamScore | None:
        """The team's score, if change announced one."""
        return None if not team else await self.session.get(TeamScore, team)

    async def keep(self, team: str, *, score: int, previous_score: int, change_id: uuid.UUID, outcome: str,
                   changed_at: datetime) -> TeamScore:
        """Keep the team's latest score (change publishes a team's scores in order, keyed by the team)."""
        known = await self.session.get(TeamScore, team)
        if known is None:
            known = TeamScore(team=team)
            self.session.add(known)
        known.score, known.previous_score, known.change_id, known.outcome, known.changed_at = (
            score, previous_score, change_id, outcome, changed_at)
        return known

    async def projects_delivered_by(self, team: str) -> Sequence[Project]:
        """The live projects (not closed or terminated) the team delivers."""
        stmt = (sa.select(Project).where(Project.delivery_team == team, Project.stage.not_in(sorted(ENDED)))
                .order_by(Project.id))
        return (await self.session.execute(stmt)).scalars().all()
