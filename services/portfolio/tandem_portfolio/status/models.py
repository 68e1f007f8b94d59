"""RAG overrides and weekly status reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base

COLOURS = "('green', 'amber', 'red')"


class StatusOverride(Base):
    """A colour set by hand for one dimension of a project's status, with its reason and expiry."""

    __tablename__ = "status_overrides"
    __table_args__ = (
        sa.CheckConstraint("dimension IN ('schedule', 'budget', 'scope', 'resources')", name="dimension"),
        sa.CheckConstraint(f"colour IN {COLOURS}", name="colour"),
        sa.CheckConstraint("expires_at > set_at", name="expires_after_set"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    colour: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    set_by: Mapped[str] = mapped_column(sa.String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StatusReport(Base):
    """A weekly status report: the RAG, milestones and top risks frozen when filed, and the narrative. Immutable."""

    __tablename__ = "status_reports"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "week", name="uq_status_reports_project_id_week"),
        sa.CheckConstraint(f"overall IN {COLOURS}", name="overall"),
        sa.CheckConstraint(f"schedule IN {COLOURS}", name="schedule"),
        sa.CheckConstraint(f"budget IN {COLOURS}", name="budget"),
        sa.CheckConstraint(f"scope IN {COLOURS}", name="scope"),
        sa.CheckConstraint(f"resources IN {COLOURS}", name="resources"),
        sa.Index("ix_status_reports_project_id_reported_at", "project_id", "reported_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(sa.String(8))
    overall: Mapped[str] = mapped_column(sa.String(10))
    schedule: Mapped[str] = mapped_column(sa.String(10))
    budget: Mapped[str] = mapped_column(sa.String(10))
    scope: Mapped[str] = mapped_column(sa.String(10))
    resources: Mapped[str] = mapped_column(sa.String(10))
    narrative: Mapped[str] = mapped_column(sa.Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    reported_by: Mapped[str] = mapped_column(sa.String(200))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
