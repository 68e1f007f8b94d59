"""Every query of the risk configuration."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.errors import NotFound
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_change.risk.models import RiskCondition, RiskQuestionnaire


class RiskConditionRepository(EntityRepository[RiskCondition]):
    model, noun = RiskCondition, "risk condition"

    async def page(self, page: PageParams) -> tuple[Sequence[RiskCondition], str | None]:
        return await keyset_page(self.session, sa.select(RiskCondition), sort=RiskCondition.position,
                                 tiebreak=RiskCondition.id, descending=False, page=page)

    async def active_in_order(self) -> list[RiskCondition]:
        stmt = (sa.select(RiskCondition).where(RiskCondition.active.is_(True))
                .order_by(RiskCondition.position, RiskCondition.name))
        return list((await self.session.execute(stmt)).scalars())

    async def by_name(self, name: str) -> RiskCondition | None:
        return (await self.session.execute(sa.select(RiskCondition).where(RiskCondition.name == name))).scalar()

    async def delete(self, condition: RiskCondition) -> None:
        await self.session.delete(condition)
        await self.session.flush()


class QuestionnaireRepository:
    def __init__(self, session) -> None:  # noqa: ANN001
        self.session = session

    async def get(self) -> RiskQuestionnaire:
        questionnaire = await self.session.get(RiskQuestionnaire, 1)
        if questionnaire is None:  # the migration seeds it; a missing row is a broken install
            raise NotFound("the risk questionnaire is missing; run the change migrations")
        return questionnaire
