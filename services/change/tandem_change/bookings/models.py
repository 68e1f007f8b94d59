"""The change_alerts table: what capacity could not book for a change, addressed to whoever should act on it."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base


class ChangeAlert(Base):
    """One alert about a change (today: capacity rejected its booking), for a recipient."""

    __tablename__ = "change_alerts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    change_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    team: Mapped[str | None] = mapped_column(sa.String(100))
    person_id: Mapped[uuid.UUID | None] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
