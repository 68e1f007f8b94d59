"""Booking use cases: each writes its rows, its audit row and its event in the caller's unit of work; never commits."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.capacity import (
    BookingConfirmed,
    BookingCreated,
    BookingMoved,
    BookingRejected,
    BookingReleased,
    WeekHours,
)
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import Conflict, Forbidden, InvalidTransition
from tandem_shared.uow import UnitOfWork

from tandem_capacity.availability.service import available_by_person
from tandem_capacity.bookings.models import Booking, BookingWeek
from tandem_capacity.bookings.repository import BookingRepository
from tandem_capacity.bookings.rules import WeekLoad, WeekShare, spread_hours, weekly_load
from tandem_capacity.loads.repository import LoadRepository
from tandem_capacity.loads.service import booking_changed
from tandem_capacity.people.models import Person
from tandem_capacity.people.repository import PersonRepository, TeamRepository
from tandem_capacity.snapshots.repository import mark_snapshot_dirty

ANY_BOOKING_ROLES = ("resource_manager",)  # and admin (Actor.has_any)


async def get_booking(uow: UnitOfWork, booking_id: uuid.UUID) -> Booking:
    """The booking, or 404."""
    return await uow.repo(BookingRepository).get_or_404(booking_id)


def may_change(actor: Actor, booking: Booking) -> bool:
    """Resource managers (and admins) act on every booking; the other booking roles on the bookings they made."""
    return actor.has_any(*ANY_BOOKING_ROLES) or (booking.booked_by is not None and booking.booked_by == actor.sub)


async def booking_to_change(uow: UnitOfWork, *, actor: Actor, booking_id: uuid.UUID, action: str) -> Booking:
    """The booking an actor is to change by hand, or 404; 403 when it is someone else's, before its state counts."""
    booking = await get_booking(uow, booking_id)
    if not may_change(actor, booking):
        raise Forbidden(f"only whoever booked it ({booking.booked_by or 'unknown'}) or a resource manager may "
                        f"{action} this booking", reason="not_owner", required_roles=list(ANY_BOOKING_ROLES))
    return booking


def _weeks(booking: Booking) -> list[WeekHours]:
    return [WeekHours(week=w.week, hours=w.hours) for w in booking.weeks]


class _Keep:
    """Leave this attribute of a moved booking as it is."""


KEEP: Any = _Keep()


async def book(
    uow: UnitOfWork, *, actor: str, person_id: uuid.UUID, source: str, source_id: str, kind: str,
    start: datetime, end: datetime, hours: float, skill: str | None = None, role: str | None = None,
    source_line: str | None = None, weeks: list[WeekShare] | None = None,
) -> Booking:
    """Book a person's hours over a window: spread over its ISO weeks, or as the given week shares."""
    booking = await _book(uow, actor=actor, person_id=person_id, source=source, source_id=source_id, kind=kind,
                          start=start, end=end, hours=hours, skill=skill, role=role, source_line=source_line,
                          weeks=weeks, attach=True)
    assert booking is not None
    return booking


async def add_booking(
    uow: UnitOfWork, *, actor: str, person_id: uuid.UUID, source: str, source_id: str, kind: str,
    start: datetime, end: datetime, hours: float,
) -> None:
    """Book as `book` does, without building the booking's ORM objects (for a consumer's batch that never uses them).

    Later reads in the transaction load the booking from its (buffered, then written) rows like any other.
    """
    await _book(uow, actor=actor, person_id=person_id, source=source, source_id=source_id, kind=kind,
                start=start, end=end, hours=hours, attach=False)


async def _book(
    uow: UnitOfWork, *, actor: str, person_id: uuid.UUID, source: str, source_id: str, kind: str,
    start: datetime, end: datetime, hours: float, attach: bool, skill: str | None = None, role: str | None = None,
    source_line: str | None = None, weeks: list[WeekShare] | None = None,
) -> Booking | None:
    shares = spread_hours(start, end, hours) if weeks is None else weeks
    row = {
        "id": new_id(), "person_id": person_id, "source": source, "source_id": source_id, "kind": kind,
        "start": start, "end": end, "hours": hours, "status": "active", "created_at": utcnow(), "released_at": None,
        "release_reason": None, "skill": skill, "role": role, "source_line": source_line, "booked_by": actor,
        "version": 1,
    }
    booking = await uow.repo(BookingRepository).insert(
        row, [{"booking_id": row["id"], "week": s.week, "hours": s.hours} for s in shares], attach=attach)
    await uow.audit(actor=actor, action="book", entity_type="booking", entity_id=row["id"], to_state=row["status"],
                    detail={"person_id": str(person_id), "source": source, "source_id": source_id, "hours": hours,
                            "kind": kind, "source_line": source_line})
    await uow.record(BookingCreated(
        id=row["id"], person_id=person_id, source=source, source_id=source_id, kind=kind,
        start=start, end=end, hours=hours, weeks=[WeekHours(week=s.week, hours=s.hours) for s in shares],
    ), actor=actor)
    booking_changed(uow, actor=actor, person_id=person_id, added=[(s.week, s.hours) for s in shares])
    mark_snapshot_dirty(uow)
    return booking


