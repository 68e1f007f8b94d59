"""Every query of strategic objectives."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.objectives.models import ProjectObjective, StrategicObjective

SORTS = {"name": StrategicObjective.name, "created_at": StrategicObjective.created_at,
         "weight": StrategicObjective.weight}


class ObjectiveRepository(EntityRepository[StrategicObjective]):
    """Strategic objectives."""

    model, noun = StrategicObjective, "strategic objective"

    async def page(self, page: PageParams, *, active: bool | None = None, on: date | None = None,
                   q: str | None = None, sort: str = "name") -> tuple[Sequence[StrategicObjective], str | None]:
        stmt = sa.select(StrategicObjective)
        if active is not None:
            stmt = stmt.where(StrategicObjective.active.is_(active))
        if on is not None:
            stmt = stmt.where(StrategicObjective.period_start <= on, StrategicObjective.period_end >= on)
        if q:
            stmt = stmt.where(StrategicObjective.name.icontains(q, autoescape=True))
        return await keyset_page(self.session, stmt, sort=SORTS[sort.lstrip("-")], tiebreak=StrategicObjective.id,
                                 descending=sort.startswith("-"), page=page)

    async def by_name(self, name: str) -> StrategicObjective | None:
        # lower() on both sides: SQLite's folds ASCII only, so Python's 'ô' missed a stored 'Ô' (then a 500).
        stmt = sa.select(StrategicObjective).where(sa.func.lower(StrategicObjective.name) == sa.func.lower(name))
        return (await self.session.execute(stmt)).scalars().first()

    async def active_of(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, bool]:
        """Whether each of these objectives that exists is active."""
        if not ids:
            return {}
        stmt = sa.select(StrategicObjective.id, StrategicObjective.active).where(StrategicObjective.id.in_(ids))
        return {row.id: row.active for row in await self.session.execute(stmt)}

    async def linked_projects(self, objective_id: uuid.UUID) -> int:
        """How many projects serve the objective."""
        stmt = sa.select(sa.func.count()).where(ProjectObjective.objective_id == objective_id)
        return (await self.session.execute(stmt)).scalar_one()

    async def delete(self, objective: StrategicObjective) -> None:
        await self.session.delete(objective)
        await self.session.flush()
