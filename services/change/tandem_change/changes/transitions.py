"""Lifecycle use cases of a change: each checks who may act, moves the state by the lifecycle table, records an
audit row saying who did what from where to where, and records the event, all in the unit of work.

What they ask of other packages (risk, impact, approvals, conflicts, scores, change models) goes through
`Collaborators`, which unit tests replace with a fake.
"""

from __future__ import annotations

from tandem_shared.auth import Actor
from tandem_shared.contracts.change import (
    ChangeApproved,
    ChangeAssessed,
    ChangeCanceled,
    ChangeClosed,
    ChangeImplemented,
    ChangeRejected,
    ChangeScheduled,
    ChangeStarted,
    ChangeSubmitted,
)
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict, Forbidden, ValidationProblem
from tandem_shared.quorum import StepState
from tandem_shared.uow import UnitOfWork

from tandem_change.changes.collaborators import Collaborators
from tandem_change.changes.schemas import AssessRequest, CloseRequest, CompleteRequest, StartRequest
from tandem_change.changes.service import assignee_identities, is_assignee, require_requester_or_manager
from tandem_change.record.lifecycle import (
    ChangeState,
    ChangeType,
    Outcome,
    check_stay_action,
    next_state,
    review_notes_required,
)
from tandem_change.record.models import Change
from tandem_change.risk.rules import RiskLevel

MANAGER = "change_manager"
# Who may vote on changes at all, besides the members of approver groups (a step still admits only its own voters).
APPROVER_ROLES = (MANAGER, "cab_member")


async def _move(uow: UnitOfWork, change: Change, action: str, actor: str, comment: str | None,
                **detail: object) -> str:
    """Apply a lifecycle transition and audit it; return the state it left."""
    previous = change.state
    change.state = next_state(ChangeType(change.type), ChangeState(previous), action).value
    extra = {k: v for k, v in {"comment": comment, **detail}.items() if v is not None}
    await uow.audit(actor=actor, action=action, entity_type="change", entity_id=change.id,
                    from_state=previous, to_state=change.state, detail=extra or None)
    return previous


async def _scheduled(uow: UnitOfWork, change: Change, actor: str, *, pre_authorised: bool) -> None:
    """Publish that the change is authorised (capacity books from this) and scheduled."""
    now = utcnow()
    change.approved_by, change.approved_at = actor, now
    await uow.record(ChangeApproved(
        id=change.id, type=change.type, approved_by=actor, pre_authorised=pre_authorised,
        assignee_id=change.assignee_id, effort_hours=change.effort_hours, planned_start=change.planned_start,
        planned_end=change.planned_end, state=change.state, project_id=change.project_id,
    ), actor=actor)
    await uow.record(ChangeScheduled(
        id=change.id, type=change.type, risk=change.risk or RiskLevel.LOW.value, assignee_id=change.assignee_id,
        effort_hours=change.effort_hours, planned_start=change.planned_start, planned_end=change.planned_end,
        created_at=change.created_at, scheduled_at=now,
        lead_time_hours=round((now - change.created_at).total_seconds() / 3600, 4), state=change.state,
    ), actor=actor)


async def _open_approval(uow: UnitOfWork, change: Change) -> str:
    """Open the approval steps of the policy matching the change; the requester and assignee never vote."""
    excluded = {change.requested_by} | await assignee_identities(uow, change)
    policy = await uow.repo(Collaborators).open_steps(change=change, risk=change.risk, excluded_voters=excluded)
    return policy.name


async def submit_change(uow: UnitOfWork, *, actor: Actor, change: Change, comment: str | None) -> Change:
    """Send a change on from new: normal to assess, emergency to its emergency CAB, standard straight to scheduled."""
    require_requester_or_manager(actor, change, "submit")
    others = uow.repo(Collaborators)
    change_type = ChangeType(change.type)
    next_state(change_type, ChangeState(change.state), "submit")  # refuse before doing any work
    if change_type is ChangeType.STANDARD:
        model = await others.active_model(change.model_id)
        change.risk = RiskLevel.LOW.value
        change.risk_explanation = f"low: standard change from model {model.name!r}, pre-authorised"
    elif change_type is ChangeType.EMERGENCY:
        assessment = await others.assess_risk(change, None)
        change.risk, change.risk_explanation = assessment.risk.value, assessment.explanation
    previous = await _move(uow, change, "submit", actor.sub, comment)
    await others.check_conflicts(change)
    policy = await _open_approval(uow, change) if change_type is ChangeType.EMERGENCY else None
    await uow.record(ChangeSubmitted(
        id=change.id, type=change.type, from_state=previous, state=change.state, submitted_by=actor.sub,
    ), actor=actor.sub)
    if change_type is ChangeType.STANDARD:
        await _scheduled(uow, change, actor.sub, pre_authorised=True)
    elif policy:
        await uow.audit(actor=actor.sub, action="open_approval", entity_type="change", entity_id=change.id,
                        from_state=change.state, to_state=change.state,
                        detail={"policy": policy, "round": change.approval_round})
    return change


