"""Signal use cases: take in batches of incidents, outages and CSAT responses, idempotently per (source system,
external id), and keep the KPI values they feed.

Each row is validated alone: valid rows are applied, invalid ones reported with their index and fields. A row sent
again unchanged is a no-op; changed, it updates the stored signal (audited field by field, before and after) and
what it counted. These functions are what the HTTP API and the inbound Kafka consumer call (`rows` are the JSON
objects of a batch).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from tandem_shared.db import new_id, utcnow
from tandem_shared.errors import Conflict
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.dimensions import ORGANISATION, dimension
from tandem_metrics.kpis.repository import KpiValues
from tandem_metrics.kpis.rules import Increment
from tandem_metrics.periods import ALL, end_of, granularity_of, overlapping, start_of
from tandem_metrics.services.repository import ServiceHoursRepository
from tandem_metrics.services.rules import Outage as OutageFacts
from tandem_metrics.services.rules import downtime, schedule_from_json
from tandem_metrics.signals.linking import relink
from tandem_metrics.signals.models import CsatResponse, Incident, Outage
from tandem_metrics.signals.repository import CsatResponses, Incidents, Outages
from tandem_metrics.signals.rules import Counted, change_of, csat_counted, row_errors, to_five
from tandem_metrics.signals.schemas import (
    BatchResult,
    CsatSignal,
    IncidentSignal,
    OutageSignal,
    RowError,
    RowResult,
)

M = TypeVar("M", bound=BaseModel)
DOWNTIME = ("service_downtime_unplanned_minutes", "service_downtime_planned_minutes")


def validate_rows(rows: Sequence[Any], model: type[M], source_system: str | None
                  ) -> tuple[list[tuple[int, M]], dict[int, RowResult]]:
    """The valid rows with their index, and a rejected result per invalid row (its fields and why)."""
    valid: list[tuple[int, M]] = []
    rejected: dict[int, RowResult] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            rejected[index] = RowResult(index=index, status="rejected",
                                        errors=[RowError(field="item", message="must be a JSON object")])
            continue
        data = {"source_system": source_system, **row} if source_system and "source_system" not in row else row
        try:
            valid.append((index, model.model_validate(data)))
        except ValidationError as exc:
            rejected[index] = RowResult(index=index, status="rejected", external_id=_text(row.get("external_id")),
                                        errors=[RowError(**e) for e in row_errors(exc)])
    return valid, rejected


def collect_rows(uow: UnitOfWork) -> None:
    """Collect this unit's insert-only rows (outbox, audit) and write them as one insert per table.

    A request's unit inserts each row as it is recorded; a batch of 1,000 signals records an event per link and per
    crossing, so it collects them as a consumer's batch does (written before the next statement, and at the end).
    """
    if uow._buffer is None:  # noqa: SLF001 - the unit's own switch; the shared API has none for requests
        uow._buffer = []  # noqa: SLF001


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _result(received: int, results: dict[int, RowResult]) -> BatchResult:
    ordered = [results[i] for i in sorted(results)]
    count = {s: sum(1 for r in ordered if r.status == s) for s in ("created", "updated", "unchanged", "rejected")}
    return BatchResult(received=received, results=ordered, **count)


async def _upsert(uow: UnitOfWork, *, actor: str, entity: str, repo: Any, model: type, valid: list[tuple[int, Any]],
                  fields: Callable[[Any], dict[str, Any]], results: dict[int, RowResult], now: datetime
                  ) -> tuple[list[Any], dict[uuid.UUID, dict[str, Any]]]:
    """Create or update each valid row's signal; the rows that changed, and what each held before (empty: new)."""
    stored = await repo.by_keys((s.source_system, s.external_id) for _, s in valid)
    changed: dict[uuid.UUID, Any] = {}
    before: dict[uuid.UUID, dict[str, Any]] = {}
    for index, signal in valid:
        key = (signal.source_system, signal.external_id)
        wanted = fields(signal)
        row = stored.get(key)
        if row is None:
            row = model(id=new_id(), source_system=signal.source_system, external_id=signal.external_id, version=1,
                        received_at=now, updated_at=now, updated_by=actor, **wanted)
            repo.add(row)
            stored[key] = row
            before.setdefault(row.id, {})
            changed[row.id] = row
            results[index] = RowResult(index=index, status="created", id=row.id, external_id=signal.external_id)
            continue
        diff = {f: {"before": _json(getattr(row, f)), "after": _json(v)} for f, v in wanted.items()
                if getattr(row, f) != v}
        if not diff:
            if row.id not in changed:
                results[index] = RowResult(index=index, status="unchanged", id=row.id,
                                           external_id=signal.external_id)
            else:  # sent twice in one batch: the first of the two created or updated it
                results[index] = RowResult(index=index, status="updated", id=row.id, external_id=signal.external_id)
            continue
        before.setdefault(row.id, {f: getattr(row, f) for f in wanted})
        for f, v in wanted.items():
            setattr(row, f, v)
        row.version, row.updated_at, row.updated_by = row.version + 1, now, actor
        changed[row.id] = row
        await uow.audit(actor=actor, action="update_signal", entity_type=entity, entity_id=row.id,
                        detail={"source_system": row.source_system, "external_id": row.external_id,
                                "version": row.version, "changes": diff})
        results[index] = RowResult(index=index, status="updated", id=row.id, external_id=signal.external_id)
    created = sum(1 for r in results.values() if r.status == "created")
    if created:
        await uow.audit(actor=actor, action="ingest", entity_type=entity, entity_id="batch",
                        detail={"created": created, "received": len(valid)})
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # another batch created one of these signals meanwhile (PostgreSQL)
        raise Conflict(f"a concurrent batch created one of these {entity} signals; send the batch again (replays "
                       "are no-ops)") from exc
    return list(changed.values()), before


