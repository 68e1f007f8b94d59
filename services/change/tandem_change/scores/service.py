"""Team change success scores: moved by each implemented change and by incidents linked to it; read by risk."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.contracts.change import TeamSuccessScoreChanged
from tandem_shared.uow import record_event

from tandem_change.people.repository import PeopleProjection
from tandem_change.record.lifecycle import Outcome
from tandem_change.record.models import Change
from tandem_change.scores.models import ChangeScoreEntry, IncidentLink, TeamSuccessScore
from tandem_change.scores.repository import IncidentLinkRepository, TeamScoreRepository
from tandem_change.scores.rules import OUTCOME_POINTS, incident_points, incidents_that_count

UNASSIGNED = "unassigned"
LINKER = "metrics"  # the actor of score moves caused by metrics' incident links


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


async def linked_incidents(session: AsyncSession, change_id: uuid.UUID) -> Sequence[IncidentLink]:
    """The incidents linked to a change, highest priority first."""
    return await IncidentLinkRepository(session).of_change(change_id)


async def _team_row(scores: TeamScoreRepository, team: str) -> TeamSuccessScore:
    row = await scores.get(team, for_update=True)
    if row is None:
        row = scores.add(TeamSuccessScore(team=team, score=0, successful=0, successful_with_issues=0, failed=0,
                                          incidents_caused=0))
    return row


async def apply_outcome(session: AsyncSession, *, team: str, change_id: uuid.UUID, outcome: Outcome,
                        incident_priorities: Sequence[int], actor: str) -> TeamSuccessScore:
    """Add a change's outcome and incidents to its team's score and publish the new score.

    The incidents are those linked to the change when any link names it, else the priorities typed in.
    """
    scores = TeamScoreRepository(session)
    linked = await IncidentLinkRepository(session).priorities(change_id)
    incidents = incidents_that_count(linked, incident_priorities)
    row = await _team_row(scores, team)
    previous = row.score
    entry = scores.add_entry(ChangeScoreEntry(
        change_id=change_id, team=team, outcome=outcome.value, outcome_points=OUTCOME_POINTS[outcome],
        incident_points=incident_points(incidents), incidents=len(incidents), linked=linked is not None))
    delta = entry.outcome_points + entry.incident_points
    row.score = previous + delta
    if outcome is Outcome.SUCCESSFUL:
        row.successful += 1
    elif outcome is Outcome.SUCCESSFUL_WITH_ISSUES:
        row.successful_with_issues += 1
    else:
        row.failed += 1
    row.incidents_caused += len(incidents)
    await session.flush()
    await record_event(session, TeamSuccessScoreChanged(
        team=team, score=row.score, previous_score=previous, delta=delta, change_id=change_id, outcome=outcome.value,
    ), actor=actor)
    return row


async def link_incident(session: AsyncSession, *, incident_id: uuid.UUID, change_id: uuid.UUID | None,
                        project_id: uuid.UUID | None, source_system: str, external_id: str, priority: int,
                        explanation: str | None, as_of: datetime) -> None:
    """Keep where an incident is linked now (change_id None: to no change) and re-score the changes it concerns.

    Idempotent and order-safe: the row holds the incident's current link, an event older than the one it reflects
    changes nothing, and a change is re-scored from the links it has now, not by adding the event's difference.
    """
    links = IncidentLinkRepository(session)
    link = await links.get(incident_id)
    if link is not None and as_of < link.as_of:
        return  # a replayed dead letter older than the link we hold
    concerned = {c for c in (link.change_id if link else None, change_id) if c is not None}
    # Lock the changes first (PostgreSQL), in id order: a completion of one of them either committed before (and is
    # re-scored here) or waits for this link and scores with it.
    changes = await links.changes_for_update(concerned)
    values = {"change_id": change_id, "project_id": project_id, "source_system": source_system,
              "external_id": external_id, "priority": priority, "explanation": explanation, "as_of": as_of}
    if link is None:
        links.add(IncidentLink(incident_id=incident_id, **values))
    else:
        for key, value in values.items():
            setattr(link, key, value)
    await session.flush()
    for change in changes:
        await rescore(session, change)


async def rescore(session: AsyncSession, change: Change) -> None:
    """Bring an implemented change's incidents in its team's score up to date with its links; publish a move."""
    if change.outcome is None:
        return  # not implemented yet: its completion scores the links it has then
    scores = TeamScoreRepository(session)
    linked = await IncidentLinkRepository(session).priorities(change.id)
    incidents = incidents_that_count(linked, change.incidents_caused)
    entry = await scores.entry(change.id)
    if entry is None:
        # Scored before entries were kept (migration 0008): it was scored with the typed-in incidents, by the same
        # rule of teams as now.
        typed = incidents_that_count(None, change.incidents_caused)
        outcome = Outcome(change.outcome)
        entry = scores.add_entry(ChangeScoreEntry(
            change_id=change.id, team=await team_of(session, change), outcome=outcome.value,
            outcome_points=OUTCOME_POINTS[outcome], incident_points=incident_points(typed), incidents=len(typed),
            linked=False))
    points = incident_points(incidents)
    entry.linked = linked is not None
    if (points, len(incidents)) == (entry.incident_points, entry.incidents):
        await session.flush()
        return  # a re-sent link, or a new one worth what the typed ones were: the score stands
    row = await _team_row(scores, entry.team)
    previous = row.score
    delta = points - entry.incident_points
    row.score = previous + delta
    row.incidents_caused += len(incidents) - entry.incidents
    entry.incident_points, entry.incidents = points, len(incidents)
    await session.flush()
    await record_event(session, TeamSuccessScoreChanged(
        team=entry.team, score=row.score, previous_score=previous, delta=delta, change_id=change.id,
        outcome=entry.outcome,
    ), actor=LINKER)
