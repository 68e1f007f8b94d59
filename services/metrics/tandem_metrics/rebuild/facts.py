"""Facts in a rebuild: copied into the fresh set as they are, kept up to date while it runs, and counted again.

Signals and service hours are not events: nothing can replay them, so the rebuild keeps them. What they feed is
derived, though (their links to changes, their KPI values, the `counted` bookkeeping that lets a changed signal
replace what it added), and it is derived again here with the signal APIs' own functions, once the events are
replayed: every incident relinked and counted, every service's downtime recomputed, every response counted.

Signals sent while the rebuild runs reach the live tables; `sync` copies the rows changed since a time (by their
`updated_at`, with a margin for clocks) and derives what they feed, once before the swap and once more while it
holds the live tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from tandem_shared.uow import UnitOfWork

from tandem_metrics.kpis.repository import KpiValues
from tandem_metrics.models import Base
from tandem_metrics.periods import overlapping
from tandem_metrics.rebuild.tables import FACTS
from tandem_metrics.services.models import ServiceHours
from tandem_metrics.signals.linking import relink
from tandem_metrics.signals.models import CsatResponse, Incident, Outage
from tandem_metrics.signals.rules import Counted, change_of, csat_counted
from tandem_metrics.signals.service import recompute_downtime, recompute_service

MARGIN = timedelta(minutes=5)  # rows updated this long before a sync started are looked at again (clock skew)
CHUNK = 1_000


@dataclass
class Changed:
    """Fact rows a sync copied: (new values, old values or None when new) per table."""

    rows: dict[str, list[tuple[dict[str, Any], dict[str, Any] | None]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(map(len, self.rows.values()))


class FactTables:
    """The fact tables in the live schema and in the fresh one, for copies between them."""

    def __init__(self, live_schema: str, fresh_schema: str) -> None:
        live, fresh = sa.MetaData(), sa.MetaData()
        self.pairs = {name: (Base.metadata.tables[name].to_metadata(live, schema=live_schema),
                             Base.metadata.tables[name].to_metadata(fresh, schema=fresh_schema)) for name in FACTS}

    async def copy(self, connection: AsyncConnection) -> int:
        """Copy every fact row into the fresh tables, derived columns empty; return how many."""
        copied = 0
        for name, (live, fresh) in self.pairs.items():
            columns = [sa.null().label(c.name) if c.name in FACTS[name] else c for c in live.columns]
            result = await connection.execute(sa.insert(fresh).from_select([c.name for c in live.columns],
                                                                           sa.select(*columns)))
            copied += result.rowcount or 0
        return copied

    async def sync(self, connection: AsyncConnection, since: datetime) -> Changed:
        """Copy the live rows updated since `since` that the fresh tables lack or hold otherwise."""
        changed = Changed()
        for name, (live, fresh) in self.pairs.items():
            derived = FACTS[name]
            keys = [c.name for c in live.primary_key.columns]
            rows = (await connection.execute(sa.select(live).where(live.c.updated_at >= since))).mappings().all()
            found: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
            for start in range(0, len(rows), CHUNK):
                chunk = [{k: v for k, v in row.items() if k not in derived} for row in rows[start:start + CHUNK]]
                stored = {_key(row, keys): {k: v for k, v in row.items() if k not in derived}
                          for row in (await connection.execute(sa.select(fresh).where(
                              sa.tuple_(*[fresh.c[k] for k in keys]).in_([_key(r, keys) for r in chunk])))).mappings()}
                for row in chunk:
                    old = stored.get(_key(row, keys))
                    if old == row:
                        continue
                    if old is None:
                        await connection.execute(sa.insert(fresh).values(**row, **dict.fromkeys(derived)))
                    else:
                        await connection.execute(sa.update(fresh).where(
                            *[fresh.c[k] == row[k] for k in keys]).values(**row))
                    found.append((row, old))
            if found:
                changed.rows[name] = found
        return changed


def _key(row: Any, keys: list[str]) -> tuple[Any, ...]:
    return tuple(row[k] for k in keys)


def _periods(start: datetime, end: datetime) -> set[str]:
    return set(overlapping(start, end, "week")) | set(overlapping(start, end, "month"))


async def _recount_csat(uow: UnitOfWork, responses: Iterable[CsatResponse]) -> None:
    """Replace each response's contribution by the one its data gives (as the CSAT ingest does)."""
    values = uow.repo(KpiValues)
    for response in responses:
        counted = csat_counted(score_5=response.score_5, service_id=response.service_id,
                               responded_at=response.responded_at, period=response.period)
        increments = change_of(Counted.from_json(response.counted), counted)
        if increments:
            await values.add(increments, at=response.updated_at)
        response.counted = counted.as_json()


async def _downtime_at(uow: UnitOfWork, service_id: str) -> datetime | None:
    """The time live stamps a service's downtime with: its latest outage, or its hours when set later."""
    latest = (await uow.session.execute(sa.select(sa.func.max(Outage.updated_at))
                                        .where(Outage.service_id == service_id))).scalar()
    service = await uow.session.get(ServiceHours, service_id)
    if service is not None and service.configured and (latest is None or service.updated_at > latest):
        latest = service.updated_at
    return latest


async def _chunks(uow: UnitOfWork, model: Any, order: list[Any]) -> list[list[Any]]:
    rows = list((await uow.session.execute(sa.select(model).order_by(*order))).scalars())
    return [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]


async def derive_all(uow: UnitOfWork) -> None:
    """Derive what every kept fact feeds: links and counts of incidents, downtime, satisfaction."""
    for chunk in await _chunks(uow, Incident, [Incident.opened_at, Incident.id]):
        await relink(uow, chunk)
    services = (await uow.session.execute(sa.select(Outage.service_id).distinct().order_by(Outage.service_id)))
    for service_id in services.scalars().all():
        at = await _downtime_at(uow, service_id)
        if at is not None:
            await recompute_service(uow, service_id, at=at)
    for chunk in await _chunks(uow, CsatResponse, [CsatResponse.id]):
        await _recount_csat(uow, chunk)


async def derive_changed(uow: UnitOfWork, changed: Changed) -> None:
    """Derive what the facts a sync copied feed, from what they held before (nothing: new)."""
    session = uow.session
    incident_ids = [new["id"] for new, _old in changed.rows.get("metrics_incidents", [])]
    if incident_ids:
        await relink(uow, list((await session.execute(sa.select(Incident).where(
            Incident.id.in_(incident_ids)))).scalars()))
    touched: dict[str, set[str]] = {}
    for new, old in changed.rows.get("metrics_outages", []):
        touched.setdefault(new["service_id"], set()).update(_periods(new["start"], new["end"]))
        if old is not None:
            touched.setdefault(old["service_id"], set()).update(_periods(old["start"], old["end"]))
    for new, _old in changed.rows.get("metrics_services", []):
        touched.setdefault(new["service_id"], set()).add("*")
    for service_id in sorted(touched):
        at = await _downtime_at(uow, service_id)
        if at is None:
            continue
        if "*" in touched[service_id]:
            await recompute_service(uow, service_id, at=at)
        else:
            await recompute_downtime(uow, service_id, touched[service_id], at=at)
    csat_ids = [new["id"] for new, _old in changed.rows.get("metrics_csat", [])]
    if csat_ids:
        await _recount_csat(uow, list((await session.execute(sa.select(CsatResponse).where(
            CsatResponse.id.in_(csat_ids)))).scalars()))