def _incident_fields(signal: IncidentSignal) -> dict[str, Any]:
    return {"service_id": signal.service_id, "ci_ids": signal.all_ci_ids, "priority": signal.priority,
            "opened_at": signal.opened_at, "resolved_at": signal.resolved_at,
            "caused_by_change_id": signal.caused_by_change_id, "caused_by_project_id": signal.caused_by_project_id}


async def ingest_incidents(uow: UnitOfWork, rows: Sequence[Any], *, source_system: str | None = None,
                           actor: str) -> BatchResult:
    """Take in incidents: store them, link each to its cause (source or rule) and count it."""
    collect_rows(uow)
    valid, results = validate_rows(rows, IncidentSignal, source_system)
    changed, _before = await _upsert(uow, actor=actor, entity="incident", repo=uow.repo(Incidents), model=Incident,
                                     valid=valid, fields=_incident_fields, results=results, now=utcnow())
    await relink(uow, changed)
    return _result(len(rows), results)


def _outage_fields(signal: OutageSignal) -> dict[str, Any]:
    return {"service_id": signal.service_id, "start": signal.start, "end": signal.end, "planned": signal.planned}


def _periods(start: datetime, end: datetime) -> set[str]:
    return set(overlapping(start, end, "week")) | set(overlapping(start, end, "month"))


async def ingest_outages(uow: UnitOfWork, rows: Sequence[Any], *, source_system: str | None = None,
                         actor: str) -> BatchResult:
    """Take in outages and recompute the downtime of the periods they (and what they replaced) touch."""
    collect_rows(uow)
    valid, results = validate_rows(rows, OutageSignal, source_system)
    changed, before = await _upsert(uow, actor=actor, entity="outage", repo=uow.repo(Outages), model=Outage,
                                    valid=valid, fields=_outage_fields, results=results, now=utcnow())
    touched: dict[str, set[str]] = {}
    for outage in changed:
        touched.setdefault(outage.service_id, set()).update(_periods(outage.start, outage.end))
        old = before.get(outage.id) or {}
        if old:
            touched.setdefault(old["service_id"], set()).update(_periods(old["start"], old["end"]))
    if touched:
        await uow.repo(ServiceHoursRepository).ensure(touched, monitored=True)
        for service_id in sorted(touched):
            await recompute_downtime(uow, service_id, touched[service_id], at=max(o.updated_at for o in changed))
    return _result(len(rows), results)


async def recompute_downtime(uow: UnitOfWork, service_id: str, periods: Iterable[str], *, at: datetime) -> None:
    """Recompute a service's downtime in some weeks and months from its stored outages and hours.

    The service's values are replaced; the organisation's and the 'all' values move by the difference.
    """
    periods = sorted(set(periods))
    if not periods:
        return
    service = await uow.repo(ServiceHoursRepository).get(service_id)
    schedule = schedule_from_json(service.schedule if service else None)
    outages = await uow.repo(Outages).of_service(service_id, min(start_of(p) for p in periods),
                                                 max(end_of(p) for p in periods))
    facts = [OutageFacts(o.start, o.end, o.planned) for o in outages]
    dim = dimension("service", service_id)
    new: dict[tuple[str, str, str], float] = {}
    for period in periods:
        lost = downtime([f for f in facts if f.start < end_of(period) and f.end > start_of(period)], schedule, period)
        new[(DOWNTIME[0], period, dim)] = round(lost.unplanned, 6)
        new[(DOWNTIME[1], period, dim)] = round(lost.planned, 6)
    values = uow.repo(KpiValues)
    old = await values.get(new)
    await values.set(new, at=at)
    increments = []
    for (kpi, period, _dim), value in new.items():
        delta = value - old.get((kpi, period, dim), 0.0)
        if not delta:
            continue
        increments.append(Increment(kpi, period, delta, ORGANISATION))
        if granularity_of(period) == "month":  # months partition time: 'all' moves as they do
            increments += [Increment(kpi, ALL, delta, dim), Increment(kpi, ALL, delta, ORGANISATION)]
    await values.add(increments, at=at)


async def recompute_service(uow: UnitOfWork, service_id: str, *, at: datetime) -> None:
    """Recompute every period of a service's downtime (after its hours changed)."""
    outages = await uow.repo(Outages).of_service(service_id)
    periods: set[str] = set()
    for outage in outages:
        periods |= _periods(outage.start, outage.end)
    await recompute_downtime(uow, service_id, periods, at=at)


def _csat_fields(signal: CsatSignal) -> dict[str, Any]:
    return {"service_id": signal.service_id, "score": signal.score, "scale": signal.scale,
            "score_5": to_five(signal.score, signal.scale), "responded_at": signal.responded_at,
            "period": signal.period}


async def ingest_csat(uow: UnitOfWork, rows: Sequence[Any], *, source_system: str | None = None,
                      actor: str) -> BatchResult:
    """Take in satisfaction responses and count each (a changed response replaces what it counted)."""
    collect_rows(uow)
    valid, results = validate_rows(rows, CsatSignal, source_system)
    changed, _before = await _upsert(uow, actor=actor, entity="csat", repo=uow.repo(CsatResponses),
                                     model=CsatResponse, valid=valid, fields=_csat_fields, results=results,
                                     now=utcnow())
    values = uow.repo(KpiValues)
    for response in changed:
        counted = csat_counted(score_5=response.score_5, service_id=response.service_id,
                               responded_at=response.responded_at, period=response.period)
        increments = change_of(Counted.from_json(response.counted), counted)
        if increments:
            await values.add(increments, at=response.updated_at)
        response.counted = counted.as_json()
    return _result(len(rows), results)
