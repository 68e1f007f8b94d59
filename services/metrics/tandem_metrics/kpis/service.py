"""Metrics use cases: apply an event's increments, and read KPIs with their values."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.errors import NotFound
from tandem_shared.events import CloudEvent, EventData
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.rules import KPIS, Kpi, increments, value_of
from tandem_metrics.kpis.repository import KpiValues
from tandem_metrics.kpis.schemas import KpiRead, SeriesPoint


def _clean(value: float) -> float:
    """Hide float drift of many increments (and -0.0) without touching meaningful digits."""
    return round(value, 9) + 0.0


async def apply_event(uow: UnitOfWork, event: CloudEvent, data: EventData) -> None:
    """Add what the event counts to the KPIs, stamped with the event's own time."""
    await uow.repo(KpiValues).add(increments(data), at=event.time)


async def read_kpis(session: AsyncSession, kpis: list[Kpi], *, from_week: str | None = None,
                    to_week: str | None = None) -> list[KpiRead]:
    """The KPIs in the given order, with values, series and the time they last changed."""
    stored_keys = sorted({k for kpi in kpis for k in (kpi.ratio_of or (kpi.key,))})
    repo = KpiValues(session)
    rows = await repo.totals(stored_keys)
    weekly = [kpi.key for kpi in kpis if kpi.weekly]
    series = await repo.series(weekly, from_week=from_week, to_week=to_week) if weekly else {}
    stored = {key: _clean(row.value) for key, row in rows.items()}
    result = []
    for kpi in kpis:
        times = [rows[k].updated_at for k in (kpi.ratio_of or (kpi.key,)) if k in rows]
        points = [SeriesPoint(period=r.period, value=_clean(r.value)) for r in series[kpi.key]] if kpi.weekly else None
        result.append(KpiRead(
            key=kpi.key, name=kpi.name, unit=kpi.unit, direction=kpi.direction, description=kpi.description,
            value=value_of(kpi, stored),
            series=points,
            updated_at=max(times, default=None),
        ))
    return result


async def list_kpis(session: AsyncSession) -> list[KpiRead]:
    """Every KPI of the registry."""
    return await read_kpis(session, list(KPIS.values()))


async def get_kpi(session: AsyncSession, key: str, *, from_week: str | None, to_week: str | None) -> KpiRead:
    """One KPI, or 404."""
    kpi = KPIS.get(key)
    if kpi is None:
        raise NotFound(f"no KPI {key!r}; known: {', '.join(KPIS)}")
    return (await read_kpis(session, [kpi], from_week=from_week, to_week=to_week))[0]
