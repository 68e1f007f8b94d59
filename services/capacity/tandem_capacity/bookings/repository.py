"""Every query of bookings and their weekly hours."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page
from tandem_shared.uow import UnitOfWork, core_connection

from tandem_capacity.bookings.models import Booking, BookingWeek
from tandem_capacity.people.repository import IN_LIST_LIMIT

# Built once: a consumer batch runs them for every fetch, often of a single event.
_SOURCES_WITH_ACTIVE = sa.select(Booking.__table__.c.source_id).where(
    Booking.__table__.c.source == sa.bindparam("source"),
    Booking.__table__.c.source_id.in_(sa.bindparam("ids", expanding=True)), Booking.__table__.c.status == "active")


_PERSON_PAGES: dict[tuple[bool, bool, bool], sa.Select[Any]] = {}


def _person_page_query(status: bool, start: bool, end: bool) -> sa.Select[Any]:
    """A person's bookings with the filters given, built once per combination (the bookings list is polled)."""
    key = (status, start, end)
    if key not in _PERSON_PAGES:
        stmt = sa.select(Booking).where(Booking.person_id == sa.bindparam("person_id"))
        if status:
            stmt = stmt.where(Booking.status == sa.bindparam("status"))
        if start:
            stmt = stmt.where(Booking.end > sa.bindparam("start"))
        if end:
            stmt = stmt.where(Booking.start < sa.bindparam("end"))
        _PERSON_PAGES[key] = stmt
    return _PERSON_PAGES[key]


