"""Tables of what-if scenarios: a named window and its own copy of bookings."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_capacity.base import Base


class Scenario(Base):
    """A what-if copy of the live bookings of a window."""

    __tablename__ = "scenarios"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    from_date: Mapped[date] = mapped_column(sa.Date)
    to_date: Mapped[date] = mapped_column(sa.Date)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScenarioBooking(Base):
    """A booking inside a scenario; `live_booking_id` names the live booking it was copied from, if any."""

    __tablename__ = "scenario_bookings"
    __table_args__ = (
        sa.CheckConstraint("source IN ('change', 'project', 'operations')", name="source"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    scenario_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True)
    live_booking_id: Mapped[uuid.UUID | None] = mapped_column()
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(sa.String(20))
    source_id: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(10))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    hours: Mapped[float] = mapped_column(sa.Float)
    weeks: Mapped[list[list]] = mapped_column(sa.JSON, default=list)
