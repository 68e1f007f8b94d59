"""Tables of bookings: a person's hours over a window, and their share in each ISO week."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_capacity.base import Base


class Booking(Base):
    """Hours of one person reserved for a change, project or operations work over a window."""

    __tablename__ = "bookings"
    __table_args__ = (
        sa.Index("ix_bookings_source_id_source", "source_id", "source"),
        sa.CheckConstraint("source IN ('change', 'project', 'operations')", name="source"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="kind"),
        sa.CheckConstraint("status IN ('active', 'released')", name="status"),
        sa.CheckConstraint('"end" > start', name="window"),
        sa.CheckConstraint("hours >= 0", name="hours"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    source_id: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(10))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    hours: Mapped[float] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    release_reason: Mapped[str | None] = mapped_column(sa.String(500))
    skill: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    role: Mapped[str | None] = mapped_column(sa.String(100))
    source_line: Mapped[str | None] = mapped_column(sa.String(100))
    # Who booked it (by hand, or the actor of the event that did): a project manager acts on their own bookings only.
    booked_by: Mapped[str | None] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    weeks: Mapped[list[BookingWeek]] = relationship(
        lazy="selectin", order_by="BookingWeek.week", cascade="all, delete-orphan"
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class BookingWeek(Base):
    """The share of a booking's hours in one ISO week (`2026-W49`)."""

    __tablename__ = "booking_weeks"

    booking_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[str] = mapped_column(sa.String(8), primary_key=True, index=True)
    hours: Mapped[float] = mapped_column(sa.Float)
