"""Tables of working time: working schedules, time off and public holidays."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_capacity.base import Base

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WorkingSchedule(Base):
    """Hours a person works on each weekday from `effective_from` until the next schedule."""

    __tablename__ = "working_schedules"

    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    effective_from: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    mon: Mapped[float] = mapped_column(sa.Float)
    tue: Mapped[float] = mapped_column(sa.Float)
    wed: Mapped[float] = mapped_column(sa.Float)
    thu: Mapped[float] = mapped_column(sa.Float)
    fri: Mapped[float] = mapped_column(sa.Float)
    sat: Mapped[float] = mapped_column(sa.Float)
    sun: Mapped[float] = mapped_column(sa.Float)

    @property
    def hours(self) -> tuple[float, ...]:
        return tuple(getattr(self, day) for day in WEEKDAYS)


class TimeOff(Base):
    """Days a person does not work; `hours_per_day` null means whole days."""

    __tablename__ = "time_off"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('vacation', 'sick', 'training', 'other')", name="kind"),
        sa.CheckConstraint("end_date >= start_date", name="dates"),
        sa.Index("ix_time_off_person_id_start_date", "person_id", "start_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    hours_per_day: Mapped[float | None] = mapped_column(sa.Float)
    kind: Mapped[str] = mapped_column(sa.String(20))
    approved: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Holiday(Base):
    """A public holiday at a location: nobody there works that day."""

    __tablename__ = "holidays"
    __table_args__ = (sa.UniqueConstraint("location", "date", name="uq_holidays_location_date"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    location: Mapped[str] = mapped_column(sa.String(100))
    date: Mapped[date] = mapped_column(sa.Date, index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
