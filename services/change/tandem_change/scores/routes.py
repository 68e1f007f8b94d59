"""Routes of team change success scores."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from tandem_shared.api import SessionDep
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES, NotFound

from tandem_change.scores import service

router = APIRouter(tags=["success scores"], responses=PROBLEM_RESPONSES)


class SuccessScoreRead(BaseModel):
    """A team's change success score: successful +3, with issues −2, failed or backed out −5, and per incident
    caused P1 −10, P2 −5, P3 −2."""

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
