"""Every query of a change's booking status and of change alerts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from tandem_shared.api import PageParams
from tandem_shared.db import utcnow
from tandem_shared.repository import keyset_page

from tandem_change.bookings.models import ChangeAlert
from tandem_change.record.models import Change

CHANGES = Change.__table__


class BookingStatusRepository:
    """The booking columns of changes, and change_alerts."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_status(self, change_id: uuid.UUID, status: str, reason: str | None, as_of: datetime) -> bool:
        """Set the change's booking status unless a later event set it already; False when the change is unknown
        here or the event is older."""
        # A Core update: the status is capacity's news, not an edit, so the change's version (its ETag) stays.
        result: Any = await self.session.execute(
            sa.update(CHANGES)
            .where(CHANGES.c.id == change_id,
                   sa.or_(CHANGES.c.booking_updated_at.is_(None), CHANGES.c.booking_updated_at <= as_of))
            .values(booking_status=status, booking_reason=reason, booking_updated_at=as_of))
        return bool(result.rowcount)

    async def add_alert(self, **values: Any) -> ChangeAlert:
        """Store an alert."""
        alert = ChangeAlert(created_at=utcnow(), **values)
        self.session.add(alert)
        await self.session.flush()
        return alert

    async def alerts(self, page: PageParams, *, recipient: str | None, change_id: uuid.UUID | None,
                     team: str | None = None) -> tuple[Sequence[ChangeAlert], str | None]:
        """Alerts newest first, filtered."""
        stmt = sa.select(ChangeAlert)
        if recipient is not None:
            stmt = stmt.where(ChangeAlert.recipient == recipient)
        if change_id is not None:
            stmt = stmt.where(ChangeAlert.change_id == change_id)
        if team is not None:
            stmt = stmt.where(ChangeAlert.team == team)
        return await keyset_page(self.session, stmt, sort=ChangeAlert.created_at, tiebreak=ChangeAlert.id,
                                 descending=True, page=page)
