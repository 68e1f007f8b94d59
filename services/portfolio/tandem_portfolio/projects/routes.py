"""Routes of /portfolio/v1/projects: intake, reading, editing and history."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import ROLES, CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_portfolio.projects import service
from tandem_portfolio.projects.lifecycle import ProjectCategory, ProjectStage
from tandem_portfolio.projects.repository import ProjectRepository
from tandem_portfolio.projects.schemas import ProjectCreate, ProjectPage, ProjectRead, ProjectUpdate

router = APIRouter(tags=["projects"], responses=PROBLEM_RESPONSES)
WRITER_ROLES = tuple(sorted(ROLES - {"viewer", "admin"}))  # every role but viewer may submit an idea


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectRead,
             dependencies=[require_roles(*WRITER_ROLES)], summary="Submit an idea",
             description="Any role but viewer submits an idea: the problem, category, sponsor, the strategic "
             "objectives it serves (422 names an unknown one) and the services and CIs it will touch. "
             "The PMO may enter it as `proposed`, skipping the screening gate. "
             "Publishes `portfolio.project.created.v1`.")
async def create_project(body: ProjectCreate, uow: UnitOfWorkDep, actor: CurrentActor,
                         response: Response) -> ProjectRead:
    project = await service.create_project(uow, actor=actor, body=body)
    response.headers["Location"] = location("/portfolio/v1/projects/{}", project.id)
    response.headers["ETag"] = etag(project.version)
    return await service.project_read(uow, project)


@router.get("/projects", response_model=ProjectPage, summary="List projects")
async def list_projects(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    stage: ProjectStage | None = None,
    category: ProjectCategory | None = None,
    sponsor: str | None = None,
    portfolio: str | None = None,
    project_manager: str | None = None,
    objective_id: Annotated[uuid.UUID | None, Query(description="Only projects serving this objective.")] = None,
    touches: Annotated[uuid.UUID | None, Query(description="Only projects touching this service or CI.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Case-insensitive part of the name.")] = None,
    sort: Literal["-created_at", "created_at", "name"] = "-created_at",
) -> ProjectPage:
    rows, cursor = await uow.repo(ProjectRepository).page(
        page, stage=stage, category=category, sponsor=sponsor, portfolio=portfolio, project_manager=project_manager,
        objective_id=objective_id, touches=touches, q=q, sort=sort,
    )
    return ProjectPage(items=await service.project_reads(uow, rows), next_cursor=cursor, limit=page.limit)


@router.get("/projects/{project_id}", response_model=ProjectRead, summary="Read a project")
async def get_project(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                      response: Response) -> ProjectRead:
    project = await service.get_project(uow, project_id)
    response.headers["ETag"] = etag(project.version)
    return await service.project_read(uow, project)


@router.patch("/projects/{project_id}", response_model=ProjectRead, summary="Edit a project",
              description="The creator, sponsor or project manager, the PMO or an admin edit it (403 otherwise); "
              "lists replace the whole list; naming the service owner makes them a stakeholder. If-Match takes the "
              "ETag (412 when stale). Publishes `portfolio.project.updated.v1` with the changed fields. 409 once "
              "the project is closed or terminated.")
async def update_project(project_id: uuid.UUID, body: ProjectUpdate, request: Request, uow: UnitOfWorkDep,
                         actor: CurrentActor, response: Response) -> ProjectRead:
    project = await service.get_project(uow, project_id)
    check_if_match(request, project.version)
    project = await service.update_project(uow, actor=actor, project=project, body=body)
    response.headers["ETag"] = etag(project.version)
    return await service.project_read(uow, project)


@router.get("/projects/{project_id}/history", response_model=AuditPage, summary="Who did what to a project",
            description="The project's edits, decisions, gate votes, status, demand, business case and scoring "
                        "inputs. " + HISTORY_DESCRIPTION)
async def project_history(project_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await uow.repo(ProjectRepository).exists_or_404(project_id)
    return await audit_page(uow.session, "project", project_id, page)