async def assess_change(uow: UnitOfWork, *, actor: Actor, change: Change, body: AssessRequest) -> Change:
    """The change manager's assessment: compute the risk, pick the approval policy, open its steps."""
    if not actor.has_any(MANAGER):
        raise Forbidden("assessing needs the role change_manager", required_roles=[MANAGER])
    others = uow.repo(Collaborators)
    next_state(ChangeType(change.type), ChangeState(change.state), "assess")
    if change.affected_cis and not await others.has_impact(change.id):
        await others.assess_impact(actor=actor, change=change)  # risk needs the impact; compute it if nobody did
    assessment = await others.assess_risk(change, body.answers)
    change.risk, change.risk_explanation = assessment.risk.value, assessment.explanation
    change.risk_answers = dict(body.answers) if body.answers else None
    await _move(uow, change, "assess", actor.sub, body.comment, risk=change.risk)
    policy = await _open_approval(uow, change)
    await uow.record(ChangeAssessed(
        id=change.id, type=change.type, assessed_by=actor.sub, risk=change.risk,
        risk_explanation=change.risk_explanation, approval_policy_id=change.approval_policy_id,
        approval_policy=policy, state=change.state,
    ), actor=actor.sub)
    return change


async def recompute_risk(uow: UnitOfWork, *, actor: Actor, change: Change, answers: dict[str, str] | None) -> Change:
    """Recompute the risk now (the approval route already chosen stays as it is)."""
    require_requester_or_manager(actor, change, "re-assess the risk of")
    if change.state not in (ChangeState.NEW, ChangeState.ASSESS, ChangeState.AUTHORIZE, ChangeState.SCHEDULED):
        raise Conflict(f"the risk of a change in state {change.state} is final")
    if change.type == ChangeType.STANDARD:
        return change  # always low
    assessment = await uow.repo(Collaborators).assess_risk(change, answers)
    previous = change.risk
    change.risk, change.risk_explanation = assessment.risk.value, assessment.explanation
    if answers:
        change.risk_answers = dict(answers)
    await uow.audit(actor=actor.sub, action="risk", entity_type="change", entity_id=change.id,
                    from_state=change.state, to_state=change.state,
                    detail={"previous": previous, "risk": change.risk})
    return change


async def _reject(uow: UnitOfWork, change: Change, actor: str, reason: str | None) -> None:
    """Back to new; pending approvals are canceled."""
    previous = await _move(uow, change, "reject", actor, reason)
    await uow.repo(Collaborators).cancel_open_steps(change)
    await uow.record(ChangeRejected(
        id=change.id, rejected_by=actor, reason=reason, from_state=previous, state=change.state,
    ), actor=actor)


async def require_voter(uow: UnitOfWork, actor: Actor, change: Change) -> None:
    """403 unless the actor may ever vote on this change, whatever its state: an approver who neither raised it nor
    implements it. Checked before the state, so a refusal tells nothing about it."""
    if actor.sub == change.requested_by:
        raise Forbidden("the requester of a change never votes on it (separation of duties)")
    if is_assignee(actor, await assignee_identities(uow, change)):
        raise Forbidden("the assignee of a change never votes on it (separation of duties)")
    if not actor.has_any(*APPROVER_ROLES) and not await uow.repo(Collaborators).is_approver(actor.sub, change):
        raise Forbidden(f"{actor.sub} is in no approver group and holds none of the roles "
                        f"{', '.join(APPROVER_ROLES)}: only approvers vote on changes", reason="not_an_approver",
                        required_roles=list(APPROVER_ROLES))


async def require_rejecter(uow: UnitOfWork, actor: Actor, change: Change) -> None:
    """403 unless the actor may ever reject this change: a change manager, or an approver who may vote on it."""
    if not actor.has_any(MANAGER):
        await require_voter(uow, actor, change)


async def vote(uow: UnitOfWork, *, actor: Actor, change: Change, decision: str, comment: str | None,
               action: str = "vote") -> Change:
    """A member's vote on the current step; the last accepted step schedules, a refused one rejects."""
    await require_voter(uow, actor, change)
    check_stay_action(ChangeType(change.type), ChangeState(change.state), action)
    others = uow.repo(Collaborators)
    step = await others.current_step(change)
    if step is None:  # cannot happen in authorize unless the data was edited by hand
        raise Forbidden("this change has no open approval step")
    state = await others.record_vote(actor=actor, change=change, step=step, decision=decision, comment=comment)
    if state is StepState.REFUSED:
        await _reject(uow, change, actor.sub, f"step {step.position} ({step.group_name}) refused"
                      + (f": {comment}" if comment else ""))
    elif state is StepState.ACCEPTED and await others.current_step(change) is None:
        await _move(uow, change, "authorize", actor.sub, None, round=change.approval_round)
        await _scheduled(uow, change, actor.sub, pre_authorised=False)
    return change


