"""Every query of the views: booked hours summed per person and week, people to show, episodes and their checks."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.db import utcnow
from tandem_shared.api import PageParams, encode_cursor
from tandem_shared.errors import ValidationProblem
from tandem_shared.repository import keyset_page
from tandem_shared.uow import core_connection, insert_row

from tandem_capacity.models import Booking, BookingWeek, Person, PersonSkill
from tandem_capacity.supply.repository import IN_LIST_LIMIT
from tandem_capacity.views import loads
from tandem_capacity.views.models import Episode, EpisodeCheck, PersonLoad


class PersonRow(NamedTuple):
    """The columns of a person the views need (no ORM objects: thousands are read at once)."""

    id: uuid.UUID
    name: str
    team: str
    weekly_hours: float
    location: str | None


class PersonFilter(NamedTuple):
    team: str | None = None
    skill: str | None = None
    min_proficiency: int = 1


def _filtered(stmt: sa.Select, where: PersonFilter) -> sa.Select:
    if where.team:
        stmt = stmt.where(Person.team == where.team)
    if where.skill:
        skilled = sa.select(PersonSkill.person_id).where(
            sa.func.lower(PersonSkill.name) == where.skill.strip().lower(),
            PersonSkill.proficiency >= where.min_proficiency)
        stmt = stmt.where(Person.id.in_(skilled))
    return stmt


_COLUMNS = (Person.id, Person.name, Person.team, Person.weekly_hours, Person.location)
_PEOPLE_BY_ID = sa.select(*_COLUMNS).where(Person.id.in_(sa.bindparam("ids", expanding=True)))


class ViewRepository:
    """Read-only queries over people and bookings for the views."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def people(self, where: PersonFilter) -> list[PersonRow]:
        """Every person matching the filter, by name."""
        stmt = _filtered(sa.select(*_COLUMNS), where).order_by(Person.name, Person.id)
        return [PersonRow(*row) for row in (await self.session.execute(stmt)).all()]

    async def people_page(self, where: PersonFilter, page: PageParams) -> tuple[list[PersonRow], str | None]:
        """One page of people matching the filter, by name then id."""
        rows, cursor = await self._page(sa.select(*_COLUMNS), where, page)
        return [PersonRow(*row) for row in rows], cursor

    async def people_page_with_loads(self, where: PersonFilter,
                                     page: PageParams) -> tuple[list[tuple[PersonRow, str | None]], str | None]:
        """One page of people with their booked hours as the raw JSON text of `person_loads` (None: no bookings)."""
        # One query instead of two, and text instead of the JSON type: asyncpg would decode it with the stdlib.
        stmt = (sa.select(*_COLUMNS, sa.cast(PersonLoad.weeks, sa.Text))
                .outerjoin(PersonLoad, PersonLoad.person_id == Person.id))
        rows, cursor = await self._page(stmt, where, page)
        return [(PersonRow(*row[:-1]), row[-1]) for row in rows], cursor

    async def _page(self, stmt: sa.Select, where: PersonFilter, page: PageParams) -> tuple[list[Any], str | None]:
        stmt = _filtered(stmt, where)
        if page.cursor is not None:
            try:
                name, last_id = str(page.cursor[0]), uuid.UUID(str(page.cursor[1]))
            except (IndexError, ValueError) as exc:
                raise ValidationProblem.field("cursor", "not a cursor returned by this list") from exc
            stmt = stmt.where(sa.tuple_(Person.name, Person.id) > sa.tuple_(sa.literal(name), sa.literal(last_id)))
        rows = (await self.session.execute(stmt.order_by(Person.name, Person.id).limit(page.limit + 1))).all()
        page_rows = rows[: page.limit]
        cursor = encode_cursor((page_rows[-1][1], str(page_rows[-1][0]))) if len(rows) > page.limit else None
        return page_rows, cursor

    async def people_by_id(self, person_ids: Collection[uuid.UUID]) -> list[PersonRow]:
        """Those of the ids that are known people (one prebuilt query: consumer batches run it for every fetch)."""
        if not person_ids:
            return []
        connection = await core_connection(self.session)
        return [PersonRow(*row) for row in await connection.execute(_PEOPLE_BY_ID, {"ids": list(person_ids)})]

    async def booked(self, person_ids: Collection[uuid.UUID], first_week: str | None = None,
                     last_week: str | None = None) -> dict[uuid.UUID, dict[str, float]]:
        """Hours of active bookings per person and ISO week, from the kept per-person loads."""
        return await loads.booked(self.session, person_ids, first_week, last_week)

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

    async def active_bookings(self, first_week: str, last_week: str) -> Sequence[Booking]:
        """Active bookings with at least one week in the window."""
        inside = sa.select(BookingWeek.booking_id).where(BookingWeek.week >= first_week, BookingWeek.week <= last_week)
        stmt = (sa.select(Booking).where(Booking.status == "active", Booking.id.in_(inside))
                .order_by(Booking.start, Booking.id))
        return (await self.session.execute(stmt)).scalars().all()


class StoredEpisode(NamedTuple):
    """An open episode as stored (no ORM object: most checks change nothing)."""

    id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    first_week: str
    last_week: str
    peak_utilisation: float


