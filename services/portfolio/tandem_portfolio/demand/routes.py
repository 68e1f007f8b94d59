"""Routes of /portfolio/v1/projects/{id}/demand."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from tandem_shared.api import UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_portfolio.demand.repository import DemandRepository
from tandem_portfolio.demand.schemas import DemandLineRead, DemandPlan, DemandRead
from tandem_portfolio.demand.service import plan_demand
from tandem_portfolio.projects import service as projects

router = APIRouter(tags=["demand"], responses=PROBLEM_RESPONSES)


def _read(project, lines, response: Response) -> DemandRead:
    response.headers["ETag"] = etag(project.version)
    return DemandRead(project_id=project.id, version=project.version, updated_at=project.updated_at,
                      lines=[DemandLineRead.model_validate(line) for line in lines])


@router.put("/projects/{project_id}/demand", response_model=DemandRead,
            dependencies=[require_roles("project_manager", "pmo")], summary="Plan a project's resource demand",
            description="Replaces every line (send a line's `id` to keep it). Publishes "
            "`portfolio.project.demand_planned.v1`: capacity books named people and opens role requests for the rest. "
            "409 for projects on hold, terminated or closed; If-Match takes the project's ETag. A project manager "
            "plans only the projects they created or that name them as sponsor or manager (403 otherwise); the PMO "
            "any.")
async def put_demand(project_id: uuid.UUID, body: DemandPlan, request: Request, uow: UnitOfWorkDep,
                     actor: CurrentActor, response: Response) -> DemandRead:
    project = await projects.get_project(uow, project_id)
    check_if_match(request, project.version)
    lines = await plan_demand(uow, actor=actor, project=project, body=body)
    return _read(project, lines, response)


@router.get("/projects/{project_id}/demand", response_model=DemandRead, summary="Read a project's resource demand")
async def get_demand(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                     response: Response) -> DemandRead:
    project = await projects.get_project(uow, project_id)
    return _read(project, await uow.repo(DemandRepository).for_project(project_id), response)
