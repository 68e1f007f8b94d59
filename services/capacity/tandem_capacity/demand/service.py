"""Project demand in capacity: named lines become bookings, the others role requests; deferral releases all."""

from __future__ import annotations

import uuid
from typing import Any

from tandem_shared import history
from tandem_shared.bounds import horizon
from tandem_shared.contracts.portfolio import ProjectDemandPlanned, ResourceDemand
from tandem_shared.errors import InvalidTransition, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_capacity.bookings import service
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.bookings.rules import days_unbookable
from tandem_capacity.bookings.sync import Planned, sync_bookings
from tandem_capacity.bookings.weekly import per_week, window
from tandem_capacity.demand.models import RoleRequest
from tandem_capacity.demand.repository import RoleRequestRepository
from tandem_capacity.people.repository import PersonRepository
from tandem_capacity.snapshots.repository import mark_snapshot_dirty

PROJECT = "project"
REPLANNED = "project demand re-planned"
REMOVED = "removed from the project's demand"


def _planned(line: ResourceDemand | RoleRequest, person_id: uuid.UUID) -> Planned:
    start, end = window(line.start, line.end)
    return Planned(person_id=person_id, start=start, end=end, weeks=per_week(line.start, line.end, line.hours_per_week),
                   kind=line.kind, skill=line.skill, role=line.role)


def _same_skill(request: RoleRequest, line: ResourceDemand) -> bool:
    return ((request.skill or "").casefold(), request.min_proficiency) == (
        (line.skill or "").casefold(), line.min_proficiency)


async def _set(uow: UnitOfWork, request: RoleRequest, actor: str, action: str, **values: Any) -> None:
    """Change the request's fields that differ, and audit the change (nothing when nothing differs)."""
    changed = {k: v for k, v in values.items() if getattr(request, k) != v}
    if not changed:
        return
    before = request.status
    old = history.snapshot(request, changed)
    for key, value in changed.items():
        setattr(request, key, value)
    await uow.repo(RoleRequestRepository).flush()
    await uow.audit(actor=actor, action=action, entity_type="role_request", entity_id=request.id,
                    from_state=before, to_state=request.status,
                    detail={k: str(v) if v is not None else None for k, v in changed.items()},
                    changes=history.changes(old, history.snapshot(request, old)))
    mark_snapshot_dirty(uow)


def _line_fields(line: ResourceDemand) -> dict[str, Any]:
    return {"role": line.role, "skill": line.skill, "min_proficiency": line.min_proficiency,
            "hours_per_week": line.hours_per_week, "start": line.start, "end": line.end, "kind": line.kind}


async def apply_plan(uow: UnitOfWork, *, actor: str, plan: ProjectDemandPlanned) -> None:
    """Make the project's bookings and role requests match its latest plan (idempotent)."""
    requests = uow.repo(RoleRequestRepository)
    people = uow.repo(PersonRepository)
    existing = {r.line_id: r for r in await requests.for_project(plan.project_id)}
    planned: dict[str, Planned] = {}
    bounds = horizon()
    for line in plan.demands:
        reason = days_unbookable(line.start, line.end, line.hours_per_week, horizon=bounds)
        if reason is not None:
            # Said, not dead-lettered: the rest of the plan is booked, and portfolio learns which line was not.
            await service.reject_booking(uow, actor=actor, source=PROJECT, source_id=str(plan.project_id),
                                         person_id=line.person_id, reason=reason, line_id=line.id)
            continue
        request = existing.get(line.id)
        if line.person_id is not None and await people.exists(line.person_id):
            planned[str(line.id)] = _planned(line, line.person_id)
            if request is not None and request.status != "canceled":
                await _set(uow, request, actor, "cancel", status="canceled", person_id=None, booking_id=None)
            continue
        # No person, or one capacity does not know (portfolio cannot check): the line waits for an assignment.
        if request is None:
            request = await requests.add(RoleRequest(
                project_id=plan.project_id, project_name=plan.project_name, line_id=line.id, status="open",
                created_by=actor, **_line_fields(line)))
            await uow.audit(actor=actor, action="request", entity_type="role_request",
                            entity_id=request.id, to_state="open",
                            detail={"project_id": str(plan.project_id), "line_id": str(line.id),
                                    "unknown_person_id": str(line.person_id) if line.person_id else None})
            mark_snapshot_dirty(uow)
        elif request.status == "filled" and _same_skill(request, line):
            # The assigned person keeps the line; their booking follows its new window and hours.
            planned[str(line.id)] = _planned(line, request.person_id)
            await _set(uow, request, actor, "replan", **_line_fields(line))
        else:
            await _set(uow, request, actor, "reopen" if request.status != "open" else "replan",
                       status="open", person_id=None, booking_id=None, **_line_fields(line))
        if request.project_name != plan.project_name:
            request.project_name = plan.project_name
    wanted = {line.id for line in plan.demands}
    for line_id, request in existing.items():
        if line_id not in wanted and request.status != "canceled":
            await _set(uow, request, actor, "cancel", status="canceled", person_id=None, booking_id=None)
    result = await sync_bookings(uow, actor=actor, source=PROJECT, source_id=str(plan.project_id),
                                 planned=planned, moved_reason=REPLANNED, released_reason=REMOVED)
    for request in existing.values():
        if request.status == "filled":
            booking = result.booking(str(request.line_id))
            request.booking_id = booking.id if booking is not None else request.booking_id


async def release_project(uow: UnitOfWork, *, actor: str, project_id: uuid.UUID, reason: str) -> None:
    """Release every active booking of the project and cancel its open and filled role requests."""
    for booking in await uow.repo(BookingRepository).active_for_source(PROJECT, str(project_id)):
        await service.release_booking(uow, actor=actor, booking=booking, reason=reason)
    for request in await uow.repo(RoleRequestRepository).for_project(project_id):
        if request.status != "canceled":
            await _set(uow, request, actor, "cancel", status="canceled", person_id=None, booking_id=None)


async def assign(uow: UnitOfWork, *, actor: str, request: RoleRequest, person_id: uuid.UUID) -> RoleRequest:
    """Fill an open role request with a person who has the skill at the required proficiency; book them."""
    if request.status != "open":
        raise InvalidTransition(entity="role request", state=request.status, action="assign", allowed=[])
    person = await uow.repo(PersonRepository).get(person_id)
    if person is None:
        raise ValidationProblem.field("person_id", f"no person with id {person_id}")
    if request.skill:
        held = {s.name.casefold(): s.proficiency for s in person.skills}.get(request.skill.casefold(), 0)
        if held < request.min_proficiency:
            raise ValidationProblem.field(
                "person_id", f"{person.name} has {request.skill} at proficiency {held}; "
                f"the request needs at least {request.min_proficiency}")
    plan = _planned(request, person.id)
    booking = await service.book(
        uow, actor=actor, person_id=person.id, source=PROJECT, source_id=str(request.project_id),
        kind=plan.kind, start=plan.start, end=plan.end, hours=plan.hours, skill=plan.skill, role=plan.role,
        source_line=str(request.line_id), weeks=plan.weeks)
    await _set(uow, request, actor, "assign", status="filled", person_id=person.id, booking_id=booking.id)
    return request
