"""Every query of the signals."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tandem_metrics.signals.models import CsatResponse, Incident, Outage

S = TypeVar("S", Incident, Outage, CsatResponse)
_CHUNK = 400


class _Signals(Generic[S]):
    model: type[S]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_keys(self, keys: Iterable[tuple[str, str]], *, lock: bool = True) -> dict[tuple[str, str], S]:
        """Signals by (source system, external id), locked for update on PostgreSQL (replays wait for each other)."""
        keys = sorted(set(keys))
        found: dict[tuple[str, str], S] = {}
        model = self.model
        for start in range(0, len(keys), _CHUNK):
            stmt = sa.select(model).where(sa.tuple_(model.source_system, model.external_id)
                                          .in_(keys[start:start + _CHUNK]))
            if lock:
                stmt = stmt.with_for_update()
            found.update({(row.source_system, row.external_id): row
                          for row in (await self.session.execute(stmt)).scalars()})
        return found

    def add(self, row: S) -> None:
        """A new signal."""
        self.session.add(row)

    async def get(self, signal_id: uuid.UUID) -> S | None:
        """One signal by id."""
        return await self.session.get(self.model, signal_id)


class Incidents(_Signals[Incident]):
    """Incidents."""

    model = Incident

    async def opened_between(self, start: datetime, end: datetime) -> list[Incident]:
        """Incidents opened in [start, end], oldest first."""
        stmt = sa.select(Incident).where(Incident.opened_at >= start, Incident.opened_at <= end)
        return list((await self.session.execute(stmt.order_by(Incident.opened_at, Incident.id))).scalars())

    async def caused_by_change(self, change_ids: Iterable[uuid.UUID]) -> list[Incident]:
        """Incidents whose source named one of the changes as their cause."""
        ids = sorted(set(change_ids))
        found: list[Incident] = []
        for start in range(0, len(ids), 500):
            stmt = sa.select(Incident).where(Incident.caused_by_change_id.in_(ids[start:start + 500]))
            found += (await self.session.execute(stmt)).scalars()
        return found

    async def by_ids(self, ids: Iterable[uuid.UUID], *, lock: bool = False) -> list[Incident]:
        """Incidents by id (locked for update in id order when asked)."""
        ids = sorted(set(ids))
        if not ids:
            return []
        stmt = sa.select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return list((await self.session.execute(stmt)).scalars())

    async def page(self, *, limit: int, cursor: tuple | None, service_id: str | None = None,
                   source_system: str | None = None, change_id: uuid.UUID | None = None,
                   incident_ids: list[uuid.UUID] | None = None) -> tuple[list[Incident], bool]:
        """Incidents newest first (opened_at, id), filtered; and whether more follow."""
        stmt = sa.select(Incident)
        if service_id is not None:
            stmt = stmt.where(Incident.service_id == service_id)
        if source_system is not None:
            stmt = stmt.where(Incident.source_system == source_system)
        if incident_ids is not None:
            stmt = stmt.where(Incident.id.in_(incident_ids))
        if change_id is not None and incident_ids is None:
            stmt = stmt.where(Incident.caused_by_change_id == change_id)
        if cursor:
            opened_at, last_id = datetime.fromisoformat(cursor[0]), uuid.UUID(cursor[1])
            stmt = stmt.where(sa.or_(Incident.opened_at < opened_at,
                                     sa.and_(Incident.opened_at == opened_at, Incident.id < last_id)))
        rows = list((await self.session.execute(
            stmt.order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit + 1))).scalars())
        return rows[:limit], len(rows) > limit


class Outages(_Signals[Outage]):
    """Outages."""

    model = Outage

    async def of_service(self, service_id: str, start: datetime | None = None, end: datetime | None = None
                         ) -> list[Outage]:
        """A service's outages overlapping [start, end) (all of them without bounds)."""
        stmt = sa.select(Outage).where(Outage.service_id == service_id)
        if start is not None:
            stmt = stmt.where(Outage.end > start)
        if end is not None:
            stmt = stmt.where(Outage.start < end)
        return list((await self.session.execute(stmt.order_by(Outage.start, Outage.id))).scalars())


class CsatResponses(_Signals[CsatResponse]):
    """Satisfaction responses."""

    model = CsatResponse
