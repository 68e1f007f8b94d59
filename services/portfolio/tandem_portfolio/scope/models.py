"""The scope change log table."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from tandem_shared.db import UTCDateTime, new_id, utcnow

from tandem_portfolio.base import Base


class ScopeChange(Base):
    """A change to what a project delivers, with its impact on schedule (days) and cost, and who decided it."""

    __tablename__ = "scope_changes"
    __table_args__ = (
        sa.CheckConstraint("status IN ('proposed', 'approved', 'rejected')", name="status"),
        sa.CheckConstraint("cost_impact = 0 OR currency IS NOT NULL", name="cost_has_currency"),
        sa.CheckConstraint("(status = 'proposed') = (decided_by IS NULL)", name="decided_iff_not_proposed"),
        sa.Index("ix_scope_changes_project_id_status", "project_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    schedule_impact_days: Mapped[int] = mapped_column(default=0)
    cost_impact: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal(0))
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(20))
    requested_by: Mapped[str] = mapped_column(sa.String(200))
    decided_by: Mapped[str | None] = mapped_column(sa.String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}
