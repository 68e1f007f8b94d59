"""Demand lines of a project."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base


class DemandLine(Base):
    """Hours per week a project wants for a role (and skill) over a range of days, maybe for a named person."""

    __tablename__ = "project_demands"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="kind"),
        sa.CheckConstraint('"end" >= start', name="window"),
        sa.CheckConstraint("hours_per_week > 0", name="hours"),
        sa.CheckConstraint("min_proficiency BETWEEN 1 AND 5", name="proficiency"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    role: Mapped[str] = mapped_column(sa.String(100))
    skill: Mapped[str | None] = mapped_column(sa.String(100))
    min_proficiency: Mapped[int]
    person_id: Mapped[uuid.UUID | None]
    hours_per_week: Mapped[float] = mapped_column(sa.Float)
    start: Mapped[date] = mapped_column(sa.Date)
    end: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
