"""The milestones table."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base


class Milestone(Base):
    """A dated point in a project's plan; a go-live also carries its window and the services and CIs it touches."""

    __tablename__ = "milestones"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('milestone', 'go_live')", name="kind"),
        sa.CheckConstraint("status IN ('planned', 'completed')", name="status"),
        sa.CheckConstraint("(status = 'completed') = (actual_date IS NOT NULL)", name="actual_iff_completed"),
        sa.CheckConstraint("kind = 'go_live' OR (window_start IS NULL AND window_end IS NULL)",
                           name="window_only_for_go_live"),
        sa.CheckConstraint("(window_start IS NULL) = (window_end IS NULL)", name="window_both_or_none"),
        sa.CheckConstraint("window_end IS NULL OR window_end > window_start", name="window_order"),
        sa.Index("ix_milestones_project_id_forecast_date", "project_id", "forecast_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")
    baseline_date: Mapped[date | None] = mapped_column(sa.Date)
    forecast_date: Mapped[date] = mapped_column(sa.Date)
    actual_date: Mapped[date | None] = mapped_column(sa.Date)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    service_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    ci_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
