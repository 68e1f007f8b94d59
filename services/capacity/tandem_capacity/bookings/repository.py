"""Every query of the capacity service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page
from tandem_shared.uow import core_connection

from tandem_capacity.models import Booking, BookingWeek, Person, PersonSkill


# Built once: a consumer batch runs them for every fetch, often of a single event.
_SOURCES_WITH_ACTIVE = sa.select(Booking.__table__.c.source_id).where(
    Booking.__table__.c.source == sa.bindparam("source"),
    Booking.__table__.c.source_id.in_(sa.bindparam("ids", expanding=True)), Booking.__table__.c.status == "active")


class PersonRepository(EntityRepository[Person]):
    """People and their skills."""

    model, noun = Person, "person"

    async def existing(self, person_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        """Those of the ids that are known people (one query)."""
        if not person_ids:
            return set()
        found = await self.session.execute(sa.select(Person.id).where(Person.id.in_(person_ids)))
        return set(found.scalars())

    async def email_taken(self, email: str) -> bool:
        return (await self.session.execute(sa.select(Person.id).where(Person.email == email))).first() is not None


    async def page(
        self, page: PageParams, *, team: str | None = None, skill: str | None = None
    ) -> tuple[Sequence[Person], str | None]:
        stmt = sa.select(Person)
        if team:
            stmt = stmt.where(Person.team == team)
        if skill:
            skilled = sa.select(PersonSkill.person_id).where(sa.func.lower(PersonSkill.name) == skill.strip().lower())
            stmt = stmt.where(Person.id.in_(skilled))
        return await keyset_page(self.session, stmt, sort=Person.name, tiebreak=Person.id, descending=False, page=page)


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
