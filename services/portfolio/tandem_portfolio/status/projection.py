"""What portfolio keeps of capacity's events for the resources dimension: people, project bookings, over-allocations.

Filled by the handlers in `status/handlers.py`; never written by the API.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, utcnow

from tandem_portfolio.base import Base


class KnownPerson(Base):
    """A person of capacity, by name (so explanations name people)."""

    __tablename__ = "capacity_people"

    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    team: Mapped[str | None] = mapped_column(sa.String(100))


class ProjectBooking(Base):
    """A capacity booking whose source is a project: who, which ISO weeks, and whether it was released."""

    __tablename__ = "capacity_project_bookings"
    __table_args__ = (sa.Index("ix_capacity_project_bookings_project_id_person_id", "project_id", "person_id"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    project_id: Mapped[uuid.UUID]
    person_id: Mapped[uuid.UUID]
    first_week: Mapped[str] = mapped_column(sa.String(8))
    last_week: Mapped[str] = mapped_column(sa.String(8))
    hours: Mapped[float] = mapped_column(sa.Float)
    released: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Overallocation(Base):
    """An over-allocation episode of a person, open until capacity clears it."""

    __tablename__ = "capacity_overallocations"
    __table_args__ = (sa.Index("ix_capacity_overallocations_person_id_open", "person_id", "open"),)

    episode_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID]
    team: Mapped[str | None] = mapped_column(sa.String(100))
    first_week: Mapped[str] = mapped_column(sa.String(8))
    last_week: Mapped[str] = mapped_column(sa.String(8))
    peak_utilisation: Mapped[float] = mapped_column(sa.Float)
    open: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