_episodes = Episode.__table__
# Built once: the episode check runs in every booking transaction.
_OPEN_EPISODES = sa.select(_episodes.c.id, _episodes.c.person_id, _episodes.c.kind, _episodes.c.first_week,
                           _episodes.c.last_week, _episodes.c.peak_utilisation).where(
    _episodes.c.status == "open", _episodes.c.person_id.in_(sa.bindparam("ids", expanding=True)))
_EXTEND = sa.update(_episodes).where(_episodes.c.id == sa.bindparam("b_id")).values(
    first_week=sa.bindparam("b_first"), last_week=sa.bindparam("b_last"), peak_utilisation=sa.bindparam("b_peak"))
_CLEAR = sa.update(_episodes).where(_episodes.c.id == sa.bindparam("b_id")).values(
    status="cleared", cleared_at=sa.bindparam("b_at"))


class EpisodeRepository:
    """Over-allocation and burnout-risk episodes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_for(self, person_ids: Collection[uuid.UUID]) -> list[StoredEpisode]:
        connection = await core_connection(self.session)
        rows = await connection.execute(_OPEN_EPISODES, {"ids": list(person_ids)})
        return [StoredEpisode(*row) for row in rows]

    async def add(self, row: dict[str, Any]) -> None:
        """A new open episode (buffered in a consumer's batch)."""
        await insert_row(self.session, _episodes, row)

    async def extend(self, episodes: list[StoredEpisode]) -> None:
        """Store the episodes' new first and last weeks and peak."""
        if episodes:
            await (await core_connection(self.session)).execute(_EXTEND, [
                {"b_id": e.id, "b_first": e.first_week, "b_last": e.last_week, "b_peak": e.peak_utilisation}
                for e in episodes])

    async def clear(self, episode_ids: list[uuid.UUID], at: datetime) -> None:
        if episode_ids:
            await (await core_connection(self.session)).execute(_CLEAR, [{"b_id": i, "b_at": at} for i in episode_ids])

    async def page(self, page: PageParams, *, status: str | None, kind: str | None,
                   person_id: uuid.UUID | None) -> tuple[Sequence[Any], str | None]:
        stmt = sa.select(Episode)
        if status:
            stmt = stmt.where(Episode.status == status)
        if kind:
            stmt = stmt.where(Episode.kind == kind)
        if person_id:
            stmt = stmt.where(Episode.person_id == person_id)
        return await keyset_page(self.session, stmt, sort=Episode.opened_at, tiebreak=Episode.id, descending=True,
                                 page=page)


async def proficiencies(session: AsyncSession, skill: str) -> dict[uuid.UUID, int]:
    """Each holder of a skill (name compared regardless of case) and their proficiency."""
    stmt = sa.select(PersonSkill.person_id, PersonSkill.proficiency).where(
        sa.func.lower(PersonSkill.name) == skill.strip().lower())
    return {person_id: level for person_id, level in (await session.execute(stmt)).all()}


_checks = EpisodeCheck.__table__


def _note(insert: Any) -> Any:
    stmt = insert(_checks)
    return stmt.on_conflict_do_update(index_elements=[_checks.c.person_id], set_={
        "actor": stmt.excluded.actor, "requested_at": stmt.excluded.requested_at})


_NOTE = {"postgresql": _note(pg_insert), "sqlite": _note(sqlite_insert)}
_NOTED = sa.select(_checks.c.person_id, _checks.c.actor, _checks.c.requested_at).order_by(
    _checks.c.requested_at, _checks.c.person_id).limit(sa.bindparam("b_limit", type_=sa.Integer))
# Only the note seen: one made again meanwhile (a newer requested_at) stays for the next pass.
_DONE = sa.delete(_checks).where(_checks.c.person_id == sa.bindparam("b_person"),
                                 _checks.c.requested_at == sa.bindparam("b_at"))


class CheckNote(NamedTuple):
    """A person whose episodes wait for a check, who asked for it and when."""

    person_id: uuid.UUID
    actor: str
    requested_at: datetime


class EpisodeCheckRepository:
    """Notes of people whose episodes wait to be brought in line (one per person, the latest request wins)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def note(self, actors: Mapping[uuid.UUID, str]) -> None:
        """Note each person (→ acting user), in id order so concurrent writers lock rows alike."""
        connection = await core_connection(self.session)
        now = utcnow()
        await connection.execute(_NOTE[connection.dialect.name], [
            {"person_id": person, "actor": actor, "requested_at": now} for person, actor in sorted(actors.items())])

    async def claim(self, limit: int) -> list[CheckNote]:
        """The oldest notes, locked for this transaction (on PostgreSQL other replicas skip them)."""
        connection = await core_connection(self.session)
        stmt = _NOTED.with_for_update(skip_locked=True) if connection.dialect.name == "postgresql" else _NOTED
        return [CheckNote(*row) for row in await connection.execute(stmt, {"b_limit": limit})]

    async def done(self, notes: list[CheckNote]) -> None:
        """Delete the notes worked off, unless made again since."""
        if notes:
            await (await core_connection(self.session)).execute(
                _DONE, [{"b_person": n.person_id, "b_at": n.requested_at} for n in notes])