async def reject_booking(
    uow: UnitOfWork, *, actor: str, source: str, source_id: str, person_id: uuid.UUID | None, reason: str,
    line_id: uuid.UUID | None = None,
) -> None:
    """Say that what a change or a project's demand line asked for cannot be booked, and why; nothing is booked.

    The event names the person's team and its manager, who should hear of it (the change service alerts them).
    """
    person = await uow.repo(PersonRepository).get(person_id) if person_id is not None else None
    team = await uow.repo(TeamRepository).by_name(person.team) if person is not None else None
    await uow.audit(actor=actor, action="reject_booking", entity_type=source, entity_id=source_id,
                    detail={"person_id": str(person_id) if person_id else None, "reason": reason,
                            "line_id": str(line_id) if line_id else None})
    await uow.record(BookingRejected(
        source=source, source_id=source_id, person_id=person_id, reason=reason, line_id=line_id,
        team=person.team if person is not None else None, manager=team.manager if team is not None else None,
    ), actor=actor)


async def release_booking(uow: UnitOfWork, *, actor: str, booking: Booking, reason: str) -> Booking:
    """Release an active booking; its hours are free again."""
    if booking.status != "active":
        raise InvalidTransition(entity="booking", state=booking.status, action="release", allowed=[])
    booking.status, booking.released_at, booking.release_reason = "released", utcnow(), reason
    await uow.audit(actor=actor, action="release", entity_type="booking", entity_id=booking.id,
                    from_state="active", to_state=booking.status, detail={"reason": reason})
    await uow.record(BookingReleased(
        id=booking.id, person_id=booking.person_id, source=booking.source, source_id=booking.source_id,
        hours=booking.hours, weeks=_weeks(booking), reason=reason,
    ), actor=actor)
    booking_changed(uow, actor=actor, person_id=booking.person_id, removed=[(w.week, w.hours) for w in booking.weeks])
    mark_snapshot_dirty(uow)
    return booking

MOVED_FIELDS = ("person_id", "start", "end", "hours", "kind", "skill", "role")  # what a move can change


def _allowed(booking: Booking) -> list[str]:
    if booking.status != "active":
        return []
    return ["move", "release"] + (["confirm"] if booking.kind == "soft" else [])


async def confirm_booking(uow: UnitOfWork, *, actor: str, booking: Booking) -> Booking:
    """Make a soft (planned) booking hard (confirmed)."""
    if booking.status != "active" or booking.kind != "soft":
        state = booking.status if booking.status != "active" else booking.kind
        raise InvalidTransition(entity="booking", state=state, action="confirm", allowed=_allowed(booking))
    booking.kind = "hard"
    await uow.repo(BookingRepository).flush()
    await uow.audit(actor=actor, action="confirm", entity_type="booking", entity_id=booking.id,
                    from_state="soft", to_state="hard", changes=[{"field": "kind", "old": "soft", "new": "hard"}])
    await uow.record(BookingConfirmed(
        id=booking.id, person_id=booking.person_id, source=booking.source, source_id=booking.source_id,
        confirmed_by=actor), actor=actor)
    return booking


