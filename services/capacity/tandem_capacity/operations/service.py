"""Run work and on-call rotations: each definition keeps its bookings (source operations) in step with it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.errors import Forbidden, ValidationProblem
from tandem_shared.repository import record_audit
from tandem_shared.uow import UnitOfWork

from tandem_capacity.bookings.rules import WeekShare
from tandem_capacity.bookings.sync import Planned, sync_bookings
from tandem_capacity.bookings.weekly import per_week, rotation_turns, split, whole_weeks_window, window
from tandem_capacity.operations.models import Rotation, RunWork
from tandem_capacity.operations.repository import RotationRepository, RunWorkRepository
from tandem_capacity.operations.schemas import RotationWrite, RunWorkWrite
from tandem_capacity.people.repository import PersonRepository

OPERATIONS = "operations"
REGENERATED = "operations definition changed"
DELETED = "operations definition deleted"
ANY_DEFINITION_ROLES = ("resource_manager",)  # and admin; service owners change the definitions they made


async def _run_work_plan(session: AsyncSession, work: RunWork) -> dict[str, Planned]:
    """One booking per person: the person's own, or an even share of the team's hours for each member."""
    if work.person_id is not None:
        people = [work.person_id]
    else:
        people = [p.id for p in await RunWorkRepository(session).team_members(work.team or "")]
        if not people:
            raise ValidationProblem.field("team", f"team {work.team!r} has no people to book")
    start, end = window(work.start, work.end)
    plan = {}
    for person_id, share in zip(people, split(work.hours_per_week, len(people)), strict=True):
        plan[str(person_id)] = Planned(person_id=person_id, start=start, end=end,
                                       weeks=per_week(work.start, work.end, share), kind=work.kind, role="run work")
    return plan


def _rotation_plan(rotation: Rotation) -> dict[str, Planned]:
    """One booking per turn: the member's whole on-call weeks at `hours_per_week` each."""
    plan = {}
    for turn in rotation_turns(rotation.start, rotation.end, len(rotation.members), rotation.rotation_weeks):
        start, end = whole_weeks_window(turn.weeks)
        plan[turn.key] = Planned(person_id=uuid.UUID(str(rotation.members[turn.member_index])), start=start, end=end,
                                 weeks=[WeekShare(key, rotation.hours_per_week) for key, _ in turn.weeks],
                                 kind=rotation.kind, role="on-call")
    return plan


async def _sync(session: AsyncSession, actor: str, item: RunWork | Rotation, plan: dict[str, Planned],
                reason: str = REGENERATED) -> None:
    await sync_bookings(UnitOfWork.of(session), actor=actor, source=OPERATIONS, source_id=str(item.id), planned=plan,
                        moved_reason=reason, released_reason=reason)


async def _check_people(session: AsyncSession, field: str, people: list[uuid.UUID]) -> None:
    known = PersonRepository(session)
    for index, person_id in enumerate(people):
        if not await known.exists(person_id):
            name = field if len(people) == 1 and field == "person_id" else f"{field}.{index}"
            raise ValidationProblem.field(name, f"no person with id {person_id}")


def require_definer(actor: Actor, item: RunWork | Rotation, action: str) -> None:
    """403 unless the actor defined the run work or rotation, or is a resource manager (or admin)."""
    if not (actor.has_any(*ANY_DEFINITION_ROLES) or actor.sub == item.created_by):
        noun = "run work" if isinstance(item, RunWork) else "rotation"
        raise Forbidden(f"only whoever defined it ({item.created_by}) or a resource manager may {action} this {noun}",
                        reason="not_owner", required_roles=list(ANY_DEFINITION_ROLES))


def _audit_detail(body: RunWorkWrite | RotationWrite) -> dict:
    return body.model_dump(mode="json")


async def save_run_work(session: AsyncSession, *, actor: Actor, body: RunWorkWrite,
                        work: RunWork | None = None) -> RunWork:
    """Create or redefine run work and regenerate its bookings (unchanged weeks stay untouched)."""
    if work is not None:
        require_definer(actor, work, "redefine")
    if body.person_id is not None:
        await _check_people(session, "person_id", [body.person_id])
    values = body.model_dump()
    before = {} if work is None else history.snapshot(work, values)
    if work is None:
        work = await RunWorkRepository(session).add(RunWork(created_by=actor.sub, **values))
    else:
        for key, value in values.items():
            setattr(work, key, value)
        await session.flush()
    await record_audit(session, actor=actor.sub, action="define", entity_type="run_work", entity_id=work.id,
                       detail=_audit_detail(body), changes=history.changes(before, history.snapshot(work, values)))
    await _sync(session, actor.sub, work, await _run_work_plan(session, work))
    return work


async def save_rotation(session: AsyncSession, *, actor: Actor, body: RotationWrite,
                        rotation: Rotation | None = None) -> Rotation:
    """Create or redefine a rotation and regenerate its bookings (unchanged turns stay untouched)."""
    if rotation is not None:
        require_definer(actor, rotation, "redefine")
    await _check_people(session, "members", body.members)
    values = {**body.model_dump(), "members": [str(m) for m in body.members]}
    before = {} if rotation is None else history.snapshot(rotation, values)
    if rotation is None:
        rotation = await RotationRepository(session).add(Rotation(created_by=actor.sub, **values))
    else:
        for key, value in values.items():
            setattr(rotation, key, value)
        await session.flush()
    await record_audit(session, actor=actor.sub, action="define", entity_type="rotation", entity_id=rotation.id,
                       detail=_audit_detail(body),
                       changes=history.changes(before, history.snapshot(rotation, values)))
    await _sync(session, actor.sub, rotation, _rotation_plan(rotation))
    return rotation


async def delete(session: AsyncSession, *, actor: Actor, item: RunWork | Rotation) -> None:
    """Delete a definition and release its bookings (they stay as history)."""
    require_definer(actor, item, "delete")
    await _sync(session, actor.sub, item, {}, DELETED)
    noun = "run_work" if isinstance(item, RunWork) else "rotation"
    await record_audit(session, actor=actor.sub, action="delete", entity_type=noun, entity_id=item.id)
    await session.delete(item)
    await session.flush()
