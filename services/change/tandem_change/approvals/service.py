"""Approval use cases: groups, policies, opening a change's steps, recording votes, the CAB agenda."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.change import ApprovalVoteCast
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict, Forbidden, NotFound, ValidationProblem
from tandem_shared.quorum import QuorumKind, StepState, evaluate, reachable
from tandem_shared.repository import record_audit
from tandem_shared.uow import record_event

from tandem_change.approvals.models import (
    ApprovalPolicy,
    ApprovalPolicyStep,
    ApproverGroup,
    ChangeApprovalStep,
    ChangeApprovalVote,
)
from tandem_change.approvals.repository import (
    ApprovalPolicyRepository,
    ApproverGroupRepository,
    ChangeApprovalRepository,
)
from tandem_change.approvals.schemas import (
    AgendaItem,
    ApprovalPolicyCreate,
    ApprovalPolicyRead,
    ApprovalPolicyUpdate,
    ApprovalsRead,
    ApproverGroupCreate,
    ApproverGroupRead,
    ApproverGroupUpdate,
    PolicyStepIn,
    PolicyStepRead,
    StepRead,
    VoteRead,
)
from tandem_change.record.models import Change

ADMIN_ROLES = ("admin", "change_manager")
OPEN_STEP_STATES = (StepState.PENDING.value, StepState.WAITING.value)


# --- approver groups ---------------------------------------------------------------------------------

async def group_read(session: AsyncSession, group: ApproverGroup) -> ApproverGroupRead:
    """A group with its members."""
    members = (await ApproverGroupRepository(session).members([group.id]))[group.id]
    return ApproverGroupRead(id=group.id, name=group.name, description=group.description, members=members,
                             version=group.version, created_at=group.created_at)


async def create_group(session: AsyncSession, *, actor: Actor, body: ApproverGroupCreate) -> ApproverGroup:
    """Create an approver group with its members."""
    repo = ApproverGroupRepository(session)
    if await repo.by_name(body.name):
        raise Conflict(f"an approver group named {body.name!r} exists")
    group = await repo.add(ApproverGroup(name=body.name, description=body.description))
    await repo.set_members(group.id, body.members)
    await record_audit(session, actor=actor.sub, action="create", entity_type="approver_group", entity_id=group.id,
                       detail={"members": list(dict.fromkeys(body.members))})
    return group


async def update_group(session: AsyncSession, *, actor: Actor, group: ApproverGroup,
                       body: ApproverGroupUpdate) -> ApproverGroup:
    """Rename, describe or replace the members of a group (open steps keep the voters they froze)."""
    repo = ApproverGroupRepository(session)
    fields = body.model_dump(exclude_unset=True)
    if fields.get("name") and fields["name"] != group.name and await repo.by_name(fields["name"]):
        raise Conflict(f"an approver group named {fields['name']!r} exists")
    if "name" in fields and fields["name"] is None:
        raise ValidationProblem.field("name", "cannot be null")
    before = history.snapshot(group, [f for f in ("name", "description") if f in fields])
    for name in ("name", "description"):
        if name in fields:
            setattr(group, name, fields[name])
    if body.members is not None:
        before["members"] = sorted((await repo.members([group.id])).get(group.id, []))
        await repo.set_members(group.id, body.members)
    flag_modified(group, "name")  # a new member list is a new version of the group too
    await session.flush()
    after = history.snapshot(group, [f for f in before if f != "members"])
    if body.members is not None:
        after["members"] = sorted(dict.fromkeys(body.members))
    await record_audit(session, actor=actor.sub, action="update", entity_type="approver_group", entity_id=group.id,
                       detail=dict(fields), changes=history.changes(before, after))
    return group


async def add_member(session: AsyncSession, *, actor: Actor, group: ApproverGroup, member: str) -> None:
    """Add one member (idempotent)."""
    repo = ApproverGroupRepository(session)
    members = (await repo.members([group.id]))[group.id]
    if member not in members:
        await repo.set_members(group.id, [*members, member])
        await record_audit(session, actor=actor.sub, action="add_member", entity_type="approver_group",
                           entity_id=group.id, detail={"member": member})


async def remove_member(session: AsyncSession, *, actor: Actor, group: ApproverGroup, member: str) -> None:
    """Remove one member, or 404 when they are not in the group."""
    if not await ApproverGroupRepository(session).remove_member(group.id, member):
        raise NotFound(f"{member!r} is not a member of {group.name!r}")
    await record_audit(session, actor=actor.sub, action="remove_member", entity_type="approver_group",
                       entity_id=group.id, detail={"member": member})


# --- approval policies -------------------------------------------------------------------------------

async def policy_read(session: AsyncSession, policy: ApprovalPolicy) -> ApprovalPolicyRead:
    steps = (await ApprovalPolicyRepository(session).steps([policy.id]))[policy.id]
    return ApprovalPolicyRead(id=policy.id, name=policy.name, change_type=policy.change_type, risk=policy.risk,
                              position=policy.position, active=policy.active, version=policy.version,
                              steps=[PolicyStepRead.model_validate(s) for s in steps])


async def _policy_steps(session: AsyncSession, policy_id: uuid.UUID,
                        steps: list[PolicyStepIn]) -> list[ApprovalPolicyStep]:
    known = await ApproverGroupRepository(session).existing([s.group_id for s in steps])
    for index, step in enumerate(steps):
        if step.group_id not in known:
            raise ValidationProblem.field(f"steps.{index}.group_id", f"no approver group {step.group_id}")
    return [ApprovalPolicyStep(policy_id=policy_id, position=i, group_id=s.group_id, quorum_kind=s.quorum_kind.value,
                               quorum_value=s.quorum_value) for i, s in enumerate(steps, start=1)]


async def create_policy(session: AsyncSession, *, actor: Actor, body: ApprovalPolicyCreate) -> ApprovalPolicy:
    """Create an approval policy with its steps."""
    repo = ApprovalPolicyRepository(session)
    if await repo.by_name(body.name):
        raise Conflict(f"an approval policy named {body.name!r} exists")
    policy = ApprovalPolicy(id=uuid.uuid4(), name=body.name, change_type=body.change_type.value,
                            risk=body.risk.value if body.risk else None, position=body.position, active=body.active)
    steps = await _policy_steps(session, policy.id, body.steps)
    await repo.add(policy)
    await repo.replace_steps(policy.id, steps)
    await record_audit(session, actor=actor.sub, action="create", entity_type="approval_policy", entity_id=policy.id,
                       detail=body.model_dump(mode="json"))
    return policy


async def update_policy(session: AsyncSession, *, actor: Actor, policy: ApprovalPolicy,
                        body: ApprovalPolicyUpdate) -> ApprovalPolicy:
    """Change a policy; new steps apply to changes assessed from now on."""
    fields = body.model_dump(exclude_unset=True, mode="json")
    for name in ("name", "change_type", "position", "active"):
        if name in fields and fields[name] is None:
            raise ValidationProblem.field(name, "cannot be null")
    repo = ApprovalPolicyRepository(session)
    if fields.get("name") and fields["name"] != policy.name and await repo.by_name(fields["name"]):
        raise Conflict(f"an approval policy named {fields['name']!r} exists")
    before = history.snapshot(policy, [f for f in ("name", "change_type", "risk", "position", "active") if f in fields])
    for name in ("name", "change_type", "risk", "position", "active"):
        if name in fields:
            setattr(policy, name, fields[name])
    if body.steps is not None:
        await repo.replace_steps(policy.id, await _policy_steps(session, policy.id, body.steps))
        flag_modified(policy, "name")  # new steps are a new version of the policy
    await session.flush()
    diff = history.changes(before, history.snapshot(policy, before))
    if body.steps is not None:
        diff.append({"field": "steps", "old": None, "new": fields["steps"]})
    await record_audit(session, actor=actor.sub, action="update", entity_type="approval_policy", entity_id=policy.id,
                       detail=fields, changes=diff)
    return policy


# --- a change's approval steps -----------------------------------------------------------------------

async def open_steps(session: AsyncSession, *, change: Change, risk: str | None,
                     excluded_voters: Collection[str]) -> ApprovalPolicy:
    """Instantiate the matching policy's steps for a new approval round and open the first one.

    The eligible voters of each step are the group's members now, less the requester and the assignee;
    a step whose quorum these voters could never reach is refused up front (409) rather than left hanging.
    """
    policies = ApprovalPolicyRepository(session)
    policy = await policies.matching(change.type, risk)
    if policy is None:
        raise Conflict(f"no active approval policy matches a {change.type} change of {risk or 'any'} risk; "
                       "add one at /change/v1/approval-policies")
    steps = (await policies.steps([policy.id]))[policy.id]
    if not steps:
        raise Conflict(f"approval policy {policy.name!r} has no steps")
    groups = ApproverGroupRepository(session)
    members = await groups.members([s.group_id for s in steps])
    round_ = change.approval_round + 1
    now = utcnow()
    for step in steps:
        group = await groups.get_or_404(step.group_id)
        voters = [m for m in members[step.group_id] if m not in excluded_voters]
        if not reachable(QuorumKind(step.quorum_kind), step.quorum_value, len(voters)):
            raise Conflict(f"approver group {group.name!r} has {len(voters)} eligible member(s) (the requester and "
                           f"the assignee never vote), too few for its quorum of {step.quorum_value}"
                           f"{' %' if step.quorum_kind == QuorumKind.PERCENTAGE else ''}; add members first")
        first = step.position == steps[0].position
        session.add(ChangeApprovalStep(
            change_id=change.id, round=round_, position=step.position, group_id=group.id, group_name=group.name,
            quorum_kind=step.quorum_kind, quorum_value=step.quorum_value, voters=voters,
            state=(StepState.WAITING if first else StepState.PENDING).value, opened_at=now if first else None))
    change.approval_round = round_
    change.approval_policy_id = policy.id
    await session.flush()
    return policy


async def current_step(session: AsyncSession, change: Change) -> ChangeApprovalStep | None:
    """The open (waiting) step of the change's current round, if any."""
    steps = await ChangeApprovalRepository(session).steps(change.id, change.approval_round)
    return next((s for s in steps if s.state == StepState.WAITING.value), None)


