"""Routes of /capacity/v1/operations: run work and on-call rotations, booked with source operations."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page

from tandem_capacity.operations import service
from tandem_capacity.operations.repository import RotationRepository, RunWorkRepository
from tandem_capacity.operations.schemas import (
    RotationPage,
    RotationRead,
    RotationWrite,
    RunWorkPage,
    RunWorkRead,
    RunWorkWrite,
)

router = APIRouter(prefix="/operations", tags=["operations"], responses=PROBLEM_RESPONSES)
WRITERS = [require_roles("resource_manager", "service_owner")]


@router.post("/run-work", status_code=status.HTTP_201_CREATED, response_model=RunWorkRead, dependencies=WRITERS,
             summary="Define recurring run work and book it",
             description="Books each week of the range: a person's hours, or the team's split evenly among its people.")
async def create_run_work(body: RunWorkWrite, session: SessionDep, actor: CurrentActor,
                          response: Response) -> RunWorkRead:
    work = await service.save_run_work(session, actor=actor, body=body)
    response.headers["Location"] = location("/capacity/v1/operations/run-work/{}", work.id)
    response.headers["ETag"] = etag(work.version)
    return RunWorkRead.model_validate(work)


@router.get("/run-work", response_model=RunWorkPage, summary="List run work, oldest first")
async def list_run_work(session: SessionDep, _actor: CurrentActor, page: PageDep) -> RunWorkPage:
    rows, cursor = await RunWorkRepository(session).page(page)
    return RunWorkPage(items=[RunWorkRead.model_validate(r) for r in rows], next_cursor=cursor, limit=page.limit)


@router.get("/run-work/{work_id}", response_model=RunWorkRead, summary="Read run work")
async def get_run_work(work_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                       response: Response) -> RunWorkRead:
    work = await RunWorkRepository(session).get_or_404(work_id)
    response.headers["ETag"] = etag(work.version)
    return RunWorkRead.model_validate(work)


@router.get("/run-work/{work_id}/history", response_model=AuditPage, summary="Who changed run work",
            description=HISTORY_DESCRIPTION)
async def run_work_history(work_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await RunWorkRepository(session).exists_or_404(work_id)
    return await audit_page(session, "run_work", work_id, page)


@router.put("/run-work/{work_id}", response_model=RunWorkRead, dependencies=WRITERS,
            summary="Redefine run work; its bookings are moved, added or released to match")
async def update_run_work(work_id: uuid.UUID, body: RunWorkWrite, request: Request, session: SessionDep,
                          actor: CurrentActor, response: Response) -> RunWorkRead:
    work = await RunWorkRepository(session).get_or_404(work_id)
    check_if_match(request, work.version)
    work = await service.save_run_work(session, actor=actor, body=body, work=work)
    response.headers["ETag"] = etag(work.version)
    return RunWorkRead.model_validate(work)


@router.delete("/run-work/{work_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=WRITERS,
               summary="Delete run work and release its bookings")
async def delete_run_work(work_id: uuid.UUID, request: Request, session: SessionDep, actor: CurrentActor) -> None:
    work = await RunWorkRepository(session).get_or_404(work_id)
    check_if_match(request, work.version)
    await service.delete(session, actor=actor, item=work)


@router.post("/rotations", status_code=status.HTTP_201_CREATED, response_model=RotationRead, dependencies=WRITERS,
             summary="Define an on-call rotation and book its turns",
             description="Whole ISO weeks from the week holding `start` to the one holding `end`; each member's turn "
             "is one booking of `hours_per_week` per week.")
async def create_rotation(body: RotationWrite, session: SessionDep, actor: CurrentActor,
                          response: Response) -> RotationRead:
    rotation = await service.save_rotation(session, actor=actor, body=body)
    response.headers["Location"] = location("/capacity/v1/operations/rotations/{}", rotation.id)
    response.headers["ETag"] = etag(rotation.version)
    return RotationRead.model_validate(rotation)


@router.get("/rotations", response_model=RotationPage, summary="List rotations, oldest first")
async def list_rotations(session: SessionDep, _actor: CurrentActor, page: PageDep) -> RotationPage:
    rows, cursor = await RotationRepository(session).page(page)
    return RotationPage(items=[RotationRead.model_validate(r) for r in rows], next_cursor=cursor, limit=page.limit)


@router.get("/rotations/{rotation_id}", response_model=RotationRead, summary="Read a rotation")
async def get_rotation(rotation_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                       response: Response) -> RotationRead:
    rotation = await RotationRepository(session).get_or_404(rotation_id)
    response.headers["ETag"] = etag(rotation.version)
    return RotationRead.model_validate(rotation)


@router.get("/rotations/{rotation_id}/history", response_model=AuditPage, summary="Who changed a rotation",
            description=HISTORY_DESCRIPTION)
async def rotation_history(rotation_id: uuid.UUID, session: SessionDep, _actor: CurrentActor,
                           page: PageDep) -> AuditPage:
    await RotationRepository(session).exists_or_404(rotation_id)
    return await audit_page(session, "rotation", rotation_id, page)


@router.put("/rotations/{rotation_id}", response_model=RotationRead, dependencies=WRITERS,
            summary="Redefine a rotation; its turns are moved, added or released to match")
async def update_rotation(rotation_id: uuid.UUID, body: RotationWrite, request: Request, session: SessionDep,
                          actor: CurrentActor, response: Response) -> RotationRead:
    rotation = await RotationRepository(session).get_or_404(rotation_id)
    check_if_match(request, rotation.version)
    rotation = await service.save_rotation(session, actor=actor, body=body, rotation=rotation)
    response.headers["ETag"] = etag(rotation.version)
    return RotationRead.model_validate(rotation)


@router.delete("/rotations/{rotation_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=WRITERS,
               summary="Delete a rotation and release its bookings")
async def delete_rotation(rotation_id: uuid.UUID, request: Request, session: SessionDep,
                          actor: CurrentActor) -> None:
    rotation = await RotationRepository(session).get_or_404(rotation_id)
    check_if_match(request, rotation.version)
    await service.delete(session, actor=actor, item=rotation)
