"""Routes of /change/v1/changes: the record, its lifecycle and votes on it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response, status
from tandem_shared.api import PageDep, UnitOfWorkDep, UTCDatetime, check_if_match, etag
from tandem_shared.auth import CurrentActor, require_roles
from tandem_shared.errors import PROBLEM_RESPONSES
from tandem_shared.headers import location
from tandem_shared.repository import HISTORY_DESCRIPTION, AuditPage, audit_page
from tandem_shared.uow import UnitOfWork

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
# Role gates run before the change is loaded, so who may never act is refused (403) whatever the change's state or
# version; the use cases then check who this change lets act (its requester, assignee, approvers) before its state.
WRITERS = [require_roles(*CREATOR_ROLES)]
MANAGERS = [require_roles("change_manager")]

# Transition bodies a client may leave out (every field is optional): `None` when no body was sent.
OptionalTransition = Annotated[TransitionRequest | None, Body()]


def read_change(change: Change) -> ChangeRead:
    """The API view of a change, with the actions possible now."""
    read = ChangeRead.model_validate(change)
    read.allowed_actions = allowed_actions(ChangeType(change.type), ChangeState(change.state))
    return read


async def _for_update(uow: UnitOfWork, change_id: uuid.UUID, request: Request) -> Change:
    """The change, or 404; 412 when If-Match names an older version."""
    change = await service.get_change(uow, change_id)
    check_if_match(request, change.version)
    return change


async def _changed(uow: UnitOfWork, change: Change, response: Response) -> ChangeRead:
    """The change after a use case, its new version written so the ETag is current."""
    await uow.repo(ChangeRepository).flush()
    response.headers["ETag"] = etag(change.version)
    return read_change(change)


@router.post("/changes", status_code=status.HTTP_201_CREATED, response_model=ChangeRead,
             dependencies=[require_roles(*CREATOR_ROLES)], summary="Raise a change request",
             description="Creates a change in state new. A standard change names an active change model "
                         "(`model_id`) and takes its plans and default effort when omitted.")
async def create_change(body: ChangeCreate, uow: UnitOfWorkDep, actor: CurrentActor, response: Response) -> ChangeRead:
    change = await service.create_change(uow, actor=actor, body=body)
    response.headers["Location"] = location("/change/v1/changes/{}", change.id)
    response.headers["ETag"] = etag(change.version)
    return read_change(change)


@router.get("/changes", response_model=ChangePage, summary="List change requests")
async def list_changes(
    uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep,
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
    rows, cursor = await uow.repo(ChangeRepository).page(
        page, state=state, type=type, risk=risk, assignee_id=assignee_id, requested_by=requested_by,
        model_id=model_id, planned_from=planned_from, planned_to=planned_to, sort=sort,
    )
    return ChangePage(items=[read_change(c) for c in rows], next_cursor=cursor, limit=page.limit)


@router.get("/changes/{change_id}", response_model=ChangeRead, summary="Read a change request")
async def get_change(change_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, response: Response) -> ChangeRead:
    change = await service.get_change(uow, change_id)
    response.headers["ETag"] = etag(change.version)
    return read_change(change)


@router.patch("/changes/{change_id}", response_model=ChangeRead, summary="Edit a change request",
              dependencies=WRITERS,
              description="Requester or change manager. In new every record field (the type only here); in assess "
                          "all but type and model; from authorize on only description and project (and "
                          "review_notes in review): what was authorised does not change under the approvers. "
                          "Anything else is 409 naming the editable fields. Send If-Match (412 when stale).")
async def update_change(change_id: uuid.UUID, body: ChangeUpdate, request: Request, response: Response,
                        uow: UnitOfWorkDep, actor: CurrentActor) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    change = await service.update_change(uow, actor=actor, change=change, body=body)
    response.headers["ETag"] = etag(change.version)
    return read_change(change)


@router.get("/changes/{change_id}/history", response_model=AuditPage, summary="Who did what to a change",
            description="Every transition, vote, edit and reschedule: who, when, from which state to which, "
                        "with the comment. " + HISTORY_DESCRIPTION)
async def change_history(change_id: uuid.UUID, uow: UnitOfWorkDep, _actor: CurrentActor, page: PageDep) -> AuditPage:
    await service.get_change(uow, change_id)
    return await audit_page(uow.session, "change", change_id, page)


# The lifecycle: POST /changes/{id}/<action>, If-Match checked, the change returned with its new ETag.

@router.post("/changes/{change_id}/submit", response_model=ChangeRead, summary="Submit a change",
             dependencies=WRITERS,
             description="Requester or change manager. normal: new → assess; emergency: new → authorize, opening "
                         "the emergency policy's approval steps; standard: new → scheduled, pre-authorised from its "
                         "active model.")
async def submit_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                        actor: CurrentActor, body: OptionalTransition = None) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    comment = body.comment if body else None
    change = await transitions.submit_change(uow, actor=actor, change=change, comment=comment)
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/assess", response_model=ChangeRead, summary="Assess a normal change",
             dependencies=MANAGERS,
             description="Change manager. Computes the risk (conditions and questionnaire answers), picks the "
                         "approval policy by type and risk and opens its steps: assess → authorize. 409 when no "
                         "policy matches or a step's group has too few eligible members.")
async def assess_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                        actor: CurrentActor, body: Annotated[AssessRequest | None, Body()] = None) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    change = await transitions.assess_change(uow, actor=actor, change=change, body=body or AssessRequest())
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/approve", response_model=ChangeRead,
             summary="Vote approve on the current approval step",
             description="The same as POST .../votes with decision approve: only eligible members of the current "
                         "step's group; never the requester or the assignee (403). When the last step reaches its "
                         "quorum the change is scheduled.")
async def approve_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                         actor: CurrentActor, body: OptionalTransition = None) -> ChangeRead:
    change = await service.get_change(uow, change_id)
    await transitions.require_voter(uow, actor, change)  # before the version and the state
    check_if_match(request, change.version)
    comment = body.comment if body else None
    change = await transitions.approve_change(uow, actor=actor, change=change, comment=comment)
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/reject", response_model=ChangeRead, summary="Reject a change back to new",
             description="A change manager rejects outright (assess or authorize); a member of the current step "
                         "votes reject. Rejection returns the change to new and cancels pending approvals.")
async def reject_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                        actor: CurrentActor, body: OptionalTransition = None) -> ChangeRead:
    change = await service.get_change(uow, change_id)
    await transitions.require_rejecter(uow, actor, change)  # before the version and the state
    check_if_match(request, change.version)
    comment = body.comment if body else None
    change = await transitions.reject_change(uow, actor=actor, change=change, comment=comment)
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/cancel", response_model=ChangeRead, summary="Cancel an open change",
             dependencies=WRITERS,
             description="Requester or change manager, from any state before review. Cancels pending approvals; "
                         "capacity releases the booking of an authorised change.")
async def cancel_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                        actor: CurrentActor, body: OptionalTransition = None) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    comment = body.comment if body else None
    change = await transitions.cancel_change(uow, actor=actor, change=change, comment=comment)
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/start", response_model=ChangeRead,
             dependencies=WRITERS,
             summary="Start implementing a scheduled change",
             description="Requester, assignee or change manager: scheduled → implement; actual_start defaults to "
                         "now.")
async def start_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                       actor: CurrentActor, body: Annotated[StartRequest | None, Body()] = None) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    change = await transitions.start_change(uow, actor=actor, change=change, body=body or StartRequest())
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/complete", response_model=ChangeRead,
             dependencies=WRITERS,
             summary="Record the implementation's outcome",
             description="Requester, assignee or change manager: implement → review with the outcome and "
                         "actual_end; incidents caused lower the team's change success score.")
async def complete_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                          actor: CurrentActor, body: CompleteRequest) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    change = await transitions.complete_change(uow, actor=actor, change=change, body=body)
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/close", response_model=ChangeRead, summary="Close a reviewed change",
             dependencies=WRITERS,
             description="Requester or change manager: review → closed. Review notes are required (422 naming "
                         "review_notes) for failed and backed-out changes and for every emergency change.")
async def close_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                       actor: CurrentActor, body: Annotated[CloseRequest | None, Body()] = None) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    change = await transitions.close_change(uow, actor=actor, change=change, body=body or CloseRequest())
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/reschedule", response_model=ChangeRead, summary="Move a change's planned window",
             dependencies=WRITERS,
             description="Requester or change manager, in new, assess, authorize or scheduled: new window and "
                         "optionally a new assignee or effort. Publishes change.request.rescheduled.v1 "
                         "(books_capacity when already scheduled).")
async def reschedule_change(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                            actor: CurrentActor, body: RescheduleRequest) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    change = await service.reschedule_change(uow, actor=actor, change=change, body=body)
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/risk", response_model=ChangeRead, summary="Recompute a change's risk",
             dependencies=WRITERS,
             description="Requester or change manager, before implementation. Stores the new risk and its "
                         "explanation; the approval steps already opened stay as they are.")
async def recompute_risk(change_id: uuid.UUID, request: Request, response: Response, uow: UnitOfWorkDep,
                         actor: CurrentActor, body: Annotated[RiskRequest | None, Body()] = None) -> ChangeRead:
    change = await _for_update(uow, change_id, request)
    change = await transitions.recompute_risk(uow, actor=actor, change=change, answers=body.answers if body else None)
    return await _changed(uow, change, response)


@router.post("/changes/{change_id}/votes", status_code=status.HTTP_201_CREATED, response_model=ApprovalsRead,
             tags=["approvals"], summary="Vote on the change's current approval step",
             description="Only eligible members of the current step's group (403 otherwise; the requester and the "
                         "assignee never vote); one vote per member per step (409 on a second). GLPI's rule decides "
                         "the step: accepted → the next step opens (the last one schedules the change); refused → "
                         "the change returns to new and pending approvals are canceled.")
async def cast_vote(change_id: uuid.UUID, body: VoteRequest, uow: UnitOfWorkDep, actor: CurrentActor) -> ApprovalsRead:
    change = await service.get_change(uow, change_id)
    change = await transitions.vote(uow, actor=actor, change=change, decision=body.decision, comment=body.comment)
    return await approvals_view(uow.session, change)