async def cancel_open_steps(session: AsyncSession, change: Change) -> int:
    """Cancel the pending and waiting steps of the current round; return how many."""
    steps = await ChangeApprovalRepository(session).steps(change.id, change.approval_round)
    now = utcnow()
    canceled = 0
    for step in steps:
        if step.state in OPEN_STEP_STATES:
            step.state, step.decided_at = StepState.CANCELED.value, now
            canceled += 1
    return canceled


async def is_approver(session: AsyncSession, sub: str, change: Change) -> bool:
    """True when the subject may vote on some change: a member of an approver group, or frozen on one of this
    change's steps (members keep the seats they had when a step opened)."""
    if await ApproverGroupRepository(session).has_member(sub):
        return True
    return any(sub in step.voters for step in await ChangeApprovalRepository(session).steps(change.id))


async def record_vote(session: AsyncSession, *, actor: Actor, change: Change, step: ChangeApprovalStep,
                      decision: str, comment: str | None) -> StepState:
    """Record a member's vote on the open step, decide the step, open the next one; return the step's state.

    The caller moves the change: every step accepted → scheduled; a refused step → rejected.
    """
    if actor.sub not in step.voters:
        raise Forbidden(f"only the eligible members of {step.group_name!r} vote on this step",
                        eligible_voters=step.voters)
    repo = ChangeApprovalRepository(session)
    if await repo.has_voted(step.id, actor.sub):
        raise Conflict(f"{actor.sub} already voted on this step of {step.group_name!r}")
    vote = ChangeApprovalVote(step_id=step.id, change_id=change.id, voter=actor.sub, decision=decision,
                              comment=comment)
    session.add(vote)
    await session.flush()
    votes = (await repo.votes([step.id]))[step.id]
    state = evaluate(QuorumKind(step.quorum_kind), step.quorum_value, voters=len(step.voters),
                     approvals=sum(v.decision == "approve" for v in votes),
                     rejections=sum(v.decision == "reject" for v in votes))
    now = utcnow()
    if state is not StepState.WAITING:
        step.state, step.decided_at = state.value, now
    if state is StepState.ACCEPTED:
        later = [s for s in await repo.steps(change.id, change.approval_round) if s.state == StepState.PENDING.value]
        if later:
            later[0].state, later[0].opened_at = StepState.WAITING.value, now
    await record_audit(session, actor=actor.sub, action=f"vote_{decision}", entity_type="change", entity_id=change.id,
                       from_state=change.state, to_state=change.state,
                       detail={"step": step.position, "round": step.round, "group": step.group_name,
                               "step_state": state.value, **({"comment": comment} if comment else {})})
    await record_event(session, ApprovalVoteCast(
        id=vote.id, change_id=change.id, step_id=step.id, round=step.round, step_position=step.position,
        approver_group=step.group_name, voter=actor.sub, decision=decision, comment=comment, step_state=state.value,
    ), actor=actor.sub)
    return state


