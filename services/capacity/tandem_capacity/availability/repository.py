"""Every query of working time: schedules, time off and holidays (batched for many people)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_capacity.availability.models import Holiday, TimeOff, WorkingSchedule
from tandem_capacity.people.repository import IN_LIST_LIMIT


def _for_each_size(stmt: sa.Select, column: sa.ColumnElement) -> tuple[sa.Select, sa.Select]:
    """A query built once in both forms `_prebuilt_for_people` picks from: with an IN list of ids, and without."""
    return stmt.where(column.in_(sa.bindparam("ids", expanding=True))), stmt


def _prebuilt_for_people(forms: tuple[sa.Select, sa.Select],
                         person_ids: Collection[uuid.UUID]) -> tuple[sa.Select, dict[str, list[uuid.UUID]]]:
    """The IN-list form with its ids for up to IN_LIST_LIMIT people, else the whole table (filtered by the caller)."""
    return (forms[0], {"ids": list(person_ids)}) if len(person_ids) <= IN_LIST_LIMIT else (forms[1], {})


# Built once: the episode check after every booking runs both, and building them cost more than running them.
_SCHEDULES = _for_each_size(sa.select(
    WorkingSchedule.person_id, WorkingSchedule.effective_from, WorkingSchedule.mon, WorkingSchedule.tue,
    WorkingSchedule.wed, WorkingSchedule.thu, WorkingSchedule.fri, WorkingSchedule.sat, WorkingSchedule.sun,
).order_by(WorkingSchedule.effective_from), WorkingSchedule.person_id)
_TIME_OFF = _for_each_size(
    sa.select(TimeOff.person_id, TimeOff.start_date, TimeOff.end_date, TimeOff.hours_per_day)
    .where(TimeOff.approved.is_(True), TimeOff.end_date >= sa.bindparam("first"),
           TimeOff.start_date <= sa.bindparam("last")),
    TimeOff.person_id)


class ScheduleRepository:
    """Working schedules of people."""

    def __init__(self, session) -> None:
        self.session = session

    async def of_person(self, person_id: uuid.UUID) -> Sequence[WorkingSchedule]:
        stmt = (sa.select(WorkingSchedule).where(WorkingSchedule.person_id == person_id)
                .order_by(WorkingSchedule.effective_from))
        return (await self.session.execute(stmt)).scalars().all()

    async def replace(self, person_id: uuid.UUID, schedules: list[WorkingSchedule]) -> None:
        await self.session.execute(sa.delete(WorkingSchedule).where(WorkingSchedule.person_id == person_id))
        self.session.add_all(schedules)
        await self.session.flush()

    async def for_people(self, person_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[tuple]]:
        """(effective_from, hours of mon..sun) per person, oldest first."""
        stmt, params = _prebuilt_for_people(_SCHEDULES, person_ids)
        result: dict[uuid.UUID, list[tuple]] = {}
        for row in (await self.session.execute(stmt, params)).all():
            result.setdefault(row[0], []).append((row[1], tuple(row[2:])))
        return result


class TimeOffRepository(EntityRepository[TimeOff]):
    model, noun = TimeOff, "time off"

    async def page_for_person(self, person_id: uuid.UUID, page: PageParams) -> tuple[Sequence[TimeOff], str | None]:
        stmt = sa.select(TimeOff).where(TimeOff.person_id == person_id)
        return await keyset_page(self.session, stmt, sort=TimeOff.start_date, tiebreak=TimeOff.id, descending=False,
                                 page=page)

    async def approved_for_people(self, person_ids: Collection[uuid.UUID], first: date,
                                  last: date) -> dict[uuid.UUID, list[tuple]]:
        """(start, end, hours_per_day) of approved time off overlapping [first, last], per person."""
        stmt, params = _prebuilt_for_people(_TIME_OFF, person_ids)
        result: dict[uuid.UUID, list[tuple]] = {}
        for person_id, start, end, hours in (await self.session.execute(stmt, {**params, "first": first,
                                                                               "last": last})).all():
            result.setdefault(person_id, []).append((start, end, hours))
        return result


class HolidayRepository(EntityRepository[Holiday]):
    model, noun = Holiday, "holiday"

    async def page(self, page: PageParams, *, location: str | None, first: date | None,
                   last: date | None) -> tuple[Sequence[Holiday], str | None]:
        stmt = sa.select(Holiday)
        if location:
            stmt = stmt.where(Holiday.location == location)
        if first:
            stmt = stmt.where(Holiday.date >= first)
        if last:
            stmt = stmt.where(Holiday.date <= last)
        return await keyset_page(self.session, stmt, sort=Holiday.date, tiebreak=Holiday.id, descending=False,
                                 page=page)

    async def existing(self, pairs: Collection[tuple[str, date]]) -> dict[tuple[str, date], Holiday]:
        locations = {location for location, _ in pairs}
        dates = {day for _, day in pairs}
        stmt = sa.select(Holiday).where(Holiday.location.in_(locations), Holiday.date.in_(dates))
        return {(h.location, h.date): h for h in (await self.session.execute(stmt)).scalars()}

    async def by_location(self, locations: Collection[str], first: date, last: date) -> dict[str, set[date]]:
        stmt = sa.select(Holiday.location, Holiday.date).where(
            Holiday.location.in_(list(locations)), Holiday.date >= first, Holiday.date <= last)
        result: dict[str, set[date]] = {}
        for location, day in (await self.session.execute(stmt)).all():
            result.setdefault(location, set()).add(day)
        return result
