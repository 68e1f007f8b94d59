"""Routes of /portfolio/v1/projects/{id}/status (RAG, overrides) and /status-reports (weekly, immutable)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep
from tandem_shared.auth import CurrentActor
from tandem_shared.db import utcnow
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location

from tandem_portfolio.projects.repository import ProjectRepository
from tandem_portfolio.status import service
from tandem_portfolio.status.models import StatusReport
from tandem_portfolio.status.repository import StatusRepository
from tandem_portfolio.status.schemas import (
    Dimension,
    DimensionRead,
    OverrideRead,
    OverrideWrite,
    ReportCreate,
    ReportPage,
    ReportRead,
    StatusRead,
)

router = APIRouter(tags=["status"], responses=PROBLEM_RESPONSES)
BASE = "/projects/{project_id}"
STEWARDS = "Project managers, PMO, and the project's sponsor or named manager."


def _status(project_id: uuid.UUID, current: service.ProjectStatus) -> StatusRead:
    return StatusRead(project_id=project_id, as_of=current.as_of, overall=current.overall, dimensions=[
        DimensionRead(dimension=d.dimension, colour=d.colour, computed_colour=d.computed.colour,
                      explanation=d.computed.explanation, facts=d.computed.facts,
                      override=OverrideRead.model_validate(d.override) if d.override else None)
        for d in current.dimensions])


def _report(report: StatusReport) -> ReportRead:
    snapshot = report.snapshot
    return ReportRead(id=report.id, project_id=report.project_id, week=report.week, overall=report.overall,
                      dimensions=snapshot["dimensions"], overrides=snapshot.get("overrides", {}),
                      milestones=snapshot["milestones"], top_risks=snapshot["top_risks"], narrative=report.narrative,
                      reported_by=report.reported_by, reported_at=report.reported_at)


@router.get(BASE + "/status", response_model=StatusRead, summary="A project's RAG status now",
            description="Schedule, budget, scope and resources, each with the colour shown, the computed colour, the "
            "rule's explanation and numbers, and the override in force; overall is the worst colour shown. "
            "Rules and thresholds: docs/portfolio.md.")
async def get_status(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor) -> StatusRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    return _status(project_id, await service.project_status(uow, project, utcnow()))


@router.put(BASE + "/status/overrides/{dimension}", response_model=StatusRead, summary="Override a dimension's colour",
            description=f"{STEWARDS} Needs a reason and an expiry at most 30 days ahead; an expired override is "
            "ignored. Answers with the status as it now shows.")
async def put_override(project_id: uuid.UUID, dimension: Dimension, body: OverrideWrite, uow: UnitOfWorkDep,
                       actor: CurrentActor) -> StatusRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    now = utcnow()
    await service.set_override(uow, actor=actor, project=project, dimension=dimension, colour=body.colour,
                               reason=body.reason, expires_at=body.expires_at, now=now)
    return _status(project_id, await service.project_status(uow, project, now))


@router.delete(BASE + "/status/overrides/{dimension}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Clear a dimension's override", description=STEWARDS)
async def delete_override(project_id: uuid.UUID, dimension: Dimension, uow: UnitOfWorkDep,
                          actor: CurrentActor) -> Response:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    await service.clear_override(uow, actor=actor, project=project, dimension=dimension)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(BASE + "/status-reports", status_code=status.HTTP_201_CREATED, response_model=ReportRead,
             summary="File this week's status report",
             description=f"{STEWARDS} Freezes the RAG (with explanations and numbers), the milestones and the five "
             "highest-scored open risks with the narrative. One per project and ISO week (409 for a second); "
             "immutable. Publishes `portfolio.project.status_reported.v1`.")
async def create_report(project_id: uuid.UUID, body: ReportCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                        response: Response) -> ReportRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    report = await service.file_report(uow, actor=actor, project=project, narrative=body.narrative, now=utcnow())
    response.headers["Location"] = location("/portfolio/v1/projects/{}/status-reports/{}", project_id, report.id)
    return _report(report)


@router.get(BASE + "/status-reports", response_model=ReportPage, summary="A project's status reports, newest first")
async def list_reports(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> ReportPage:
    await uow.repo(ProjectRepository).exists_or_404(project_id)
    rows, cursor = await uow.repo(StatusRepository).reports(project_id, page)
    return ReportPage(items=[_report(r) for r in rows], next_cursor=cursor, limit=page.limit)


@router.get(BASE + "/status-reports/{report_id}", response_model=ReportRead, summary="Read a status report")
async def get_report(project_id: uuid.UUID, report_id: uuid.UUID, uow: UnitOfWorkDep,
                     _actor: CurrentActor) -> ReportRead:
    return _report(await uow.repo(StatusRepository).report_or_404(project_id, report_id))