class BookingRepository(EntityRepository[Booking]):
    """Bookings and their weekly hours."""

    model, noun = Booking, "booking"

    async def insert(self, row: dict[str, Any], week_rows: list[dict[str, Any]], *, attach: bool) -> Booking | None:
        """Insert a booking and its weeks as plain rows (buffered in a consumer's batch); with `attach`, return it.

        The ORM's unit of work costs more than the rest of applying an approval; the rows go out as one multi-row
        insert per batch instead, and an attached object joins the session as if loaded, so later changes are UPDATEs.
        """
        uow = UnitOfWork.of(self.session)
        await uow.insert(Booking.__table__, row)
        for week_row in week_rows:
            await uow.insert(BookingWeek.__table__, week_row)
        if not attach:
            return None
        booking = Booking(**row)
        weeks = [BookingWeek(**week_row) for week_row in week_rows]
        for entity in (booking, *weeks):
            make_transient_to_detached(entity)
        set_committed_value(booking, "weeks", weeks)
        self.session.add(booking)
        return booking

    async def flush(self) -> None:
        """Write the changes made to loaded bookings now (their version and weeks are then current)."""
        await self.session.flush()

    async def active_for_source(self, source: str, source_id: str) -> Sequence[Booking]:
        stmt = (
            sa.select(Booking)
            .where(Booking.source == source, Booking.source_id == source_id, Booking.status == "active")
            .order_by(Booking.created_at, Booking.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def page_for_person(
        self, person_id: uuid.UUID, page: PageParams, *, start: datetime | None = None, end: datetime | None = None,
        status: str | None = "active",
    ) -> tuple[Sequence[Booking], str | None]:
        filters = {"status": status, "start": start, "end": end}
        params = {"person_id": person_id, **{name: value for name, value in filters.items() if value}}
        return await keyset_page(self.session, _person_page_query(bool(status), bool(start), bool(end)),
                                 sort=Booking.start, tiebreak=Booking.id, descending=False, page=page, params=params)

    async def sources_with_active(self, source: str, source_ids: set[str]) -> set[str]:
        """Those of the source ids that have an active booking (one query)."""
        if not source_ids:
            return set()
        connection = await core_connection(self.session)
        return set((await connection.execute(_SOURCES_WITH_ACTIVE, {"source": source, "ids": list(source_ids)}))
                   .scalars())

    async def page(
        self, page: PageParams, *, person_id: uuid.UUID | None = None, source: str | None = None,
        source_id: str | None = None, kind: str | None = None, status: str | None = None,
        start: datetime | None = None, end: datetime | None = None,
    ) -> tuple[Sequence[Booking], str | None]:
        """Bookings by start, filtered; the window keeps those overlapping [start, end)."""
        stmt = sa.select(Booking)
        for column, value in ((Booking.person_id, person_id), (Booking.source, source),
                              (Booking.source_id, source_id), (Booking.kind, kind), (Booking.status, status)):
            if value is not None:
                stmt = stmt.where(column == value)
        if start:
            stmt = stmt.where(Booking.end > start)
        if end:
            stmt = stmt.where(Booking.start < end)
        return await keyset_page(self.session, stmt, sort=Booking.start, tiebreak=Booking.id, descending=False,
                                 page=page)

    async def booked_by_week_and_source(self, person_id: uuid.UUID, weeks: list[str]) -> dict[tuple[str, str], float]:
        """Hours of the person's active bookings, summed per (week, source)."""
        stmt = (
            sa.select(BookingWeek.week, Booking.source, sa.func.sum(BookingWeek.hours))
            .join(Booking, Booking.id == BookingWeek.booking_id)
            .where(Booking.person_id == person_id, Booking.status == "active", BookingWeek.week.in_(weeks))
            .group_by(BookingWeek.week, Booking.source)
        )
        return {(week, source): float(hours) for week, source, hours in (await self.session.execute(stmt)).all()}

    async def booked_split(self, person_ids: Collection[uuid.UUID], first_week: str,
                           last_week: str) -> dict[uuid.UUID, dict[tuple[str, str, str], float]]:
        """Hours of active bookings per person and (week, source, kind)."""
        stmt = (sa.select(Booking.person_id, BookingWeek.week, Booking.source, Booking.kind,
                          sa.func.sum(BookingWeek.hours))
                .join(Booking, Booking.id == BookingWeek.booking_id)
                .where(Booking.status == "active", BookingWeek.week >= first_week, BookingWeek.week <= last_week)
                .group_by(Booking.person_id, BookingWeek.week, Booking.source, Booking.kind))
        wanted = set(person_ids)
        if len(wanted) <= IN_LIST_LIMIT:
            stmt = stmt.where(Booking.person_id.in_(list(wanted)))
        result: dict[uuid.UUID, dict[tuple[str, str, str], float]] = {}
        for person_id, week, source, kind, hours in (await self.session.execute(stmt)).all():
            if person_id in wanted:
                result.setdefault(person_id, {})[(week, source, kind)] = hours
        return result

    async def active_in_weeks(self, first_week: str, last_week: str) -> Sequence[Booking]:
        """Active bookings with at least one week in the window."""
        inside = sa.select(BookingWeek.booking_id).where(BookingWeek.week >= first_week, BookingWeek.week <= last_week)
        stmt = (sa.select(Booking).where(Booking.status == "active", Booking.id.in_(inside))
                .order_by(Booking.start, Booking.id))
        return (await self.session.execute(stmt)).scalars().all()

    async def booked_by_person_and_week(self, people: list[uuid.UUID],
                                        weeks: list[str]) -> dict[tuple[uuid.UUID, str], float]:
        """Hours of active bookings (any source) per (person, week)."""
        if not people:
            return {}
        stmt = (
            sa.select(Booking.person_id, BookingWeek.week, sa.func.sum(BookingWeek.hours))
            .join(Booking, Booking.id == BookingWeek.booking_id)
            .where(Booking.status == "active", Booking.person_id.in_(people), BookingWeek.week.in_(weeks))
            .group_by(Booking.person_id, BookingWeek.week)
        )
        return {(person, week): float(hours) for person, week, hours in (await self.session.execute(stmt)).all()}

    async def skill_booked_by_week(self, weeks: list[str],
                                   skill: str | None = None) -> dict[tuple[str, str], float]:
        """Hours of active bookings that carry a skill, per (lower-cased skill, week)."""
        name = sa.func.lower(Booking.skill)
        stmt = (
            sa.select(name, BookingWeek.week, sa.func.sum(BookingWeek.hours))
            .join(Booking, Booking.id == BookingWeek.booking_id)
            .where(Booking.status == "active", Booking.skill.is_not(None), BookingWeek.week.in_(weeks))
            .group_by(name, BookingWeek.week)
        )
        if skill:
            stmt = stmt.where(name == skill.strip().lower())
        return {(s, week): float(hours) for s, week, hours in (await self.session.execute(stmt)).all()}

    async def active_hours_by_person(self) -> dict[uuid.UUID, dict[str, float]]:
        """Hours of every active booking summed per person and week (to rebuild the weekly loads)."""
        rows = (await self.session.execute(
            sa.select(Booking.person_id, BookingWeek.week, sa.func.sum(BookingWeek.hours))
            .join(Booking, Booking.id == BookingWeek.booking_id).where(Booking.status == "active")
            .group_by(Booking.person_id, BookingWeek.week))).all()
        loads: dict[uuid.UUID, dict[str, float]] = {}
        for person_id, week, hours in rows:
            loads.setdefault(person_id, {})[week] = round(hours, 2)
        return loads
