"""Queries of the skill-gap report and the capacity snapshot over people and role requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_capacity.demand.models import RoleRequest
from tandem_capacity.people.models import Person, PersonSkill


async def people_with_skills(session: AsyncSession, skill: str | None = None) -> Sequence[Person]:
    """Everyone holding at least one skill (or the given one, any case), skills loaded."""
    skilled = sa.select(PersonSkill.person_id)
    if skill:
        skilled = skilled.where(sa.func.lower(PersonSkill.name) == skill.strip().lower())
    stmt = sa.select(Person).where(Person.id.in_(skilled)).order_by(Person.id)
    return (await session.execute(stmt)).scalars().all()


async def open_role_requests(session: AsyncSession, first: date, last: date,
                             skill: str | None = None) -> Sequence[RoleRequest]:
    """Open role requests overlapping the days `first`..`last` (optionally of one skill, any case)."""
    stmt = sa.select(RoleRequest).where(RoleRequest.status == "open", RoleRequest.start <= last,
                                        RoleRequest.end >= first)
    if skill:
        stmt = stmt.where(sa.func.lower(RoleRequest.skill) == skill.strip().lower())
    return (await session.execute(stmt.order_by(RoleRequest.id))).scalars().all()
