"""Tables of change scheduling: capacity's bookings as change knows them, and detected conflicts."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_change.db import Base
from tandem_change.record.models import Change


class KnownBooking(Base):
    """Projection of capacity's bookings (created / moved / released events): who is busy when."""

    __tablename__ = "known_bookings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the booking id in capacity
    person_id: Mapped[uuid.UUID] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    source_id: Mapped[str] = mapped_column(sa.String(100))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    hours: Mapped[float] = mapped_column(sa.Float)
    active: Mapped[bool] = mapped_column(default=True)
    # Time of the latest capacity event applied to the row: an older creation or move replayed after it is skipped.
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_known_bookings_person_id_start", "person_id", "start"),)


class ChangeConflict(Base):
    """A schedule conflict found for a change; replaced on every check."""

    __tablename__ = "change_conflicts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    change_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    reason: Mapped[str] = mapped_column(sa.Text)
    ci_id: Mapped[uuid.UUID | None] = mapped_column()
    other_change_id: Mapped[uuid.UUID | None] = mapped_column()
    blackout_id: Mapped[uuid.UUID | None] = mapped_column()
    booking_id: Mapped[uuid.UUID | None] = mapped_column()
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# Declared here rather than on Change: the calendar's overlap query bounds planned_end too (migration 0003).
sa.Index("ix_changes_planned_end", Change.planned_end)
