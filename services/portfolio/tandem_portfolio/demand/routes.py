"""Routes of /portfolio/v1/projects/{id}/demand."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from tandem_shared.api import SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES

from tandem_portfolio.projects import service as projects
from tandem_portfolio.demand.repository import DemandRepository
from tandem_portfolio.demand.schemas import DemandLineRead, DemandPlan, DemandRead
from tandem_portfolio.demand.service import plan_demand

router = APIRouter(tags=["demand"], responses=PROBLEM_RESPONSES)


def _read(project, lines, response: Response) -> DemandRead:  # noqa: ANN001
    response.headers["ETag"] = etag(project.version)
    return DemandRead(project_id=project.id, version=project.version, updated_at=project.updated_at,
                      lines=[DemandLineRead.model_validate(line) for line in lines])


@router.put("/projects/{project_id}/demand", response_model=DemandRead,
            dependencies=[require_roles("project_manager", "pmo")], summary="Plan a project's resource demand",
            description="Replaces every line (send a line's `id` to keep it). Publishes "
            "`portfolio.project.demand_planned.v1`: capacity books named people and opens role requests for the rest. "
            "409 for deferred, terminated or closed projects; If-Match takes the project's ETag.")
async def put_demand(project_id: uuid.UUID, body: DemandPlan, request: Request, session: SessionDep,
                     actor: CurrentActor, response: Response) -> DemandRead:
    project = await projects.get_project(session, project_id)
    check_if_match(request, project.version)
    lines = await plan_demand(session, actor=actor, project=project, body=body)
    return _read(project, lines, response)


@router.get("/projects/{project_id}/demand", response_model=DemandRead, summary="Read a project's resource demand")
async def get_demand(project_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                     response: Response) -> DemandRead:
    project = await projects.get_project(session, project_id)
    return _read(project, await DemandRepository(session).for_project(project_id), response)
