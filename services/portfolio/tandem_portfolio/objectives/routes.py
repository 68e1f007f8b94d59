"""Routes of /portfolio/v1/objectives."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.bounds import PlanDate
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_portfolio.objectives import service
from tandem_portfolio.objectives.repository import ObjectiveRepository
from tandem_portfolio.objectives.schemas import ObjectiveCreate, ObjectivePage, ObjectiveRead, ObjectiveUpdate

router = APIRouter(tags=["objectives"], responses=PROBLEM_RESPONSES)
OWNERS = [require_roles("pmo")]  # admin passes every role check


def _read(objective, response: Response) -> ObjectiveRead:
    response.headers["ETag"] = etag(objective.version)
    return ObjectiveRead.model_validate(objective)


@router.post("/objectives", status_code=status.HTTP_201_CREATED, response_model=ObjectiveRead, dependencies=OWNERS,
             summary="Define a strategic objective (PMO)",
             description="Publishes `portfolio.objective.created.v1`. 409 when the name is taken.")
async def create_objective(body: ObjectiveCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                           response: Response) -> ObjectiveRead:
    objective = await service.create_objective(uow, actor=actor, body=body)
    response.headers["Location"] = location("/portfolio/v1/objectives/{}", objective.id)
    return _read(objective, response)


@router.get("/objectives", response_model=ObjectivePage, summary="List strategic objectives")
async def list_objectives(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    active: bool | None = None,
    on: Annotated[PlanDate | None, Query(description="Only objectives whose period includes this day.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Case-insensitive part of the name.")] = None,
    sort: Literal["name", "-name", "-created_at", "created_at", "-weight", "weight"] = "name",
) -> ObjectivePage:
    rows, cursor = await uow.repo(ObjectiveRepository).page(page, active=active, on=on, q=q, sort=sort)
    return ObjectivePage(items=[ObjectiveRead.model_validate(o) for o in rows], next_cursor=cursor, limit=page.limit)


@router.get("/objectives/{objective_id}", response_model=ObjectiveRead, summary="Read a strategic objective")
async def get_objective(objective_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                        response: Response) -> ObjectiveRead:
    return _read(await service.get_objective(uow, objective_id), response)


@router.get("/objectives/{objective_id}/history", response_model=AuditPage,
            summary="Who changed a strategic objective", description=HISTORY_DESCRIPTION)
async def objective_history(objective_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                            page: PageDep) -> AuditPage:
    await service.get_objective(uow, objective_id)
    return await audit_page(uow.session, "objective", objective_id, page)


@router.patch("/objectives/{objective_id}", response_model=ObjectiveRead, dependencies=OWNERS,
              summary="Change a strategic objective (PMO)",
              description="If-Match takes the ETag; publishes `portfolio.objective.updated.v1` "
              "with the changed fields.")
async def update_objective(objective_id: uuid.UUID, body: ObjectiveUpdate, request: Request, uow: UnitOfWorkDep,
                           actor: CurrentActor, response: Response) -> ObjectiveRead:
    objective = await service.get_objective(uow, objective_id)
    check_if_match(request, objective.version)
    return _read(await service.update_objective(uow, actor=actor, objective=objective, body=body), response)


@router.delete("/objectives/{objective_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=OWNERS,
               summary="Delete a strategic objective no project serves (PMO)",
               description="409 when projects serve it (deactivate it instead); "
               "publishes `portfolio.objective.deleted.v1`.")
async def delete_objective(objective_id: uuid.UUID, request: Request, uow: UnitOfWorkDep,
                           actor: CurrentActor) -> Response:
    objective = await service.get_objective(uow, objective_id)
    check_if_match(request, objective.version)
    await service.delete_objective(uow, actor=actor, objective=objective)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
