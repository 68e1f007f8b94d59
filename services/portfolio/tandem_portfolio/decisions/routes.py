"""Routes of /portfolio/v1/projects/{id}/defer, /terminate and /decisions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from tandem_shared.api import SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_portfolio.projects import service as projects
from tandem_portfolio.decisions.schemas import DecisionCreate, DecisionRead
from tandem_portfolio.decisions.service import decide, decisions_of

router = APIRouter(tags=["decisions"], responses=PROBLEM_RESPONSES)
DECIDERS = [require_roles("pmo", "project_manager")]


async def _decide(action: str, project_id: uuid.UUID, body: DecisionCreate, request: Request,  # noqa: ANN001
                  session, actor, response: Response) -> DecisionRead:
    project = await projects.get_project(session, project_id)
    check_if_match(request, project.version)
    decision = await decide(session, actor=actor, project=project, action=action, reason=body.reason)
    response.headers["ETag"] = etag(project.version)
    return DecisionRead.model_validate(decision)


@router.post("/projects/{project_id}/defer", status_code=status.HTTP_201_CREATED, response_model=DecisionRead,
             dependencies=DECIDERS, summary="Put a project on hold (stage deferred), with the reason",
             description="Publishes `portfolio.project.deferred.v1`; capacity releases the project's bookings. "
             "409 names the allowed actions when the stage does not allow it.")
async def defer_project(project_id: uuid.UUID, body: DecisionCreate, request: Request, session: SessionDep,
                        actor: CurrentActor, response: Response) -> DecisionRead:
    return await _decide("defer", project_id, body, request, session, actor, response)


@router.post("/projects/{project_id}/terminate", status_code=status.HTTP_201_CREATED, response_model=DecisionRead,
             dependencies=DECIDERS, summary="Stop a project for good (stage terminated), with the reason",
             description="Publishes `portfolio.project.terminated.v1`; capacity releases the project's bookings.")
async def terminate_project(project_id: uuid.UUID, body: DecisionCreate, request: Request, session: SessionDep,
                            actor: CurrentActor, response: Response) -> DecisionRead:
    return await _decide("terminate", project_id, body, request, session, actor, response)


@router.get("/projects/{project_id}/decisions", response_model=list[DecisionRead],
            summary="A project's decision records (who, why, when), oldest first")
async def list_decisions(project_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> list[DecisionRead]:
    project = await projects.get_project(session, project_id)
    return [DecisionRead.model_validate(d) for d in await decisions_of(session, project)]
