"""Capacity use cases: each writes its rows, its audit row and its event in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.contracts.capacity import BookingCreated, BookingReleased, PersonCreated, Skill, WeekHours
from tandem_shared.db import utcnow
from tandem_shared.errors import Conflict, InvalidTransition
from tandem_shared.outbox import record_event
from tandem_shared.repository import record_audit

from tandem_capacity.domain.allocation import WeekLoad, spread_hours, weekly_load
from tandem_capacity.models import Booking, BookingWeek, Person, PersonSkill
from tandem_capacity.repository import BookingRepository, PersonRepository
from tandem_capacity.schemas import PersonCreate
from tandem_capacity.supply.availability import available_by_person
from tandem_capacity.supply.catalogue import catalogue
from tandem_capacity.views.episodes import booking_changed
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


async def book(
    session: AsyncSession, *, actor: str, person_id: uuid.UUID, source: str, source_id: str, kind: str,
    start: datetime, end: datetime, hours: float,
) -> Booking:
    """Book a person's hours over a window, spread over ISO weeks."""
    shares = spread_hours(start, end, hours)
    booking = await BookingRepository(session).add(Booking(
        person_id=person_id, source=source, source_id=source_id, kind=kind, start=start, end=end, hours=hours,
        status="active", weeks=[BookingWeek(week=s.week, hours=s.hours) for s in shares],
    ))
    await record_audit(session, actor=actor, action="book", entity_type="booking", entity_id=booking.id,
                       to_state=booking.status, detail={
                           "person_id": str(person_id), "source": source, "source_id": source_id, "hours": hours})
    await record_event(session, BookingCreated(
        id=booking.id, person_id=person_id, source=source, source_id=source_id, kind=kind,
        start=booking.start, end=booking.end, hours=hours, weeks=_weeks(booking),
    ), actor=actor)
    await booking_changed(session, actor=actor, person_id=person_id,
                          added=[(w.week, w.hours) for w in booking.weeks])
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
