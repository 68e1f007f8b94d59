"""Change use cases: each writes the change, its audit row and its event in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.change import (
    ChangeApproved,
    ChangeCanceled,
    ChangeCreated,
    ChangeRejected,
    ChangeSubmitted,
)
from tandem_shared.db import utcnow
from tandem_shared.errors import Forbidden, ValidationProblem
from tandem_shared.outbox import record_event
from tandem_shared.repository import record_audit

from tandem_change.cmdb import service as cmdb_service
from tandem_change.domain.lifecycle import ChangeState, ChangeType, next_state
from tandem_change.models import Change
from tandem_change.repository import ChangeRepository, PeopleProjection
from tandem_change.scheduling.service import check_conflicts
from tandem_change.schemas import ChangeCreate

APPROVER_ROLES = ("change_manager", "cab_member")


async def get_change(session: AsyncSession, change_id: uuid.UUID) -> Change:
    """The change, or 404."""
    return await ChangeRepository(session).get_or_404(change_id)


async def create_change(session: AsyncSession, *, actor: Actor, body: ChangeCreate) -> Change:
    """Raise a change request in state new."""
    if body.assignee_id and not await PeopleProjection(session).exists(body.assignee_id):
        raise ValidationProblem.field("assignee_id", f"no person {body.assignee_id} is known to capacity")
    change = await ChangeRepository(session).add(
        Change(
            title=body.title, type=body.type.value, state=ChangeState.NEW.value, requested_by=actor.sub,
            assignee_id=body.assignee_id, effort_hours=body.effort_hours, planned_start=body.planned_start,
            planned_end=body.planned_end, affected_cis=[str(i) for i in dict.fromkeys(body.affected_cis)],
            description=body.description, justification=body.justification, project_id=body.project_id,
        )
    )
    await cmdb_service.link_affected_cis(session, change, body.affected_cis)
    await record_audit(session, actor=actor.sub, action="create", entity_type="change", entity_id=change.id,
                       to_state=change.state)
    await record_event(session, ChangeCreated(
        id=change.id, title=change.title, type=change.type, state=change.state, requested_by=actor.sub,
        assignee_id=change.assignee_id, effort_hours=change.effort_hours, planned_start=change.planned_start,
        planned_end=change.planned_end, affected_cis=change.affected_cis,
    ), actor=actor.sub)
    await check_conflicts(session, change)
    return change


async def _move(session: AsyncSession, change: Change, action: str, actor: Actor, comment: str | None) -> str:
    """Apply a lifecycle transition and audit it; return the state it left."""
    previous = change.state
    change.state = next_state(ChangeType(change.type), ChangeState(previous), action).value
    await record_audit(session, actor=actor.sub, action=action, entity_type="change", entity_id=change.id,
                       from_state=previous, to_state=change.state, detail={"comment": comment} if comment else None)
    return previous


async def submit_change(session: AsyncSession, *, actor: Actor, change: Change, comment: str | None) -> Change:
    """Send a change on from new; a standard change is pre-authorised and scheduled at once."""
    if change.requested_by != actor.sub and not actor.has_any("change_manager"):
        raise Forbidden("only the requester or a change manager can submit this change")
    previous = await _move(session, change, "submit", actor, comment)
    await record_event(session, ChangeSubmitted(
        id=change.id, type=change.type, from_state=previous, state=change.state, submitted_by=actor.sub,
    ), actor=actor.sub)
    if change.state == ChangeState.SCHEDULED.value:
        await _approved(session, change, actor, pre_authorised=True)
    return change


async def _approved(session: AsyncSession, change: Change, actor: Actor, *, pre_authorised: bool) -> None:
    if change.approved_at is None:
        change.approved_by, change.approved_at = actor.sub, utcnow()
    await record_event(session, ChangeApproved(
        id=change.id, type=change.type, approved_by=actor.sub, pre_authorised=pre_authorised,
        assignee_id=change.assignee_id, effort_hours=change.effort_hours, planned_start=change.planned_start,
        planned_end=change.planned_end, state=change.state,
    ), actor=actor.sub)


async def approve_change(session: AsyncSession, *, actor: Actor, change: Change, comment: str | None) -> Change:
    """Authorise a change (change manager or CAB member; never the requester)."""
    if not actor.has_any(*APPROVER_ROLES):
        raise Forbidden("approving needs the role change_manager or cab_member", required_roles=list(APPROVER_ROLES))
    if change.requested_by == actor.sub:
        raise Forbidden("the requester of a change cannot approve it (separation of duties)")
    change.approved_by, change.approved_at = actor.sub, utcnow()  # flushed with the state change: one UPDATE
    await _move(session, change, "approve", actor, comment)
    await _approved(session, change, actor, pre_authorised=False)
    return change


async def reject_change(session: AsyncSession, *, actor: Actor, change: Change, comment: str | None) -> Change:
    """Reject a change back to new."""
    if not actor.has_any(*APPROVER_ROLES):
        raise Forbidden("rejecting needs the role change_manager or cab_member", required_roles=list(APPROVER_ROLES))
    previous = await _move(session, change, "reject", actor, comment)
    await record_event(session, ChangeRejected(
        id=change.id, rejected_by=actor.sub, reason=comment, from_state=previous, state=change.state,
    ), actor=actor.sub)
    return change


async def cancel_change(session: AsyncSession, *, actor: Actor, change: Change, comment: str | None) -> Change:
    """Cancel an open change; capacity releases its booking."""
    if change.requested_by != actor.sub and not actor.has_any("change_manager"):
        raise Forbidden("only the requester or a change manager can cancel this change")
    was_approved = change.approved_at is not None
    previous = await _move(session, change, "cancel", actor, comment)
    await record_event(session, ChangeCanceled(
        id=change.id, type=change.type, canceled_by=actor.sub, reason=comment, from_state=previous,
        was_approved=was_approved,
    ), actor=actor.sub)
    return change
