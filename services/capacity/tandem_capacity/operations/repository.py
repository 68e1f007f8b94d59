"""Queries of run work and rotations."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_capacity.operations.models import Rotation, RunWork
from tandem_capacity.people.models import Person


class RunWorkRepository(EntityRepository[RunWork]):
    model, noun = RunWork, "run work"

    async def page(self, page: PageParams) -> tuple[Sequence[RunWork], str | None]:
        return await keyset_page(self.session, sa.select(RunWork), sort=RunWork.created_at, tiebreak=RunWork.id,
                                 descending=False, page=page)

    async def team_members(self, team: str) -> Sequence[Person]:
        """People of a team, by id (a stable order for splitting hours)."""
        stmt = sa.select(Person).where(Person.team == team).order_by(Person.id)
        return (await self.session.execute(stmt)).scalars().all()


class RotationRepository(EntityRepository[Rotation]):
    model, noun = Rotation, "rotation"

    async def page(self, page: PageParams) -> tuple[Sequence[Rotation], str | None]:
        return await keyset_page(self.session, sa.select(Rotation), sort=Rotation.created_at, tiebreak=Rotation.id,
                                 descending=False, page=page)
