"""KPI use cases: read the catalogue with values, statuses and series; set targets and thresholds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.auth import Actor
from tandem_shared.db import utcnow
from tandem_shared.errors import NotFound, ValidationProblem
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.breaches import recheck
from tandem_metrics.kpis.catalogue import KPIS, Kpi
from tandem_metrics.kpis.dimensions import ORGANISATION, kind_of, name_of
from tandem_metrics.kpis.evaluation import evaluate
from tandem_metrics.kpis.repository import KpiTargets, KpiValues
from tandem_metrics.kpis.schemas import KpiRead, PeriodPoint, SeriesPoint, TargetRead, TargetWrite, ThresholdsRead
from tandem_metrics.kpis.status import check_thresholds, effective, status_of
from tandem_metrics.periods import ALL, MAX_PERIODS, between, count_between, month_of, shift, week_of

DEFAULT_SPAN = {"week": 26, "month": 12}
_TARGET_FIELDS = ("target", "green", "amber", "owner")


def kpi_or_404(key: str) -> Kpi:
    """The catalogue's KPI, or 404 naming the known ones."""
    kpi = KPIS.get(key)
    if kpi is None:
        raise NotFound(f"no KPI {key!r}; known: {', '.join(KPIS)}")
    return kpi


def headline_period(kpi: Kpi, now: datetime) -> str:
    """The period of a KPI's headline value: all time, or the current month."""
    return month_of(now) if kpi.headline == "month" else ALL


def series_periods(granularity: str, start: str | None, end: str | None, now: datetime) -> list[str]:
    """The periods of a series: `start` to `end`, by default the last 26 weeks or 12 months to now; at most 104."""
    current = week_of(now) if granularity == "week" else month_of(now)
    end = end or (shift(start, DEFAULT_SPAN[granularity] - 1) if start and start < current else current)
    start = start or shift(end, -(DEFAULT_SPAN[granularity] - 1))
    if end < start:
        raise ValidationProblem.field("to", f"must not be before from ({start})")
    if count_between(start, end) > MAX_PERIODS:
        raise ValidationProblem.field("from", f"a series holds at most {MAX_PERIODS} periods; {start} to {end} "
                                              f"holds {count_between(start, end)}")
    return between(start, end)


async def read_kpis(session: AsyncSession, kpis: list[Kpi], *, dimension: str = ORGANISATION,
                    granularity: str | None = None, periods: list[str] | None = None,
                    from_week: str | None = None, to_week: str | None = None,
                    now: datetime | None = None) -> list[KpiRead]:
    """The KPIs in the given order: headline value and status for the dimension, series when asked for."""
    now = now or utcnow()
    headlines = {kpi.key: headline_period(kpi, now) for kpi in kpis}
    requests = [(kpi.key, headlines[kpi.key], dimension) for kpi in kpis]
    if granularity and periods:
        requests += [(kpi.key, p, dimension) for kpi in kpis if granularity in kpi.granularities for p in periods]
    values = await evaluate(session, requests)
    targets = await KpiTargets(session).for_kpis([kpi.key for kpi in kpis])
    repo = KpiValues(session)
    stamps = await repo.rows([c for kpi in kpis for c in kpi.components], sorted(set(headlines.values())), dimension)
    weekly = [kpi.key for kpi in kpis if kpi.weekly]
    legacy = (await repo.series(weekly, from_week=from_week, to_week=to_week, dimension=dimension)
              if weekly and not granularity else {})
    result = []
    for kpi in kpis:
        chosen = effective(kpi, dimension, targets.get(kpi.key, {}))
        value = values[(kpi.key, headlines[kpi.key], dimension)]
        times = [stamps[(c, headlines[kpi.key])].updated_at for c in kpi.components
                 if (c, headlines[kpi.key]) in stamps]
        series = None
        if granularity and periods and granularity in kpi.granularities:
            series = [PeriodPoint(period=p, value=values[(kpi.key, p, dimension)],
                                  status=status_of(values[(kpi.key, p, dimension)], kpi.direction, chosen.thresholds))
                      for p in periods]
        elif granularity:
            series = []
        elif kpi.weekly:
            series = [SeriesPoint(period=r.period, value=round(r.value, 9) + 0.0) for r in legacy[kpi.key]]
        result.append(KpiRead(
            key=kpi.key, name=kpi.name, unit=kpi.unit, direction=kpi.direction, description=kpi.description,
            area=kpi.area.value, formula=kpi.formula_text, example=kpi.example or None, owner=chosen.owner,
            events=list(kpi.events), dimensions=list(kpi.dimensions), granularities=list(kpi.granularities),
            dimension=name_of(dimension), period=headlines[kpi.key], value=value,
            status=status_of(value, kpi.direction, chosen.thresholds), target=chosen.target,
            thresholds=ThresholdsRead(green=chosen.thresholds.green, amber=chosen.thresholds.amber)
            if chosen.thresholds else None,
            granularity=granularity, series=series, updated_at=max(times, default=None),
        ))
    return result


