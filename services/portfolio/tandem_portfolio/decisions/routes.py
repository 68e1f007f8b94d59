"""Routes of /portfolio/v1/projects/{id}/defer, /resume, /terminate and /decisions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from tandem_shared.api import UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import Actor, CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_portfolio.decisions.schemas import DecisionCreate, DecisionRead
from tandem_portfolio.decisions.service import decide_by_hand, decisions_of
from tandem_portfolio.projects import service as projects
from tandem_portfolio.projects.lifecycle import DEFER, RESUME, TERMINATE

router = APIRouter(tags=["decisions"], responses=PROBLEM_RESPONSES)
DECIDERS = [require_roles("pmo", "project_manager")]


async def _decide(action: str, project_id: uuid.UUID, body: DecisionCreate, request: Request, uow: UnitOfWorkDep,
                  actor: Actor, response: Response) -> DecisionRead:
    project = await projects.get_project(uow, project_id)
    check_if_match(request, project.version)
    decision = await decide_by_hand(uow, actor=actor, project=project, action=action, reason=body.reason)
    response.headers["ETag"] = etag(project.version)
    return DecisionRead.model_validate(decision)


@router.post("/projects/{project_id}/defer", status_code=status.HTTP_201_CREATED, response_model=DecisionRead,
             dependencies=DECIDERS, summary="Put a project on hold (stage on_hold), with the reason",
             description="Publishes `portfolio.project.stage_changed.v1` and `portfolio.project.deferred.v1`; "
             "capacity releases the project's bookings. 409 names the allowed actions when the stage does not allow "
             "it. `resume` returns it to the stage it left. A project manager defers only the projects they created "
             "or that name them as sponsor or manager (403 otherwise); the PMO any.")
async def defer_project(project_id: uuid.UUID, body: DecisionCreate, request: Request, uow: UnitOfWorkDep,
                        actor: CurrentActor, response: Response) -> DecisionRead:
    return await _decide(DEFER, project_id, body, request, uow, actor, response)


@router.post("/projects/{project_id}/resume", status_code=status.HTTP_201_CREATED, response_model=DecisionRead,
             dependencies=[require_roles("pmo")], summary="Resume a project on hold (PMO), with the reason",
             description="Returns it to the stage it was held from; publishes `portfolio.project.stage_changed.v1` "
             "and its demand plan again, so capacity books it again.")
async def resume_project(project_id: uuid.UUID, body: DecisionCreate, request: Request, uow: UnitOfWorkDep,
                         actor: CurrentActor, response: Response) -> DecisionRead:
    return await _decide(RESUME, project_id, body, request, uow, actor, response)


@router.post("/projects/{project_id}/terminate", status_code=status.HTTP_201_CREATED, response_model=DecisionRead,
             dependencies=DECIDERS, summary="Stop a project for good (stage terminated), with the reason",
             description="Publishes `portfolio.project.stage_changed.v1` and `portfolio.project.terminated.v1`; "
             "capacity releases the project's bookings. A project manager terminates only the projects they created "
             "or that name them as sponsor or manager (403 otherwise); the PMO any.")
async def terminate_project(project_id: uuid.UUID, body: DecisionCreate, request: Request, uow: UnitOfWorkDep,
                            actor: CurrentActor, response: Response) -> DecisionRead:
    return await _decide(TERMINATE, project_id, body, request, uow, actor, response)


@router.get("/projects/{project_id}/decisions", response_model=list[DecisionRead],
            summary="A project's decision records (who, why, when), oldest first")
async def list_decisions(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor) -> list[DecisionRead]:
    project = await projects.get_project(uow, project_id)
    return [DecisionRead.model_validate(d) for d in await decisions_of(uow, project)]
