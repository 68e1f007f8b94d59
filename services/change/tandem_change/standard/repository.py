"""Every query of the change model catalogue."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_change.standard.models import ChangeModel


class ChangeModelRepository(EntityRepository[ChangeModel]):
    model, noun = ChangeModel, "change model"

    async def page(self, page: PageParams, *, active: bool | None) -> tuple[Sequence[ChangeModel], str | None]:
        stmt = sa.select(ChangeModel)
        if active is not None:
            stmt = stmt.where(ChangeModel.active.is_(active))
        return await keyset_page(self.session, stmt, sort=ChangeModel.name, tiebreak=ChangeModel.id,
                                 descending=False, page=page)

    async def by_name(self, name: str) -> ChangeModel | None:
        return (await self.session.execute(sa.select(ChangeModel).where(ChangeModel.name == name))).scalar()
