"""Routes of /capacity/v1/role-requests: open project demand and its assignment to people."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from tandem_shared.api import PageDep, UnitOfWorkDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_capacity.demand import service
from tandem_capacity.demand.repository import RoleRequestRepository
from tandem_capacity.demand.schemas import RoleRequestAssign, RoleRequestPage, RoleRequestRead, RoleRequestStatus

router = APIRouter(tags=["role requests"], responses=PROBLEM_RESPONSES)


@router.get("/role-requests", response_model=RoleRequestPage, summary="List role requests, oldest first",
            description="Project demand lines without a named person (open), and what became of them.")
async def list_role_requests(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
    status: RoleRequestStatus | None = None,
    skill: Annotated[str | None, Query(max_length=100, description="Requests for this skill (any case).")] = None,
    project_id: uuid.UUID | None = None,
) -> RoleRequestPage:
    rows, cursor = await uow.repo(RoleRequestRepository).page(page, status=status, skill=skill, project_id=project_id)
    return RoleRequestPage(items=[RoleRequestRead.model_validate(r) for r in rows], next_cursor=cursor,
                           limit=page.limit)


@router.get("/role-requests/{request_id}", response_model=RoleRequestRead, summary="Read a role request")
async def get_role_request(request_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                           response: Response) -> RoleRequestRead:
    found = await uow.repo(RoleRequestRepository).get_or_404(request_id)
    response.headers["ETag"] = etag(found.version)
    return RoleRequestRead.model_validate(found)


@router.get("/role-requests/{request_id}/history", response_model=AuditPage, summary="Who changed a role request",
            description=HISTORY_DESCRIPTION)
async def role_request_history(request_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor,
                               page: PageDep) -> AuditPage:
    await uow.repo(RoleRequestRepository).exists_or_404(request_id)
    return await audit_page(uow.session, "role_request", request_id, page)


@router.post("/role-requests/{request_id}/assign", response_model=RoleRequestRead,
             dependencies=[require_roles("resource_manager")], summary="Fill a role request with a person",
             description="Books the person for the request's hours per week over its days (kind from the request). "
             "422 when the person lacks the skill at the required proficiency; 409 unless the request is open.")
async def assign_role_request(request_id: uuid.UUID, body: RoleRequestAssign, request: Request,
                              uow: UnitOfWorkDep, actor: CurrentActor, response: Response) -> RoleRequestRead:
    found = await uow.repo(RoleRequestRepository).get_or_404(request_id)
    check_if_match(request, found.version)
    filled = await service.assign(uow, actor=actor.sub, request=found, person_id=body.person_id)
    response.headers["ETag"] = etag(filled.version)
    return RoleRequestRead.model_validate(filled)
