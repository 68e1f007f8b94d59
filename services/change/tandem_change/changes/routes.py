"""Routes of /change/v1/changes: the record, its lifecycle and votes on it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageDep, SessionDep, UTCDatetime, check_if_match, etag
from tandem_shared.auth import Actor, CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.repository import AuditEntry, audit_trail

from tandem_change.approvals.schemas import ApprovalsRead, VoteRequest
from tandem_change.approvals.service import approvals_view
from tandem_change.changes import service, transitions
from tandem_change.changes.schemas import (
    AssessRequest,
    ChangeCreate,
    ChangePage,
    ChangeRead,
    ChangeUpdate,
    CloseRequest,
    CompleteRequest,
    RescheduleRequest,
    RiskRequest,
    SortKey,
    StartRequest,
    TransitionRequest,
)
from tandem_change.record.lifecycle import ChangeState, ChangeType, allowed_actions
from tandem_change.record.models import Change
from tandem_change.record.repository import ChangeRepository
from tandem_change.risk.rules import RiskLevel

router = APIRouter(tags=["changes"], responses=PROBLEM_RESPONSES)
CREATOR_ROLES = ("requester", "change_manager", "project_manager", "service_owner", "cab_member")


def read_change(change: Change) -> ChangeRead:
    """The API view of a change, with the actions possible now."""
    read = ChangeRead.model_validate(change)
    read.allowed_actions = allowed_actions(ChangeType(change.type), ChangeState(change.state))
    return read


@router.post("/changes", status_code=status.HTTP_201_CREATED, response_model=ChangeRead,
             dependencies=[require_roles(*CREATOR_ROLES)], summary="Raise a change request",
             description="Creates a change in state new. A standard change names an active change model "
                         "(`model_id`) and takes its plans and default effort when omitted.")
async def create_change(body: ChangeCreate, session: SessionDep, actor: CurrentActor, response: Response) -> ChangeRead:
    change = await service.create_change(session, actor=actor, body=body)
    response.headers["Location"] = f"/change/v1/changes/{change.id}"
    response.headers["ETag"] = etag(change.version)
    return read_change(change)


@router.get("/changes", response_model=ChangePage, summary="List change requests")
async def list_changes(
    session: SessionDep, _actor: CurrentActor, page: PageDep,
    state: ChangeState | None = None,
    type: ChangeType | None = None,
    risk: RiskLevel | None = None,
    assignee_id: uuid.UUID | None = None,
    requested_by: str | None = None,
    model_id: uuid.UUID | None = None,
    planned_from: Annotated[UTCDatetime | None, Query(description="Changes whose window ends after this.")] = None,
    planned_to: Annotated[UTCDatetime | None, Query(description="Changes whose window starts before this.")] = None,
    sort: SortKey = "-created_at",
) -> ChangePage:
    rows, cursor = await ChangeRepository(session).page(
        page, state=state, type=type, risk=risk, assignee_id=assignee_id, requested_by=requested_by,
        model_id=model_id, planned_from=planned_from, planned_to=planned_to, sort=sort,
    )
    return ChangePage(items=[read_change(c) for c in rows], next_cursor=cursor, limit=page.limit)


@router.get("/changes/{change_id}", response_model=ChangeRead, summary="Read a change request")
async def get_change(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor, response: Response) -> ChangeRead:
    change = await service.get_change(session, change_id)
    response.headers["ETag"] = etag(change.version)
    return read_change(change)


@router.patch("/changes/{change_id}", response_model=ChangeRead, summary="Edit a change request",
              description="Requester or change manager. In new every record field (the type only here); in assess "
                          "all but type and model; from authorize on only description and project (and "
                          "review_notes in review): what was authorised does not change under the approvers. "
                          "Anything else is 409 naming the editable fields. Send If-Match (412 when stale).")
async def update_change(change_id: uuid.UUID, body: ChangeUpdate, request: Request, response: Response,
                        session: SessionDep, actor: CurrentActor) -> ChangeRead:
    change = await service.get_change(session, change_id)
    check_if_match(request, change.version)
    change = await service.update_change(session, actor=actor, change=change, body=body)
    response.headers["ETag"] = etag(change.version)
    return read_change(change)


@router.get("/changes/{change_id}/history", response_model=list[AuditEntry], summary="Who did what to a change",
            description="Every transition, vote, edit and reschedule: who, when, from which state to which, "
                        "with the comment.")
async def change_history(change_id: uuid.UUID, session: SessionDep, _actor: CurrentActor) -> list[AuditEntry]:
    await service.get_change(session, change_id)
    return await audit_trail(session, "change", change_id)


UseCase = Callable[..., Awaitable[Change]]


def _route(name: str, use_case: UseCase, body_type: type[BaseModel], summary: str, description: str,
           *, body_arg: str = "body", optional: bool = False) -> None:
    """POST /changes/{id}/<name>: If-Match checked, the use case run, the change returned with its new ETag."""

    async def _run(change_id: uuid.UUID, request: Request, response: Response, session: AsyncSession,
                   actor: Actor, body: BaseModel | None) -> ChangeRead:
        change = await service.get_change(session, change_id)
        check_if_match(request, change.version)
        body = body if body is not None else body_type()
        arg = body.comment if body_arg == "comment" else body  # type: ignore[attr-defined]
        change = await use_case(session, actor=actor, change=change, **{body_arg: arg})
        await session.flush()
        response.headers["ETag"] = etag(change.version)
        return read_change(change)

    async def endpoint(change_id: uuid.UUID, request: Request, response: Response, session: SessionDep,
                       actor: CurrentActor, body=None) -> ChangeRead:
        return await _run(change_id, request, response, session, actor, body)

    # The body type is known only here; annotations of this module are strings FastAPI resolves from globals.
    endpoint.__annotations__["body"] = Annotated[body_type | None, Body()] if optional else body_type
    if not optional:
        endpoint.__defaults__ = None
    endpoint.__name__ = f"{name}_change"
    router.add_api_route(f"/changes/{{change_id}}/{name}", endpoint, methods=["POST"], response_model=ChangeRead,
                         summary=summary, description=description)


_route("submit", transitions.submit_change, TransitionRequest, "Submit a change",
       "Requester or change manager. normal: new → assess; emergency: new → authorize, opening the emergency "
       "policy's approval steps; standard: new → scheduled, pre-authorised from its active model.",
       body_arg="comment", optional=True)
_route("assess", transitions.assess_change, AssessRequest, "Assess a normal change",
       "Change manager. Computes the risk (conditions and questionnaire answers), picks the approval policy by "
       "type and risk and opens its steps: assess → authorize. 409 when no policy matches or a step's group has "
       "too few eligible members.", optional=True)
_route("approve", transitions.approve_change, TransitionRequest, "Vote approve on the current approval step",
       "The same as POST .../votes with decision approve: only eligible members of the current step's group; "
       "never the requester or the assignee (403). When the last step reaches its quorum the change is scheduled.",
       body_arg="comment", optional=True)
_route("reject", transitions.reject_change, TransitionRequest, "Reject a change back to new",
       "A change manager rejects outright (assess or authorize); a member of the current step votes reject. "
       "Rejection returns the change to new and cancels pending approvals.", body_arg="comment", optional=True)
_route("cancel", transitions.cancel_change, TransitionRequest, "Cancel an open change",
       "Requester or change manager, from any state before review. Cancels pending approvals; capacity "
       "releases the booking of an authorised change.", body_arg="comment", optional=True)
_route("start", transitions.start_change, StartRequest, "Start implementing a scheduled change",
       "Requester, assignee or change manager: scheduled → implement; actual_start defaults to now.", optional=True)
_route("complete", transitions.complete_change, CompleteRequest, "Record the implementation's outcome",
       "Requester, assignee or change manager: implement → review with the outcome and actual_end; incidents "
       "caused lower the team's change success score.")
_route("close", transitions.close_change, CloseRequest, "Close a reviewed change",
       "Requester or change manager: review → closed. Review notes are required (422 naming review_notes) for "
       "failed and backed-out changes and for every emergency change.", optional=True)
_route("reschedule", service.reschedule_change, RescheduleRequest, "Move a change's planned window",
       "Requester or change manager, in new, assess, authorize or scheduled: new window and optionally a new "
       "assignee or effort. Publishes change.request.rescheduled.v1 (books_capacity when already scheduled).")


@router.post("/changes/{change_id}/risk", response_model=ChangeRead, summary="Recompute a change's risk",
             description="Requester or change manager, before implementation. Stores the new risk and its "
                         "explanation; the approval steps already opened stay as they are.")
async def recompute_risk(change_id: uuid.UUID, request: Request, response: Response, session: SessionDep,
                         actor: CurrentActor, body: Annotated[RiskRequest | None, Body()] = None) -> ChangeRead:
    change = await service.get_change(session, change_id)
    check_if_match(request, change.version)
    change = await transitions.recompute_risk(session, actor=actor, change=change,
                                              answers=body.answers if body else None)
    await session.flush()
    response.headers["ETag"] = etag(change.version)
    return read_change(change)


@router.post("/changes/{change_id}/votes", status_code=status.HTTP_201_CREATED, response_model=ApprovalsRead,
             tags=["approvals"], summary="Vote on the change's current approval step",
             description="Only eligible members of the current step's group (403 otherwise; the requester and the "
                         "assignee never vote); one vote per member per step (409 on a second). GLPI's rule decides "
                         "the step: accepted → the next step opens (the last one schedules the change); refused → "
                         "the change returns to new and pending approvals are canceled.")
async def cast_vote(change_id: uuid.UUID, body: VoteRequest, session: SessionDep,
                    actor: CurrentActor) -> ApprovalsRead:
    change = await ChangeRepository(session).get_or_404(change_id)
    change = await transitions.vote(session, actor=actor, change=change, decision=body.decision,
                                    comment=body.comment)
    return await approvals_view(session, change)
