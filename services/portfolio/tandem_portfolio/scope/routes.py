"""Routes of /portfolio/v1/projects/{id}/scope-changes: the scope change log and its decisions."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page
from tandem_shared.uow import UnitOfWork

from tandem_portfolio.projects.models import Project
from tandem_portfolio.projects.repository import ProjectRepository
from tandem_portfolio.scope import service
from tandem_portfolio.scope.models import ScopeChange
from tandem_portfolio.scope.repository import ScopeChangeRepository
from tandem_portfolio.scope.schemas import (
    ScopeChangeCreate,
    ScopeChangePage,
    ScopeChangeRead,
    ScopeChangeUpdate,
    ScopeDecision,
)

router = APIRouter(tags=["scope"], responses=PROBLEM_RESPONSES)
BASE = "/projects/{project_id}/scope-changes"
STEWARDS = "Project managers, PMO, and the project's sponsor or named manager."


def _read(change: ScopeChange, response: Response) -> ScopeChangeRead:
    response.headers["ETag"] = etag(change.version)
    return ScopeChangeRead.model_validate(change)


async def _target(uow: UnitOfWork, project_id: uuid.UUID, change_id: uuid.UUID,
                  request: Request) -> tuple[Project, ScopeChange]:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    change = await uow.repo(ScopeChangeRepository).of_project_or_404(project_id, change_id)
    check_if_match(request, change.version)
    return project, change


@router.post(BASE, status_code=status.HTTP_201_CREATED, response_model=ScopeChangeRead,
             summary="Propose a scope change", description=f"{STEWARDS} The cost impact is in the budget's currency.")
async def create_scope_change(project_id: uuid.UUID, body: ScopeChangeCreate, uow: UnitOfWorkDep,
                              actor: CurrentActor, response: Response) -> ScopeChangeRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    change = await service.propose(uow, actor=actor, project=project, body=body)
    response.headers["Location"] = location("/portfolio/v1/projects/{}/scope-changes/{}", project_id, change.id)
    return _read(change, response)


@router.get(BASE, response_model=ScopeChangePage, summary="The scope change log, oldest first")
async def list_scope_changes(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
                             status: Literal["proposed", "approved", "rejected"] | None = None) -> ScopeChangePage:
    await uow.repo(ProjectRepository).exists_or_404(project_id)
    rows, cursor = await uow.repo(ScopeChangeRepository).page(project_id, page, status=status)
    return ScopeChangePage(items=[ScopeChangeRead.model_validate(c) for c in rows], next_cursor=cursor,
                           limit=page.limit)


@router.get(BASE + "/{change_id}", response_model=ScopeChangeRead, summary="Read a scope change")
async def get_scope_change(project_id: uuid.UUID, change_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                           response: Response) -> ScopeChangeRead:
    return _read(await uow.repo(ScopeChangeRepository).of_project_or_404(project_id, change_id), response)


@router.get(BASE + "/{change_id}/history", response_model=AuditPage, summary="Who changed a scope change",
            description=HISTORY_DESCRIPTION)
async def scope_change_history(project_id: uuid.UUID, change_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                        page: PageDep) -> AuditPage:
    await uow.repo(ScopeChangeRepository).of_project_or_404(project_id, change_id)
    return await audit_page(uow.session, "scope_change", change_id, page)


@router.patch(BASE + "/{change_id}", response_model=ScopeChangeRead, summary="Amend a proposed scope change",
              description=f"{STEWARDS} If-Match takes the change's ETag; a decided change is 409.")
async def amend_scope_change(project_id: uuid.UUID, change_id: uuid.UUID, body: ScopeChangeUpdate,
                             request: Request, uow: UnitOfWorkDep, actor: CurrentActor,
                             response: Response) -> ScopeChangeRead:
    project, change = await _target(uow, project_id, change_id, request)
    await service.amend(uow, actor=actor, project=project, change=change, body=body)
    return _read(change, response)


@router.post(BASE + "/{change_id}/approve", response_model=ScopeChangeRead, summary="Approve a scope change",
             description=f"{STEWARDS} Publishes `portfolio.project.scope_changed.v1` with the project's totals.")
async def approve_scope_change(project_id: uuid.UUID, change_id: uuid.UUID, body: ScopeDecision, request: Request,
                               uow: UnitOfWorkDep, actor: CurrentActor, response: Response) -> ScopeChangeRead:
    project, change = await _target(uow, project_id, change_id, request)
    await service.decide(uow, actor=actor, project=project, change=change, action="approve", body=body)
    return _read(change, response)


@router.post(BASE + "/{change_id}/reject", response_model=ScopeChangeRead, summary="Reject a scope change",
             description=STEWARDS)
async def reject_scope_change(project_id: uuid.UUID, change_id: uuid.UUID, body: ScopeDecision, request: Request,
                              uow: UnitOfWorkDep, actor: CurrentActor, response: Response) -> ScopeChangeRead:
    project, change = await _target(uow, project_id, change_id, request)
    await service.decide(uow, actor=actor, project=project, change=change, action="reject", body=body)
    return _read(change, response)
