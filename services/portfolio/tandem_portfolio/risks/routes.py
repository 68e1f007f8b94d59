"""Routes of /portfolio/v1/projects/{id}/risks: the risk register (risks and issues)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_portfolio.projects.repository import ProjectRepository
from tandem_portfolio.risks import service
from tandem_portfolio.risks.models import Risk
from tandem_portfolio.risks.repository import RiskRepository
from tandem_portfolio.risks.schemas import Kind, RiskCreate, RiskPage, RiskRead, RiskUpdate, Status

router = APIRouter(tags=["risks"], responses=PROBLEM_RESPONSES)
BASE = "/projects/{project_id}/risks"
STEWARDS = "Project managers, PMO, and the project's sponsor or named manager."


def _read(risk: Risk, response: Response) -> RiskRead:
    response.headers["ETag"] = etag(risk.version)
    return RiskRead.model_validate(risk)


@router.post(BASE, status_code=status.HTTP_201_CREATED, response_model=RiskRead, summary="Raise a risk or issue",
             description=f"{STEWARDS} Score = probability × impact. Publishes `portfolio.risk.raised.v1`.")
async def create_risk(project_id: uuid.UUID, body: RiskCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                      response: Response) -> RiskRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    risk = await service.raise_manual_risk(uow, actor=actor, project=project, body=body)
    response.headers["Location"] = location("/portfolio/v1/projects/{}/risks/{}", project_id, risk.id)
    return _read(risk, response)


@router.get(BASE, response_model=RiskPage, summary="List a project's risks and issues",
            description="Highest score first by default; filter by status (repeatable), kind, minimum score, owner.")
async def list_risks(
    project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    status: Annotated[list[Status] | None, Query(description="Keep these statuses (repeat the parameter).")] = None,
    kind: Kind | None = None,
    min_score: Annotated[int | None, Query(ge=1, le=25, description="Keep scores at or above this.")] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    sort: Literal["-score", "score", "-created_at", "created_at"] = "-score",
) -> RiskPage:
    await uow.repo(ProjectRepository).exists_or_404(project_id)
    rows, cursor = await uow.repo(RiskRepository).page(project_id, page, statuses=status or (), kind=kind,
                                                       min_score=min_score, owner=owner, sort=sort)
    return RiskPage(items=[RiskRead.model_validate(r) for r in rows], next_cursor=cursor, limit=page.limit)


@router.get(BASE + "/{risk_id}", response_model=RiskRead, summary="Read a risk or issue")
async def get_risk(project_id: uuid.UUID, risk_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                   response: Response) -> RiskRead:
    return _read(await uow.repo(RiskRepository).of_project_or_404(project_id, risk_id), response)


@router.get(BASE + "/{risk_id}/history", response_model=AuditPage, summary="Who changed a risk or issue",
            description=HISTORY_DESCRIPTION)
async def risk_history(project_id: uuid.UUID, risk_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                        page: PageDep) -> AuditPage:
    await uow.repo(RiskRepository).of_project_or_404(project_id, risk_id)
    return await audit_page(uow.session, "risk", risk_id, page)


@router.patch(BASE + "/{risk_id}", response_model=RiskRead, summary="Change a risk or issue",
              description=f"{STEWARDS} If-Match takes the risk's ETag. Statuses: open ↔ mitigating, either → "
              "occurred or closed, occurred → mitigating or closed, closed → open (409 names the allowed ones). "
              "Publishes `portfolio.risk.closed.v1` when closed, `portfolio.risk.updated.v1` otherwise. "
              "Entries are closed, never deleted.")
async def update_risk(project_id: uuid.UUID, risk_id: uuid.UUID, body: RiskUpdate, request: Request,
                      uow: UnitOfWorkDep, actor: CurrentActor, response: Response) -> RiskRead:
    project = await uow.repo(ProjectRepository).get_or_404(project_id)
    risk = await uow.repo(RiskRepository).of_project_or_404(project_id, risk_id)
    check_if_match(request, risk.version)
    await service.edit_risk(uow, actor=actor, project=project, risk=risk, body=body)
    return _read(risk, response)
