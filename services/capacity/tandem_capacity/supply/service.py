"""Supply use cases: each writes its rows and audit row in the caller's transaction and recomputes episodes."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared import history
from tandem_shared.auth import Actor
from tandem_shared.contracts.capacity import PersonCostRateChanged
from tandem_shared.errors import NotFound, ValidationProblem
from tandem_shared.repository import record_audit
from tandem_shared.uow import UnitOfWork, record_event

from tandem_capacity.availability.models import Holiday, TimeOff, WorkingSchedule
from tandem_capacity.availability.repository import HolidayRepository, ScheduleRepository, TimeOffRepository
from tandem_capacity.availability.service import available_by_person
from tandem_capacity.bookings.rules import iso_weeks
from tandem_capacity.episodes.service import recompute_episodes
from tandem_capacity.people.catalogue import catalogue
from tandem_capacity.people.models import Person, PersonSkill
from tandem_capacity.people.repository import PersonRepository
from tandem_capacity.supply.schemas import HolidayIn, PersonUpdate, TimeOffCreate, WeekAvailability

_PERSON_FIELDS = ("team", "weekly_hours", "location", "cost_rate", "cost_currency", "skills")


async def update_person(session: AsyncSession, *, actor: Actor, person: Person, body: PersonUpdate) -> Person:
    """Change a person's team, hours, location, cost rate or skills; availability changes recompute episodes."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    await catalogue(session, team=body.team, skills=[s.name for s in body.skills or []])
    before = history.snapshot(person, _PERSON_FIELDS)
    if body.team is not None:
        person.team = body.team
    if body.weekly_hours is not None:
        person.weekly_hours = body.weekly_hours
    if "location" in changes:
        person.location = body.location
    rate_before = (person.cost_rate, person.cost_currency)
    if "cost_rate" in changes:
        person.cost_rate = body.cost_rate.amount if body.cost_rate else None
        person.cost_currency = body.cost_rate.currency if body.cost_rate else None
    if body.skills is not None:
        person.skills = [PersonSkill(name=s.name, proficiency=s.proficiency)
                         for s in sorted(body.skills, key=lambda s: s.name.casefold())]
    await session.flush()
    await record_audit(session, actor=actor.sub, action="update", entity_type="person", entity_id=person.id,
                       detail=changes, changes=history.changes(before, history.snapshot(person, _PERSON_FIELDS)))
    if (person.cost_rate, person.cost_currency) != rate_before:
        await record_event(session, PersonCostRateChanged(
            person_id=person.id, rate=person.cost_rate, currency=person.cost_currency, changed_by=actor.sub,
        ), actor=actor.sub)
    if {"weekly_hours", "location"} & set(changes):
        await recompute_episodes(UnitOfWork.of(session), actor=actor.sub, person_ids=[person.id])
    return person


async def replace_schedules(session: AsyncSession, *, actor: Actor, person: Person,
                            schedules: list[dict]) -> list[WorkingSchedule]:
    """Replace a person's working schedules (given oldest first)."""
    rows = [WorkingSchedule(person_id=person.id, **schedule) for schedule in schedules]
    before = {"schedules": history.json_value(list(await ScheduleRepository(session).of_person(person.id)))}
    await ScheduleRepository(session).replace(person.id, rows)
    await record_audit(session, actor=actor.sub, action="schedule", entity_type="person", entity_id=person.id,
                       detail={"schedules": [{k: str(v) if isinstance(v, date) else v for k, v in s.items()}
                                             for s in schedules]},
                       changes=history.changes(before, {"schedules": history.json_value(rows)}))
    await recompute_episodes(UnitOfWork.of(session), actor=actor.sub, person_ids=[person.id])
    return rows


async def add_time_off(session: AsyncSession, *, actor: Actor, person: Person, body: TimeOffCreate) -> TimeOff:
    """Record time off; approved time off reduces available hours at once."""
    entry = await TimeOffRepository(session).add(TimeOff(person_id=person.id, created_by=actor.sub,
                                                         **body.model_dump()))
    await record_audit(session, actor=actor.sub, action="time_off", entity_type="person", entity_id=person.id,
                       detail=body.model_dump(mode="json") | {"time_off_id": str(entry.id)})
    if entry.approved:
        await recompute_episodes(UnitOfWork.of(session), actor=actor.sub, person_ids=[person.id])
    return entry