async def move_booking(
    uow: UnitOfWork, *, actor: str, booking: Booking, person_id: uuid.UUID, start: datetime, end: datetime,
    hours: float, reason: str, weeks: list[WeekShare] | None = None, kind: str | None = None,
    skill: str | _Keep | None = KEEP, role: str | _Keep | None = KEEP,
) -> Booking:
    """Give an active booking a new window, person, hours (and kind, skill, role); rebuild its weeks.

    The weeks are spread over the new window, or taken as given. Publishes the old and the new weeks so
    consumers can subtract the one and add the other.
    """
    if booking.status != "active":
        raise InvalidTransition(entity="booking", state=booking.status, action="move", allowed=[])
    shares = spread_hours(start, end, hours) if weeks is None else weeks
    previous = {"person_id": booking.person_id, "start": booking.start, "end": booking.end, "hours": booking.hours,
                "weeks": _weeks(booking), "kind": booking.kind}
    old = history.snapshot(booking, MOVED_FIELDS)
    booking.person_id, booking.start, booking.end, booking.hours = person_id, start, end, hours
    booking.kind = kind or booking.kind
    if not isinstance(skill, _Keep):
        booking.skill = skill
    if not isinstance(role, _Keep):
        booking.role = role
    # In place: a week present before and after keeps its row (same primary key), others go or come.
    wanted = {s.week: s.hours for s in shares}
    for row in list(booking.weeks):
        if row.week in wanted:
            row.hours = wanted.pop(row.week)
        else:
            booking.weeks.remove(row)
    booking.weeks.extend(BookingWeek(week=week, hours=h) for week, h in wanted.items())
    booking.weeks.sort(key=lambda row: row.week)
    await uow.repo(BookingRepository).flush()
    await uow.audit(actor=actor, action="move", entity_type="booking", entity_id=booking.id,
                    from_state="active", to_state="active", detail={
                        "reason": reason,
                        "from": {"person_id": str(previous["person_id"]), "start": previous["start"].isoformat(),
                                 "end": previous["end"].isoformat(), "hours": previous["hours"],
                                 "kind": previous["kind"]},
                        "to": {"person_id": str(person_id), "start": start.isoformat(), "end": end.isoformat(),
                               "hours": hours, "kind": booking.kind}},
                    changes=history.changes(old, history.snapshot(booking, MOVED_FIELDS)))
    await uow.record(BookingMoved(
        id=booking.id, source=booking.source, source_id=booking.source_id, kind=booking.kind,
        person_id=person_id, start=booking.start, end=booking.end, hours=hours, weeks=_weeks(booking),
        previous_person_id=previous["person_id"], previous_start=previous["start"], previous_end=previous["end"],
        previous_hours=previous["hours"], previous_weeks=previous["weeks"], reason=reason,
    ), actor=actor)
    # The old weeks leave the old person's load and the new ones join the new person's (the same person, often).
    booking_changed(uow, actor=actor, person_id=previous["person_id"],
                    removed=[(w.week, w.hours) for w in previous["weeks"]])
    booking_changed(uow, actor=actor, person_id=person_id, added=[(s.week, s.hours) for s in shares])
    mark_snapshot_dirty(uow)
    return booking


async def utilisation(uow: UnitOfWork, person: Person, weeks: list[tuple[str, date]]) -> list[WeekLoad]:
    """The person's booked against available hours in each of the weeks."""
    bookings = uow.repo(BookingRepository)
    booked = await bookings.booked_by_week_and_source(person.id, [key for key, _ in weeks])
    split = (await bookings.booked_split([person.id], weeks[0][0], weeks[-1][0])).get(person.id, {})
    by_kind: dict[tuple[str, str], float] = {}
    for (week, _source, kind), hours in split.items():
        by_kind[(week, kind)] = by_kind.get((week, kind), 0.0) + hours
    available = (await available_by_person(uow.session, [person], weeks))[person.id]
    return weekly_load(weeks, available, booked, by_kind)


async def rebuild_loads(uow: UnitOfWork) -> int:
    """Recompute every person's weekly load from the active bookings (repairs, bulk loads); returns people loaded."""
    return await uow.repo(LoadRepository).replace_all(await uow.repo(BookingRepository).active_hours_by_person())


# Bookings of changes belong to the change's event flow: its reschedule moves them and its cancel releases them.
EVENT_OWNED_SOURCES = ("change",)


def _owned_by_events(booking: Booking, action: str) -> None:
    if booking.source in EVENT_OWNED_SOURCES and booking.status == "active":
        raise Conflict(f"booking {booking.id} belongs to change {booking.source_id}: {action} it by rescheduling or "
                       f"canceling the change, not by hand", source=booking.source, source_id=booking.source_id)


async def release_booking_by_hand(uow: UnitOfWork, *, actor: str, booking: Booking, reason: str) -> Booking:
    """Release a booking through the API: refused for a change's booking while active (the change owns it)."""
    _owned_by_events(booking, "release")
    return await release_booking(uow, actor=actor, booking=booking, reason=reason)


async def move_booking_by_hand(
    uow: UnitOfWork, *, actor: str, booking: Booking, person_id: uuid.UUID, start: datetime, end: datetime,
    hours: float, reason: str,
) -> Booking:
    """Move a booking through the API: refused for a change's booking while active (the change owns it)."""
    _owned_by_events(booking, "move")
    return await move_booking(uow, actor=actor, booking=booking, person_id=person_id, start=start, end=end,
                              hours=hours, reason=reason)
