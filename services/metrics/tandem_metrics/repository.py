"""Every query of the metrics service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_metrics.domain.kpis import ALL, ORGANISATION, Increment
from tandem_metrics.models import KpiValue

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class KpiValues:
    """KPI values by (kpi, period, dimension)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, increments: Sequence[Increment], *, at: datetime) -> None:
        """Add each increment atomically (concurrent consumers never lose one); `at` stamps the rows."""
        if not increments:
            return
        dialect = self.session.bind.dialect.name
        insert = _INSERTS.get(dialect)
        if insert is None:
            raise RuntimeError(f"kpi upserts support PostgreSQL and SQLite, not {dialect}")
        stmt = insert(KpiValue).values([
            {"kpi": i.kpi, "period": i.period, "dimension": i.dimension, "value": i.delta, "updated_at": at}
            for i in increments
        ])
        table = KpiValue.__table__
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.kpi, table.c.period, table.c.dimension],
            set_={
                "value": table.c.value + stmt.excluded.value,
                # Events may arrive out of time order across topics: keep the latest time seen.
                "updated_at": sa.case((stmt.excluded.updated_at > table.c.updated_at, stmt.excluded.updated_at),
                                      else_=table.c.updated_at),
            },
        )
        await self.session.execute(stmt)

    async def totals(self, kpis: Sequence[str], *, dimension: str = ORGANISATION) -> dict[str, Any]:
        """The 'all' rows of the KPIs by key (KPIs without events are missing)."""
        stmt = sa.select(KpiValue).where(
            KpiValue.kpi.in_(kpis), KpiValue.period == ALL, KpiValue.dimension == dimension)
        return {row.kpi: row for row in (await self.session.execute(stmt)).scalars()}

    async def series(self, kpis: Sequence[str], *, from_week: str | None = None, to_week: str | None = None,
                     dimension: str = ORGANISATION) -> dict[str, list[KpiValue]]:
        """The weekly rows of the KPIs by key, ordered by week (ISO weeks sort as text)."""
        stmt = sa.select(KpiValue).where(
            KpiValue.kpi.in_(kpis), KpiValue.period != ALL, KpiValue.dimension == dimension)
        if from_week:
            stmt = stmt.where(KpiValue.period >= from_week)
        if to_week:
            stmt = stmt.where(KpiValue.period <= to_week)
        found: dict[str, list[KpiValue]] = {k: [] for k in kpis}
        for row in (await self.session.execute(stmt.order_by(KpiValue.kpi, KpiValue.period))).scalars():
            found[row.kpi].append(row)
        return found
