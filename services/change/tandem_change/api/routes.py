"""Routes of /change/v1."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, Response, status
from tandem_shared.api import PageDep, SessionDep, UTCDatetime, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.repository import AuditEntry, audit_trail

from tandem_change import service
from tandem_change.domain.lifecycle import ChangeState, ChangeType, allowed_actions
from tandem_change.models import Change
from tandem_change.repository import ChangeRepository
from tandem_change.schemas import ChangeCreate, ChangePage, ChangeRead, TransitionRequest

router = APIRouter(tags=["changes"], responses=PROBLEM_RESPONSES)
CREATOR_ROLES = ("requester", "change_manager", "project_manager", "service_owner", "cab_member")


def _read(change: Change) -> ChangeRead:
    read = ChangeRead.model_validate(change)
    read.allowed_actions = allowed_actions(ChangeType(change.type), ChangeState(change.state))
    return read


@router.post("/changes", status_code=status.HTTP_201_CREATED, response_model=ChangeRead,
             dependencies=[require_roles(*CREATOR_ROLES)], summary="Raise a change request")
async def create_change(body: ChangeCreate, session: SessionDep, actor: CurrentActor, response: Response) -> ChangeRead:
    change = await service.create_change(session, actor=actor, body=body)
    response.headers["Location"] = f"/change/v1/changes/{change.id}"
    response.headers["ETag"] = etag(change.version)
    return _read(change)


@router.get("/changes", response_model=ChangePage, summary="List change requests")
async def list_changes(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    state: ChangeState | None = None,
    type: ChangeType | None = None,
    assignee_id: uuid.UUID | None = None,
    requested_by: str | None = None,
    planned_from: Annotated[UTCDatetime | None, Query(description="Changes whose window ends after this.")] = None,
    planned_to: Annotated[UTCDatetime | None, Query(description="Changes whose window starts before this.")] = None,
    sort: Literal["created_at", "-created_at", "planned_start", "-planned_start"] = "-created_at",
) -> ChangePage:
    rows, cursor = await ChangeRepository(session).page(
        page, state=state, type=type, assignee_id=assignee_id, requested_by=requested_by,
        planned_from=planned_from, planned_to=planned_to, sort=sort,
    )
    return ChangePage(items=[_read(c) for c in rows], next_cursor=cursor, limit=page.limit)


@router.get("/changes/{change_id}", response_model=ChangeRead, summary="Read a change request")
async def get_change(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, response: Response) -> ChangeRead:
    change = await service.get_change(session, change_id)
    response.headers["ETag"] = etag(change.version)
    return _read(change)


@router.get("/changes/{change_id}/history", response_model=list[AuditEntry], summary="Who did what to a change")
async def change_history(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> list[AuditEntry]:
    await service.get_change(session, change_id)
    return await audit_trail(session, "change", change_id)


def _transition(name: str, use_case, summary: str) -> None:  # noqa: ANN001
    async def endpoint(
        change_id: uuid.UUID, request: Request, response: Response, session: SessionDep, actor: CurrentActor,
        body: Annotated[TransitionRequest | None, Body()] = None,
    ) -> ChangeRead:
        change = await service.get_change(session, change_id)
        check_if_match(request, change.version)
        change = await use_case(session, actor=actor, change=change, comment=body.comment if body else None)
        await session.flush()
        response.headers["ETag"] = etag(change.version)
        return _read(change)

    endpoint.__name__ = f"{name}_change"
    router.add_api_route(f"/changes/{{change_id}}/{name}", endpoint, methods=["POST"], response_model=ChangeRead,
                         summary=summary)


_transition("submit", service.submit_change, "Submit a change for assessment (standard: schedule it)")
_transition("approve", service.approve_change, "Authorise a change (change_manager or cab_member; not the requester)")
_transition("reject", service.reject_change, "Reject a change back to new")
_transition("cancel", service.cancel_change, "Cancel an open change (releases its capacity booking)")
