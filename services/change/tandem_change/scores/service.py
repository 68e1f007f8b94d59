"""Team change success scores: moved by each implemented change, read by the risk engine."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.contracts.change import TeamSuccessScoreChanged
from tandem_shared.outbox import record_event

from tandem_change.domain.lifecycle import Outcome
from tandem_change.domain.score import score_delta
from tandem_change.models import Change, KnownPerson
from tandem_change.scores.models import TeamSuccessScore

UNASSIGNED = "unassigned"


async def team_of(session: AsyncSession, change: Change) -> str:
    """The assignee's team as capacity announced it, or 'unassigned'."""
    if change.assignee_id is None:
        return UNASSIGNED
    person = await session.get(KnownPerson, change.assignee_id)
    return person.team if person else UNASSIGNED


async def score_of(session: AsyncSession, team: str) -> TeamSuccessScore | None:
    return await session.get(TeamSuccessScore, team)


async def all_scores(session: AsyncSession) -> Sequence[TeamSuccessScore]:
    return (await session.execute(sa.select(TeamSuccessScore).order_by(TeamSuccessScore.team))).scalars().all()


async def apply_outcome(session: AsyncSession, *, team: str, change_id: uuid.UUID, outcome: Outcome,
                        incident_priorities: Sequence[int], actor: str) -> TeamSuccessScore:
    """Add a change's outcome to its team's score and publish the new score."""
    row = await session.get(TeamSuccessScore, team, with_for_update=True)
    if row is None:
        row = TeamSuccessScore(team=team, score=0, successful=0, successful_with_issues=0, failed=0,
                               incidents_caused=0)
        session.add(row)
    previous = row.score
    delta = score_delta(outcome, incident_priorities)
    row.score = previous + delta
    if outcome is Outcome.SUCCESSFUL:
        row.successful += 1
    elif outcome is Outcome.SUCCESSFUL_WITH_ISSUES:
        row.successful_with_issues += 1
    else:
        row.failed += 1
    row.incidents_caused += len(incident_priorities)
    await session.flush()
    await record_event(session, TeamSuccessScoreChanged(
        team=team, score=row.score, previous_score=previous, delta=delta, change_id=change_id, outcome=outcome.value,
    ), actor=actor)
    return row
