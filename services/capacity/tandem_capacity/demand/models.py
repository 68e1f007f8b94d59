"""Role requests: project demand lines without a named person, waiting for a resource manager."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_capacity.base import Base


class RoleRequest(Base):
    """An open (or filled, or canceled) demand line of a project: a role, maybe a skill, hours per week."""

    __tablename__ = "role_requests"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "line_id", name="uq_role_requests_project_id"),
        sa.CheckConstraint("status IN ('open', 'filled', 'canceled')", name="status"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="kind"),
        sa.CheckConstraint('"end" >= start', name="window"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID]
    project_name: Mapped[str] = mapped_column(sa.String(200))
    line_id: Mapped[uuid.UUID]
    role: Mapped[str] = mapped_column(sa.String(100))
    skill: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    min_proficiency: Mapped[int]
    hours_per_week: Mapped[float] = mapped_column(sa.Float)
    start: Mapped[date] = mapped_column(sa.Date)
    end: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20), index=True, default="open")
    person_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("people.id"))
    booking_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("bookings.id"))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
