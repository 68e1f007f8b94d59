"""Routes of team change success scores."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from tandem_shared.api import SessionDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES, NotFound

from tandem_change.record.repository import ChangeRepository
from tandem_change.scores import service

router = APIRouter(tags=["success scores"], responses=PROBLEM_RESPONSES)


class SuccessScoreRead(BaseModel):
    """A team's change success score: successful +3, with issues −2, failed or backed out −5, and per incident
    caused P1 −10, P2 −5, P3 −2 (the incidents metrics linked to the change, or those typed in at completion
    when none is linked)."""

    model_config = ConfigDict(from_attributes=True)

    team: str
    score: int
    successful: int
    successful_with_issues: int
    failed: int
    incidents_caused: int
    updated_at: datetime


@router.get("/success-scores", response_model=list[SuccessScoreRead], summary="Every team's change success score")
async def list_scores(session: SessionDep, _actor: CurrentActor) -> list[SuccessScoreRead]:
    return [SuccessScoreRead.model_validate(s) for s in await service.all_scores(session)]


@router.get("/teams/{team}/success-score", response_model=SuccessScoreRead, summary="A team's change success score",
            description="404 until one of the team's changes is implemented. Changes without an assignee count "
                        "for the team 'unassigned'.")
async def team_score(team: str, session: SessionDep, _actor: CurrentActor) -> SuccessScoreRead:
    score = await service.score_of(session, team)
    if score is None:
        raise NotFound(f"team {team!r} has no implemented change yet")
    return SuccessScoreRead.model_validate(score)


class LinkedIncidentRead(BaseModel):
    """An incident metrics linked to the change as its cause."""

    incident_id: uuid.UUID = Field(description="Metrics' id of the incident.")
    source_system: str
    external_id: str = Field(description="The incident's id in its source system.")
    priority: str = Field(description="P1 (highest) to P4; P1–P3 lower the team's score by 10, 5 and 2.")
    explanation: str | None = Field(description="Why metrics linked it (the rule, CIs in common, hours between).")
    linked_at: datetime = Field(description="Time of the link event.")


class LinkedIncidentList(BaseModel):
    """The incidents linked to a change; when there are any they, not the typed-in ones, count for its score."""

    items: list[LinkedIncidentRead]


@router.get("/changes/{change_id}/incidents", response_model=LinkedIncidentList,
            summary="Incidents linked to a change", description="Incidents metrics linked to the change as their "
            "cause (`metrics.incident.linked.v1`), P1 first. Once one exists, they replace the priorities typed in "
            "at completion in the team's success score.")
async def linked_incidents(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> LinkedIncidentList:
    await ChangeRepository(session).exists_or_404(change_id)
    return LinkedIncidentList(items=[LinkedIncidentRead(
        incident_id=link.incident_id, source_system=link.source_system, external_id=link.external_id,
        priority=f"P{link.priority}", explanation=link.explanation, linked_at=link.as_of,
    ) for link in await service.linked_incidents(session, change_id)])