async def _step_reads(session: AsyncSession, steps: list[ChangeApprovalStep]) -> list[StepRead]:
    votes = await ChangeApprovalRepository(session).votes([s.id for s in steps])
    return [StepRead(
        id=s.id, round=s.round, position=s.position, group_id=s.group_id, approver_group=s.group_name,
        quorum_kind=s.quorum_kind, quorum_value=s.quorum_value, voters=s.voters, state=s.state,
        approvals=sum(v.decision == "approve" for v in votes[s.id]),
        rejections=sum(v.decision == "reject" for v in votes[s.id]), opened_at=s.opened_at, decided_at=s.decided_at,
        votes=[VoteRead.model_validate(v) for v in votes[s.id]],
    ) for s in steps]


async def approvals_view(session: AsyncSession, change: Change) -> ApprovalsRead:
    """Every step and vote of a change, and the state of its current round."""
    steps = await _step_reads(session, await ChangeApprovalRepository(session).steps(change.id))
    current = [s for s in steps if s.round == change.approval_round]
    if change.type == "standard" and change.approved_at is not None:
        state = "pre_authorised"
    elif not current:
        state = "not_started"
    elif any(s.state == StepState.REFUSED for s in current):
        state = "refused"
    elif all(s.state == StepState.ACCEPTED for s in current):
        state = "accepted"
    elif any(s.state == StepState.CANCELED for s in current):
        state = "canceled"
    else:
        state = "waiting"
    return ApprovalsRead(
        change_id=change.id, change_state=change.state, risk=change.risk, approval_policy_id=change.approval_policy_id,
        round=change.approval_round, state=state,
        current_step=next((s for s in current if s.state == StepState.WAITING), None), steps=steps)


async def agenda(session: AsyncSession, start: datetime, end: datetime, limit: int) -> list[AgendaItem]:
    """Changes awaiting authorisation with a planned start in [start, end), with their open step and votes."""
    repo = ChangeApprovalRepository(session)
    changes = await repo.awaiting_authorisation(start, end, limit)
    raw_steps = await repo.steps_of([c.id for c in changes])
    by_change = {c.id: c for c in changes}
    open_step: dict[uuid.UUID, StepRead] = {}
    for raw, read in zip(raw_steps, await _step_reads(session, raw_steps), strict=True):
        if raw.round == by_change[raw.change_id].approval_round and read.state == StepState.WAITING:
            open_step[raw.change_id] = read
    return [AgendaItem(change_id=c.id, title=c.title, type=c.type, requested_by=c.requested_by,
                       planned_start=c.planned_start, planned_end=c.planned_end, risk=c.risk,
                       risk_explanation=c.risk_explanation, current_step=open_step.get(c.id)) for c in changes]
