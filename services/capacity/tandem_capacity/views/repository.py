"""Queries of the views (read only): the people to show, with their weekly loads, and skill holders."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams, encode_cursor
from tandem_shared.errors import ValidationProblem

from tandem_capacity.loads.models import PersonLoad
from tandem_capacity.people.models import Person, PersonSkill
from tandem_capacity.people.repository import PERSON_COLUMNS, PersonRow


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


class ViewRepository:
    """Read-only queries over people and bookings for the views."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def people(self, where: PersonFilter) -> list[PersonRow]:
        """Every person matching the filter, by name."""
        stmt = _filtered(sa.select(*PERSON_COLUMNS), where).order_by(Person.name, Person.id)
        return [PersonRow(*row) for row in (await self.session.execute(stmt)).all()]

    async def people_page(self, where: PersonFilter, page: PageParams) -> tuple[list[PersonRow], str | None]:
        """One page of people matching the filter, by name then id."""
        rows, cursor = await self._page(sa.select(*PERSON_COLUMNS), where, page)
        return [PersonRow(*row) for row in rows], cursor

    async def people_page_with_loads(self, where: PersonFilter,
                                     page: PageParams) -> tuple[list[tuple[PersonRow, str | None]], str | None]:
        """One page of people with their booked hours as the raw JSON text of `person_loads` (None: no bookings)."""
        # One query instead of two, and text instead of the JSON type: asyncpg would decode it with the stdlib.
        stmt = (sa.select(*PERSON_COLUMNS, sa.cast(PersonLoad.weeks, sa.Text))
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



async def proficiencies(session: AsyncSession, skill: str) -> dict[uuid.UUID, int]:
    """Each holder of a skill (name compared regardless of case) and their proficiency."""
    stmt = sa.select(PersonSkill.person_id, PersonSkill.proficiency).where(
        sa.func.lower(PersonSkill.name) == skill.strip().lower())
    return dict((await session.execute(stmt)).all())
