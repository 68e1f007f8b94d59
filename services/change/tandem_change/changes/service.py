"""Change record use cases: raise, edit, reschedule. Each writes the change, its audit row and its event in the
unit of work; the lifecycle transitions are in `transitions.py`."""

from __future__ import annotations

import uuid

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.change import ChangeCreated, ChangeRescheduled
from tandem_shared.errors import Conflict, Forbidden, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_change.changes.collaborators import Collaborators
from tandem_change.changes.schemas import ChangeCreate, ChangeUpdate, RescheduleRequest
from tandem_change.people.repository import PeopleProjection
from tandem_change.record.lifecycle import (
    EDITABLE_FIELDS,
    ChangeState,
    ChangeType,
    books_capacity,
    check_stay_action,
)
from tandem_change.record.models import Change
from tandem_change.record.repository import ChangeRepository
from tandem_change.standard.models import ChangeModel


async def get_change(uow: UnitOfWork, change_id: uuid.UUID) -> Change:
    """The change, or 404."""
    return await uow.repo(ChangeRepository).get_or_404(change_id)


def require_requester_or_manager(actor: Actor, change: Change, what: str) -> None:
    """403 unless the actor raised the change or is a change manager."""
    if change.requested_by != actor.sub and not actor.has_any("change_manager"):
        raise Forbidden(f"only the requester or a change manager can {what} this change")


async def assignee_identities(uow: UnitOfWork, change: Change) -> set[str]:
    """The subjects under which the assignee may sign in: their capacity person id and their email."""
    if change.assignee_id is None:
        return set()
    person = await uow.repo(PeopleProjection).get(change.assignee_id)
    return {str(change.assignee_id)} | ({person.email.lower()} if person and person.email else set())


def is_assignee(actor: Actor, identities: set[str]) -> bool:
    """True when the actor signs in as the change's assignee."""
    return actor.sub in identities or actor.sub.lower() in identities


async def _check_model(uow: UnitOfWork, change_type: str, model_id: uuid.UUID | None) -> ChangeModel | None:
    if change_type == ChangeType.STANDARD:
        return await uow.repo(Collaborators).active_model(model_id)
    if model_id is not None:
        raise ValidationProblem.field("model_id", f"only standard changes name a change model, not {change_type} ones")
    return None


async def create_change(uow: UnitOfWork, *, actor: Actor, body: ChangeCreate) -> Change:
    """Raise a change request in state new; a standard change takes its model's plans and effort by default."""
    others = uow.repo(Collaborators)
    if body.assignee_id and not await uow.repo(PeopleProjection).exists(body.assignee_id):
        raise ValidationProblem.field("assignee_id", f"no person {body.assignee_id} is known to capacity")
    model = await _check_model(uow, body.type.value, body.model_id)
    fields = body.model_dump(exclude={"type", "affected_cis"})
    fields["affected_cis"] = [str(ci) for ci in dict.fromkeys(body.affected_cis)]  # linked below, checked there
    if model is not None:
        fields["implementation_plan"] = body.implementation_plan or model.implementation_plan
        fields["backout_plan"] = body.backout_plan or model.backout_plan
        if "effort_hours" not in body.model_fields_set and body.assignee_id is not None:
            fields["effort_hours"] = model.default_effort_hours
    change = await uow.repo(ChangeRepository).add(
        Change(**fields, type=body.type.value, state=ChangeState.NEW.value, requested_by=actor.sub)
    )
    await others.link_affected_cis(change, body.affected_cis)
    await uow.audit(actor=actor.sub, action="create", entity_type="change", entity_id=change.id,
                    to_state=change.state)
    await uow.record(ChangeCreated(
        id=change.id, title=change.title, type=change.type, state=change.state, requested_by=actor.sub,
        assignee_id=change.assignee_id, effort_hours=change.effort_hours, planned_start=change.planned_start,
        planned_end=change.planned_end, affected_cis=change.affected_cis,
    ), actor=actor.sub)
    await others.check_conflicts(change)
    return change


