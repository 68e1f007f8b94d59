"""KPI values for (KPI, period, dimension) triples: the stored components read in a few queries, then the formulas."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from tandem_metrics.kpis.catalogue import KPIS
from tandem_metrics.kpis.dimensions import ORGANISATION, kind_of, value_of
from tandem_metrics.kpis.formulas import Uptime
from tandem_metrics.kpis.repository import KpiValues
from tandem_metrics.services.repository import ServiceHoursRepository
from tandem_metrics.services.rules import ALWAYS, Schedule, committed_minutes

Request = tuple[str, str, str]  # (kpi key, period, dimension)
_PER_DIMENSION_QUERIES = 8


def _clean(value: float | None) -> float | None:
    """Hide float drift of many increments (and -0.0) without touching meaningful digits."""
    return None if value is None else round(value, 9) + 0.0


class ServiceHoursContext:
    """Committed minutes of a service (its schedule) or of the organisation (every monitored service's)."""

    def __init__(self, schedules: dict[str, Schedule], monitored: list[tuple[Schedule, int]]) -> None:
        self.schedules = schedules
        self.monitored = monitored

    def committed_minutes(self, dimension: str, period: str) -> float | None:
        if dimension == ORGANISATION:
            return sum(count * committed_minutes(schedule, period) for schedule, count in self.monitored) or None
        if kind_of(dimension) == "service":
            return committed_minutes(self.schedules.get(value_of(dimension) or "", ALWAYS), period)
        return None


async def context_for(session: AsyncSession, requests: Iterable[Request]) -> ServiceHoursContext | None:
    """The service hours the requests' uptime KPIs need (None when none asks for uptime)."""
    dims = {dim for key, _period, dim in requests if isinstance(KPIS[key].compute, Uptime)}
    if not dims:
        return None
    repo = ServiceHoursRepository(session)
    schedules = {}
    for dim in sorted(d for d in dims if kind_of(d) == "service"):
        service_id = value_of(dim) or ""
        schedules[service_id] = await repo.schedule_of(service_id)
    monitored = await repo.monitored_groups() if ORGANISATION in dims else []
    return ServiceHoursContext(schedules, monitored)


async def stored_values(session: AsyncSession, requests: Iterable[Request]) -> dict[tuple[str, str, str], float]:
    """The stored components the requests read, by (component, period, dimension)."""
    needed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, period, dim in requests:
        needed[dim].update(KPIS[key].compute.reads(period))
    repo = KpiValues(session)
    if len(needed) > _PER_DIMENSION_QUERIES:
        wanted = {(c, p, dim) for dim, pairs in needed.items() for c, p in pairs}
        return {key: value for key, value in (await repo.within(wanted)).items() if key in wanted}
    found: dict[tuple[str, str, str], float] = {}
    for dim, pairs in needed.items():
        rows = await repo.rows([c for c, _ in pairs], [p for _, p in pairs], dim)
        found.update({(c, p, dim): row.value for (c, p), row in rows.items() if (c, p) in pairs})
    return found


async def evaluate(session: AsyncSession, requests: Iterable[Request]) -> dict[Request, float | None]:
    """Each requested KPI's value for its period and dimension (None where undefined)."""
    requests = list(dict.fromkeys(requests))
    stored = await stored_values(session, requests)
    context = await context_for(session, requests)
    by_dim: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for (component, period, dim), value in stored.items():
        by_dim[dim][(component, period)] = value
    return {(key, period, dim): _clean(KPIS[key].compute.evaluate(by_dim[dim], period, dim, context))
            for key, period, dim in requests}
