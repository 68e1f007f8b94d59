"""Threshold crossings: after values change, each judged KPI they feed is evaluated and its series' status compared
with the remembered one (status.py says when that publishes `metrics.kpi.threshold_crossed.v1`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from tandem_shared.contracts.metrics import KpiThresholdCrossed, KpiThresholds
from tandem_shared.db import utcnow
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.catalogue import KPIS, Kpi, kpis_reading
from tandem_metrics.kpis.dimensions import kind_of, name_of
from tandem_metrics.kpis.evaluation import Request, evaluate
from tandem_metrics.kpis.models import KpiStatus
from tandem_metrics.kpis.repository import TOUCHED, KpiStatuses, KpiTargets, KpiValues, TargetRows
from tandem_metrics.kpis.status import crossing, effective, status_of
from tandem_metrics.periods import ALL, granularity_of

_table = KpiStatus.__table__


def _status_upsert(insert: Any) -> Any:
    stmt = insert(_table)
    return stmt.on_conflict_do_update(
        index_elements=[_table.c.kpi, _table.c.dimension, _table.c.granularity],
        set_={c: stmt.excluded[c] for c in ("period", "status", "value", "updated_at")})


_UPSERTS = {"postgresql": _status_upsert(postgresql.insert), "sqlite": _status_upsert(sqlite.insert)}


def judged_in(kpi: Kpi, period: str, dimension: str, targets: TargetRows) -> bool:
    """Whether a KPI has a status to keep for this period and dimension."""
    if not kpi.judged or (kpi.thresholds is None and kpi.key not in targets):
        return False
    granularity = granularity_of(period)
    if granularity == ALL and kpi.headline != ALL:
        return False
    if granularity != ALL and granularity not in kpi.granularities:
        return False
    return kind_of(dimension) in kpi.dimensions


def affected(touched: Iterable[tuple[str, str, str]], targets: TargetRows) -> set[Request]:
    """The (kpi, period, dimension) whose value the written components may have moved, among judged KPIs."""
    found: set[Request] = set()
    for component, period, dimension in touched:
        for kpi in kpis_reading(component):
            if judged_in(kpi, period, dimension, targets):
                found.add((kpi.key, period, dimension))
    return found


async def check_touched(uow: UnitOfWork) -> None:
    """Evaluate what this transaction's writes moved and publish each crossing (run just before the commit)."""
    touched = uow.cache.pop(TOUCHED, set())
    if not touched:
        return
    targets = await uow.repo(KpiTargets).for_kpis()
    requests = affected(touched, targets)
    if requests:
        await judge(uow, requests, targets)


async def judge(uow: UnitOfWork, requests: Iterable[Request], targets: TargetRows, *,
                at: Any = None) -> list[KpiThresholdCrossed]:
    """Evaluate values, compare each series' status with the remembered one, store and publish the crossings."""
    await uow.repo(KpiValues).flush()
    requests = sorted(set(requests), key=lambda r: (r[0], r[2], granularity_of(r[1]), r[1]))
    values = await evaluate(uow.session, requests)
    series = {(key, dim, granularity_of(period)) for key, period, dim in requests}
    remembered = {k: (row.period, row.status) for k, row in (await uow.repo(KpiStatuses).get(series)).items()}
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    published = []
    for key, period, dim in requests:
        kpi, granularity = KPIS[key], granularity_of(period)
        chosen = effective(kpi, dim, targets.get(key, {}))
        value = values[(key, period, dim)]
        status = status_of(value, kpi.direction, chosen.thresholds)
        decision = crossing(remembered.get((key, dim, granularity)), period, status)
        if decision.store and status is not None and value is not None:
            remembered[(key, dim, granularity)] = (period, status)
            rows[(key, dim, granularity)] = {"kpi": key, "dimension": dim, "granularity": granularity,
                                             "period": period, "status": status, "value": value,
                                             "updated_at": at or utcnow()}
        if decision.publish and status is not None and value is not None and chosen.thresholds is not None:
            event = KpiThresholdCrossed(
                kpi=key, name=kpi.name, unit=kpi.unit, direction=kpi.direction.value, dimension=name_of(dim),
                granularity=granularity, period=period, from_status=decision.from_status, to_status=status,
                value=value, target=chosen.target,
                thresholds=KpiThresholds(green=chosen.thresholds.green, amber=chosen.thresholds.amber))
            await uow.record(event, actor=None)
            published.append(event)
    if rows:
        connection = await uow.connection()
        await connection.execute(_UPSERTS[connection.dialect.name], [rows[k] for k in sorted(rows)])
    return published


async def recheck(uow: UnitOfWork, kpi: Kpi, dimension: str) -> list[KpiThresholdCrossed]:
    """After a KPI's targets changed for a dimension (or a kind, `team:*`): judge its series again.

    Series with a remembered status are judged at their remembered period; the named dimension's series without one
    at its latest week and month with values (and over all time, for KPIs judged over all time).
    """
    targets = await uow.repo(KpiTargets).for_kpis([kpi.key])
    statuses = uow.repo(KpiStatuses)
    if dimension.endswith(":*"):
        rows = await statuses.of_kpi(kpi.key, kind=dimension[:-2])
    else:
        rows = await statuses.of_kpi(kpi.key, dimensions=[dimension])
    requests: set[Request] = {(kpi.key, row.period, row.dimension) for row in rows}
    if not dimension.endswith(":*"):
        known = {row.granularity for row in rows}
        latest = await uow.repo(KpiValues).latest_periods(kpi.components, dimension)
        candidates = [*(latest[g] for g in ("week", "month") if g in latest and g not in known),
                      *([ALL] if ALL not in known else [])]
        requests |= {(kpi.key, period, dimension) for period in candidates
                     if judged_in(kpi, period, dimension, targets)}
    return await judge(uow, requests, targets) if requests else []

