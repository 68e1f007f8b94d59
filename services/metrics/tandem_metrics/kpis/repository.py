"""Every query of the metrics service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.rules import ALL, ORGANISATION, Increment
from tandem_metrics.kpis.models import KpiValue

_PENDING = "metrics.pending_increments"
_table = KpiValue.__table__


def _upsert(insert: Any) -> Any:
    stmt = insert(_table)
    return stmt.on_conflict_do_update(
        index_elements=[_table.c.kpi, _table.c.period, _table.c.dimension],
        set_={
            "value": _table.c.value + stmt.excluded.value,
            # Events may arrive out of time order across topics: keep the latest time seen.
            "updated_at": sa.case((stmt.excluded.updated_at > _table.c.updated_at, stmt.excluded.updated_at),
                                  else_=_table.c.updated_at),
        },
    )


# Built once: building the upsert cost more than running it, for every event.
_UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


async def _write_pending(uow: UnitOfWork) -> None:
    pending: dict[tuple[str, str, str], tuple[float, datetime]] = uow.cache.pop(_PENDING, {})
    if not pending:
        return
    connection = await uow.connection()
    upsert = _UPSERTS.get(connection.dialect.name)
    if upsert is None:
        raise RuntimeError(f"kpi upserts support PostgreSQL and SQLite, not {connection.dialect.name}")
    # In key order: two consumers' transactions lock shared rows in the same order, so neither waits on the other.
    await connection.execute(upsert, [
        {"kpi": kpi, "period": period, "dimension": dimension, "value": value, "updated_at": at}
        for (kpi, period, dimension), (value, at) in sorted(pending.items())])


class KpiValues:
    """KPI values by (kpi, period, dimension)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, increments: Sequence[Increment], *, at: datetime) -> None:
        """Add each increment atomically at commit; `at` stamps the rows (the latest time seen wins).

        Summed per KPI row over the transaction, so a consumer's batch of events writes each row once, with one
        prebuilt statement; concurrent consumers never lose an increment (the upsert adds to the stored value).
        """
        if not increments:
            return
        uow = UnitOfWork.of(self.session)
        pending: dict[tuple[str, str, str], tuple[float, datetime]] = uow.cache.setdefault(_PENDING, {})
        for i in increments:
            key = (i.kpi, i.period, i.dimension)
            value, latest = pending.get(key, (0.0, at))
            pending[key] = (value + i.delta, max(latest, at))
        uow.before_commit(_PENDING, _write_pending)

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
