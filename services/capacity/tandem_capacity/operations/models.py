"""Operational baseline work: recurring run work of a team or person, and on-call rotations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_capacity.base import Base


class RunWork(Base):
    """Hours per week of recurring run work for a team (split among its members) or for one person."""

    __tablename__ = "run_work"
    __table_args__ = (
        sa.CheckConstraint("(team IS NULL) <> (person_id IS NULL)", name="team_or_person"),
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="kind"),
        sa.CheckConstraint('"end" >= start', name="window"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    team: Mapped[str | None] = mapped_column(sa.String(100))
    person_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("people.id"))
    hours_per_week: Mapped[float] = mapped_column(sa.Float)
    start: Mapped[date] = mapped_column(sa.Date)
    end: Mapped[date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[str] = mapped_column(sa.String(10))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class Rotation(Base):
    """An on-call rotation: members take turns of `rotation_weeks` whole ISO weeks, in order."""

    __tablename__ = "rotations"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('soft', 'hard')", name="kind"),
        sa.CheckConstraint('"end" >= start', name="window"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    team: Mapped[str] = mapped_column(sa.String(100))
    members: Mapped[list[str]] = mapped_column(sa.JSON)
    rotation_weeks: Mapped[int]
    hours_per_week: Mapped[float] = mapped_column(sa.Float)
    start: Mapped[date] = mapped_column(sa.Date)
    end: Mapped[date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[str] = mapped_column(sa.String(10))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