async def approve_change(uow: UnitOfWork, *, actor: Actor, change: Change, comment: str | None) -> Change:
    """Vote approve on the current step (the actor must be one of its eligible members)."""
    return await vote(uow, actor=actor, change=change, decision="approve", comment=comment, action="approve")


async def reject_change(uow: UnitOfWork, *, actor: Actor, change: Change, comment: str | None) -> Change:
    """A change manager rejects outright; a member of the current step votes reject."""
    await require_rejecter(uow, actor, change)
    next_state(ChangeType(change.type), ChangeState(change.state), "reject")
    if actor.has_any(MANAGER):
        await _reject(uow, change, actor.sub, comment)
        return change
    if change.state == ChangeState.AUTHORIZE:
        return await vote(uow, actor=actor, change=change, decision="reject", comment=comment)
    raise Forbidden("rejecting needs the role change_manager, or a vote as a member of the current approval step",
                    required_roles=[MANAGER])


async def cancel_change(uow: UnitOfWork, *, actor: Actor, change: Change, comment: str | None) -> Change:
    """Cancel an open change; pending approvals are canceled and capacity releases its booking."""
    require_requester_or_manager(actor, change, "cancel")
    was_approved = change.approved_at is not None
    previous = await _move(uow, change, "cancel", actor.sub, comment)
    await uow.repo(Collaborators).cancel_open_steps(change)
    await uow.record(ChangeCanceled(
        id=change.id, type=change.type, canceled_by=actor.sub, reason=comment, from_state=previous,
        was_approved=was_approved, project_id=change.project_id,
    ), actor=actor.sub)
    return change


async def _require_implementer(uow: UnitOfWork, actor: Actor, change: Change, what: str) -> None:
    if actor.sub == change.requested_by or actor.has_any(MANAGER):
        return
    if is_assignee(actor, await assignee_identities(uow, change)):
        return
    raise Forbidden(f"only the requester, the assignee or a change manager can {what} this change")


async def start_change(uow: UnitOfWork, *, actor: Actor, change: Change, body: StartRequest) -> Change:
    """Begin implementing a scheduled change."""
    await _require_implementer(uow, actor, change, "start")
    next_state(ChangeType(change.type), ChangeState(change.state), "start")
    change.actual_start = body.actual_start or utcnow()
    await _move(uow, change, "start", actor.sub, body.comment)
    await uow.record(ChangeStarted(id=change.id, type=change.type, started_by=actor.sub,
                                   actual_start=change.actual_start, state=change.state), actor=actor.sub)
    return change


async def complete_change(uow: UnitOfWork, *, actor: Actor, change: Change, body: CompleteRequest) -> Change:
    """Record the implementation's outcome; the team's change success score moves with it."""
    await _require_implementer(uow, actor, change, "complete")
    next_state(ChangeType(change.type), ChangeState(change.state), "complete")
    end = body.actual_end or utcnow()
    if change.actual_start and end < change.actual_start:
        raise ValidationProblem.field("actual_end", f"is before actual_start {change.actual_start.isoformat()}")
    incidents = [i.priority for i in body.incidents_caused]
    change.actual_end, change.outcome, change.incidents_caused = end, body.outcome.value, incidents
    await _move(uow, change, "complete", actor.sub, body.comment, outcome=body.outcome.value)
    others = uow.repo(Collaborators)
    team = await others.team_of(change)
    await uow.record(ChangeImplemented(
        id=change.id, type=change.type, outcome=change.outcome, team=team, assignee_id=change.assignee_id,
        risk=change.risk, affected_cis=change.affected_cis, project_id=change.project_id,
        actual_start=change.actual_start, actual_end=end, incidents_caused=incidents, completed_by=actor.sub,
        state=change.state, title=change.title,
    ), actor=actor.sub)
    await others.apply_outcome(team=team, change_id=change.id, outcome=body.outcome, incident_priorities=incidents,
                               actor=actor.sub)
    return change


async def close_change(uow: UnitOfWork, *, actor: Actor, change: Change, body: CloseRequest) -> Change:
    """Close after review; failed, backed-out and emergency changes need review notes."""
    require_requester_or_manager(actor, change, "close")
    next_state(ChangeType(change.type), ChangeState(change.state), "close")
    notes = body.review_notes if body.review_notes is not None else change.review_notes
    outcome = Outcome(change.outcome) if change.outcome else None
    if review_notes_required(ChangeType(change.type), outcome) and not (notes and notes.strip()):
        why = "an emergency change" if change.type == ChangeType.EMERGENCY else f"a change that {change.outcome}"
        raise ValidationProblem.field("review_notes", f"{why.replace('backed_out', 'was backed out')} needs review "
                                      "notes before it closes")
    change.review_notes, change.closed_at = notes, utcnow()
    await _move(uow, change, "close", actor.sub, body.comment)
    await uow.record(ChangeClosed(
        id=change.id, type=change.type, outcome=change.outcome, closed_by=actor.sub, closed_at=change.closed_at,
        review_notes=notes, state=change.state,
    ), actor=actor.sub)
    return change
