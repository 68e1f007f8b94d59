"""Capacity use cases: each writes its rows, its audit row and its event in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.capacity import (
    BookingConfirmed,
    BookingCreated,
    BookingMoved,
    BookingReleased,
    PersonCreated,
    Skill,
    WeekHours,
)
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import Conflict, InvalidTransition
from tandem_shared.uow import record_event
from tandem_shared.repository import record_audit
from tandem_shared.uow import insert_row

from tandem_capacity.domain.allocation import WeekLoad, WeekShare, spread_hours, weekly_load
from tandem_capacity.models import Booking, BookingWeek, Person, PersonSkill
from tandem_capacity.outlook.repository import mark_snapshot_dirty
from tandem_capacity.repository import BookingRepository, PersonRepository
from tandem_capacity.schemas import PersonCreate
from tandem_capacity.supply.availability import available_by_person
from tandem_capacity.supply.catalogue import catalogue
from tandem_capacity.views.checks import booking_changed
from tandem_capacity.views.repository import ViewRepository


async def get_person(session: AsyncSession, person_id: uuid.UUID) -> Person:
    """The person, or 404."""
    return await PersonRepository(session).get_or_404(person_id)


async def create_person(session: AsyncSession, *, actor: Actor, body: PersonCreate) -> Person:
    """Add a person to the capacity pool and announce them to the other services."""
    people = PersonRepository(session)
    await catalogue(session, team=body.team, skills=[s.name for s in body.skills])
    taken = Conflict(f"a person with email {body.email} already exists",
                     errors=[{"field": "email", "message": "already used by another person"}])
    if body.email and await people.email_taken(body.email):
        raise taken
    try:
        person = await people.add(Person(
            name=body.name, email=body.email, team=body.team, weekly_hours=body.weekly_hours, created_by=actor.sub,
            location=body.location, cost_rate=body.cost_rate.amount if body.cost_rate else None,
            cost_currency=body.cost_rate.currency if body.cost_rate else None,
            skills=[PersonSkill(name=s.name, proficiency=s.proficiency)
                    for s in sorted(body.skills, key=lambda s: s.name.casefold())],
        ))
    except IntegrityError as exc:
        # A concurrent create took the email between the check and the insert.
        raise taken from exc
    await record_audit(session, actor=actor.sub, action="create", entity_type="person", entity_id=person.id,
                       detail={"team": person.team, "weekly_hours": person.weekly_hours})
    await record_event(session, PersonCreated(
        id=person.id, name=person.name, email=person.email, team=person.team,
        skills=[Skill(name=s.name, proficiency=s.proficiency) for s in person.skills],
        weekly_hours=person.weekly_hours,
    ), actor=actor.sub)
    return person


async def get_booking(session: AsyncSession, booking_id: uuid.UUID) -> Booking:
    """The booking, or 404."""
    return await BookingRepository(session).get_or_404(booking_id)


def _weeks(booking: Booking) -> list[WeekHours]:
    return [WeekHours(week=w.week, hours=w.hours) for w in booking.weeks]


class _Keep:
    """Leave this attribute of a moved booking as it is."""


KEEP: Any = _Keep()


async def _insert_booking(session: AsyncSession, row: dict[str, Any], shares: list[WeekShare], *,
                          attach: bool = True) -> Booking | None:
    """Insert a booking and its weeks as plain rows (buffered in a consumer's batch) and return it as persistent.

    The ORM's unit of work costs more than the rest of applying an approval; the rows go out as one multi-row
    insert per batch instead, and the object joins the session as if loaded, so later changes are UPDATEs.
    """
    await insert_row(session, Booking.__table__, row)
    week_rows = [{"booking_id": row["id"], "week": s.week, "hours": s.hours} for s in shares]
    for week_row in week_rows:
        await insert_row(session, BookingWeek.__table__, week_row)
    if not attach:
        return None
    booking = Booking(**row)
    weeks = [BookingWeek(**week_row) for week_row in week_rows]
    for entity in (booking, *weeks):
        make_transient_to_detached(entity)
    set_committed_value(booking, "weeks", weeks)
    session.add(booking)
    return booking


async def book(
    session: AsyncSession, *, actor: str, person_id: uuid.UUID, source: str, source_id: str, kind: str,
    start: datetime, end: datetime, hours: float, skill: str | None = None, role: str | None = None,
    source_line: str | None = None, weeks: list[WeekShare] | None = None,
) -> Booking:
    """Book a person's hours over a window: spread over its ISO weeks, or as the given week shares."""
    booking = await _book(session, actor=actor, person_id=person_id, source=source, source_id=source_id, kind=kind,
                          start=start, end=end, hours=hours, skill=skill, role=role, source_line=source_line,
                          weeks=weeks, attach=True)
    assert booking is not None
    return booking


async def add_booking(
    session: AsyncSession, *, actor: str, person_id: uuid.UUID, source: str, source_id: str, kind: str,
    start: datetime, end: datetime, hours: float,
) -> None:
    """Book as `book` does, without building the booking's ORM objects (for a consumer's batch that never uses them).

    Later reads in the transaction load the booking from its (buffered, then written) rows like any other.
    """
    await _book(session, actor=actor, person_id=person_id, source=source, source_id=source_id, kind=kind,
                start=start, end=end, hours=hours, attach=False)


async def _book(
    session: AsyncSession, *, actor: str, person_id: uuid.UUID, source: str, source_id: str, kind: str,
    start: datetime, end: datetime, hours: float, attach: bool, skill: str | None = None, role: str | None = None,
    source_line: str | None = None, weeks: list[WeekShare] | None = None,
) -> Booking | None:
    shares = spread_hours(start, end, hours) if weeks is None else weeks
    row = {
        "id": new_id(), "person_id": person_id, "source": source, "source_id": source_id, "kind": kind,
        "start": start, "end": end, "hours": hours, "status": "active", "created_at": utcnow(), "released_at": None,
        "release_reason": None, "skill": skill, "role": role, "source_line": source_line, "version": 1,
    }
    booking = await _insert_booking(session, row, shares, attach=attach)
    await record_audit(session, actor=actor, action="book", entity_type="booking", entity_id=row["id"],
                       to_state=row["status"], detail={
                           "person_id": str(person_id), "source": source, "source_id": source_id, "hours": hours,
                           "kind": kind, "source_line": source_line})
    await record_event(session, BookingCreated(
        id=row["id"], person_id=person_id, source=source, source_id=source_id, kind=kind,
        start=start, end=end, hours=hours, weeks=[WeekHours(week=s.week, hours=s.hours) for s in shares],
    ), actor=actor)
    await booking_changed(session, actor=actor, person_id=person_id, added=[(s.week, s.hours) for s in shares])
    await mark_snapshot_dirty(session)
    return booking


async def release_booking(session: AsyncSession, *, actor: str, booking: Booking, reason: str) -> Booking:
    """Release an active booking; its hours are free again."""
    if booking.status != "active":
        raise InvalidTransition(entity="booking", state=booking.status, action="release", allowed=[])
    booking.status, booking.released_at, booking.release_reason = "released", utcnow(), reason
    await record_audit(session, actor=actor, action="release", entity_type="booking", entity_id=booking.id,
                       from_state="active", to_state=booking.status, detail={"reason": reason})
    await record_event(session, BookingReleased(
        id=booking.id, person_id=booking.person_id, source=booking.source, source_id=booking.source_id,
        hours=booking.hours, weeks=_weeks(booking), reason=reason,
    ), actor=actor)
    await booking_changed(session, actor=actor, person_id=booking.person_id,
                          removed=[(w.week, w.hours) for w in booking.weeks])
    await mark_snapshot_dirty(session)
    return booking


def _allowed(booking: Booking) -> list[str]:
    if booking.status != "active":
        return []
    return ["move", "release"] + (["confirm"] if booking.kind == "soft" else [])


async def confirm_booking(session: AsyncSession, *, actor: str, booking: Booking) -> Booking:
    """Make a soft (planned) booking hard (confirmed)."""
    if booking.status != "active" or booking.kind != "soft":
        state = booking.status if booking.status != "active" else booking.kind
        raise InvalidTransition(entity="booking", state=state, action="confirm", allowed=_allowed(booking))
    booking.kind = "hard"
    await session.flush()
    await record_audit(session, actor=actor, action="confirm", entity_type="booking", entity_id=booking.id,
                       from_state="soft", to_state="hard")
    await record_event(session, BookingConfirmed(
        id=booking.id, person_id=booking.person_id, source=booking.source, source_id=booking.source_id,
        confirmed_by=actor), actor=actor)
    return booking


async def move_booking(
    session: AsyncSession, *, actor: str, booking: Booking, person_id: uuid.UUID, start: datetime, end: datetime,
    hours: float, reason: str, weeks: list[WeekShare] | None = None, kind: str | None = None,
    skill: str | None | _Keep = KEEP, role: str | None | _Keep = KEEP,
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
    await session.flush()
    await record_audit(session, actor=actor, action="move", entity_type="booking", entity_id=booking.id,
                       from_state="active", to_state="active", detail={
                           "reason": reason,
                           "from": {"person_id": str(previous["person_id"]), "start": previous["start"].isoformat(),
                                    "end": previous["end"].isoformat(), "hours": previous["hours"],
                                    "kind": previous["kind"]},
                           "to": {"person_id": str(person_id), "start": start.isoformat(), "end": end.isoformat(),
                                  "hours": hours, "kind": booking.kind}})
    await record_event(session, BookingMoved(
        id=booking.id, source=booking.source, source_id=booking.source_id, kind=booking.kind,
        person_id=person_id, start=booking.start, end=booking.end, hours=hours, weeks=_weeks(booking),
        previous_person_id=previous["person_id"], previous_start=previous["start"], previous_end=previous["end"],
        previous_hours=previous["hours"], previous_weeks=previous["weeks"], reason=reason,
    ), actor=actor)
    await mark_snapshot_dirty(session)
    return booking


async def available_hours(
    session: AsyncSession, people: list[Person], weeks: list[tuple[str, date]]
) -> dict[uuid.UUID, dict[str, float]]:
    """Hours each person can work in each ISO week: schedule minus approved time off, none on holidays."""
    return await available_by_person(session, people, weeks)


async def utilisation(session: AsyncSession, person: Person, weeks: list[tuple[str, date]]) -> list[WeekLoad]:
    """The person's booked against available hours in each of the weeks."""
    booked = await BookingRepository(session).booked_by_week_and_source(person.id, [key for key, _ in weeks])
    split = (await ViewRepository(session).booked_split([person.id], weeks[0][0], weeks[-1][0])).get(person.id, {})
    by_kind: dict[tuple[str, str], float] = {}
    for (week, _source, kind), hours in split.items():
        by_kind[(week, kind)] = by_kind.get((week, kind), 0.0) + hours
    available = (await available_hours(session, [person], weeks))[person.id]
    return weekly_load(weeks, available, booked, by_kind)
