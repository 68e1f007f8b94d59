"""Every query of actual costs, the labour cost projection, and (read-only) the business case's planned costs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from tandem_shared.api import PageParams
from tandem_shared.errors import NotFound
from tandem_shared.repository import EntityRepository, keyset_page

from tandem_portfolio.business_cases.models import BusinessCase, BusinessCaseLine
from tandem_portfolio.costs.models import ActualCost, ActualLabourCost

COST_KINDS = ("capex", "opex")  # a business case's benefit lines are not costs


def _by_month(rows: Sequence[tuple[int, object]]) -> dict[int, Decimal]:
    # SQLite sums NUMERIC as floats: back to cents through their text.
    return {int(month): Decimal(str(total)).quantize(Decimal("0.01")) for month, total in rows}


class ActualCostRepository(EntityRepository[ActualCost]):
    """Actual costs of projects, and what the budget view reads beside them."""

    model, noun = ActualCost, "actual cost"

    async def of_project_or_404(self, project_id: uuid.UUID, cost_id: uuid.UUID) -> ActualCost:
        """The project's cost entry, or a 404."""
        cost = await self.get(cost_id)
        if cost is None or cost.project_id != project_id:
            raise NotFound(f"no actual cost with id {cost_id} in project {project_id}")
        return cost

    async def page(self, project_id: uuid.UUID, page: PageParams, *, first: int | None = None,
                   last: int | None = None) -> tuple[Sequence[ActualCost], str | None]:
        """A page of the project's entries by month, between two months (inclusive) when given."""
        stmt = sa.select(ActualCost).where(ActualCost.project_id == project_id)
        if first is not None:
            stmt = stmt.where(ActualCost.month >= first)
        if last is not None:
            stmt = stmt.where(ActualCost.month <= last)
        return await keyset_page(self.session, stmt, sort=ActualCost.month, tiebreak=ActualCost.id,
                                 descending=False, page=page)

    async def currency_in_use(self, project_id: uuid.UUID) -> str | None:
        """The currency of the project's entries so far (they all share one)."""
        stmt = sa.select(ActualCost.currency).where(ActualCost.project_id == project_id).limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def costs_by_month(self, project_id: uuid.UUID) -> dict[int, Decimal]:
        """Entered costs per month."""
        stmt = (sa.select(ActualCost.month, sa.func.sum(ActualCost.amount))
                .where(ActualCost.project_id == project_id).group_by(ActualCost.month))
        return _by_month((await self.session.execute(stmt)).all())

    async def labour_by_month(self, project_id: uuid.UUID) -> dict[int, Decimal]:
        """Labour cost per month from the projection (empty until it is fed)."""
        stmt = sa.select(ActualLabourCost.month, ActualLabourCost.amount).where(
            ActualLabourCost.project_id == project_id)
        return _by_month((await self.session.execute(stmt)).all())

    async def spent(self, project_id: uuid.UUID) -> tuple[set[str], Decimal, bool]:
        """Currencies of the project's entered costs, what it spent (entered + labour) and whether it recorded any
        actual cost at all."""
        # Summed in whole cents: SQLite keeps NUMERIC as floating point, integers add exactly on both databases.
        entered = await self.session.execute(
            sa.select(ActualCost.currency, sa.func.sum(sa.func.round(ActualCost.amount * 100)), sa.func.count())
            .where(ActualCost.project_id == project_id).group_by(ActualCost.currency))
        currencies, cents, rows = set(), 0, 0
        for currency, total, count in entered:
            currencies.add(currency)
            cents, rows = cents + int(total), rows + count
        labour = await self.session.execute(
            sa.select(sa.func.sum(sa.func.round(ActualLabourCost.amount * 100)), sa.func.count())
            .where(ActualLabourCost.project_id == project_id))
        total, count = labour.one()
        return currencies, Decimal(cents + int(total or 0)).scaleb(-2), rows + count > 0

    async def business_case_plan(self, project_id: uuid.UUID) -> tuple[str, dict[int, Decimal]] | None:
        """The business case's currency and its cost lines (capex + opex) per month; None without a case."""
        currency = (await self.session.execute(
            sa.select(BusinessCase.currency).where(BusinessCase.project_id == project_id))).scalar_one_or_none()
        if currency is None:
            return None
        stmt = (sa.select(BusinessCaseLine.month, sa.func.sum(BusinessCaseLine.amount))
                .where(BusinessCaseLine.project_id == project_id, BusinessCaseLine.kind.in_(COST_KINDS))
                .group_by(BusinessCaseLine.month))
        return currency, _by_month((await self.session.execute(stmt)).all())

    async def save(self, cost: ActualCost) -> ActualCost:
        """Write a changed entry now, so its new version (the ETag) is known."""
        await self.session.flush()
        return cost

    async def delete(self, cost: ActualCost) -> None:
        """Remove an entry."""
        await self.session.delete(cost)
        await self.session.flush()