async def update_change(uow: UnitOfWork, *, actor: Actor, change: Change, body: ChangeUpdate) -> Change:
    """Edit the record; what may change depends on the state (the type only in new)."""
    require_requester_or_manager(actor, change, "edit")
    fields = body.model_dump(exclude_unset=True)
    if "affected_cis" in fields:  # compared as stored: CI ids as text, each once
        fields["affected_cis"] = [str(ci) for ci in dict.fromkeys(fields["affected_cis"] or [])]
    state = ChangeState(change.state)
    if "type" in fields and fields["type"] != change.type and state is not ChangeState.NEW:
        raise Conflict(f"the type of a change can change only in state new, not in {state.value}")
    editable = EDITABLE_FIELDS[state]
    refused = sorted(name for name, value in fields.items() if name not in editable and getattr(change, name) != value)
    if refused:
        raise Conflict(f"{', '.join(refused)} cannot change in state {state.value}; editable now: "
                       f"{', '.join(sorted(editable)) or 'nothing'}", editable_fields=sorted(editable))
    new_type = fields.get("type", change.type)
    new_model = fields.get("model_id", change.model_id)
    if state is ChangeState.NEW and ("type" in fields or "model_id" in fields):
        await _check_model(uow, new_type, new_model)
    old = history.snapshot(change, fields)
    changed = {}
    if "affected_cis" in fields:
        ci_ids = [uuid.UUID(ci) for ci in fields.pop("affected_cis")]
        before = list(change.affected_cis)
        await uow.repo(Collaborators).link_affected_cis(change, ci_ids)
        if change.affected_cis != before:
            changed["affected_cis"] = change.affected_cis
    for name, value in fields.items():
        if getattr(change, name) != value:
            changed[name] = value
            setattr(change, name, value)
    if changed:
        await uow.repo(ChangeRepository).flush()
        await uow.audit(actor=actor.sub, action="update", entity_type="change", entity_id=change.id,
                        from_state=change.state, to_state=change.state,
                        detail={"fields": sorted(changed), **({"type": new_type} if "type" in changed else {})},
                        changes=history.changes(old, history.snapshot(change, old)))
    if "affected_cis" in changed:  # other CIs, other neighbours: the stored conflicts are stale
        await uow.repo(Collaborators).check_conflicts(change)
    return change

RESCHEDULED_FIELDS = ("planned_start", "planned_end", "assignee_id", "effort_hours")


async def reschedule_change(uow: UnitOfWork, *, actor: Actor, change: Change, body: RescheduleRequest) -> Change:
    """Move the planned window (and optionally assignee and effort) before implementation starts."""
    check_stay_action(ChangeType(change.type), ChangeState(change.state), "reschedule")
    require_requester_or_manager(actor, change, "reschedule")
    if body.assignee_id and not await uow.repo(PeopleProjection).exists(body.assignee_id):
        raise ValidationProblem.field("assignee_id", f"no person {body.assignee_id} is known to capacity")
    assignee = body.assignee_id or change.assignee_id
    effort = change.effort_hours if body.effort_hours is None else body.effort_hours
    if effort > 0 and assignee is None:
        raise ValidationProblem.field("effort_hours", "needs an assignee_id to book the hours against")
    previous = (change.planned_start, change.planned_end, change.assignee_id, change.effort_hours)
    old = history.snapshot(change, RESCHEDULED_FIELDS)
    change.planned_start, change.planned_end = body.planned_start, body.planned_end
    change.assignee_id, change.effort_hours = assignee, effort
    await uow.repo(ChangeRepository).flush()
    await uow.audit(actor=actor.sub, action="reschedule", entity_type="change", entity_id=change.id,
                    from_state=change.state, to_state=change.state, detail={
                        "previous_start": previous[0].isoformat(), "previous_end": previous[1].isoformat(),
                        "planned_start": body.planned_start.isoformat(), "planned_end": body.planned_end.isoformat(),
                        **({"reason": body.reason} if body.reason else {})},
                    changes=history.changes(old, history.snapshot(change, RESCHEDULED_FIELDS)))
    await uow.record(ChangeRescheduled(
        id=change.id, type=change.type, rescheduled_by=actor.sub, state=change.state,
        books_capacity=books_capacity(ChangeState(change.state)), previous_start=previous[0],
        previous_end=previous[1], planned_start=change.planned_start, planned_end=change.planned_end,
        previous_assignee_id=previous[2], assignee_id=change.assignee_id, effort_hours=change.effort_hours,
        reason=body.reason,
    ), actor=actor.sub)
    await uow.repo(Collaborators).check_conflicts(change)
    return change
