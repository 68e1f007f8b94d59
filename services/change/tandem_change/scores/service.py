"""Team change success scores: moved by each implemented change, read by the risk engine."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.contracts.change import TeamSuccessScoreChanged
from tandem_shared.uow import record_event

from tandem_change.people.repository import PeopleProjection
from tandem_change.record.lifecycle import Outcome
from tandem_change.record.models import Change
from tandem_change.scores.models import TeamSuccessScore
from tandem_change.scores.repository import TeamScoreRepository
from tandem_change.scores.rules import score_delta

UNASSIGNED = "unassigned"


async def team_of(session: AsyncSession, change: Change) -> str:
    """The assignee's team as capacity announced it, or 'unassigned'."""
    if change.assignee_id is None:
        return UNASSIGNED
    person = await PeopleProjection(session).get(change.assignee_id)
    return person.team if person else UNASSIGNED


async def score_of(session: AsyncSession, team: str) -> TeamSuccessScore | None:
    """The team's score, or None before its first implemented change."""
    return await TeamScoreRepository(session).get(team)


async def all_scores(session: AsyncSession) -> Sequence[TeamSuccessScore]:
    """Every team's score, by team name."""
    return await TeamScoreRepository(session).all()


async def apply_outcome(session: AsyncSession, *, team: str, change_id: uuid.UUID, outcome: Outcome,
                        incident_priorities: Sequence[int], actor: str) -> TeamSuccessScore:
    """Add a change's outcome to its team's score and publish the new score."""
    scores = TeamScoreRepository(session)
    row = await scores.get(team, for_update=True)
    if row is None:
        row = scores.add(TeamSuccessScore(team=team, score=0, successful=0, successful_with_issues=0, failed=0,
                                          incidents_caused=0))
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