def _select(dimension: str, kind: str | None, area: str | None) -> list[Kpi]:
    wanted = kind or kind_of(dimension)
    return [kpi for kpi in KPIS.values() if wanted in kpi.dimensions and (area is None or kpi.area.value == area)]


async def list_kpis(session: AsyncSession, *, dimension: str = ORGANISATION, kind: str | None = None,
                    area: str | None = None) -> list[KpiRead]:
    """The catalogue with each KPI's headline value for a dimension (KPIs not kept per its kind are left out)."""
    return await read_kpis(session, _select(dimension, kind, area), dimension=dimension)


async def get_kpi(session: AsyncSession, key: str, *, dimension: str = ORGANISATION, granularity: str | None = None,
                  start: str | None = None, end: str | None = None, from_week: str | None = None,
                  to_week: str | None = None, now: datetime | None = None) -> KpiRead:
    """One KPI for a dimension, with its series of `granularity` from `start` to `end` (or the first release's
    weekly rows), or 404."""
    kpi = kpi_or_404(key)
    if kind_of(dimension) not in kpi.dimensions:
        raise ValidationProblem.field("dimension", f"{key} is kept per {', '.join(kpi.dimensions)}, "
                                                   f"not per {kind_of(dimension)}")
    now = now or utcnow()
    periods = series_periods(granularity, start, end, now) if granularity else None
    if granularity and granularity not in kpi.granularities:
        raise ValidationProblem.field("granularity", f"{key} has no {granularity} series"
                                      + (f"; it has {', '.join(kpi.granularities)}" if kpi.granularities else ""))
    return (await read_kpis(session, [kpi], dimension=dimension, granularity=granularity, periods=periods,
                            from_week=from_week, to_week=to_week, now=now))[0]


def _target_read(kpi: Kpi, dimension: str, row: sa.Row[Any] | None, rows: dict[str, sa.Row[Any]]) -> TargetRead:
    chosen = effective(kpi, dimension, rows)
    return TargetRead(
        kpi=kpi.key, dimension=name_of(dimension), target=row.target if row else None,
        green=row.green if row else None, amber=row.amber if row else None, owner=row.owner if row else None,
        version=row.version if row else 0, updated_by=row.updated_by if row else None,
        updated_at=row.updated_at if row else None, effective_target=chosen.target,
        effective_thresholds=ThresholdsRead(green=chosen.thresholds.green, amber=chosen.thresholds.amber)
        if chosen.thresholds else None, effective_owner=chosen.owner, source=dict(chosen.source))


async def get_target(session: AsyncSession, kpi: Kpi, dimension: str) -> TargetRead:
    """A KPI's target row for a dimension (version 0 when none was set) and what applies there."""
    rows = (await KpiTargets(session).for_kpis([kpi.key])).get(kpi.key, {})
    return _target_read(kpi, dimension, rows.get(dimension), rows)


def _check_dimension(kpi: Kpi, dimension: str) -> None:
    if kind_of(dimension) not in kpi.dimensions:
        raise ValidationProblem.field("dimension", f"{kpi.key} is kept per {', '.join(kpi.dimensions)}, "
                                                   f"not per {kind_of(dimension)}")


async def put_target(uow: UnitOfWork, *, actor: Actor, kpi: Kpi, dimension: str, body: TargetWrite,
                     if_match: Callable[[int], None] = lambda _version: None) -> TargetRead:
    """Set a KPI's target, thresholds and owner for a dimension (audited field by field); statuses follow at once.

    `if_match(version)` checks the caller's precondition against the row's version once the row is locked.
    """
    _check_dimension(kpi, dimension)
    try:
        check_thresholds(kpi.direction, body.green, body.amber)
    except ValueError as exc:
        raise ValidationProblem.field("green", str(exc)) from exc
    targets = uow.repo(KpiTargets)
    row = await targets.locked(kpi.key, dimension, actor=actor.sub)
    if_match(row.version)
    before = {f: getattr(row, f) for f in _TARGET_FIELDS}
    after = body.model_dump()
    changes = {f: {"before": before[f], "after": after[f]} for f in _TARGET_FIELDS if before[f] != after[f]}
    if changes:
        for field, value in after.items():
            setattr(row, field, value)
        row.version, row.updated_by, row.updated_at = row.version + 1, actor.sub, utcnow()
        await uow.session.flush()
        await uow.audit(actor=actor.sub, action="set_target", entity_type="kpi_target",
                        entity_id=f"{kpi.key}@{name_of(dimension)}", detail={"changes": changes})
        await recheck(uow, kpi, dimension)
    rows = (await targets.for_kpis([kpi.key])).get(kpi.key, {})
    return _target_read(kpi, dimension, rows.get(dimension), rows)
