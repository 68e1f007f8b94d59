"""Available hours of many people at once: four batched queries, then shared arithmetic per kind of person."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from tandem_capacity.availability.repository import HolidayRepository, ScheduleRepository, TimeOffRepository
from tandem_capacity.availability.rules import Absence, Calendar, Schedule, weekly_available_list


class Supplier(Protocol):
    """What availability needs of a person (a `Person` or a row with these columns)."""

    id: uuid.UUID
    weekly_hours: float
    location: str | None


async def available_by_person(
    session: AsyncSession, people: Sequence[Supplier], weeks: Sequence[tuple[str, date]]
) -> dict[uuid.UUID, dict[str, float]]:
    """{person id: {week key: available hours}} for consecutive ISO weeks given as (key, Monday)."""
    lists = await available_lists(session, people, weeks)
    keys = [key for key, _ in weeks]
    return {person_id: dict(zip(keys, hours, strict=True)) for person_id, hours in lists.items()}


async def available_lists(
    session: AsyncSession, people: Sequence[Supplier], weeks: Sequence[tuple[str, date]]
) -> dict[uuid.UUID, list[float]]:
    """{person id: available hours per week, in the order of `weeks`}; people alike share one (read-only) list."""
    rows = await available_rows(session, people, weeks)
    return {person.id: row for person, row in zip(people, rows, strict=True)}


async def available_rows(
    session: AsyncSession, people: Sequence[Supplier], weeks: Sequence[tuple[str, date]]
) -> list[list[float]]:
    """Available hours per week (in the order of `weeks`) of each person, in the order of `people`.

    People alike share one (read-only) list.
    """
    if not people or not weeks:
        return [[] for _ in people]
    first, count = weeks[0][1], len(weeks)
    last = first + timedelta(weeks=count, days=-1)
    ids = {person.id for person in people}
    # Keyed by the ids' integers: a UUID hashes in Python code, an int in C (thousands of lookups per call).
    schedules = {pid.int: rows for pid, rows in (await ScheduleRepository(session).for_people(ids)).items()}
    absences = {pid.int: rows for pid, rows in
                (await TimeOffRepository(session).approved_for_people(ids, first, last)).items()}
    locations = {person.location for person in people if person.location}
    holidays = await HolidayRepository(session).by_location(locations, first, last) if locations else {}
    # Most people share a schedule and a location and have no time off: compute each such row once.
    shared: dict[tuple, list[float]] = {}
    result: list[list[float]] = []
    for person in people:
        number = person.id.int
        own = tuple(schedules.get(number, ()))
        key = (person.weekly_hours, own, person.location)
        days_off = absences.get(number)
        if days_off is None:
            row = shared.get(key)
            if row is not None:
                result.append(row)
                continue
        calendar = Calendar(person.weekly_hours, [Schedule(start, hours) for start, hours in own])
        free_days = holidays.get(person.location, ()) if person.location else ()
        row = weekly_available_list(first, count, calendar, [Absence(*a) for a in days_off or ()], free_days)
        if days_off is None:
            shared[key] = row
        result.append(row)
    return result
