"""Routes of /portfolio/v1/projects/{id}/milestones."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor
from tandem_shared.db import utcnow
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.milestones import criteria as _criteria  # noqa: F401 - registers milestones_baselined
from tandem_portfolio.milestones import service
from tandem_portfolio.milestones.models import Milestone
from tandem_portfolio.milestones.repository import MilestoneRepository
from tandem_portfolio.milestones.schemas import (
    MilestoneBaseline,
    MilestoneComplete,
    MilestoneCreate,
    MilestonePage,
    MilestoneRead,
    MilestoneUpdate,
)
from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.repository import ProjectRepository

router = APIRouter(tags=["milestones"], responses=PROBLEM_RESPONSES)
BASE = "/projects/{project_id}/milestones"
STEWARDS = "Project managers, PMO, and the project's sponsor or named manager."


def _read(milestone: Milestone, response: Response) -> MilestoneRead:
    response.headers["ETag"] = etag(milestone.version)
    return MilestoneRead.model_validate(milestone)


async def _target(uow: UnitOfWork, project_id: uuid.UUID, milestone_id: uuid.UUID,
                  request: Request | None = None) -> tuple[Project, Milestone]:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    milestone = await uow.repo(MilestoneRepository).of_project_or_404(project_id, milestone_id)
    if request is not None:
        check_if_match(request, milestone.version)
    return project, milestone


@router.post(BASE, status_code=status.HTTP_201_CREATED, response_model=MilestoneRead, summary="Plan a milestone",
             description=f"{STEWARDS} Publishes `portfolio.milestone.planned.v1`, and for a go-live with a window "
             "`portfolio.milestone.go_live_scheduled.v1`.")
async def create_milestone(project_id: uuid.UUID, body: MilestoneCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                           response: Response) -> MilestoneRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    milestone = await service.plan_milestone(uow, actor=actor, project=project, body=body)
    response.headers["Location"] = location("/portfolio/v1/projects/{}/milestones/{}", project_id, milestone.id)
    return _read(milestone, response)


@router.get(BASE, response_model=MilestonePage, summary="List a project's milestones by forecast date")
async def list_milestones(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
                          status: Literal["planned", "completed"] | None = None,
                          kind: Literal["milestone", "go_live"] | None = None) -> MilestonePage:
    await uow.repo(ProjectRepository).exists_or_404(project_id)
    rows, cursor = await uow.repo(MilestoneRepository).page(project_id, page, status=status, kind=kind)
    return MilestonePage(items=[MilestoneRead.model_validate(m) for m in rows], next_cursor=cursor, limit=page.limit)


@router.get(BASE + "/{milestone_id}", response_model=MilestoneRead, summary="Read a milestone")
async def get_milestone(project_id: uuid.UUID, milestone_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                        response: Response) -> MilestoneRead:
    _, milestone = await _target(uow, project_id, milestone_id)
    return _read(milestone, response)


@router.get(BASE + "/{milestone_id}/history", response_model=AuditPage, summary="Who changed a milestone",
            description=HISTORY_DESCRIPTION)
async def milestone_history(project_id: uuid.UUID, milestone_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                        page: PageDep) -> AuditPage:
    await uow.repo(MilestoneRepository).of_project_or_404(project_id, milestone_id)
    return await audit_page(uow.session, "milestone", milestone_id, page)


@router.patch(BASE + "/{milestone_id}", response_model=MilestoneRead, summary="Change a milestone",
              description=f"{STEWARDS} If-Match takes the milestone's ETag. A moved forecast publishes "
              "`portfolio.milestone.forecast_changed.v1`; a go-live's new window, services or CIs publish "
              "`portfolio.milestone.go_live_scheduled.v1`. The baseline changes only through `/baseline`.")
async def update_milestone(project_id: uuid.UUID, milestone_id: uuid.UUID, body: MilestoneUpdate, request: Request,
                           uow: UnitOfWorkDep, actor: CurrentActor, response: Response) -> MilestoneRead:
    project, milestone = await _target(uow, project_id, milestone_id, request)
    await service.update_milestone(uow, actor=actor, project=project, milestone=milestone, body=body)
    return _read(milestone, response)


@router.delete(BASE + "/{milestone_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a milestone",
               description=f"{STEWARDS} A completed milestone stays (409). The audit trail keeps the dates.")
async def delete_milestone(project_id: uuid.UUID, milestone_id: uuid.UUID, request: Request, uow: UnitOfWorkDep,
                           actor: CurrentActor) -> Response:
    project, milestone = await _target(uow, project_id, milestone_id, request)
    await service.delete_milestone(uow, actor=actor, project=project, milestone=milestone)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(BASE + "/{milestone_id}/baseline", response_model=MilestoneRead, summary="Baseline or re-baseline",
             description=f"{STEWARDS} The first baseline needs no reason; re-baselining does (422 without). "
             "Publishes `portfolio.milestone.baselined.v1`.")
async def baseline_milestone(project_id: uuid.UUID, milestone_id: uuid.UUID, body: MilestoneBaseline,
                             request: Request, uow: UnitOfWorkDep, actor: CurrentActor,
                             response: Response) -> MilestoneRead:
    project, milestone = await _target(uow, project_id, milestone_id, request)
    await service.baseline_milestone(uow, actor=actor, project=project, milestone=milestone, body=body)
    return _read(milestone, response)


@router.post(BASE + "/{milestone_id}/complete", response_model=MilestoneRead, summary="Complete a milestone",
             description=f"{STEWARDS} Publishes `portfolio.milestone.completed.v1` with baseline, forecast and "
             "actual dates and the slip.")
async def complete_milestone(project_id: uuid.UUID, milestone_id: uuid.UUID, body: MilestoneComplete,
                             request: Request, uow: UnitOfWorkDep, actor: CurrentActor,
                             response: Response) -> MilestoneRead:
    project, milestone = await _target(uow, project_id, milestone_id, request)
    await service.complete_milestone(uow, actor=actor, project=project, milestone=milestone, body=body,
                                     today=utcnow().date())
    return _read(milestone, response)