async def _time_off_of(session: AsyncSession, person: Person, time_off_id: uuid.UUID) -> TimeOff:
    entry = await TimeOffRepository(session).get(time_off_id)
    if entry is None or entry.person_id != person.id:
        raise NotFound(f"no time off {time_off_id} for person {person.id}")
    return entry


async def approve_time_off(session: AsyncSession, *, actor: Actor, person: Person, time_off_id: uuid.UUID) -> TimeOff:
    """Approve requested time off (approving twice changes nothing)."""
    entry = await _time_off_of(session, person, time_off_id)
    if not entry.approved:
        entry.approved = True
        await session.flush()
        await record_audit(session, actor=actor.sub, action="approve_time_off", entity_type="person",
                           entity_id=person.id, detail={"time_off_id": str(entry.id)})
        await recompute_episodes(UnitOfWork.of(session), actor=actor.sub, person_ids=[person.id])
    return entry


async def delete_time_off(session: AsyncSession, *, actor: Actor, person: Person, time_off_id: uuid.UUID) -> None:
    """Remove time off; its hours are available again."""
    entry = await _time_off_of(session, person, time_off_id)
    await session.delete(entry)
    await session.flush()
    await record_audit(session, actor=actor.sub, action="delete_time_off", entity_type="person", entity_id=person.id,
                       detail={"time_off_id": str(entry.id), "start_date": str(entry.start_date),
                               "end_date": str(entry.end_date)})
    await recompute_episodes(UnitOfWork.of(session), actor=actor.sub, person_ids=[person.id])


async def import_holidays(session: AsyncSession, *, actor: Actor, holidays: list[HolidayIn]) -> tuple[int, int]:
    """Add holidays; one known for its location and date is renamed. Returns (created, updated)."""
    seen: set[tuple[str, date]] = set()
    for index, holiday in enumerate(holidays):
        if (holiday.location, holiday.date) in seen:
            raise ValidationProblem.field(f"holidays.{index}", f"{holiday.location} {holiday.date} is listed twice")
        seen.add((holiday.location, holiday.date))
    repo = HolidayRepository(session)
    known = await repo.existing(seen)
    created = updated = 0
    for holiday in holidays:
        row = known.get((holiday.location, holiday.date))
        if row is None:
            session.add(Holiday(location=holiday.location, date=holiday.date, name=holiday.name))
            created += 1
        elif row.name != holiday.name:
            row.name = holiday.name
            updated += 1
    await session.flush()
    await record_audit(session, actor=actor.sub, action="import", entity_type="holidays", entity_id="holidays",
                       detail={"created": created, "updated": updated,
                               "locations": sorted({h.location for h in holidays})})
    if created:
        located = await PersonRepository(session).at_locations({h.location for h in holidays})
        await recompute_episodes(UnitOfWork.of(session), actor=actor.sub, person_ids=located)
    return created, updated


async def delete_holiday(session: AsyncSession, *, actor: Actor, holiday_id: uuid.UUID) -> None:
    """Remove a holiday; people there work that day again."""
    holiday = await HolidayRepository(session).get_or_404(holiday_id)
    await session.delete(holiday)
    await session.flush()
    await record_audit(session, actor=actor.sub, action="delete", entity_type="holiday", entity_id=holiday.id,
                       detail={"location": holiday.location, "date": str(holiday.date), "name": holiday.name})
    located = await PersonRepository(session).at_locations({holiday.location})
    await recompute_episodes(UnitOfWork.of(session), actor=actor.sub, person_ids=located)


async def availability(session: AsyncSession, person: Person, first: date, last: date) -> list[WeekAvailability]:
    """A person's available hours per ISO week from the week of `first` to the week of `last`."""
    weeks = iso_weeks(first, last)
    hours = (await available_by_person(session, [person], weeks))[person.id]
    return [WeekAvailability(week=key, week_start=monday, available_hours=hours[key]) for key, monday in weeks]
