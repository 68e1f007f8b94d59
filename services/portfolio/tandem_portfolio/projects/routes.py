"""Routes of /portfolio/v1/projects."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from tandem_shared.api import PageDep, SessionDep, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.repository import AuditEntry, audit_trail

from tandem_portfolio.projects import service
from tandem_portfolio.projects.lifecycle import ProjectCategory, ProjectStage
from tandem_portfolio.projects.repository import ProjectRepository
from tandem_portfolio.projects.schemas import ProjectCreate, ProjectPage, ProjectRead

router = APIRouter(tags=["projects"], responses=PROBLEM_RESPONSES)
CREATOR_ROLES = ("project_manager", "pmo")


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectRead,
             dependencies=[require_roles(*CREATOR_ROLES)], summary="Propose a project")
async def create_project(body: ProjectCreate, session: SessionDep, actor: CurrentActor,
                         response: Response) -> ProjectRead:
    project = await service.create_project(session, actor=actor, body=body)
    response.headers["Location"] = f"/portfolio/v1/projects/{project.id}"
    response.headers["ETag"] = etag(project.version)
    return ProjectRead.model_validate(project)


@router.get("/projects", response_model=ProjectPage, summary="List projects")
async def list_projects(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    stage: ProjectStage | None = None,
    category: ProjectCategory | None = None,
    sponsor: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Case-insensitive part of the name.")] = None,
    sort: Literal["-created_at", "created_at", "name"] = "-created_at",
) -> ProjectPage:
    rows, cursor = await ProjectRepository(session).page(
        page, stage=stage, category=category, sponsor=sponsor, q=q, sort=sort,
    )
    return ProjectPage(items=[ProjectRead.model_validate(p) for p in rows], next_cursor=cursor, limit=page.limit)


@router.get("/projects/{project_id}", response_model=ProjectRead, summary="Read a project")
async def get_project(project_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                      response: Response) -> ProjectRead:
    project = await service.get_project(session, project_id)
    response.headers["ETag"] = etag(project.version)
    return ProjectRead.model_validate(project)


@router.get("/projects/{project_id}/history", response_model=list[AuditEntry], summary="Who did what to a project")
async def project_history(project_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> list[AuditEntry]:
    await service.get_project(session, project_id)
    return await audit_trail(session, "project", project_id)
