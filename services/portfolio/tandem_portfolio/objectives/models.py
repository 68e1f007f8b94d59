"""The strategic objective table, and the projects that serve each objective."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base


class StrategicObjective(Base):
    """An objective the portfolio serves, with its weight and the period it runs over."""

    __tablename__ = "strategic_objectives"
    __table_args__ = (
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint("period_end >= period_start", name="period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    weight: Mapped[float] = mapped_column(sa.Float)
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, index=True)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ProjectObjective(Base):
    """A strategic objective a project serves, and how much it contributes (0–5)."""

    __tablename__ = "project_objectives"
    __table_args__ = (sa.CheckConstraint("contribution BETWEEN 0 AND 5", name="contribution"),)

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    objective_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("strategic_objectives.id"), primary_key=True,
                                                    index=True)
    contribution: Mapped[int]
    position: Mapped[int]
