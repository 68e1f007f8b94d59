"""Every query of the services' committed hours."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.db import utcnow
from tandem_shared.uow import UnitOfWork

from tandem_metrics.services.models import ServiceHours
from tandem_metrics.services.rules import ALWAYS, Schedule, schedule_from_json


class ServiceHoursRepository:
    """Services by id, with their schedules."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, service_id: str, *, lock: bool = False) -> ServiceHours | None:
        """One service, locked for update on PostgreSQL when asked (its downtime is being recomputed)."""
        stmt = sa.select(ServiceHours).where(ServiceHours.service_id == service_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def ensure(self, service_ids: Iterable[str], *, monitored: bool = False) -> dict[str, ServiceHours]:
        """The services by id, added 24x7 when unknown (and marked monitored when asked), locked in id order.

        Unknown ones are inserted with ON CONFLICT DO NOTHING first, so two writers adding the same service queue on
        its row rather than one failing on the key.
        """
        ids = sorted(set(service_ids))
        if not ids:
            return {}
        connection = await UnitOfWork.of(self.session).connection()
        insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(
            ServiceHours.__table__)
        now = utcnow()
        await connection.execute(insert.on_conflict_do_nothing(), [
            {"service_id": i, "schedule": ALWAYS.stored(), "configured": False, "monitored": monitored,
             "version": 0, "updated_by": None, "updated_at": now} for i in ids])
        stmt = sa.select(ServiceHours).where(ServiceHours.service_id.in_(ids)).order_by(ServiceHours.service_id)
        found = {row.service_id: row for row in (await self.session.execute(
            stmt.with_for_update().execution_options(populate_existing=True))).scalars()}
        for row in found.values():
            if monitored and not row.monitored:
                row.monitored = True
        await self.session.flush()
        return found

    async def schedule_of(self, service_id: str) -> Schedule:
        """The service's schedule (24x7 when unknown)."""
        row = await self.session.get(ServiceHours, service_id)
        return schedule_from_json(row.schedule) if row else ALWAYS

    async def monitored_groups(self) -> list[tuple[Schedule, int]]:
        """Monitored services grouped by schedule: (schedule, how many services)."""
        stmt = sa.select(ServiceHours.schedule, sa.func.count()).where(ServiceHours.monitored.is_(True)).group_by(
            ServiceHours.schedule)
        return [(schedule_from_json(schedule), count) for schedule, count in (await self.session.execute(stmt)).all()]
