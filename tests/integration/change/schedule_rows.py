"""Rows the scheduling tests put straight into the change database (CIs, links, windows, bookings)."""

from __future__ import annotations

import uuid
from datetime import datetime

from tandem_change.cmdb.models import BlackoutWindow, ChangeCI, CIRelationship, ConfigurationItem, MaintenanceWindow
from tandem_change.people.repository import PeopleProjection


async def _add(app, *rows) -> None:
    async with app.state.runtime.sessionmaker() as session, session.begin():
        session.add_all(rows)


async def ci(app, name: str, ci_class: str = "server") -> uuid.UUID:
    """A CI; returns its id."""
    row = ConfigurationItem(name=name, ci_class=ci_class, criticality=3, environment="production", created_by="test")
    await _add(app, row)
    return row.id


async def relate(app, source: uuid.UUID, target: uuid.UUID, type: str = "depends_on") -> None:
    """source depends on (runs on, connects to) target."""
    await _add(app, CIRelationship(source_id=source, target_id=target, type=type, created_by="test"))


async def link(app, change_id: str | uuid.UUID, *ci_ids: uuid.UUID) -> None:
    """Make CIs affected CIs of a change."""
    await _add(app, *(ChangeCI(change_id=uuid.UUID(str(change_id)), ci_id=c) for c in ci_ids))


async def blackout(app, name: str, start: datetime, end: datetime, scope: str = "global",
                   ci_id: uuid.UUID | None = None) -> uuid.UUID:
    row = BlackoutWindow(name=name, start=start, end=end, scope=scope, ci_id=ci_id, created_by="test")
    await _add(app, row)
    return row.id


async def maintenance(app, ci_id: uuid.UUID, rrule: str, starts_at: datetime, minutes: int) -> None:
    await _add(app, MaintenanceWindow(ci_id=ci_id, rrule=rrule, starts_at=starts_at, duration_minutes=minutes))


async def person(app, name: str, team: str) -> uuid.UUID:
    person_id = uuid.uuid4()
    async with app.state.runtime.sessionmaker() as session, session.begin():
        await PeopleProjection(session).upsert(person_id, name=name, team=team)
    return person_id
